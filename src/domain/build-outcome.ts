import { z } from 'zod';
import { buildFailureClass, classifyBuildFailure, type BuildFailureClass } from './build-failure.ts';
import { effectiveBuildChecksSchema, type EffectiveBuildChecks } from './build-checks.ts';
import type { readCobertura, readDiffCover, readMypy, readOpenApiDiff, readRuffFormat, ReportRead, TestCaseResult, TestSummary } from './build-reports.ts';
import { jenkinsBuildResult, type JenkinsBuildResult } from './jenkins-build.ts';
import { jiraUserSchema } from './jira-issue.ts';
import { commitSha, issueKey, repository } from './lifecycle-variables.ts';
import { modelNameSchema } from './model-toml.ts';
import type { StageRecord } from './stage-record.ts';
import { formatDuration, shortSha } from './training.ts';

/**
 * The "build and test" stage's facts: one Jenkins build of the inference service, the checks
 * its reports decide (tests, mypy, format, the OpenAPI contract, coverage and diff coverage),
 * and the verdict on the attempt. Pure data and pure functions: the workers read the reports
 * (src/domain/build-reports.ts) and store the result as the process variable `buildOutcome`;
 * src/domain/build-report.ts renders it.
 */

// ---- Schemas --------------------------------------------------------------------------------

/**
 * How one check ended:
 * - `passed`: its report was read and meets the threshold;
 * - `failed`: its report was read and misses the threshold;
 * - `unreadable`: the report is there but could not be parsed;
 * - `missing`: there is no report: the build did not archive it, or stopped before the check ran;
 * - `skipped`: the check is off (format, when formatting is not required); its value is still shown.
 * Only `passed` and `skipped` let an attempt succeed.
 */
export const checkStatus = z
  .enum(['passed', 'failed', 'unreadable', 'missing', 'skipped'])
  .describe('How the check ended: passed, failed (misses its threshold), unreadable, missing (no report), skipped (the check is off)');

export type CheckStatus = z.infer<typeof checkStatus>;

/** Lists kept in the facts are cut to this many entries; the counts stay exact. */
export const FACTS_LIST_LIMIT = 100;
/** A test failure message is cut to this many characters. */
export const FACTS_MESSAGE_LIMIT = 500;

/** The common shape of a check: status, why, the archived report, the threshold and what the report says. */
function checkFacts<Threshold extends z.ZodType, Value extends z.ZodType>(description: string, threshold: Threshold, value: Value) {
  return z
    .object({
      status: checkStatus,
      reason: z
        .string()
        .nullable()
        .describe('Why it failed, could not be read, is missing or was skipped, in a sentence a person reads; null for a plain pass'),
      reportUrl: z.url().nullable().describe('The archived report in Jenkins; null when the build archived none'),
      threshold: threshold.nullable().describe('What the check must meet; null when it has no threshold or is off'),
      value: value.nullable().describe('What the report says; null when it is missing or unreadable'),
    })
    .describe(description);
}

const count = z.number().int().min(0);

/** One test case as the facts keep it: a failure, or a test that passed after a rerun. */
export const testCaseFacts = z
  .object({
    name: z.string().describe('Test name, e.g. "test_predict_returns_probability"'),
    classname: z.string().describe('Class or module of the test, e.g. "tests.unit.test_model"'),
    suite: z.enum(['unit', 'functional']).describe('unit, or functional (the requests in tests_functional/ against the running service)'),
    outcome: z.enum(['passed', 'failed', 'error', 'skipped']).describe('Final outcome, after any reruns'),
    message: z.string().nullable().describe(`The failure message, cut to ${FACTS_MESSAGE_LIMIT} characters; null when there is none`),
    reruns: count.describe('Times the test was run again after a failure'),
  })
  .describe('One test case');

export type TestCaseFacts = z.infer<typeof testCaseFacts>;

/** The test summary as process-variable data. */
export const testSummaryFacts = z
  .object({
    total: count.describe('Test cases run'),
    passed: count.describe('Test cases that passed (flaky ones included)'),
    failed: count.describe('Test cases that failed an assertion'),
    errors: count.describe('Test cases that errored'),
    skipped: count.describe('Test cases skipped'),
    failures: z.array(testCaseFacts).describe(`The failed and erroring test cases, the first ${FACTS_LIST_LIMIT}`),
    flaky: z.array(testCaseFacts).describe(`Test cases that failed, then passed on a rerun, the first ${FACTS_LIST_LIMIT}`),
    flakyTotal: count.describe('Test cases that failed, then passed on a rerun'),
  })
  .describe('The JUnit test results of the unit and functional suites');

export type TestSummaryFacts = z.infer<typeof testSummaryFacts>;

