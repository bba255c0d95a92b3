import type { Button, KnownBlock } from '@slack/web-api';
import { z } from 'zod';
import { escapeMrkdwn, type SlackMessage } from './announcements.ts';
import type { Block, Document, Inline } from './document.ts';
import { jenkinsBuildResult, type JenkinsBuildResult } from './jenkins-build.ts';
import { describeDecision, type CanaryDecision } from './canary-decision.ts';
import type { StageRecord } from './stage-record.ts';
import { describeFunctionalResults, functionalResultSchema, healthStateSchema, healthVerdictSchema } from './staging-checks.ts';
import { formatDuration } from './training.ts';

/**
 * The delivery stage's facts and what the robot says about them: the deploy builds' parameters,
 * the staging result (health and functional cases), the canary message in its three states
 * (announced, Approve live, concluded) and the canary's end. Pure: workers gather the facts.
 */

export const deployMode = z.enum(['staging', 'canary', 'promote', 'rollback']).describe('What the deploy build does: staging, canary (a share of production traffic), promote (all traffic), rollback (back to the stable version)');
export type DeployMode = z.infer<typeof deployMode>;

/** The Jenkins parameters of a deploy build, as deploy/jenkins/deploy.Jenkinsfile declares them. */
export const deployParameters = z
  .object({
    MODE: deployMode,
    REPOSITORY: z.string().describe('owner/name of the model repository'),
    GIT_COMMIT: z.string().describe('The merged commit being delivered'),
    MODEL_NAME: z.string().describe('model.model_name; also the registered model in MLflow and the service name'),
    MODEL_VERSION: z.string().describe('The registered MLflow model version the service serves'),
    IMAGE: z.string().describe('The inference image the build stage pushed'),
    CPU_LIMIT: z.string().describe('model.toml inference_resources.cpu_limit'),
    MEMORY_LIMIT: z.string().describe('model.toml inference_resources.memory_limit'),
    CANARY_WEIGHT: z.string().describe('Percent of production traffic the canary gets (policy delivery.canary.weight)'),
    JIRA_KEY: z.string().describe('The ticket'),
    ATTEMPT: z.string().describe('Delivery attempt number of this lifecycle'),
    BUILD_KEY: z.string().describe('<issue key>/<mode>/<attempt>: finds the build again after a lost answer, and names the callback'),
    CALLBACK_URL: z.url().describe('Where the job reports its end (POST /webhooks/jenkins)'),
  })
  .describe('Parameters of a deploy build');
export type DeployParameters = z.infer<typeof deployParameters>;

/** A URL pattern of the policy with `{model}` and `{issue}` filled in. */
export function fillUrlPattern(pattern: string, facts: { readonly model: string; readonly issue: string }): string {
  return pattern.replaceAll('{model}', encodeURIComponent(facts.model)).replaceAll('{issue}', encodeURIComponent(facts.issue));
}

/** Where the staging service answers: what the deploy build reported (`service_url`, `health_url`), else the policy's patterns. */
export function stagingEndpoints(
  deploy: Pick<JenkinsBuildResult, 'outputs'>,
  patterns: { readonly serviceUrl: string; readonly healthUrl: string },
): { serviceUrl: string; healthUrl: string } {
  const serviceUrl = deploy.outputs['service_url'] ?? patterns.serviceUrl;
  const healthUrl = deploy.outputs['health_url'] ?? (deploy.outputs['service_url'] ? `${serviceUrl.replace(/\/$/, '')}/health` : patterns.healthUrl);
  return { serviceUrl, healthUrl };
}

// ---- staging ----

const instant = z.iso.datetime({ offset: true });

export const stagingFunctional = z
  .object({
    attempt: z.number().int().min(1).describe('The delivery attempt these cases ran in'),
    serviceUrl: z.url().describe('The staging service the requests went to'),
    commit: z.string().describe('The commit the requests were read at'),
    cases: z.array(functionalResultSchema).describe('Every functional case, in path order'),
    problems: z.array(z.string()).describe('Request files without their recorded answer (and the reverse), one sentence each'),
  })
  .describe('Process variable stagingFunctional: the functional requests of the repository against the staging service');
