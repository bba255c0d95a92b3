import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildFailureClass, classifyBuildFailure, CLASSIFIER_RULES, type BuildFailureClass } from '../../src/domain/build-failure.ts';
import {
  buildChecks,
  buildFailureReason,
  buildNextStep,
  buildOutcome,
  buildStageRecords,
  checkSummary,
  FACTS_LIST_LIMIT,
  FACTS_MESSAGE_LIMIT,
  formatPercent,
  judgeBuild,
  type BuildReports,
  type JudgeBuildInput,
} from '../../src/domain/build-outcome.ts';
import { readCobertura, readMypy, type ReportRead } from '../../src/domain/build-reports.ts';
import { stageRecord } from '../../src/domain/stage-record.ts';
import { exampleReportUrls, fixtureReports, judgeInput, outcomeOf, passingReports, successfulBuild, testCase, testSummary } from './build-example.ts';

const REPORT_KEYS = ['junit', 'mypy', 'format', 'coverage', 'diffCover', 'openApiDiff'] as const satisfies ReadonlyArray<keyof BuildReports>;
/** A report the build did not archive, as every reader says it (`readMypy(null)`). */
const missing = { status: 'missing' } as const;
const unreadable = (reason: string) => ({ status: 'unreadable', reason }) as const;
const red = fixtureReports('red');

/** The end of the console of an infrastructure failure and of a broken image build: the classifier's real examples. */
const exampleConsole = (ruleId: string) => (CLASSIFIER_RULES.find((rule) => rule.id === ruleId)?.example.console ?? '').split('\n');
const AGENT_LOST = exampleConsole('agent-offline');
const PIP_FAILED = exampleConsole('pip-no-matching-distribution');

describe('buildOutcome', () => {
  it('is valid process-variable data and survives a JSON round trip', () => {
    expect(buildOutcome.parse(JSON.parse(JSON.stringify(successfulBuild)))).toEqual(successfulBuild);
  });

  it('describes every field, the checks and their parts included', () => {
    for (const [name, field] of Object.entries(buildOutcome.shape)) expect(field.description, name).toBeTruthy();
    for (const [name, check] of Object.entries(buildChecks.shape)) {
      expect(check.description, name).toBeTruthy();
      for (const [part, field] of Object.entries(check.shape)) expect(field.description, `${name}.${part}`).toBeTruthy();
    }
  });

  it('rejects an outcome that disagrees with its failure class, and a short sha', () => {
    expect(buildOutcome.safeParse({ ...successfulBuild, failureClass: 'unit_tests' }).success).toBe(false);
    expect(buildOutcome.safeParse({ ...successfulBuild, outcome: 'failure' }).success).toBe(false);
    expect(buildOutcome.safeParse({ ...successfulBuild, commit: '3f2a9c1' }).success).toBe(false);
  });
});