const percent = z.number().min(0).max(100);
/** Where a threshold came from: the model's model.toml or the platform policy. */
const source = effectiveBuildChecksSchema.shape.source.shape.coverageMin;

/** The facts of every check of an attempt, in the order a failure is classified. */
export const buildChecks = z
  .object({
    tests: checkFacts(
      'Unit and functional tests: any failed or erroring test fails',
      z.null().describe('Tests have no threshold: any failed or erroring test fails the check'),
      testSummaryFacts,
    ),
    types: checkFacts(
      'Type check (mypy): fails above the allowed number of errors',
      z.object({ maxErrors: count.describe('mypy errors allowed'), source }),
      z.object({
        errors: count.describe('mypy errors found'),
        filesChecked: count.nullable().describe('Source files mypy checked; null when the report does not say'),
        first: z
          .array(
            z.object({
              file: z.string().describe('File, relative to the repository'),
              line: z.number().int().describe('Line number'),
              message: z.string().describe("mypy's message"),
            }),
          )
          .describe('The first errors, in report order'),
      }),
    ),
    format: checkFacts(
      'Format check (ruff format --check): fails when a file needs reformatting and formatting is required',
      z.object({ required: z.literal(true).describe('Formatting is required (when it is not, the check is off)'), source }),
      z.object({
        filesToReformat: count.describe('Files ruff would reformat'),
        files: z.array(z.string()).describe(`Those files, the first ${FACTS_LIST_LIMIT}`),
        filesChecked: count.nullable().describe('Files checked; null when the report does not say'),
      }),
    ),
    apiContract: checkFacts(
      'Swagger (OpenAPI) contract check against the served version: any breaking change fails',
      z.null().describe('No threshold: any breaking change fails the check'),
      z.object({
        breakingTotal: count.describe('Breaking changes'),
        breaking: z.array(z.string()).describe(`The breaking changes, the first ${FACTS_LIST_LIMIT}`),
        nonBreakingTotal: count.describe('Compatible changes (warnings)'),
        nonBreaking: z.array(z.string()).describe(`The compatible changes, the first ${FACTS_LIST_LIMIT}`),
      }),
    ),
    coverage: checkFacts(
      'Overall line coverage (Cobertura): fails below the minimum',
      z.object({ min: percent.describe('Minimum line coverage, percent'), source }),
      z.object({
        percent: percent.describe('Line coverage, percent'),
        linesCovered: count.describe('Lines covered'),
        linesValid: count.describe('Lines measured'),
      }),
    ),
    diffCoverage: checkFacts(
      'Coverage of the changed lines (diff-cover): fails below the minimum; no changed lines passes',
      z.object({ min: percent.describe('Minimum coverage of changed lines, percent'), source }),
      z.object({
        percent: percent.nullable().describe('Coverage of the changed lines, percent; null when no measured line changed'),
        linesChanged: count.describe('Changed lines measured'),
        violations: z
          .array(z.object({ file: z.string().describe('File'), lines: z.array(z.number().int()).describe('Changed lines not covered') }))
          .describe(`Files with uncovered changed lines, the first ${FACTS_LIST_LIMIT}`),
      }),
    ),
  })
  .describe('Every check of the build, each with its status, threshold, value and report');

export type BuildChecks = z.infer<typeof buildChecks>;
/** A check's name: tests, types, format, apiContract, coverage, diffCoverage. */
export type BuildCheckName = keyof BuildChecks;
/** The facts of one check. */
export type CheckFacts = BuildChecks[BuildCheckName];

/** The checks in the order the first failed one classifies an attempt. */
export const BUILD_CHECK_ORDER = ['tests', 'types', 'format', 'apiContract', 'coverage', 'diffCoverage'] as const satisfies readonly BuildCheckName[];

/** Process variable `buildOutcome`: the facts of one build-and-test attempt. */
export const buildOutcome = z
  .object({
    issueKey,
    attempt: z.number().int().min(1).describe('This build attempt, from 1'),
    maxAttempts: z.number().int().min(1).describe('Build attempts the policy allows one lifecycle'),
    modelName: modelNameSchema,
    modelVersion: z.string().min(1).describe('The MLflow model version registered by training, which the service serves'),
    branch: z.string().min(1).describe('Branch built'),
    commit: commitSha.describe('Commit built (full sha)'),
    repository: repository.pick({ fullName: true, htmlUrl: true }).describe('The model repository'),
    developer: jiraUserSchema.describe('The developer of the model, whom the reports address'),
    build: jenkinsBuildResult.describe('The Jenkins build of the inference service'),
    image: z.string().min(1).nullable().describe('The inference image the build pushed, e.g. "registry.acme.test/ml/churn-predictor:3-3f2a9c1"; null when none'),
    outcome: z.enum(['success', 'failure']).describe('How the attempt ended'),
    failureClass: buildFailureClass.nullable().describe('Why it failed, one class per attempt; null on success'),
    failureRule: z
      .string()
      .nullable()
      .describe('What decided the class: "check:<check>", "check:tests:flaky", "reports:unreadable", "reports:missing" or the console rule id; null on success or when nothing matched'),
    checks: buildChecks,
  })
  .refine((value) => (value.outcome === 'success') === (value.failureClass === null), {
    message: 'failureClass is null exactly when outcome is success',
    path: ['failureClass'],
  })
  .describe('The facts of one build-and-test attempt');