export type StagingFunctional = z.infer<typeof stagingFunctional>;

/** How the staging health check went, as the probe step leaves it in `stagingHealth`. */
export const stagingHealthSummary = z
  .object({
    attempt: z.number().int().min(1).describe('The delivery attempt being probed'),
    healthUrl: z.string().describe('The address probed'),
    verdict: healthVerdictSchema,
    required: z.number().int().min(1).describe('Good answers in a row that make the service healthy'),
    startedAt: instant.describe('When probing began'),
    deadlineAt: instant.describe('When the service must be healthy by'),
    checks: healthStateSchema.describe('The probes so far'),
    reason: z.string().describe('The verdict in one sentence'),
  })
  .describe('Process variable stagingHealth: the health check of the staging service in this attempt');
export type StagingHealthSummary = z.infer<typeof stagingHealthSummary>;

export const stagingFailureClass = z.enum(['deploy_failed', 'unhealthy', 'functional_mismatch', 'functional_error', 'no_functional_cases']).describe('Why staging failed');
export type StagingFailureClass = z.infer<typeof stagingFailureClass>;

/** The staging attempt judged from the deploy build, the health check and the functional cases. */
export interface StagingVerdict {
  readonly outcome: 'success' | 'failure';
  readonly failureClass: StagingFailureClass | null;
  readonly reason: string | null;
}

export function judgeStaging(input: { deploy: JenkinsBuildResult; health: StagingHealthSummary | null; functional: StagingFunctional | null }): StagingVerdict {
  const { deploy, health, functional } = input;
  if (deploy.result !== 'SUCCESS') {
    return { outcome: 'failure', failureClass: 'deploy_failed', reason: `The staging deploy build ended ${deploy.result}${deploy.failedStage ? ` in stage "${deploy.failedStage}"` : ''}.` };
  }
  if (!health || health.verdict !== 'healthy') {
    return { outcome: 'failure', failureClass: 'unhealthy', reason: health ? `The staging service was not healthy. ${health.reason}` : 'The staging service was not found healthy.' };
  }
  if (!functional || functional.cases.length === 0) {
    const problems = functional && functional.problems.length > 0 ? ` ${functional.problems.join(' ')}` : '';
    return { outcome: 'failure', failureClass: 'no_functional_cases', reason: `The repository has no functional cases (tests_functional/<endpoint>/test_request_*.json with its *_response.json) at the merged commit, so staging proves nothing.${problems}` };
  }
  const failed = functional.cases.filter((one) => one.outcome === 'mismatch');
  const errored = functional.cases.filter((one) => one.outcome === 'error');
  if (failed.length > 0 || errored.length > 0) {
    return { outcome: 'failure', failureClass: failed.length > 0 ? 'functional_mismatch' : 'functional_error', reason: describeFunctionalResults(functional.cases) };
  }
  return { outcome: 'success', failureClass: null, reason: null };
}

export interface StagingFacts {
  readonly issueKey: string;
  readonly attempt: number;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly commit: string;
  readonly deploy: JenkinsBuildResult;
  readonly health: StagingHealthSummary | null;
  readonly functional: StagingFunctional | null;
  readonly serviceUrl: string;
}