describe('judgeBuild: success', () => {
  it('passes a SUCCESS build whose every report was read and meets its threshold (the green fixtures)', () => {
    const verdict = judgeBuild(judgeInput());
    expect(verdict).toMatchObject({ outcome: 'success', failureClass: null, failureRule: null });
    expect(Object.values(verdict.checks).map((check) => check.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', 'passed']);
    expect(verdict.checks.coverage).toEqual({
      status: 'passed',
      reason: null,
      reportUrl: exampleReportUrls.coverage,
      threshold: { min: 60, source: 'policy' },
      value: { percent: 98.46, linesCovered: 64, linesValid: 65 },
    });
    expect(verdict.checks.tests.value).toMatchObject({ total: 9, passed: 8, failed: 0, errors: 0, skipped: 1, failures: [], flaky: [], flakyTotal: 0 });
    expect(verdict.checks.types.value).toEqual({ errors: 0, filesChecked: 14, first: [] });
    expect(verdict.checks.format.value).toEqual({ filesToReformat: 0, files: [], filesChecked: 15 });
    expect(verdict.checks.apiContract.value).toEqual({ breakingTotal: 0, breaking: [], nonBreakingTotal: 1, nonBreaking: ['paths./v1/explain: Path added'] });
    expect(verdict.checks.diffCoverage.value).toEqual({ percent: 100, linesChanged: 8, violations: [] });
  });

  it('keeps a SUCCESS build with tests that passed on a rerun a success, listing them', () => {
    const flaky = [testCase('test_batch_predict', 'functional', 'passed', { reruns: 1 }), testCase('test_health', 'functional', 'passed', { reruns: 2 })];
    const verdict = judgeBuild(judgeInput({ reports: { junit: { status: 'ok', value: testSummary({ flaky }) } } }));
    expect(verdict.outcome).toBe('success');
    expect(verdict.checks.tests.status).toBe('passed');
    expect(verdict.checks.tests.value?.flaky.map((test) => [test.name, test.reruns])).toEqual([
      ['test_batch_predict', 1],
      ['test_health', 2],
    ]);
    expect(verdict.checks.tests.value?.flakyTotal).toBe(2);
  });

  it('passes diff coverage when no measured line changed, and coverage exactly at its minimum', () => {
    const verdict = judgeBuild(
      judgeInput({
        reports: { coverage: { status: 'ok', value: { lineRate: 0.57, linesValid: 100, linesCovered: 57 } }, diffCover: fixtureReports('no-tests').diffCover },
        thresholds: { coverageMin: 57 },
      }),
    );
    expect(verdict.outcome).toBe('success');
    expect(verdict.checks.coverage.value?.percent).toBe(57); // 0.57 × 100 is 56.99999999999999 in floating point
    expect(verdict.checks.diffCoverage).toMatchObject({ status: 'passed', reason: 'No measured line changed.', value: { percent: null, linesChanged: 0 } });
  });

  it('allows mypy errors up to the limit, and turns the format check off when formatting is not required', () => {
    const verdict = judgeBuild(
      judgeInput({
        reports: { mypy: red.mypy, format: red.format },
        thresholds: { mypyMaxErrors: 1, formatRequired: false, source: { coverageMin: 'policy', diffCoverageMin: 'policy', mypyMaxErrors: 'model.toml', formatRequired: 'model.toml' } },
      }),
    );
    expect(verdict.outcome).toBe('success');
    expect(verdict.checks.types).toMatchObject({ status: 'passed', threshold: { maxErrors: 1, source: 'model.toml' }, value: { errors: 1, filesChecked: 16 } });
    expect(verdict.checks.format).toMatchObject({
      status: 'skipped',
      reason: 'Off: formatting is not required.',
      threshold: null,
      value: { filesToReformat: 1, files: ['ml_model/inference/explain.py'] },
    });
  });
});

describe('judgeBuild: the failed check decides the class', () => {
  const failingJunit = (...failures: ReturnType<typeof testCase>[]): ReportRead<ReturnType<typeof testSummary>> => ({ status: 'ok', value: testSummary({ failures }) });

  it('unit_tests: a unit test failed (the red fixtures: a unit and a functional test failed)', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'UNSTABLE' }, reports: { junit: red.junit } }));
    expect(verdict).toMatchObject({ outcome: 'failure', failureClass: 'unit_tests', failureRule: 'check:tests' });
    expect(verdict.checks.tests).toMatchObject({ status: 'failed', reason: '2 tests failed.', threshold: null });
    expect(verdict.checks.tests.value?.failures.map((test) => [test.suite, test.name, test.reruns])).toEqual([
      ['functional', 'test_predict_answers_as_recorded[test_request_02]', 2],
      ['unit', 'test_probability_at_the_threshold_means_churn', 2],
    ]);
    expect(verdict.checks.tests.value?.flaky.map((test) => test.name)).toEqual(['test_predict_within_latency_budget']);
  });

  it('unit_tests: a unit test errored in its set-up (the setup-error fixtures)', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'UNSTABLE' }, reports: fixtureReports('setup-error') }));
    expect(verdict).toMatchObject({ failureClass: 'unit_tests', failureRule: 'check:tests' });
    expect(verdict.checks.tests.value?.failures[0]).toMatchObject({ outcome: 'error', message: 'failed on setup with "FileNotFoundError: model artifact missing: model.pkl"' });
  });

  it('functional_tests: only functional tests failed', () => {
    const functional = testCase('test_request_01', 'functional', 'failed');
    expect(judgeBuild(judgeInput({ build: { result: 'UNSTABLE' }, reports: { junit: failingJunit(functional) } })).failureClass).toBe('functional_tests');
  });

  it('type_errors: more mypy errors than allowed', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'FAILURE', failedStage: 'Types' }, reports: { mypy: red.mypy } }));
    expect(verdict).toMatchObject({ outcome: 'failure', failureClass: 'type_errors', failureRule: 'check:types' });
    expect(verdict.checks.types.reason).toBe('mypy found 1 error; at most 0 allowed.');
    expect(verdict.checks.types.value?.first).toEqual([
      { file: 'ml_model/inference/explain.py', line: 18, message: 'Incompatible return value type (got "str | None", expected "str")  [return-value]' },
    ]);
  });

  it('format: files to reformat when formatting is required', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'FAILURE' }, reports: { format: red.format } }));
    expect(verdict).toMatchObject({ failureClass: 'format', failureRule: 'check:format' });
    expect(verdict.checks.format.reason).toBe('1 file to reformat (ruff format).');
  });

  it('api_contract: a breaking change to the OpenAPI contract; compatible changes alone pass', () => {
    const verdict = judgeBuild(judgeInput({ reports: { openApiDiff: red.openApiDiff } }));
    expect(verdict).toMatchObject({ outcome: 'failure', failureClass: 'api_contract', failureRule: 'check:apiContract' });
    expect(verdict.checks.apiContract.value?.breaking).toEqual(['operations.POST /v1/predict.responses.200.schema.properties.model_version: Property removed']);
    expect(judgeBuild(judgeInput({ reports: { openApiDiff: passingReports().openApiDiff } })).outcome).toBe('success');
  });

  it('coverage_gate: overall coverage or diff coverage below its minimum, even when Jenkins said SUCCESS', () => {
    const low = judgeBuild(judgeInput({ thresholds: { coverageMin: 99 } }));
    expect(low).toMatchObject({ outcome: 'failure', failureClass: 'coverage_gate', failureRule: 'check:coverage' });
    expect(low.checks.coverage.reason).toBe('Coverage 98.4% is below the minimum 99%.');
    const diff = judgeBuild(judgeInput({ reports: { diffCover: red.diffCover }, thresholds: { diffCoverageMin: 95 } }));
    expect(diff).toMatchObject({ failureClass: 'coverage_gate', failureRule: 'check:diffCoverage' });
    expect(diff.checks.diffCoverage.reason).toBe('Diff coverage 90% is below the minimum 95%.');
    expect(diff.checks.diffCoverage.value?.violations).toEqual([{ file: 'ml_model/inference/explain.py', lines: [18] }]);
  });

  it('takes the first failed check in order: tests, types, format, contract, coverage', () => {
    const redAll = { build: { result: 'FAILURE' as const }, thresholds: { diffCoverageMin: 95 } };
    expect(judgeBuild(judgeInput({ ...redAll, reports: red })).failureClass).toBe('unit_tests');
    expect(judgeBuild(judgeInput({ ...redAll, reports: { ...red, junit: passingReports().junit } })).failureClass).toBe('type_errors');
    expect(judgeBuild(judgeInput({ ...redAll, reports: { ...red, junit: passingReports().junit, mypy: passingReports().mypy } })).failureClass).toBe('format');
    expect(judgeBuild(judgeInput({ ...redAll, reports: { openApiDiff: red.openApiDiff, diffCover: red.diffCover } })).failureClass).toBe('api_contract');
    const everyCheckFailed = judgeBuild(judgeInput({ ...redAll, reports: red }));
    expect(Object.values(everyCheckFailed.checks).map((check) => check.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'passed', 'failed']);
  });

  it('a failed check wins over a console the classifier recognises', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'FAILURE', consoleTail: AGENT_LOST }, reports: { junit: failingJunit(testCase('test_a', 'unit', 'failed')) } }));
    expect(verdict.failureClass).toBe('unit_tests');
  });

  it('no tests at all: the unreadable test report never passes, and coverage 0% fails its gate (the no-tests fixtures)', () => {
    const verdict = judgeBuild(judgeInput({ reports: fixtureReports('no-tests') }));
    expect(verdict).toMatchObject({ outcome: 'failure', failureClass: 'coverage_gate', failureRule: 'check:coverage' });
    expect(verdict.checks.tests).toMatchObject({
      status: 'unreadable',
      reason: 'The test report (JUnit) could not be read: junit.xml has no test case: the test step ran no test (pytest collected nothing), which is not a pass',
      value: null,
    });
  });
});