export type BuildOutcome = z.infer<typeof buildOutcome>;

// ---- The judge ------------------------------------------------------------------------------

/** What the readers of src/domain/build-reports.ts returned for each report of the build. */
export interface BuildReports {
  /** JUnit XML of both suites, or Jenkins' test report. */
  readonly junit: ReportRead<TestSummary>;
  readonly mypy: ReturnType<typeof readMypy>;
  readonly format: ReturnType<typeof readRuffFormat>;
  readonly coverage: ReturnType<typeof readCobertura>;
  readonly diffCover: ReturnType<typeof readDiffCover>;
  readonly openApiDiff: ReturnType<typeof readOpenApiDiff>;
}

/** The name of one report of the build. */
export type BuildReportKey = keyof BuildReports;

/** The report each check reads. */
export const CHECK_REPORT = {
  tests: 'junit',
  types: 'mypy',
  format: 'format',
  apiContract: 'openApiDiff',
  coverage: 'coverage',
  diffCoverage: 'diffCover',
} as const satisfies Record<BuildCheckName, BuildReportKey>;

/** Each report as a person names it. */
export const REPORT_TITLE: Record<BuildReportKey, string> = {
  junit: 'test report (JUnit)',
  mypy: 'mypy report',
  format: 'format report (ruff)',
  coverage: 'coverage report (Cobertura)',
  diffCover: 'diff-cover report',
  openApiDiff: 'swagger report (OpenAPI diff)',
};

/** The thresholds in force for the build: model.toml over the policy (src/domain/build-checks.ts). */
export type BuildThresholds = EffectiveBuildChecks;

/** Everything the verdict depends on. */
export interface JudgeBuildInput {
  readonly build: JenkinsBuildResult;
  readonly reports: BuildReports;
  /** The archived report's address in Jenkins, by report. */
  readonly reportUrls: Partial<Record<BuildReportKey, string>>;
  readonly thresholds: BuildThresholds;
}

/** The verdict on an attempt: the part of {@link BuildOutcome} the reports and the build decide. */
export type BuildVerdict = Pick<BuildOutcome, 'outcome' | 'failureClass' | 'failureRule' | 'checks'>;

/** Results with which the pipeline ran to its end, so every report should be there. */
const RAN_THROUGH: ReadonlySet<JenkinsBuildResult['result']> = new Set(['SUCCESS', 'UNSTABLE']);

/**
 * The verdict on a build-and-test attempt. Pure.
 *
 * Each check is judged from its report: tests fail on any failed or erroring test; types when
 * mypy errors exceed `mypyMaxErrors`; format when files need reformatting and `formatRequired`;
 * the API contract on any breaking change; coverage when line rate × 100 < `coverageMin`; diff
 * coverage when its percent < `diffCoverageMin` (no changed lines passes). The format check
 * is off (`skipped`, its value still shown) when formatting is not required. A report that is not there is `missing` (its reason says whether the build stopped before it),
 * one that cannot be parsed is `unreadable`; neither ever passes.
 *
 * The attempt succeeds only when Jenkins says SUCCESS and every check passed or is off; a
 * SUCCESS build with flaky tests succeeds and keeps them in the facts. Otherwise one failure
 * class, decided in this order:
 * 1. the first failed check: unit_tests, functional_tests, type_errors, format, api_contract,
 *    coverage_gate (rule `check:<check>`);
 * 2. a SUCCESS build with a missing or unreadable report: `unknown` (rule `reports:unreadable`
 *    or `reports:missing`);
 * 3. a build that stopped (FAILURE, ABORTED, …) before a report was written: the console
 *    classifier, whatever it says;
 * 4. every report read and passing, tests that passed only when restarted, and Jenkins marked
 *    the build UNSTABLE or FAILURE: `flaky` (rule `check:tests:flaky`), unless the console
 *    classifier finds infrastructure or a broken build;
 * 5. the console classifier when it recognises something;
 * 6. `unknown`, its rule naming unreadable or missing reports when there are any.
 */