/** `[Success]` / `[Failed] STAGING_RESULT`: the service link, the health result and every functional case, with a diff for each mismatch. */
export function stagingResultComment(facts: StagingFacts): Document {
  const verdict = judgeStaging(facts);
  const tag = verdict.outcome === 'success' ? '[Success]' : '[Failed]';
  const blocks: Block[] = [
    { type: 'heading', text: `${tag} STAGING_RESULT` },
    {
      type: 'paragraph',
      content: [
        { text: facts.modelName, bold: true },
        ` v${facts.modelVersion} at commit `,
        { text: facts.commit.slice(0, 12), code: true },
        verdict.outcome === 'success' ? ' is deployed to staging, healthy, and answers every functional request as expected.' : ` failed on staging: ${verdict.reason ?? ''}`,
      ],
    },
    {
      type: 'bullets',
      items: [
        ['Service: ', { text: facts.serviceUrl, href: facts.serviceUrl }],
        ...(facts.deploy.url ? [['Deploy build: ', { text: facts.deploy.number === null ? facts.deploy.jobPath : `${facts.deploy.jobPath} #${facts.deploy.number}`, href: facts.deploy.url }, ` (${facts.deploy.result})`] satisfies Inline[]] : [[`Deploy build: ${facts.deploy.result}`]]),
        ['Health: ', healthWords(facts.health)],
      ],
    },
  ];
  if (facts.functional && facts.functional.cases.length > 0) {
    blocks.push({
      type: 'table',
      header: [['Functional case'], ['Endpoint'], ['Result'], ['Answer']],
      rows: facts.functional.cases.map((one) => [
        [{ text: one.name, code: true }],
        [{ text: one.endpoint, code: true }],
        [one.outcome === 'match' ? 'passed' : one.outcome === 'mismatch' ? 'differs' : 'error'],
        [one.status === 0 ? 'no answer' : `${one.status} in ${Math.round(one.latencyMs)} ms`],
      ]),
    });
    for (const one of facts.functional.cases.filter((candidate) => candidate.outcome !== 'match')) {
      blocks.push({ type: 'paragraph', content: [{ text: one.name, bold: true }, one.outcome === 'mismatch' ? ' differs from its recorded answer:' : ' got no usable answer:'] });
      blocks.push({ type: 'code', text: one.diff });
    }
  }
  if (facts.functional && facts.functional.problems.length > 0) {
    blocks.push({ type: 'paragraph', content: ['Functional files without their pair:'] }, { type: 'bullets', items: facts.functional.problems.map((problem) => [problem]) });
  }
  blocks.push({
    type: 'paragraph',
    content: [verdict.outcome === 'success' ? 'Next: the canary in production.' : 'The ticket goes back to the developer: push a fix (or move the ticket to Ready for build) and the lifecycle builds, reviews and delivers again.'],
  });
  return { blocks };
}

function healthWords(health: StagingHealthSummary | null): string {
  if (!health) return 'not checked';
  return health.reason;
}

/** The staging attempt as a stage record. */
export function stagingStageRecord(facts: StagingFacts, startedAt: string | null, endedAt: string): StageRecord {
  const verdict = judgeStaging(facts);
  const cases = facts.functional?.cases ?? [];
  const passed = cases.filter((one) => one.outcome === 'match').length;
  const links: StageRecord['links'] = [];
  if (facts.deploy.url) links.push({ title: facts.deploy.number === null ? 'Jenkins deploy build' : `Jenkins deploy build #${facts.deploy.number}`, url: facts.deploy.url });
  if (z.url().safeParse(facts.serviceUrl).success) links.push({ title: 'Staging service', url: facts.serviceUrl });
  return {
    stage: 'staging',
    attempt: facts.attempt,
    startedAt,
    endedAt,
    outcome: verdict.outcome,
    failureClass: verdict.failureClass,
    summary:
      verdict.outcome === 'success'
        ? `${facts.modelName} v${facts.modelVersion} deployed to staging, healthy, ${passed} of ${cases.length} functional cases passed.`
        : `Staging of ${facts.modelName} v${facts.modelVersion} failed. ${verdict.reason ?? ''}`,
    links,
  };
}

// ---- canary ----

/** The canary's facts every message and comment shows. */
export const canaryFacts = z
  .object({
    issueKey: z.string().describe('The ticket'),
    issueUrl: z.url().describe("The ticket's page"),
    summary: z.string().describe("The ticket's summary (the task)"),
    initiator: z.string().describe('Who created the ticket'),
    developer: z.string().describe('The developer of the model'),
    modelName: z.string().describe('The model'),
    modelVersion: z.string().describe('The registered MLflow version in the canary'),
    repository: z.object({ fullName: z.string(), htmlUrl: z.url() }).describe('The model repository'),
    weight: z.number().describe('Percent of production traffic the canary gets'),
    grafanaUrl: z.url().describe('Grafana dashboard of the service'),
    cockpitUrl: z.url().describe("The lifecycle's page in Cockpit"),
    attempt: z.number().int().min(1).describe('Delivery attempt'),
    startedAt: instant.describe('When the canary was announced'),
    windowEndsAt: instant.describe('When Approve becomes available'),
  })
  .describe('Process variable canaryFacts: what the canary messages and comments show');
