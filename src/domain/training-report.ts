import type { Button } from '@slack/web-api';
import { escapeMrkdwn, type SlackMessage } from './announcements.ts';
import type { Block, Cell, Document, Inline } from './document.ts';
import type { Repository } from './lifecycle-variables.ts';
import { describeFailedVerdict, formatMetric, formatSignedMetric, formatThreshold, type MetricVerdict } from './metric-gate.ts';
import { shortSha, trainingFailureReason, type TrainingOutcome } from './training.ts';

/**
 * What the robot says about training, in the words of the platform talk: the TRAIN_RESULT
 * comment on the Jira ticket and the "Train succeeded!" / "Train failed" Slack message, plus
 * the MODEL_CONFIG comment when model.toml at the commit to train is invalid. Pure functions of
 * the stage's facts; values and links only, numbers through {@link formatMetric}.
 */

/** Links the reports carry that are not part of the training facts. */
export interface TrainingReportLinks {
  /** The Jira ticket's page. */
  readonly issueUrl: string;
}

/** At most this many console lines go in a failure comment; the full log is linked. */
export const CONSOLE_TAIL_LINES = 50;
/** Metrics without a threshold shown in the table before "… more in the MLflow run". */
const UNTHRESHOLDED_METRICS_SHOWN = 20;
/** Metrics named in the Slack text before "… more". */
const SLACK_METRICS_SHOWN = 10;

/** The TRAIN_RESULT comment: `[Success] TRAIN_RESULT` or `[Failed] TRAIN_RESULT`. */
export function trainResultComment(outcome: TrainingOutcome, _links: TrainingReportLinks): Document {
  return outcome.outcome === 'success' ? successComment(outcome) : failureComment(outcome);
}

function successComment(outcome: TrainingOutcome): Document {
  const table = metricsTable(outcome);
  return {
    blocks: [
      { type: 'heading', text: '[Success] TRAIN_RESULT' },
      {
        type: 'paragraph',
        content: [
          'Model ',
          { text: outcome.modelName, bold: true },
          ` v${outcome.modelVersion} trained on branch `,
          { text: outcome.branch, code: true },
          ' at commit ',
          commitLink(outcome),
          `, attempt ${outcome.attempt} of ${outcome.maxAttempts}.`,
        ],
      },
      ...table,
      { type: 'bullets', items: linkItems(outcome) },
      { type: 'paragraph', content: [{ text: 'Next:', bold: true }, ' build and test of the inference service.'] },
    ],
  };
}

function failureComment(outcome: TrainingOutcome): Document {
  const links = linkItems(outcome);
  return {
    blocks: [
      { type: 'heading', text: '[Failed] TRAIN_RESULT' },
      {
        type: 'paragraph',
        content: [
          `Training attempt ${outcome.attempt} of ${outcome.maxAttempts} of `,
          { text: outcome.modelName, bold: true },
          ` v${outcome.modelVersion} on branch `,
          { text: outcome.branch, code: true },
          ' at commit ',
          commitLink(outcome),
          ' failed.',
        ],
      },
      ...reasonBlocks(outcome),
      ...(links.length > 0 ? [{ type: 'bullets', items: links } satisfies Block] : []),
      { type: 'paragraph', content: nextAfterFailure(outcome) },
    ],
  };
}

function reasonBlocks(outcome: TrainingOutcome): Block[] {
  switch (outcome.failureClass) {
    case 'metric_gate': {
      const failed = (outcome.gate?.verdicts ?? []).filter((verdict) => !verdict.passed);
      return [
        { type: 'paragraph', content: ['The metrics missed their thresholds:'] },
        ...(failed.length > 0 ? [{ type: 'bullets', items: failed.map((verdict) => [`${describeFailedVerdict(verdict)}.`]) } satisfies Block] : []),
        ...metricsTable(outcome),
      ];
    }
    case 'build_failed': {
      const tail = consoleTail(outcome.build.consoleTail);
      return [
        { type: 'paragraph', content: [trainingFailureReason(outcome)] },
        ...(tail === '' ? [] : [{ type: 'paragraph', content: ['The last lines of the console log:'] } satisfies Block, { type: 'code', text: tail } satisfies Block]),
      ];
    }
    default:
      return [{ type: 'paragraph', content: [trainingFailureReason(outcome)] }];
  }
}

function nextAfterFailure(outcome: TrainingOutcome): Inline[] {
  if (outcome.attempt < outcome.maxAttempts) {
    return [
      'The ticket is back in ',
      { text: 'Research', bold: true },
      '. Move it to ',
      { text: 'Ready for training', bold: true },
      ` to start attempt ${outcome.attempt + 1} of ${outcome.maxAttempts}.`,
    ];
  }
  return [
    `No attempts are left: this was attempt ${outcome.attempt} of ${outcome.maxAttempts}. Once an operator raises `,
    { text: 'training.max_attempts', code: true },
    ' in the policy, move the ticket to Ready for training to train again.',
  ];
}