export function judgeBuild(input: JudgeBuildInput): BuildVerdict {
  const { build, reports, reportUrls, thresholds } = input;
  const context = (name: BuildCheckName): CheckContext => {
    const report = CHECK_REPORT[name];
    return { report, reportUrl: reportUrls[report] ?? null, result: build.result };
  };
  const checks: BuildChecks = {
    tests: judgeTests(reports.junit, context('tests')),
    types: judgeTypes(reports.mypy, { maxErrors: thresholds.mypyMaxErrors, source: thresholds.source.mypyMaxErrors }, context('types')),
    format: judgeFormat(reports.format, thresholds.formatRequired ? { required: true, source: thresholds.source.formatRequired } : null, context('format')),
    apiContract: judgeApiContract(reports.openApiDiff, context('apiContract')),
    coverage: judgeCoverage(reports.coverage, { min: thresholds.coverageMin, source: thresholds.source.coverageMin }, context('coverage')),
    diffCoverage: judgeDiffCoverage(reports.diffCover, { min: thresholds.diffCoverageMin, source: thresholds.source.diffCoverageMin }, context('diffCoverage')),
  };
  const status = (name: BuildCheckName) => checks[name].status;

  if (build.result === 'SUCCESS' && BUILD_CHECK_ORDER.every((name) => status(name) === 'passed' || status(name) === 'skipped')) {
    return { outcome: 'success', failureClass: null, failureRule: null, checks };
  }
  const failure = (failureClass: BuildFailureClass, failureRule: string | null): BuildVerdict => ({ outcome: 'failure', failureClass, failureRule, checks });

  const failedCheck = BUILD_CHECK_ORDER.find((name) => status(name) === 'failed');
  if (failedCheck !== undefined) return failure(checkFailureClass(failedCheck, reports.junit), `check:${failedCheck}`);

  const unread = BUILD_CHECK_ORDER.filter((name) => status(name) === 'unreadable' || status(name) === 'missing');
  const unreadRule = unread.some((name) => status(name) === 'unreadable') ? 'reports:unreadable' : 'reports:missing';
  if (build.result === 'SUCCESS') return failure('unknown', unreadRule);

  const fromConsole = classifyBuildFailure({ result: build.result, failedStage: build.failedStage, consoleTail: build.consoleTail });
  if (stoppedBeforeChecks({ build, checks })) return failure(fromConsole.class, fromConsole.ruleId);

  const flaky = (checks.tests.value?.flakyTotal ?? 0) > 0 && (build.result === 'UNSTABLE' || build.result === 'FAILURE');
  const worse = fromConsole.class === 'infrastructure' || fromConsole.class === 'build_error';
  if (flaky && unread.length === 0 && !worse) return failure('flaky', 'check:tests:flaky');
  if (fromConsole.class !== 'unknown') return failure(fromConsole.class, fromConsole.ruleId);
  return failure('unknown', unread.length > 0 ? unreadRule : fromConsole.ruleId);
}

/**
 * Whether the build stopped (a result other than SUCCESS or UNSTABLE) before some check wrote
 * its report: then the console, not the checks, tells what went wrong.
 */
export function stoppedBeforeChecks(outcome: Pick<BuildOutcome, 'build' | 'checks'>): boolean {
  return !RAN_THROUGH.has(outcome.build.result) && BUILD_CHECK_ORDER.some((name) => outcome.checks[name].status === 'missing');
}

/** Unit failures come before functional ones; failed counts without cases count as unit. */
function checkFailureClass(name: BuildCheckName, junit: ReportRead<TestSummary>): BuildFailureClass {
  switch (name) {
    case 'tests': {
      const failures = junit.status === 'ok' ? junit.value.failures : [];
      const unit = failures.length === 0 || failures.some((test) => test.suite === 'unit');
      return unit ? 'unit_tests' : 'functional_tests';
    }
    case 'types':
      return 'type_errors';
    case 'format':
      return 'format';
    case 'apiContract':
      return 'api_contract';
    case 'coverage':
    case 'diffCoverage':
      return 'coverage_gate';
  }
}

interface CheckContext {
  readonly report: BuildReportKey;
  readonly reportUrl: string | null;
  readonly result: JenkinsBuildResult['result'];
}

/** A read value against its threshold: whether it passed, and the sentence a person needs. */
interface Judgement {
  readonly passed: boolean;
  readonly reason: string | null;
}

/** The facts of one check, whichever report and threshold. */
interface Settled<T, V> {
  status: CheckStatus;
  reason: string | null;
  reportUrl: string | null;
  threshold: T | null;
  value: V | null;
}