export type CanaryFacts = z.infer<typeof canaryFacts>;

/** The canary analysis as the messages show it: the verdict and one line per query. */
export const analysisView = z
  .object({
    attempt: z.number().int().min(1).describe('The delivery attempt analysed'),
    verdict: z.enum(['running', 'pass', 'fail', 'inconclusive']).describe('running: the window is not over; pass; fail; inconclusive: not enough data, never a pass'),
    samples: z.number().int().min(0).describe('Analysis runs so far'),
    lines: z.array(z.string()).describe('One line per query: its name, the latest value against its threshold, failures so far'),
    reason: z.string().nullable().describe('Why it failed or is inconclusive, naming the query and the value; null otherwise'),
  })
  .describe('Process variable canaryAnalysisView: the canary analysis as the messages and the ticket show it');
export type AnalysisView = z.infer<typeof analysisView>;

export const canaryEnd = z.enum(['approved', 'rejected', 'analysis_failed', 'no_decision', 'deploy_failed']).describe('How the canary ended');
export type CanaryEnd = z.infer<typeof canaryEnd>;

export const canaryOutcome = z
  .object({
    attempt: z.number().int().min(1).describe('Delivery attempt'),
    end: canaryEnd,
    promoted: z.boolean().describe('True when the canary goes to all traffic; false when it is rolled back'),
    automatic: z.boolean().describe('True when the lifecycle decided by itself (analysis failed, no decision, deploy failed)'),
    by: z.object({ userId: z.string(), userName: z.string() }).nullable().describe('Who clicked; null for an automatic end'),
    at: instant.describe('When the end was decided'),
    reason: z.string().describe('Why, in a sentence a person reads'),
    decisionSeconds: z.number().nullable().describe('Seconds from the canary announcement to the decision; null when nobody decided'),
  })
  .describe('Process variable canaryOutcome: how the canary ended and why');
export type CanaryOutcome = z.infer<typeof canaryOutcome>;

/** Settles the canary's end from the path the BPMN took and what is known. */
export function settleCanary(input: {
  end: CanaryEnd;
  attempt: number;
  now: Date;
  startedAt: string | null;
  decision: CanaryDecision | null;
  analysisReason: string | null;
  deployReason: string | null;
  deadline: string | null;
}): CanaryOutcome {
  const { end, decision } = input;
  const human = end === 'approved' || end === 'rejected';
  const at = human && decision ? decision.decidedAt : input.now.toISOString();
  const decisionSeconds = human && input.startedAt ? Math.max(0, (Date.parse(at) - Date.parse(input.startedAt)) / 1000) : null;
  const reasons: Record<CanaryEnd, string> = {
    approved: `Approved by @${decision?.userName ?? '?'}.`,
    rejected: `Rejected by @${decision?.userName ?? '?'}${decision?.reason ? `: ${decision.reason}` : '.'}`,
    analysis_failed: `The automated canary analysis failed: ${input.analysisReason ?? 'a query passed its threshold'}`,
    no_decision: `Nobody approved or rejected the canary by the decision deadline${input.deadline ? ` (${input.deadline})` : ''}.`,
    deploy_failed: input.deployReason ?? 'A deploy build failed.',
  };
  return {
    attempt: input.attempt,
    end,
    promoted: end === 'approved',
    automatic: !human,
    by: human && decision ? { userId: decision.userId, userName: decision.userName } : null,
    at,
    reason: reasons[end],
    decisionSeconds,
  };
}

function header(facts: CanaryFacts): string[] {
  return [
    `*Task:* <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(facts.summary)}`,
    `*Initiator:* ${escapeMrkdwn(facts.initiator)}   *Developer:* ${escapeMrkdwn(facts.developer)}`,
    `*Repository:* <${facts.repository.htmlUrl}|${escapeMrkdwn(facts.repository.fullName)}>`,
    `*Model:* ${escapeMrkdwn(facts.modelName)} v${escapeMrkdwn(facts.modelVersion)}, ${facts.weight}% of production traffic`,
  ];
}