describe('judgeBuild: never a success it could not read', () => {
  it('fails a SUCCESS build with a missing report as unknown, naming the report', () => {
    const verdict = judgeBuild(judgeInput({ reports: { mypy: readMypy(null) } }));
    expect(readMypy(null)).toEqual(missing);
    expect(verdict).toMatchObject({ outcome: 'failure', failureClass: 'unknown', failureRule: 'reports:missing' });
    expect(verdict.checks.types).toMatchObject({ status: 'missing', reason: 'The build ended SUCCESS without archiving the mypy report.', value: null });
  });

  it('fails a SUCCESS build with an unreadable report as unknown, with the reason', () => {
    const cutShort = readFileSync(new URL('../fixtures/build-reports/green/coverage.xml', import.meta.url), 'utf8').slice(0, 600);
    const coverage = readCobertura(cutShort);
    expect(coverage.status).toBe('unreadable');
    const input = judgeInput({ reports: { coverage } });
    const verdict = judgeBuild(input);
    expect(verdict).toMatchObject({ outcome: 'failure', failureClass: 'unknown', failureRule: 'reports:unreadable' });
    expect(verdict.checks.coverage).toMatchObject({ status: 'unreadable', value: null });
    expect(verdict.checks.coverage.reason).toMatch(/^The coverage report \(Cobertura\) could not be read: coverage\.xml is not well-formed XML \(cut short or damaged\)/);
    expect(buildFailureReason(outcomeOf(input))).toMatch(/^The coverage report \(Cobertura\) could not be read: .* A check whose report cannot be read never passes\.$/);
  });

  it('never succeeds when any report is missing or unreadable, whatever the rest says', () => {
    const read = fc.constantFrom<'ok' | 'missing' | 'unreadable'>('ok', 'missing', 'unreadable');
    const result = fc.constantFrom('SUCCESS', 'UNSTABLE', 'FAILURE', 'ABORTED', 'NOT_BUILT', 'TIMED_OUT', 'CANCELLED' as const);
    fc.assert(
      fc.property(fc.tuple(...REPORT_KEYS.map(() => read)), result, (states, buildResult) => {
        const reports: Partial<BuildReports> = {};
        const passing = passingReports();
        REPORT_KEYS.forEach((key, i) => {
          const state = states[i];
          (reports as Record<string, unknown>)[key] = state === 'ok' ? passing[key] : state === 'missing' ? missing : unreadable('garbled');
        });
        const verdict = judgeBuild(judgeInput({ build: { result: buildResult }, reports }));
        const allRead = states.every((state) => state === 'ok');
        expect(verdict.outcome === 'success').toBe(allRead && buildResult === 'SUCCESS');
        if (verdict.outcome === 'failure') expect(verdict.failureClass).not.toBeNull();
        for (const check of Object.values(verdict.checks)) if (check.value === null) expect(check.status).not.toBe('passed');
      }),
    );
  });
});