/** Links to the evidence: the MLflow run, the registered version, the Jenkins build and its console log. */
function linkItems(outcome: TrainingOutcome): Inline[][] {
  const { run, registered, build } = outcome;
  const items: Inline[][] = [];
  if (run) items.push(['MLflow run: ', { text: run.runId, href: run.url }]);
  if (registered) items.push(['Registered as ', { text: `${registered.name} v${registered.version}`, href: registered.url }, `, alias ${registered.alias}`]);
  if (build.url) items.push(['Jenkins build: ', { text: build.number === null ? build.jobPath : `${build.jobPath} #${build.number}`, href: build.url }]);
  if (build.consoleUrl) items.push(['Console log: ', { text: 'Console Output', href: build.consoleUrl }]);
  return items;
}

function commitLink(outcome: TrainingOutcome): Inline {
  return { text: shortSha(outcome.commit), href: `${outcome.repository.htmlUrl}/commit/${outcome.commit}`, code: true };
}

/**
 * metric | value | threshold | margin | champion vN: the thresholded metrics in threshold
 * order, then the run's other metrics. Failed metrics are bold. No table without metrics.
 */
function metricsTable(outcome: TrainingOutcome): Block[] {
  const verdicts = outcome.gate?.verdicts ?? [];
  const thresholded = new Set(verdicts.map((verdict) => verdict.metric));
  const others = Object.entries(outcome.run?.metrics ?? {}).filter(([metric]) => !thresholded.has(metric));
  if (verdicts.length === 0 && others.length === 0) return [];
  const { champion } = outcome;
  const championCell = (metric: string, known: number | null): Cell[] => {
    if (!champion) return [];
    const value = known ?? (Object.hasOwn(champion.metrics, metric) ? champion.metrics[metric] : undefined);
    return [[value === undefined ? '—' : formatMetric(value)]];
  };
  const header: Cell[] = [['metric'], ['value'], ['threshold'], ['margin'], ...(champion ? [[`champion v${champion.version}`]] : [])];
  const rows: Cell[][] = [
    ...verdicts.map((verdict): Cell[] => [
      [verdict.passed ? verdict.metric : { text: verdict.metric, bold: true }],
      [verdictValue(verdict)],
      [formatThreshold(verdict)],
      [verdict.margin === null ? '—' : formatSignedMetric(verdict.margin)],
      ...championCell(verdict.metric, verdict.champion),
    ]),
    ...others.slice(0, UNTHRESHOLDED_METRICS_SHOWN).map(([metric, value]): Cell[] => [[metric], [formatMetric(value)], ['—'], ['—'], ...championCell(metric, null)]),
  ];
  const hidden = others.length - UNTHRESHOLDED_METRICS_SHOWN;
  return [
    { type: 'table', header, rows },
    ...(hidden > 0 ? [{ type: 'paragraph', content: [`… and ${hidden} more metrics in the MLflow run.`] } satisfies Block] : []),
  ];
}

function verdictValue(verdict: MetricVerdict): string {
  if (verdict.reason === 'missing') return 'not logged';
  if (verdict.reason === 'not_finite') return 'not finite';
  return verdict.value === null ? '—' : formatMetric(verdict.value);
}