/** The common path of every check: a missing or unreadable report → that status; otherwise the judgement of the value. */
function settle<T, V>(read: ReportRead<unknown>, context: CheckContext, value: V | null, threshold: T, judge: (value: V) => Judgement): Settled<T, V> {
  const { reportUrl } = context;
  const title = REPORT_TITLE[context.report];
  if (read.status === 'unreadable') return { status: 'unreadable', reason: `The ${title} could not be read: ${read.reason}`, reportUrl, threshold, value: null };
  if (read.status === 'missing' || value === null) {
    const reason = RAN_THROUGH.has(context.result)
      ? `The build ended ${context.result} without archiving the ${title}.`
      : `Not run: the build ended ${context.result} before the ${title} was written.`;
    return { status: 'missing', reason, reportUrl, threshold, value: null };
  }
  const judgement = judge(value);
  return { status: judgement.passed ? 'passed' : 'failed', reason: judgement.reason, reportUrl, threshold, value };
}

/** A check's threshold as the facts keep it. */
type Threshold<N extends BuildCheckName> = NonNullable<BuildChecks[N]['threshold']>;

function judgeTests(read: ReportRead<TestSummary>, context: CheckContext): BuildChecks['tests'] {
  const value: TestSummaryFacts | null =
    read.status === 'ok'
      ? {
          total: read.value.total,
          passed: read.value.passed,
          failed: read.value.failed,
          errors: read.value.errors,
          skipped: read.value.skipped,
          failures: read.value.failures.slice(0, FACTS_LIST_LIMIT).map(testCase),
          flaky: read.value.flaky.slice(0, FACTS_LIST_LIMIT).map(testCase),
          flakyTotal: read.value.flaky.length,
        }
      : null;
  return settle(read, context, value, null, (tests) => {
    const broken = Math.max(tests.failed + tests.errors, read.status === 'ok' ? read.value.failures.length : 0);
    if (broken > 0) return { passed: false, reason: `${plural(broken, 'test')} failed.` };
    return { passed: true, reason: tests.total === 0 ? 'No test ran.' : null };
  });
}

function testCase(test: TestCaseResult): TestCaseFacts {
  return {
    name: test.name,
    classname: test.classname,
    suite: test.suite,
    outcome: test.outcome,
    message: test.message === null ? null : clip(test.message, FACTS_MESSAGE_LIMIT),
    reruns: test.reruns,
  };
}

function judgeTypes(read: BuildReports['mypy'], threshold: Threshold<'types'>, context: CheckContext): BuildChecks['types'] {
  const value =
    read.status === 'ok'
      ? {
          errors: read.value.errors,
          filesChecked: read.value.filesChecked,
          first: read.value.first.slice(0, FACTS_LIST_LIMIT).map(({ file, line, message }) => ({ file, line, message })),
        }
      : null;
  return settle(read, context, value, threshold, (types) =>
    types.errors > threshold.maxErrors
      ? { passed: false, reason: `mypy found ${plural(types.errors, 'error')}; at most ${threshold.maxErrors} allowed.` }
      : { passed: true, reason: null },
  );
}

function judgeFormat(read: BuildReports['format'], threshold: Threshold<'format'> | null, context: CheckContext): BuildChecks['format'] {
  const value =
    read.status === 'ok'
      ? { filesToReformat: read.value.filesToReformat.length, files: read.value.filesToReformat.slice(0, FACTS_LIST_LIMIT), filesChecked: read.value.filesChecked }
      : null;
  if (threshold === null) return { status: 'skipped', reason: 'Off: formatting is not required.', reportUrl: context.reportUrl, threshold: null, value };
  return settle(read, context, value, threshold, (format) =>
    format.filesToReformat > 0 ? { passed: false, reason: `${plural(format.filesToReformat, 'file')} to reformat (ruff format).` } : { passed: true, reason: null },
  );
}

function judgeApiContract(read: BuildReports['openApiDiff'], context: CheckContext): BuildChecks['apiContract'] {
  const value =
    read.status === 'ok'
      ? {
          breakingTotal: read.value.breaking.length,
          breaking: read.value.breaking.slice(0, FACTS_LIST_LIMIT),
          nonBreakingTotal: read.value.nonBreaking.length,
          nonBreaking: read.value.nonBreaking.slice(0, FACTS_LIST_LIMIT),
        }
      : null;
  return settle(read, context, value, null, (contract) =>
    contract.breakingTotal > 0
      ? { passed: false, reason: `The swagger (OpenAPI) contract has ${plural(contract.breakingTotal, 'breaking change')}.` }
      : { passed: true, reason: null },
  );
}

function judgeCoverage(read: BuildReports['coverage'], threshold: Threshold<'coverage'>, context: CheckContext): BuildChecks['coverage'] {
  const value = read.status === 'ok' ? { percent: toPercent(read.value.lineRate), linesCovered: read.value.linesCovered, linesValid: read.value.linesValid } : null;
  return settle(read, context, value, threshold, (coverage) =>
    coverage.percent < threshold.min
      ? { passed: false, reason: `Coverage ${formatPercent(coverage.percent)} is below the minimum ${formatPercent(threshold.min)}.` }
      : { passed: true, reason: null },
  );
}