describe('judgeBuild: the console decides what the reports cannot', () => {
  const allMissing: BuildReports = { junit: missing, mypy: missing, format: missing, coverage: missing, diffCover: missing, openApiDiff: missing };

  it('classifies a build that stopped before its checks by its console: infrastructure, build_error', () => {
    const lost = judgeInput({ build: { result: 'FAILURE', failedStage: 'Checkout', consoleTail: AGENT_LOST }, reports: allMissing });
    const lostVerdict = judgeBuild(lost);
    expect(lostVerdict.failureClass).toBe('infrastructure');
    expect(lostVerdict.failureRule).toBe(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Checkout', consoleTail: AGENT_LOST }).ruleId);
    expect(lostVerdict.checks.tests).toMatchObject({ status: 'missing', reason: 'Not run: the build ended FAILURE before the test report (JUnit) was written.' });

    const broken = judgeBuild(judgeInput({ build: { result: 'FAILURE', failedStage: 'Build image', consoleTail: PIP_FAILED }, reports: allMissing }));
    expect(broken.failureClass).toBe('build_error');
  });

  it('lets the console classify a build that stopped after some checks passed', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'FAILURE', failedStage: 'Build image', consoleTail: PIP_FAILED }, reports: { junit: missing, coverage: missing, diffCover: missing } }));
    expect(verdict.failureClass).toBe('build_error');
    expect(verdict.checks.types.status).toBe('passed');
  });

  it('says unknown when the console explains nothing, and never success', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'ABORTED', consoleTail: ['Finished: ABORTED'] }, reports: allMissing }));
    expect(verdict.outcome).toBe('failure');
    expect(verdict.failureClass).toBe(classifyBuildFailure({ result: 'ABORTED', failedStage: null, consoleTail: ['Finished: ABORTED'] }).class);
  });

  it('flaky: the only problem is tests that passed when restarted, and Jenkins marked the build UNSTABLE', () => {
    const flaky = [testCase('test_request_01', 'functional', 'passed', { reruns: 1 }), testCase('test_request_02', 'functional', 'passed', { reruns: 1 })];
    const junit = { status: 'ok', value: testSummary({ flaky }) } as const;
    expect(judgeBuild(judgeInput({ build: { result: 'UNSTABLE' }, reports: { junit } }))).toMatchObject({ outcome: 'failure', failureClass: 'flaky', failureRule: 'check:tests:flaky' });
    expect(judgeBuild(judgeInput({ build: { result: 'FAILURE', consoleTail: ['Finished: FAILURE'] }, reports: { junit } })).failureClass).toBe('flaky');
  });

  it('is not flaky when the console shows a worse problem, or a report could not be read', () => {
    const junit = { status: 'ok', value: testSummary({ flaky: [testCase('test_request_01', 'functional', 'passed', { reruns: 1 })] }) } as const;
    expect(judgeBuild(judgeInput({ build: { result: 'FAILURE', consoleTail: AGENT_LOST }, reports: { junit } })).failureClass).toBe('infrastructure');
    expect(judgeBuild(judgeInput({ build: { result: 'UNSTABLE' }, reports: { junit, format: unreadable('binary') } }))).toMatchObject({
      failureClass: 'unknown',
      failureRule: 'reports:unreadable',
    });
  });

  it('asks the console about a failed build whose every check passed, else says unknown', () => {
    expect(judgeBuild(judgeInput({ build: { result: 'FAILURE', failedStage: 'Push image', consoleTail: AGENT_LOST } })).failureClass).toBe('infrastructure');
    const unstable = judgeBuild(judgeInput({ build: { result: 'UNSTABLE', consoleTail: ['Finished: UNSTABLE'] } }));
    expect(unstable).toMatchObject({ outcome: 'failure', failureClass: 'unknown' });
    expect(buildFailureReason(outcomeOf(judgeInput({ build: { result: 'UNSTABLE', consoleTail: ['Finished: UNSTABLE'] } })))).toBe(
      'Jenkins marked the build UNSTABLE, but every check passed; the console log may say why.',
    );
  });

  it('names the unreadable report when a failed build has nothing else to show', () => {
    const verdict = judgeBuild(judgeInput({ build: { result: 'UNSTABLE', consoleTail: ['Finished: UNSTABLE'] }, reports: { openApiDiff: unreadable('empty file') } }));
    expect(verdict).toMatchObject({ failureClass: 'unknown', failureRule: 'reports:unreadable' });
  });
});