/** The last lines of the console, without terminal colour codes. */
function consoleTail(lines: readonly string[]): string {
  // eslint-disable-next-line no-control-regex -- ANSI escape sequences are control characters by definition.
  const ansi = /\u001b\[[0-9;?]*[A-Za-z]/g;
  return lines
    .slice(-CONSOLE_TAIL_LINES)
    .map((line) => line.replace(ansi, '').trimEnd())
    .join('\n')
    .trim();
}

// ---- Slack --------------------------------------------------------------------------------

/**
 * The Slack message: "Train succeeded! Model: churn-predictor v3, Branch: main, Train metrics:
 * recall 0.97 (≥ 0.9), …" or "Train failed: <reason>", addressed to the developer by name, with
 * buttons to the Jenkins job, the MLflow run and the Jira task where those exist.
 */
export function trainResultSlack(outcome: TrainingOutcome, links: TrainingReportLinks): SlackMessage {
  const model = `${outcome.modelName} v${outcome.modelVersion}`;
  const buttons: Button[] = [
    ...(outcome.build.url ? [button('Open job in Jenkins', outcome.build.url, 'open_jenkins_build')] : []),
    ...(outcome.run ? [button('Open run in MLflow', outcome.run.url, 'open_mlflow_run')] : []),
    button('Task in Jira', links.issueUrl, 'open_issue'),
  ];
  const issue = `<${links.issueUrl}|${escapeMrkdwn(outcome.issueKey)}>`;
  const commit = `<${outcome.repository.htmlUrl}/commit/${outcome.commit}|${shortSha(outcome.commit)}>`;

  if (outcome.outcome === 'success') {
    const metrics = slackMetrics(outcome);
    const text = `Train succeeded! Model: ${model}, Branch: ${outcome.branch}${metrics ? `, Train metrics: ${metrics}` : ''}`;
    const lines = [
      `*Train succeeded!* ${issue}`,
      `*Model:* ${escapeMrkdwn(model)}`,
      `*Branch:* ${escapeMrkdwn(outcome.branch)} (${commit})`,
      ...(metrics ? [`*Train metrics:* ${escapeMrkdwn(metrics)}`] : []),
      ...(outcome.registered
        ? [`*Registered:* ${escapeMrkdwn(`${outcome.registered.name} v${outcome.registered.version}, alias ${outcome.registered.alias}`)}`]
        : []),
    ];
    return message(escapeMrkdwn(text), lines, buttons);
  }

  const reason = trainingFailureReason(outcome);
  const text = `Train failed: ${reason} Model: ${model}, Branch: ${outcome.branch}`;
  const next =
    outcome.attempt < outcome.maxAttempts
      ? `Move the ticket to Ready for training to start attempt ${outcome.attempt + 1} of ${outcome.maxAttempts}.`
      : `No attempts are left (${outcome.attempt} of ${outcome.maxAttempts}): once an operator raises training.max_attempts, move the ticket to Ready for training to train again.`;
  const lines = [
    `*Train failed* ${issue}, attempt ${outcome.attempt} of ${outcome.maxAttempts}`,
    `${escapeMrkdwn(outcome.developer.displayName)}, the training of *${escapeMrkdwn(model)}* failed. ${escapeMrkdwn(reason)}`,
    `*Branch:* ${escapeMrkdwn(outcome.branch)} (${commit})`,
    `*Next:* ${escapeMrkdwn(next)}`,
  ];
  return message(escapeMrkdwn(text), lines, buttons);
}

/** `recall 0.97 (≥ 0.9), precision 0.96, f1 0.96`: thresholded metrics first, with their thresholds. */
function slackMetrics(outcome: TrainingOutcome): string {
  const verdicts = outcome.gate?.verdicts ?? [];
  const thresholded = new Set(verdicts.map((verdict) => verdict.metric));
  const parts = [
    ...verdicts.map((verdict) => `${verdict.metric} ${verdictValue(verdict)} (${formatThreshold(verdict)})`),
    ...Object.entries(outcome.run?.metrics ?? {})
      .filter(([metric]) => !thresholded.has(metric))
      .map(([metric, value]) => `${metric} ${formatMetric(value)}`),
  ];
  const hidden = parts.length - SLACK_METRICS_SHOWN;
  return [...parts.slice(0, SLACK_METRICS_SHOWN), ...(hidden > 0 ? [`… ${hidden} more`] : [])].join(', ');
}

/** Slack allows 3000 characters in a section's text and 4000 in the fallback. */
function message(text: string, lines: readonly string[], buttons: Button[]): SlackMessage {
  return {
    text: clip(text, 3900),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 3000) } },
      { type: 'actions', elements: buttons },
    ],
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function button(label: string, url: string, actionId: string): Button {
  // Slack limits button text to 75 characters.
  return { type: 'button', text: { type: 'plain_text', text: label.slice(0, 75) }, url, action_id: actionId };
}

// ---- model.toml ---------------------------------------------------------------------------

/** The facts of an invalid model.toml at the commit the lifecycle was asked to train. */
export interface ModelConfigInvalid {
  /** Each problem, already written for a person with its TOML path and the fix. */
  readonly errors: readonly string[];
  readonly repository: Pick<Repository, 'fullName' | 'htmlUrl'>;
  /** The full commit sha that was read. */
  readonly commit: string;
  readonly branch: string;
}

/** The `[Failed] MODEL_CONFIG` comment: one bullet per problem and a link to the file at that commit. */
export function modelConfigInvalidComment(facts: ModelConfigInvalid): Document {
  const { errors, repository, commit, branch } = facts;
  return {
    blocks: [
      { type: 'heading', text: '[Failed] MODEL_CONFIG' },
      {
        type: 'paragraph',
        content: [
          { text: 'model.toml', code: true },
          ' at ',
          { text: shortSha(commit), href: `${repository.htmlUrl}/commit/${commit}`, code: true },
          ' on branch ',
          { text: branch, code: true },
          ' is invalid:',
        ],
      },
      { type: 'bullets', items: errors.map((error) => [error]) },
      {
        type: 'paragraph',
        content: [
          'The file: ',
          { text: `${repository.fullName}/model.toml@${shortSha(commit)}`, href: `${repository.htmlUrl}/blob/${commit}/model.toml` },
          '. Fix it, commit, and move the ticket to ',
          { text: 'Ready for training', bold: true },
          ' again.',
        ],
      },
    ],
  };
}

/**
 * The comment when the lifecycle used every training attempt the policy allows: training does
 * not start, and the ticket goes back to the developer until an operator raises the limit.
 */
export function trainingAttemptsExhaustedComment(facts: { readonly reason: string }): Document {
  return {
    blocks: [
      { type: 'heading', text: '[Failed] TRAIN_RESULT' },
      { type: 'paragraph', content: ['Training did not start. ', facts.reason] },
      {
        type: 'paragraph',
        content: [
          'Once ',
          { text: 'training.max_attempts', code: true },
          ' is raised in the policy, move the ticket to ',
          { text: 'Ready for training', bold: true },
          ' to train again.',
        ],
      },
    ],
  };
}
