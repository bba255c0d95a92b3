import type { Button } from '@slack/web-api';
import { escapeMrkdwn, type SlackMessage } from './announcements.ts';
import {
  BUILD_CHECK_ORDER,
  buildErrored,
  buildFailureReason,
  buildNextStep,
  CHECK_LABEL,
  checkSummary,
  checksPassed,
  checkThresholdWords,
  checkValueWords,
  CHECK_REPORT,
  describeBuildFailureClass,
  describeTestCount,
  formatPercent,
  plural,
  REPORT_TITLE,
  testName,
  type BuildCheckName,
  type BuildOutcome,
} from './build-outcome.ts';
import type { Block, Cell, Document, Inline } from './document.ts';
import { formatDuration, shortSha } from './training.ts';

/**
 * What the robot says about the build-and-test stage, in the words of the platform talk: the
 * BUILD_RESULT and TESTING_RESULT comments on the Jira ticket and the "Build and tests passed!"
 * / "Build failed" Slack message. Pure functions of {@link BuildOutcome}; every figure has its
 * threshold beside it and every report its link.
 */

/** Links the reports carry that are not part of the build facts. */
export interface BuildReportLinks {
  /** The Jira ticket's page. */
  readonly issueUrl: string;
}

/** Failed tests named in a comment before "… N more". */
export const FAILED_TESTS_SHOWN = 10;
/** mypy errors quoted in a comment before "… N more". */
export const MYPY_ERRORS_SHOWN = 5;
/** Files to reformat, contract changes and diff-coverage files listed before "… N more". */
export const LIST_SHOWN = 10;
/** At most this many console lines go in a comment; the full log is linked. */
export const CONSOLE_TAIL_LINES = 50;
/** A failure message in a comment is cut to this many characters. */
const MESSAGE_SHOWN = 200;

// ---- BUILD_RESULT -------------------------------------------------------------------------

/**
 * The BUILD_RESULT comment: `[Success]`, `[Failed]` when a check failed, or `[ERROR]` when the
 * build itself errored (infrastructure, build_error). It says what was built, the image, the
 * build, its duration, and on failure the class in words, the reason and what comes next.
 */
export function buildResultComment(outcome: BuildOutcome, _links: BuildReportLinks): Document {
  const { build } = outcome;
  const tag = outcome.outcome === 'success' ? '[Success]' : buildErrored(outcome) ? '[ERROR]' : '[Failed]';
  const how = outcome.outcome === 'success' ? 'was built' : buildErrored(outcome) ? 'errored' : 'failed';
  const items: Inline[][] = [
    outcome.image ? ['Image: ', { text: outcome.image, code: true }] : ['Image: none was pushed'],
    ...(build.url ? [['Jenkins build: ', { text: build.number === null ? build.jobPath : `${build.jobPath} #${build.number}`, href: build.url }] satisfies Inline[]] : []),
    ...(build.consoleUrl ? [['Console log: ', { text: 'Console Output', href: build.consoleUrl }] satisfies Inline[]] : []),
    ...(build.durationMs === null ? [] : [[`Duration: ${formatDuration(build.durationMs)}${build.queueWaitMs ? ` (after ${formatDuration(build.queueWaitMs)} in the queue)` : ''}`]]),
    [`Jenkins result: ${build.result}`],
  ];
  const subject: Inline[] = [
    outcome.outcome === 'success' ? 'The inference service of ' : 'The build of the inference service of ',
    { text: outcome.modelName, bold: true },
    ` v${outcome.modelVersion} from branch `,
    { text: outcome.branch, code: true },
    ' at commit ',
    commitLink(outcome),
    ` ${how}, attempt ${outcome.attempt} of ${outcome.maxAttempts}.`,
  ];
  return {
    blocks: [
      { type: 'heading', text: `${tag} BUILD_RESULT` },
      { type: 'paragraph', content: subject },
      { type: 'bullets', items },
      ...failureBlocks(outcome),
      ...consoleBlocks(outcome),
      { type: 'paragraph', content: [buildNextStep(outcome)] },
    ],
  };
}

/** The failure class in words, the reason, and the console rule that decided it, if one did. */
function failureBlocks(outcome: BuildOutcome): Block[] {
  if (outcome.failureClass === null) return [];
  const rule = outcome.failureRule && !/^(check|reports):/.test(outcome.failureRule) ? outcome.failureRule : null;
  return [
    {
      type: 'paragraph',
      content: [
        { text: 'Failure:', bold: true },
        ` ${describeBuildFailureClass(outcome.failureClass)} (`,
        { text: outcome.failureClass, code: true },
        ...(rule ? ['; console rule ', { text: rule, code: true } satisfies Inline] : []),
        ').',
      ],
    },
    { type: 'paragraph', content: [buildFailureReason(outcome)] },
  ];
}