describe('judgeBuild: every failure class', () => {
  it('reaches each class of buildFailureClass from the facts that mean it', () => {
    const allMissing: Partial<BuildReports> = { junit: missing, mypy: missing, format: missing, coverage: missing, diffCover: missing, openApiDiff: missing };
    const green = passingReports();
    const scenarios: Record<BuildFailureClass, JudgeBuildInput> = {
      infrastructure: judgeInput({ build: { result: 'FAILURE', consoleTail: AGENT_LOST }, reports: allMissing }),
      build_error: judgeInput({ build: { result: 'FAILURE', failedStage: 'Build', consoleTail: PIP_FAILED }, reports: allMissing }),
      unit_tests: judgeInput({ build: { result: 'UNSTABLE' }, reports: red }),
      functional_tests: judgeInput({ build: { result: 'UNSTABLE' }, reports: { junit: { status: 'ok', value: testSummary({ failures: [testCase('test_request_01', 'functional', 'error')] }) } } }),
      flaky: judgeInput({ build: { result: 'UNSTABLE' }, reports: { junit: { status: 'ok', value: testSummary({ flaky: [testCase('test_request_01', 'functional', 'passed', { reruns: 1 })] }) } } }),
      type_errors: judgeInput({ build: { result: 'FAILURE' }, reports: { ...red, junit: green.junit } }),
      format: judgeInput({ build: { result: 'FAILURE' }, reports: { format: red.format } }),
      api_contract: judgeInput({ build: { result: 'FAILURE' }, reports: { openApiDiff: red.openApiDiff } }),
      coverage_gate: judgeInput({ reports: fixtureReports('no-tests') }),
      unknown: judgeInput({ reports: { junit: fixtureReports('no-tests').junit } }),
    };
    for (const failureClass of buildFailureClass.options) {
      const verdict = judgeBuild(scenarios[failureClass]);
      expect([verdict.outcome, verdict.failureClass], failureClass).toEqual(['failure', failureClass]);
      expect(buildFailureReason(outcomeOf(scenarios[failureClass])), failureClass).not.toBe('');
    }
  });
});