function links(facts: CanaryFacts): Button[] {
  return [
    linkButton('Grafana dashboard', facts.grafanaUrl, 'open_grafana'),
    linkButton('Lifecycle in Cockpit', facts.cockpitUrl, 'open_cockpit'),
    linkButton('Task in Jira', facts.issueUrl, 'open_issue'),
  ];
}

export const CANARY_APPROVE = 'canary:approve';
export const CANARY_REJECT = 'canary:reject';

function decisionButtons(issueKey: string): Button[] {
  return [
    { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', action_id: CANARY_APPROVE, value: issueKey },
    { type: 'button', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', action_id: CANARY_REJECT, value: issueKey },
  ];
}

function section(lines: readonly string[]): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 3000) } };
}

/** The message when the canary is deployed: Approve becomes available after the window. */
export function canaryAnnouncementSlack(facts: CanaryFacts): SlackMessage {
  const window = formatDuration(Date.parse(facts.windowEndsAt) - Date.parse(facts.startedAt));
  return {
    text: `Service deployed in canary mode: ${facts.modelName} v${facts.modelVersion} (${facts.issueKey}). Approve becomes available in ${window}, after stabilisation.`,
    blocks: [
      section([`*Service deployed in canary mode*`, ...header(facts), `*Approve becomes available in ${window}, after stabilisation.* The automated analysis runs meanwhile.`]),
      { type: 'actions', elements: links(facts) },
      { type: 'actions', block_id: 'canary_decision', elements: decisionButtons(facts.issueKey) },
    ],
  };
}

function analysisLines(analysis: AnalysisView): string[] {
  const verdict = {
    running: 'still running',
    pass: 'passed',
    fail: 'failed',
    inconclusive: 'inconclusive (not enough data — this is not a pass; look at the dashboard before you approve)',
  }[analysis.verdict];
  return [`*Canary analysis:* ${verdict}`, ...analysis.lines.map((line) => `• ${escapeMrkdwn(line)}`)];
}

/** The message at the window's end, updated in place: Approve is live, with the analysis figures. */
export function canaryDecisionOpenSlack(facts: CanaryFacts, analysis: AnalysisView, deadlineAt: string): SlackMessage {
  return {
    text: `Canary of ${facts.modelName} v${facts.modelVersion} (${facts.issueKey}): stabilised, Approve is available. Analysis ${analysis.verdict}.`,
    blocks: [
      section([`*Service deployed in canary mode — stabilised, Approve is available*`, ...header(facts), ...analysisLines(analysis), `Without a decision by ${deadlineAt} the canary is rolled back.`]),
      { type: 'actions', elements: links(facts) },
      { type: 'actions', block_id: 'canary_decision', elements: decisionButtons(facts.issueKey) },
    ],
  };
}

/** The reminder to the deciders. */
export function canaryReminderSlack(facts: CanaryFacts, deciders: readonly string[], deadlineAt: string): SlackMessage {
  const who = deciders.length > 0 ? deciders.map((id) => `<@${id}>`).join(' ') : 'Deciders';
  return {
    text: `Reminder: the canary of ${facts.modelName} v${facts.modelVersion} (${facts.issueKey}) waits for Approve or Reject; rolled back at ${deadlineAt} without one.`,
    blocks: [section([`${who}: the canary of *${escapeMrkdwn(facts.modelName)}* v${escapeMrkdwn(facts.modelVersion)} (<${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}>) waits for your Approve or Reject on the canary message. Without a decision by ${deadlineAt} it is rolled back automatically.`])],
  };
}