function judgeDiffCoverage(read: BuildReports['diffCover'], threshold: Threshold<'diffCoverage'>, context: CheckContext): BuildChecks['diffCoverage'] {
  const value =
    read.status === 'ok'
      ? {
          percent: read.value.diffCoverage === null ? null : clampPercent(read.value.diffCoverage),
          linesChanged: read.value.linesChanged,
          violations: read.value.violations.slice(0, FACTS_LIST_LIMIT).map(({ file, lines }) => ({ file, lines: [...lines] })),
        }
      : null;
  return settle(read, context, value, threshold, (diff) => {
    if (diff.percent === null) return { passed: true, reason: 'No measured line changed.' };
    return diff.percent < threshold.min
      ? { passed: false, reason: `Diff coverage ${formatPercent(diff.percent)} is below the minimum ${formatPercent(threshold.min)}.` }
      : { passed: true, reason: null };
  });
}

/** A rate 0..1 as a percent, without float noise (0.57 × 100 is 57, not 56.99999999999999). */
function toPercent(rate: number): number {
  return clampPercent(rate * 100);
}

function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, Math.round(value * 1e6) / 1e6));
}

// ---- Words ----------------------------------------------------------------------------------

/**
 * A percent for people, rounded down to one decimal so a value never shows as its threshold
 * when it misses it: `68%`, `59.9%`, `100%`.
 */
export function formatPercent(value: number): string {
  const floored = Math.floor(Math.round(value * 1e6) / 1e5) / 10;
  return `${floored}%`;
}

/** The failure class in words: "unit tests failed", "an infrastructure problem", … */
export function describeBuildFailureClass(failureClass: BuildFailureClass): string {
  switch (failureClass) {
    case 'infrastructure':
      return 'an infrastructure problem (agent, network, registry or Jenkins itself)';
    case 'build_error':
      return 'the build itself broke (dependencies, image build or pipeline)';
    case 'unit_tests':
      return 'unit tests failed';
    case 'functional_tests':
      return 'functional tests failed';
    case 'flaky':
      return 'flaky tests: tests failed, then passed when restarted';
    case 'type_errors':
      return 'type errors (mypy)';
    case 'format':
      return 'code not formatted (ruff format)';
    case 'api_contract':
      return 'a breaking change to the swagger (OpenAPI) contract';
    case 'coverage_gate':
      return 'coverage below its threshold';
    case 'unknown':
      return 'an unrecognised failure';
  }
}

/** Whether the build itself errored (as opposed to a check failing): `[ERROR]` rather than `[Failed]`. */
export function buildErrored(outcome: Pick<BuildOutcome, 'failureClass'>): boolean {
  return outcome.failureClass === 'infrastructure' || outcome.failureClass === 'build_error';
}

/**
 * Whether the checks themselves came out clean: every check passed or is off, and the tests
 * were not judged flaky. TESTING_RESULT says `[Success]` exactly then, even when the attempt
 * failed for another reason (an infrastructure failure after the tests, say).
 */
export function checksPassed(outcome: Pick<BuildOutcome, 'checks' | 'failureClass'>): boolean {
  const { checks } = outcome;
  return outcome.failureClass !== 'flaky' && BUILD_CHECK_ORDER.every((name) => checks[name].status === 'passed' || checks[name].status === 'skipped');
}

/** `2 functional tests`, `1 unit test and 1 functional test`: some test cases by suite; `total` counts those not listed. */
export function describeTestCount(tests: readonly Pick<TestCaseFacts, 'suite'>[], total = tests.length): string {
  const unit = tests.filter((test) => test.suite === 'unit').length;
  const functional = tests.filter((test) => test.suite === 'functional').length;
  if (total !== tests.length) return plural(total, 'test');
  if (unit > 0 && functional > 0) return `${plural(unit, 'unit test')} and ${plural(functional, 'functional test')}`;
  return plural(total, unit > 0 ? 'unit test' : functional > 0 ? 'functional test' : 'test');
}

/** `module.Class::name`, the way the reports name a test. */
export function testName(test: Pick<TestCaseFacts, 'classname' | 'name'>): string {
  return test.classname ? `${test.classname}::${test.name}` : test.name;
}

/**
 * The reason an attempt failed, as sentences a person reads; empty on success. The Jira
 * comments, the Slack message and the stage records use it.
 */