describe('judgeBuild: the facts stay small', () => {
  it(`keeps the first ${FACTS_LIST_LIMIT} failures with exact counts, and cuts long messages`, () => {
    const failures = Array.from({ length: 150 }, (_, i) => testCase(`test_${i}`, 'unit', 'failed', { message: 'x'.repeat(2000) }));
    const verdict = judgeBuild(judgeInput({ build: { result: 'UNSTABLE' }, reports: { junit: { status: 'ok', value: testSummary({ failures }) } } }));
    expect(verdict.checks.tests.value?.failures).toHaveLength(FACTS_LIST_LIMIT);
    expect(verdict.checks.tests.value?.failed).toBe(150);
    expect(verdict.checks.tests.value?.failures[0]?.message).toHaveLength(FACTS_MESSAGE_LIMIT);
    expect(verdict.checks.tests.reason).toBe('150 tests failed.');
  });
});

describe('buildFailureReason and buildNextStep', () => {
  it('says why in sentences, per class', () => {
    const failed = (reports: Partial<BuildReports>, result: 'UNSTABLE' | 'FAILURE' = 'UNSTABLE') => outcomeOf(judgeInput({ build: { result }, reports }));
    expect(buildFailureReason(successfulBuild)).toBe('');
    expect(
      buildFailureReason(failed({ junit: { status: 'ok', value: testSummary({ failures: [testCase('test_a', 'unit', 'failed'), testCase('test_b', 'functional', 'failed')] }) } })),
    ).toBe('1 unit test failed: tests.unit.test_model::test_a (2 tests failed in all).');
    const flaky = [testCase('test_request_01', 'functional', 'passed', { reruns: 1 }), testCase('test_request_02', 'functional', 'passed', { reruns: 1 })];
    expect(buildFailureReason(failed({ junit: { status: 'ok', value: testSummary({ flaky }) } }))).toBe(
      '2 functional tests failed, then passed when restarted (tests_functional.test_v1_predict::test_request_01, tests_functional.test_v1_predict::test_request_02), and Jenkins marked the build UNSTABLE.',
    );
    expect(buildFailureReason(failed({ coverage: { status: 'ok', value: { lineRate: 0.5, linesValid: 2, linesCovered: 1 } } }))).toBe('Coverage 50% is below the minimum 60%.');
    const stopped = outcomeOf(
      judgeInput({
        build: { result: 'FAILURE', failedStage: 'Checkout', consoleTail: AGENT_LOST },
        reports: { junit: missing, mypy: missing, format: missing, coverage: missing, diffCover: missing, openApiDiff: missing },
      }),
    );
    expect(buildFailureReason(stopped)).toBe('The build ended FAILURE in stage Checkout before its checks ran.');
  });

  it('sends the ticket back with the next attempt, or says none are left', () => {
    const failed = outcomeOf(judgeInput({ reports: { mypy: missing } }));
    expect(buildNextStep(successfulBuild)).toBe('Next: review.');
    expect(buildNextStep(failed)).toBe('The ticket is back with the developer: push a fix to main or move the ticket to Ready for build to build again (attempt 2 of 3).');
    expect(buildNextStep({ ...failed, attempt: 3 })).toContain('no build attempts are left (3 of 3)');
  });
});