/** The message once the canary ended, updated in place, without buttons. */
export function canaryConcludedSlack(facts: CanaryFacts, outcome: CanaryOutcome, analysis: AnalysisView | null): SlackMessage {
  const decided = outcome.by ? describeDecision({ action: outcome.promoted ? 'approve' : 'reject', userId: outcome.by.userId, userName: outcome.by.userName, decidedAt: outcome.at }) : null;
  const title = decided
    ? `${decided} — ${outcome.promoted ? 'promoted to all production traffic' : 'rolled back'}`
    : `Rolled back automatically at ${outcome.at.slice(11, 16)} UTC`;
  const text =
    outcome.end === 'approved'
      ? `Approved by @${outcome.by?.userName ?? ''} at ${outcome.at}: ${facts.modelName} v${facts.modelVersion} is in production.`
      : `${facts.modelName} v${facts.modelVersion} canary rolled back: ${outcome.reason}`;
  return {
    text,
    blocks: [
      section([`*${title}*`, ...header(facts), ...(outcome.end === 'approved' ? [] : [`*Why:* ${escapeMrkdwn(outcome.reason)}`]), ...(analysis ? analysisLines(analysis) : [])]),
      { type: 'actions', elements: links(facts) },
    ],
  };
}

/** `[Success]` / `[Failed] CANARY_RESULT` on the ticket. */
export function canaryResultComment(facts: CanaryFacts, outcome: CanaryOutcome, analysis: AnalysisView | null): Document {
  const success = outcome.promoted;
  return {
    blocks: [
      { type: 'heading', text: `${success ? '[Success]' : '[Failed]'} CANARY_RESULT` },
      {
        type: 'paragraph',
        content: [
          { text: facts.modelName, bold: true },
          ` v${facts.modelVersion} `,
          success ? `was approved by @${outcome.by?.userName ?? ''} at ${outcome.at}, promoted to all production traffic and given the champion alias in MLflow.` : `was rolled back: ${outcome.reason}`,
        ],
      },
      {
        type: 'bullets',
        items: [
          ['Grafana: ', { text: 'dashboard', href: facts.grafanaUrl }],
          ['Lifecycle: ', { text: 'Cockpit', href: facts.cockpitUrl }],
          [`Canary: ${facts.weight}% of traffic from ${facts.startedAt}${outcome.decisionSeconds === null ? '' : `; decided after ${formatDuration(outcome.decisionSeconds * 1000)}`}`],
          ...(analysis ? [[`Analysis: ${analysis.verdict}${analysis.lines.length > 0 ? ` — ${analysis.lines.join('; ')}` : ''}`]] : []),
        ],
      },
      {
        type: 'paragraph',
        content: [success ? 'The model is in production; the ticket is Done.' : 'The ticket goes back to the developer: push a fix (or move the ticket to Ready for build) and the lifecycle builds, reviews and delivers again.'],
      },
    ],
  };
}

/** The canary as a stage record. */
export function canaryStageRecord(facts: CanaryFacts, outcome: CanaryOutcome, deploys: readonly (JenkinsBuildResult | null)[]): StageRecord {
  const links: StageRecord['links'] = [
    { title: 'Grafana dashboard', url: facts.grafanaUrl },
    { title: 'Lifecycle in Cockpit', url: facts.cockpitUrl },
    ...deploys.flatMap((deploy) => (deploy?.url ? [{ title: `Jenkins ${deploy.buildKey.split('/')[1] ?? 'deploy'} build${deploy.number === null ? '' : ` #${deploy.number}`}`, url: deploy.url }] : [])),
  ];
  return {
    stage: 'canary',
    attempt: facts.attempt,
    startedAt: facts.startedAt,
    endedAt: outcome.at,
    outcome: outcome.promoted ? 'success' : 'failure',
    failureClass: outcome.promoted ? null : outcome.end,
    summary: outcome.promoted
      ? `${facts.modelName} v${facts.modelVersion} approved by @${outcome.by?.userName ?? ''} and promoted to production.`
      : `Canary of ${facts.modelName} v${facts.modelVersion} rolled back. ${outcome.reason}`,
    links,
  };
}

/** The deploy build as a reason, for a failed deployment. */
export function deployFailureReason(mode: DeployMode, deploy: JenkinsBuildResult): string {
  return `The ${mode} deploy build ended ${deploy.result}${deploy.failedStage ? ` in stage "${deploy.failedStage}"` : ''}${deploy.url ? ` (${deploy.url})` : ''}.`;
}

export const deployResult = jenkinsBuildResult;

function linkButton(label: string, url: string, actionId: string): Button {
  return { type: 'button', text: { type: 'plain_text', text: label.slice(0, 75) }, url, action_id: actionId };
}