export function buildFailureReason(outcome: BuildOutcome): string {
  const { checks, build } = outcome;
  const stage = build.failedStage ? ` in stage ${build.failedStage}` : '';
  switch (outcome.failureClass) {
    case null:
      return '';
    case 'unit_tests':
    case 'functional_tests': {
      const suite = outcome.failureClass === 'unit_tests' ? 'unit' : 'functional';
      const tests = checks.tests.value;
      const failures = (tests?.failures ?? []).filter((test) => test.suite === suite);
      const total = tests ? Math.max(tests.failed + tests.errors, tests.failures.length) : 0;
      const named = failures.slice(0, 3).map(testName);
      const more = failures.length > named.length ? ', …' : '';
      const inAll = total > failures.length && failures.length > 0 ? ` (${plural(total, 'test')} failed in all)` : '';
      return `${plural(failures.length || total, `${suite} test`)} failed${named.length > 0 ? `: ${named.join(', ')}${more}` : ''}${inAll}.`;
    }
    case 'flaky': {
      const tests = checks.tests.value;
      const flaky = tests?.flaky ?? [];
      const named = flaky.slice(0, 3).map(testName).join(', ') + (flaky.length > 3 ? ', …' : '');
      return `${describeTestCount(flaky, tests?.flakyTotal ?? flaky.length)} failed, then passed when restarted (${named}), and Jenkins marked the build ${build.result}.`;
    }
    case 'type_errors':
      return checks.types.reason ?? '';
    case 'format':
      return checks.format.reason ?? '';
    case 'api_contract':
      return checks.apiContract.reason ?? '';
    case 'coverage_gate':
      return [checks.coverage, checks.diffCoverage]
        .filter((check) => check.status === 'failed')
        .map((check) => check.reason)
        .join(' ');
    case 'infrastructure':
    case 'build_error':
      return `The build ended ${build.result}${stage}${stoppedBeforeChecks(outcome) ? ' before its checks ran' : ''}.`;
    case 'unknown': {
      if (stoppedBeforeChecks(outcome)) return `The build ended ${build.result}${stage} before its checks ran, for a reason the console does not show.`;
      const unread = BUILD_CHECK_ORDER.filter((name) => checks[name].status === 'unreadable' || checks[name].status === 'missing');
      if (unread.length > 0) return `${unread.map((name) => checks[name].reason).join(' ')} A check whose report cannot be read never passes.`;
      return `Jenkins marked the build ${build.result}${stage}, but every check passed; the console log may say why.`;
    }
  }
}

/**
 * What happens next: review after a success; after a failure, the ticket goes back to the
 * developer for another attempt while attempts remain.
 */
export function buildNextStep(outcome: BuildOutcome): string {
  if (outcome.outcome === 'success') return 'Next: review.';
  if (outcome.attempt < outcome.maxAttempts) {
    return `The ticket is back with the developer: push a fix to ${outcome.branch} or move the ticket to Ready for build to build again (attempt ${outcome.attempt + 1} of ${outcome.maxAttempts}).`;
  }
  return `The ticket is back with the developer, and no build attempts are left (${outcome.attempt} of ${outcome.maxAttempts}): an operator must raise the limit before the next build.`;
}

// ---- Stage records --------------------------------------------------------------------------

/**
 * The attempt as two stage records: `build` (the Jenkins build and the image; the attempt's
 * outcome and class) and `testing` (the checks: a success exactly when {@link checksPassed},
 * else the attempt's class), with links to the build, its console and each archived report.
 */
export function buildStageRecords(outcome: BuildOutcome, startedAt: string | null): StageRecord[] {
  const { build, checks } = outcome;
  const buildLink: StageRecord['links'] = build.url ? [{ title: build.number === null ? 'Jenkins build' : `Jenkins build #${build.number}`, url: build.url }] : [];
  const consoleLink: StageRecord['links'] = build.consoleUrl ? [{ title: 'Jenkins console log', url: build.consoleUrl }] : [];
  const reportLinks: StageRecord['links'] = BUILD_CHECK_ORDER.flatMap((name) => {
    const url = checks[name].reportUrl;
    return url ? [{ title: capitalise(REPORT_TITLE[CHECK_REPORT[name]]), url }] : [];
  });
  const subject = `${outcome.modelName} v${outcome.modelVersion} on ${outcome.branch}@${shortSha(outcome.commit)}`;
  const reason = buildFailureReason(outcome);
  const classWords = outcome.failureClass === null ? '' : ` (${describeBuildFailureClass(outcome.failureClass)})`;
  const duration = build.durationMs === null ? '' : ` in ${formatDuration(build.durationMs)}`;

  const buildSummary =
    outcome.outcome === 'success'
      ? `Built ${subject}${duration}${outcome.image ? `: image ${outcome.image}` : ''}.`
      : `The build of ${subject} ${buildErrored(outcome) ? 'errored' : 'failed'}${classWords}. ${reason}`;
  const testsPassed = checksPassed(outcome);
  const testingSummary = testsPassed
    ? `Checks of ${subject} passed: ${BUILD_CHECK_ORDER.map((name) => checkSummary(checks, name)).join('; ')}.`
    : `Checks of ${subject} failed${classWords}. ${reason}`;

  const record = { attempt: outcome.attempt, startedAt, endedAt: build.endedAt };
  return [
    { ...record, stage: 'build', outcome: outcome.outcome, failureClass: outcome.failureClass, summary: buildSummary.trim(), links: [...buildLink, ...consoleLink] },
    {
      ...record,
      stage: 'testing',
      outcome: testsPassed ? 'success' : 'failure',
      failureClass: testsPassed ? null : outcome.failureClass,
      summary: testingSummary.trim(),
      links: [...buildLink, ...reportLinks],
    },
  ];
}