describe('buildStageRecords', () => {
  it('records a success as a build record and a testing record, with the build, console and every report linked', () => {
    const [build, testing] = buildStageRecords(successfulBuild, '2025-03-05T09:00:00Z');
    for (const record of [build, testing]) expect(stageRecord.parse(record)).toEqual(record);
    expect(build).toMatchObject({
      stage: 'build',
      attempt: 1,
      startedAt: '2025-03-05T09:00:00Z',
      endedAt: '2025-03-05T09:12:30Z',
      outcome: 'success',
      failureClass: null,
      summary: 'Built churn-predictor v3 on main@3f2a9c1 in 12 min: image registry.acme.test/ml/churn-predictor:3-3f2a9c1.',
    });
    expect(build?.links.map((link) => link.title)).toEqual(['Jenkins build #23', 'Jenkins console log']);
    expect(testing).toMatchObject({ stage: 'testing', outcome: 'success', failureClass: null });
    expect(testing?.summary).toBe(
      'Checks of churn-predictor v3 on main@3f2a9c1 passed: tests: 8 passed, 0 failed, 1 skipped; mypy: 0 errors (≤ 0 errors); format: 0 files to reformat (required); swagger (OpenAPI contract): 0 breaking changes, 1 warning; coverage: 98.4% (≥ 60%); diff coverage: 100% (≥ 80%).',
    );
    expect(testing?.links.map((link) => link.url)).toEqual([
      'https://jenkins.acme.test/job/ml/job/churn-predictor/job/build/23/',
      exampleReportUrls.junit,
      exampleReportUrls.mypy,
      exampleReportUrls.format,
      exampleReportUrls.openApiDiff,
      exampleReportUrls.coverage,
      exampleReportUrls.diffCover,
    ]);
  });

  it('gives both records the class of a failed check', () => {
    const failed = outcomeOf(judgeInput({ build: { result: 'FAILURE' }, reports: { mypy: { status: 'ok', value: { errors: 1, filesChecked: 3, first: [] } } } }));
    const [build, testing] = buildStageRecords(failed, null);
    expect(build).toMatchObject({ outcome: 'failure', failureClass: 'type_errors', summary: 'The build of churn-predictor v3 on main@3f2a9c1 failed (type errors (mypy)). mypy found 1 error; at most 0 allowed.' });
    expect(testing).toMatchObject({ outcome: 'failure', failureClass: 'type_errors' });
  });

  it('keeps testing a success when the checks passed but the build errored afterwards', () => {
    const errored = outcomeOf(judgeInput({ build: { result: 'FAILURE', failedStage: 'Push image', consoleTail: AGENT_LOST } }));
    const [build, testing] = buildStageRecords(errored, null);
    expect(build).toMatchObject({ outcome: 'failure', failureClass: 'infrastructure' });
    expect(build?.summary).toMatch(/^The build of churn-predictor v3 on main@3f2a9c1 errored \(an infrastructure problem/);
    expect(testing).toMatchObject({ outcome: 'success', failureClass: null });
  });
});

describe('words', () => {
  it('formats percents rounded down to one decimal, so a miss never shows as its threshold', () => {
    expect(formatPercent(68)).toBe('68%');
    expect(formatPercent(68.34)).toBe('68.3%');
    expect(formatPercent(59.96)).toBe('59.9%');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(57)).toBe('57%');
  });

  it('sums up a check that was not read', () => {
    const verdict = judgeBuild(judgeInput({ reports: { mypy: missing, coverage: unreadable('bad') } }));
    expect(checkSummary(verdict.checks, 'types')).toBe('mypy: report missing');
    expect(checkSummary(verdict.checks, 'coverage')).toBe('coverage: report unreadable');
  });
});