/** The end of the console, when the checks cannot explain the failure. */
function consoleBlocks(outcome: BuildOutcome): Block[] {
  const checksExplain = outcome.failureRule?.startsWith('check:') === true;
  if (outcome.outcome === 'success' || checksExplain) return [];
  const tail = consoleTail(outcome.build.consoleTail);
  if (tail === '') return [];
  return [
    { type: 'paragraph', content: ['The last lines of the console log:'] },
    { type: 'code', text: tail },
  ];
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

// ---- TESTING_RESULT -----------------------------------------------------------------------

/**
 * The TESTING_RESULT comment: `[Success]` exactly when the checks came out clean, else
 * `[Failed]`. A table of every check (result, value, threshold, archived report), then the
 * details a developer fixes from: failed tests with suite and message, restarted tests, the
 * swagger (OpenAPI) changes, the first mypy errors, the files to reformat, uncovered changed
 * lines, reports that could not be read, the failure class, and what comes next.
 */
export function testingResultComment(outcome: BuildOutcome, _links: BuildReportLinks): Document {
  const passed = checksPassed(outcome);
  return {
    blocks: [
      { type: 'heading', text: `${passed ? '[Success]' : '[Failed]'} TESTING_RESULT` },
      {
        type: 'paragraph',
        content: [
          'Checks of ',
          { text: outcome.modelName, bold: true },
          ` v${outcome.modelVersion} on branch `,
          { text: outcome.branch, code: true },
          ' at commit ',
          commitLink(outcome),
          `, attempt ${outcome.attempt} of ${outcome.maxAttempts}:`,
        ],
      },
      checksTable(outcome),
      ...failedTestBlocks(outcome),
      ...flakyBlocks(outcome),
      ...apiContractBlocks(outcome),
      ...mypyBlocks(outcome),
      ...formatBlocks(outcome),
      ...diffCoverageBlocks(outcome),
      ...unreadBlocks(outcome),
      ...(outcome.outcome === 'failure' ? failureBlocks(outcome) : []),
      { type: 'paragraph', content: [buildNextStep(outcome)] },
    ],
  };
}

const STATUS_WORDS = { passed: 'passed', failed: 'failed', unreadable: 'unreadable', missing: 'no report', skipped: 'off' } as const;

/** check | result | value | threshold | report. A check that did not pass is bold. */
function checksTable(outcome: BuildOutcome): Block {
  const { checks } = outcome;
  const rows = BUILD_CHECK_ORDER.map((name): Cell[] => {
    const check = checks[name];
    const fine = check.status === 'passed' || check.status === 'skipped';
    const value = checkValueWords(checks, name);
    return [
      [fine ? CHECK_LABEL[name] : { text: CHECK_LABEL[name], bold: true }],
      [fine ? STATUS_WORDS[check.status] : { text: STATUS_WORDS[check.status], bold: true }],
      [value ?? '—'],
      [checkThresholdWords(checks, name)],
      [check.reportUrl ? { text: reportFileName(check.reportUrl, name), href: check.reportUrl } : '—'],
    ];
  });
  return { type: 'table', header: [['check'], ['result'], ['value'], ['threshold'], ['report']], rows };
}

/** The archived file's name from its address (`mypy_report.txt`), else the report's title. */
function reportFileName(url: string, name: BuildCheckName): string {
  try {
    const segment = new URL(url).pathname.split('/').filter(Boolean).at(-1);
    if (segment && segment !== 'artifact') return decodeURIComponent(segment);
  } catch {
    // An address the URL parser refuses still links; it just has no file name to show.
  }
  return REPORT_TITLE[CHECK_REPORT[name]];
}

function failedTestBlocks(outcome: BuildOutcome): Block[] {
  const tests = outcome.checks.tests.value;
  if (!tests || tests.failures.length === 0) return [];
  const total = Math.max(tests.failed + tests.errors, tests.failures.length);
  const items = tests.failures.slice(0, FAILED_TESTS_SHOWN).map((test): Inline[] => [
    `[${test.suite}] `,
    { text: testName(test), code: true },
    test.outcome === 'error' ? ' errored' : ' failed',
    ...(test.message ? [`: ${clip(firstLine(test.message), MESSAGE_SHOWN)}`] : []),
  ]);
  const more = total - items.length;
  return [
    { type: 'paragraph', content: [{ text: `Failed tests (${total}):`, bold: true }] },
    { type: 'bullets', items: [...items, ...(more > 0 ? [[`… ${more} more in the test report`]] : [])] },
  ];
}

/** "2 functional tests were restarted: a, b." */
function flakyBlocks(outcome: BuildOutcome): Block[] {
  const tests = outcome.checks.tests.value;
  if (!tests || tests.flakyTotal === 0) return [];
  const shown = tests.flaky.slice(0, FAILED_TESTS_SHOWN).map(testName);
  const more = tests.flakyTotal - shown.length;
  const verb = tests.flakyTotal === 1 ? 'was' : 'were';
  return [{ type: 'paragraph', content: [`${describeTestCount(tests.flaky, tests.flakyTotal)} ${verb} restarted: ${shown.join(', ')}${more > 0 ? `, … ${more} more` : ''}.`] }];
}

function apiContractBlocks(outcome: BuildOutcome): Block[] {
  const contract = outcome.checks.apiContract.value;
  if (!contract) return [];
  if (contract.breakingTotal === 0 && contract.nonBreakingTotal === 0) {
    return [{ type: 'paragraph', content: ['Swagger (OpenAPI) contract check passed: no changes to the served API.'] }];
  }
  return [
    ...listBlocks(`Swagger (OpenAPI) contract: ${plural(contract.breakingTotal, 'breaking change')}`, contract.breaking, contract.breakingTotal, true),
    ...listBlocks(`Swagger (OpenAPI) contract: ${plural(contract.nonBreakingTotal, 'warning')} (compatible changes)`, contract.nonBreaking, contract.nonBreakingTotal, false),
  ];
}

function mypyBlocks(outcome: BuildOutcome): Block[] {
  const types = outcome.checks.types.value;
  if (!types || types.errors === 0) return [];
  const shown = types.first.slice(0, MYPY_ERRORS_SHOWN).map((error) => `${error.file}:${error.line}: ${error.message}`);
  const more = types.errors - shown.length;
  return [
    { type: 'paragraph', content: [{ text: `mypy: ${plural(types.errors, 'error')}`, bold: outcome.checks.types.status === 'failed' }, shown.length > 0 ? ':' : '.'] },
    ...(shown.length > 0 ? [{ type: 'code', text: [...shown, ...(more > 0 ? [`… ${more} more`] : [])].join('\n') } satisfies Block] : []),
  ];
}

function formatBlocks(outcome: BuildOutcome): Block[] {
  const format = outcome.checks.format.value;
  if (!format || format.filesToReformat === 0) return [];
  return listBlocks(`format: ${plural(format.filesToReformat, 'file')} to reformat`, format.files, format.filesToReformat, outcome.checks.format.status === 'failed', true);
}

function diffCoverageBlocks(outcome: BuildOutcome): Block[] {
  const check = outcome.checks.diffCoverage;
  if (!check.value || check.value.violations.length === 0) return [];
  const lines = check.value.violations.map((violation) => `${violation.file}: ${violation.lines.length === 1 ? 'line' : 'lines'} ${compactLines(violation.lines)}`);
  const percent = check.value.percent === null ? '' : ` (diff coverage ${formatPercent(check.value.percent)})`;
  return listBlocks(`Changed lines no test ran${percent}`, lines, lines.length, check.status === 'failed', true);
}

/** Reports that were missing or could not be read, each with its reason. */
function unreadBlocks(outcome: BuildOutcome): Block[] {
  const { checks } = outcome;
  const unread = BUILD_CHECK_ORDER.filter((name) => checks[name].status === 'unreadable' || checks[name].status === 'missing');
  if (unread.length === 0) return [];
  return [
    { type: 'paragraph', content: [{ text: 'Reports that could not be read', bold: true }, ' (a check that cannot be read never passes):'] },
    {
      type: 'bullets',
      items: unread.map((name): Inline[] => {
        const check = checks[name];
        const title = REPORT_TITLE[CHECK_REPORT[name]];
        return [
          check.reportUrl ? { text: title, href: check.reportUrl } : title,
          ` ${check.status === 'unreadable' ? 'unreadable' : 'missing'}: ${check.reason ?? ''}`,
        ];
      }),
    },
  ];
}

/** A heading line and its items, the first {@link LIST_SHOWN} and "… N more". */
function listBlocks(title: string, items: readonly string[], total: number, bold: boolean, code = false): Block[] {
  const shown = items.slice(0, LIST_SHOWN).map((item): Inline[] => [code ? { text: item, code: true } : item]);
  const more = total - shown.length;
  return [
    { type: 'paragraph', content: [{ text: title, bold }, ':'] },
    { type: 'bullets', items: [...shown, ...(more > 0 ? [[`… ${more} more`]] : [])] },
  ];
}

/** `3–5, 9`: line numbers with runs collapsed. */
function compactLines(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j += 1;
    runs.push(j > i ? `${sorted[i]}–${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

function commitLink(outcome: BuildOutcome): Inline {
  return { text: shortSha(outcome.commit), href: commitUrl(outcome), code: true };
}

function commitUrl(outcome: BuildOutcome): string {
  return `${outcome.repository.htmlUrl}/commit/${outcome.commit}`;
}

// ---- Slack --------------------------------------------------------------------------------

/**
 * The Slack message to the developer in the team channel: "Build and tests passed! Model:
 * churn-predictor v3, image …, coverage 68% (≥ 60%), diff coverage 100% (≥ 80%)", or "Build
 * failed: <class>. <reason>" (`Build errored` when the build itself broke), with what comes
 * next and buttons to the Jenkins job, the Jira task and the commit.
 */
export function buildResultSlack(outcome: BuildOutcome, links: BuildReportLinks): SlackMessage {
  const model = `${outcome.modelName} v${outcome.modelVersion}`;
  const buttons: Button[] = [
    ...(outcome.build.url ? [button('Open job in Jenkins', outcome.build.url, 'open_jenkins_build')] : []),
    button('Task in Jira', links.issueUrl, 'open_issue'),
    button(`${outcome.repository.fullName}@${shortSha(outcome.commit)}`, commitUrl(outcome), 'open_commit'),
  ];
  const issue = `<${links.issueUrl}|${escapeMrkdwn(outcome.issueKey)}>`;
  const commit = `<${commitUrl(outcome)}|${shortSha(outcome.commit)}>`;
  const checks = BUILD_CHECK_ORDER.map((name) => checkSummary(outcome.checks, name)).join('; ');
  const flaky = flakyBlocks(outcome).flatMap((block) => (block.type === 'paragraph' ? block.content.map((part) => (typeof part === 'string' ? part : part.text)) : []));

  if (outcome.outcome === 'success') {
    const coverage = coverageWords(outcome);
    const text = `Build and tests passed! Model: ${model}${outcome.image ? `, image ${outcome.image}` : ''}${coverage ? `, ${coverage}` : ''}`;
    const lines = [
      `*Build and tests passed!* ${issue}`,
      `*Model:* ${escapeMrkdwn(model)}`,
      `*Branch:* ${escapeMrkdwn(outcome.branch)} (${commit})`,
      ...(outcome.image ? [`*Image:* \`${escapeMrkdwn(outcome.image)}\``] : []),
      `*Checks:* ${escapeMrkdwn(checks)}`,
      ...flaky.map((line) => `*Restarted:* ${escapeMrkdwn(line)}`),
      `*${escapeMrkdwn(buildNextStep(outcome))}*`,
    ];
    return message(escapeMrkdwn(text), lines, buttons);
  }

  const errored = buildErrored(outcome);
  const verb = errored ? 'errored' : 'failed';
  const failureClass = describeBuildFailureClass(outcome.failureClass ?? 'unknown');
  const reason = buildFailureReason(outcome);
  const text = `Build ${verb}: ${failureClass}. ${reason} Model: ${model}, Branch: ${outcome.branch}`;
  const lines = [
    `*Build ${verb}* ${issue}, attempt ${outcome.attempt} of ${outcome.maxAttempts}`,
    `${escapeMrkdwn(outcome.developer.displayName)}, the build and tests of *${escapeMrkdwn(model)}* ${verb}: ${escapeMrkdwn(failureClass)}. ${escapeMrkdwn(reason)}`,
    `*Branch:* ${escapeMrkdwn(outcome.branch)} (${commit})`,
    `*Checks:* ${escapeMrkdwn(checks)}`,
    ...flaky.map((line) => `*Restarted:* ${escapeMrkdwn(line)}`),
    `*Next:* ${escapeMrkdwn(buildNextStep(outcome))}`,
  ];
  return message(escapeMrkdwn(text), lines, buttons);
}

/** `coverage 68% (≥ 60%), diff coverage 100% (≥ 80%)`: the coverage checks that were read. */
function coverageWords(outcome: BuildOutcome): string {
  const { checks } = outcome;
  return (['coverage', 'diffCoverage'] as const)
    .flatMap((name) => {
      const value = checkValueWords(checks, name);
      if (value === null) return [];
      const threshold = checks[name].threshold === null ? '' : ` (${checkThresholdWords(checks, name)})`;
      return [`${CHECK_LABEL[name]} ${value}${threshold}`];
    })
    .join(', ');
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

function button(label: string, url: string, actionId: string): Button {
  // Slack limits button text to 75 characters.
  return { type: 'button', text: { type: 'plain_text', text: label.slice(0, 75) }, url, action_id: actionId };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}
