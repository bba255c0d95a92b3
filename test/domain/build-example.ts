import { readFileSync } from 'node:fs';
import type { EffectiveBuildChecks } from '../../src/domain/build-checks.ts';
import { buildOutcome, judgeBuild, type BuildOutcome, type BuildReports, type JudgeBuildInput } from '../../src/domain/build-outcome.ts';
import {
  readCobertura,
  readDiffCover,
  readJUnitXml,
  readMypy,
  readOpenApiDiff,
  readRuffFormat,
  type TestCaseResult,
  type TestSummary,
} from '../../src/domain/build-reports.ts';
import type { JenkinsBuildResult } from '../../src/domain/jenkins-build.ts';

/** The build-and-test attempt of MLM-42 that the build stage's steps would record, and its parts. */

const JOB = 'https://jenkins.acme.test/job/ml/job/churn-predictor/job/build/23/';

export const exampleBuild: JenkinsBuildResult = {
  jobPath: 'ml/churn-predictor/build',
  buildKey: 'MLM-42/build/1',
  number: 23,
  url: JOB,
  consoleUrl: `${JOB}console`,
  result: 'SUCCESS',
  startedAt: '2025-03-05T09:00:30Z',
  endedAt: '2025-03-05T09:12:30Z',
  durationMs: 12 * 60 * 1000,
  queueWaitMs: 30_000,
  failedStage: null,
  consoleTail: [],
  outputs: { image: 'registry.acme.test/ml/churn-predictor:3-3f2a9c1' },
};

/** The policy's defaults, as effectiveBuildChecks gives them for a model.toml without [build_checks]. */
export const exampleThresholds: EffectiveBuildChecks = {
  coverageMin: 60,
  diffCoverageMin: 80,
  mypyMaxErrors: 0,
  formatRequired: true,
  source: { coverageMin: 'policy', diffCoverageMin: 'policy', mypyMaxErrors: 'policy', formatRequired: 'policy' },
};

/** Where the build archived each report. */
export const exampleReportUrls: JudgeBuildInput['reportUrls'] = {
  junit: `${JOB}artifact/reports/junit.xml`,
  mypy: `${JOB}artifact/reports/mypy_report.txt`,
  format: `${JOB}artifact/reports/fmt_report.txt`,
  coverage: `${JOB}artifact/reports/coverage.xml`,
  diffCover: `${JOB}artifact/reports/diff-cover.json`,
  openApiDiff: `${JOB}artifact/reports/openapi-diff.json`,
};

/** A test case as the JUnit reader returns it, for the cases the fixtures do not have. */
export function testCase(name: string, suite: TestCaseResult['suite'], outcome: TestCaseResult['outcome'] = 'passed', extra: Partial<TestCaseResult> = {}): TestCaseResult {
  const classname = suite === 'unit' ? 'tests.unit.test_model' : 'tests_functional.test_v1_predict';
  return { name, classname, suite, outcome, message: outcome === 'failed' || outcome === 'error' ? `AssertionError: ${name}` : null, reruns: 0, ...extra };
}

/** A test summary from its failing and flaky cases, with `passing` more tests that passed outright. */
export function testSummary(cases: { failures?: TestCaseResult[]; flaky?: TestCaseResult[]; passing?: number; skipped?: number }): TestSummary {
  const failures = cases.failures ?? [];
  const flaky = cases.flaky ?? [];
  const failed = failures.filter((test) => test.outcome === 'failed').length;
  const errors = failures.filter((test) => test.outcome === 'error').length;
  const passed = (cases.passing ?? 120) + flaky.length;
  const skipped = cases.skipped ?? 3;
  return { passed, failed, errors, skipped, failures, flaky, total: passed + failed + errors + skipped };
}

/**
 * The real reports of one run of the tools (test/fixtures/build-reports/<set>/, made by
 * scripts/make-build-report-fixtures.sh), read by the real readers:
 * - `green`: 9 tests (8 passed, 1 skipped), mypy clean in 14 files, 15 files formatted, coverage
 *   98.46%, diff coverage 100% of 8 lines, one compatible contract change;
 * - `red`: a unit and a functional test failed, a functional test passed when rerun, 1 mypy
 *   error, 1 file to reformat, a breaking contract change, diff coverage 90%;
 * - `no-tests`: pytest collected nothing (the JUnit report is unreadable), coverage 0%;
 * - `setup-error`: a unit test errored in its fixture.
 */
export function fixtureReports(set: 'green' | 'red' | 'no-tests' | 'setup-error'): BuildReports {
  const file = (name: string) => readFileSync(new URL(`../fixtures/build-reports/${set}/${name}`, import.meta.url), 'utf8');
  return {
    junit: readJUnitXml(file('junit.xml')),
    mypy: readMypy(file('mypy_report.txt')),
    format: readRuffFormat(file('fmt_report.txt')),
    coverage: readCobertura(file('coverage.xml')),
    diffCover: readDiffCover(file('diff-cover.json')),
    openApiDiff: readOpenApiDiff(file('openapi-diff.json')),
  };
}

/** Every report read, every check passing: the `green` fixtures. */
export function passingReports(): BuildReports {
  return fixtureReports('green');
}

/** The judge's input: the example build and the passing reports, each part replaceable. */
export function judgeInput(patch: { build?: Partial<JenkinsBuildResult>; reports?: Partial<BuildReports>; thresholds?: Partial<EffectiveBuildChecks> } = {}): JudgeBuildInput {
  return {
    build: { ...exampleBuild, ...patch.build },
    reports: { ...passingReports(), ...patch.reports },
    reportUrls: exampleReportUrls,
    thresholds: { ...exampleThresholds, ...patch.thresholds },
  };
}

/** The attempt's facts around the verdict of `input`, validated as the process variable. */
export function outcomeOf(input: JudgeBuildInput, patch: Partial<BuildOutcome> = {}): BuildOutcome {
  return buildOutcome.parse({
    issueKey: 'MLM-42',
    attempt: 1,
    maxAttempts: 3,
    modelName: 'churn-predictor',
    modelVersion: '3',
    branch: 'main',
    commit: '3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b',
    repository: { fullName: 'acme-ml/churn-predictor', htmlUrl: 'https://github.com/acme-ml/churn-predictor' },
    developer: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof' },
    build: input.build,
    image: input.build.result === 'SUCCESS' ? 'registry.acme.test/ml/churn-predictor:3-3f2a9c1' : null,
    ...judgeBuild(input),
    ...patch,
  });
}

/** The successful attempt: SUCCESS, every check passing. */
export const successfulBuild: BuildOutcome = outcomeOf(judgeInput());