// ---- A check in words -----------------------------------------------------------------------

/** Each check as a person names it. */
export const CHECK_LABEL: Record<BuildCheckName, string> = {
  tests: 'tests',
  types: 'mypy',
  format: 'format',
  apiContract: 'swagger (OpenAPI contract)',
  coverage: 'coverage',
  diffCoverage: 'diff coverage',
};

type CheckValue<N extends BuildCheckName> = NonNullable<BuildChecks[N]['value']>;
type CheckThreshold<N extends BuildCheckName> = NonNullable<BuildChecks[N]['threshold']>;

const VALUE_WORDS: { readonly [N in BuildCheckName]: (value: CheckValue<N>) => string } = {
  tests: (tests) =>
    [`${tests.passed} passed`, `${tests.failed} failed`, ...(tests.errors > 0 ? [plural(tests.errors, 'error')] : []), `${tests.skipped} skipped`].join(', ') +
    (tests.flakyTotal > 0 ? ` (${tests.flakyTotal} restarted)` : ''),
  types: (types) => plural(types.errors, 'error'),
  format: (format) => `${plural(format.filesToReformat, 'file')} to reformat`,
  apiContract: (contract) => `${plural(contract.breakingTotal, 'breaking change')}, ${plural(contract.nonBreakingTotal, 'warning')}`,
  coverage: (coverage) => formatPercent(coverage.percent),
  diffCoverage: (diff) => (diff.percent === null ? 'no changed lines' : formatPercent(diff.percent)),
};

const THRESHOLD_WORDS: { readonly [N in BuildCheckName]: (threshold: CheckThreshold<N> | null) => string } = {
  tests: () => 'no failures',
  types: (threshold) => (threshold ? `≤ ${plural(threshold.maxErrors, 'error')}${from(threshold)}` : 'off'),
  format: (threshold) => (threshold ? `required${from(threshold)}` : 'off'),
  apiContract: () => 'no breaking changes',
  coverage: (threshold) => (threshold ? `≥ ${formatPercent(threshold.min)}${from(threshold)}` : 'off'),
  diffCoverage: (threshold) => (threshold ? `≥ ${formatPercent(threshold.min)}${from(threshold)}` : 'off'),
};

/** A threshold the model set for itself says so; the policy's defaults go without saying. */
function from(threshold: { readonly source: string }): string {
  return threshold.source === 'model.toml' ? ', from model.toml' : '';
}

/** What a check's report says, in a few words: `120 passed, 2 failed, 3 skipped`, `1 error`, `68%`; null when it was not read. */
export function checkValueWords<N extends BuildCheckName>(checks: BuildChecks, name: N): string | null {
  const value = checks[name].value as CheckValue<N> | null;
  return value === null ? null : VALUE_WORDS[name](value);
}

/** What a check must meet, in a few words: `no failures`, `≤ 0 errors`, `≥ 60%`, `off`. */
export function checkThresholdWords<N extends BuildCheckName>(checks: BuildChecks, name: N): string {
  return THRESHOLD_WORDS[name](checks[name].threshold as CheckThreshold<N> | null);
}

/** A check in a line: `tests: 120 passed, 0 failed, 3 skipped`, `mypy: 1 error (≤ 0 errors)`, `coverage: 68% (≥ 60%)`, `mypy: report unreadable`. */
export function checkSummary(checks: BuildChecks, name: BuildCheckName): string {
  const check = checks[name];
  const label = CHECK_LABEL[name];
  const value = checkValueWords(checks, name);
  if (check.status === 'unreadable') return `${label}: report unreadable`;
  if (check.status === 'missing') return `${label}: report missing`;
  if (value === null) return `${label}: ${check.status}`;
  const threshold = check.threshold === null ? '' : ` (${checkThresholdWords(checks, name)})`;
  return `${label}: ${value}${check.status === 'skipped' ? ' (off)' : threshold}`;
}

/** `1 error`, `2 errors`, `1 breaking change`. */
export function plural(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
