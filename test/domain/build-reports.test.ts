import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mergeTestReads,
  readCobertura,
  readDiffCover,
  readJenkinsTestReport,
  readJUnitXml,
  readMypy,
  readOpenApiDiff,
  readRuffFormat,
  type ReportRead,
  type TestSummary,
} from '../../src/domain/build-reports.ts';

// Real reports of the real tools, made by scripts/make-build-report-fixtures.sh (see the README beside them).
const fixture = (scenario: string, file: string): string =>
  readFileSync(fileURLToPath(new URL(`../fixtures/build-reports/${scenario}/${file}`, import.meta.url)), 'utf8');
const json = (scenario: string, file: string): unknown => JSON.parse(fixture(scenario, file));
const half = (text: string): string => text.slice(0, Math.floor(text.length / 2));

function value<T>(read: ReportRead<T>): T {
  if (read.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(read)}`);
  return read.value;
}
function reason(read: ReportRead<unknown>): string {
  if (read.status !== 'unreadable') throw new Error(`expected unreadable, got ${JSON.stringify(read)}`);
  return read.reason;
}

const counts = (summary: TestSummary): Omit<TestSummary, 'failures' | 'flaky'> => ({
  passed: summary.passed,
  failed: summary.failed,
  errors: summary.errors,
  skipped: summary.skipped,
  total: summary.total,
});

const FUNCTIONAL_02 = {
  name: 'test_predict_answers_as_recorded[test_request_02]',
  classname: 'tests.functional.test_predict',
  suite: 'functional',
  outcome: 'failed',
  reruns: 2,
} as const;
const THRESHOLD = {
  name: 'test_probability_at_the_threshold_means_churn',
  classname: 'tests.unit.test_threshold',
  suite: 'unit',
  outcome: 'failed',
  message: 'AssertionError: a probability of exactly 0.5 must mean churn\nassert False\n +  where False = is_churn(0.5)',
  reruns: 2,
} as const;
const WARM_START = {
  name: 'test_predict_within_latency_budget',
  classname: 'tests.functional.test_warm_start',
  suite: 'functional',
  outcome: 'passed',
  message: null,
  reruns: 1,
} as const;

describe('readJUnitXml (pytest --junitxml with pytest-rerunfailures)', () => {
  it('green: 8 passed and 1 skipped, nothing failed or flaky', () => {
    const summary = value(readJUnitXml(fixture('green', 'junit.xml')));
    expect(counts(summary)).toEqual({ passed: 8, failed: 0, errors: 0, skipped: 1, total: 9 });
    expect(summary.failures).toEqual([]);
    expect(summary.flaky).toEqual([]);
  });

  it('red: the failing unit and functional tests after 2 reruns each, and the test that passed on its rerun', () => {
    // pytest printed "2 failed, 9 passed, 1 skipped, 5 rerun"; the XML holds 17 <testcase> entries for 12 tests.
    const summary = value(readJUnitXml(fixture('red', 'junit.xml')));
    expect(counts(summary)).toEqual({ passed: 9, failed: 2, errors: 0, skipped: 1, total: 12 });
    expect(summary.failures).toEqual([{ ...FUNCTIONAL_02, message: expect.stringContaining("{'model_version': '3'} != {'model_version': '2'}") }, THRESHOLD]);
    // pytest-rerunfailures writes the failed first run as an empty <testcase>: its message is not kept.
    expect(summary.flaky).toEqual([WARM_START]);
    expect(summary.failures.reduce((sum, test) => sum + test.reruns, 0) + summary.flaky[0]!.reruns).toBe(5);
  });

  it('setup-error: an error in a fixture is an error, not a failure', () => {
    const summary = value(readJUnitXml(fixture('setup-error', 'junit.xml')));
    expect(counts(summary)).toEqual({ passed: 8, failed: 0, errors: 1, skipped: 1, total: 10 });
    expect(summary.failures).toEqual([
      {
        name: 'test_artifact_loads',
        classname: 'tests.unit.test_model_artifact',
        suite: 'unit',
        outcome: 'error',
        message: 'failed on setup with "FileNotFoundError: model artifact missing: model.pkl"',
        reruns: 2,
      },
    ]);
  });

  it('no-tests: a report without a test case is unreadable, never green', () => {
    expect(reason(readJUnitXml(fixture('no-tests', 'junit.xml')))).toMatch(/^junit\.xml has no test case/);
  });

  it('the functional pattern is an option', () => {
    const summary = value(readJUnitXml(fixture('red', 'junit.xml'), { functionalPattern: /test_threshold/ }));
    expect(summary.failures.map((test) => test.suite)).toEqual(['unit', 'functional']);
  });

  it('Surefire records reruns inside the testcase', () => {
    // The shape of Surefire's rerun elements, as the Jenkins JUnit plugin parses them (CaseResult.parseRerunFailures).
    const xml = `<testsuite name="s" tests="2"><testcase classname="a.FlakyTest" name="t"><flakyFailure message="boom" type="E"/></testcase>
      <testcase classname="a.AlwaysFailTest" name="u"><failure message="built to fail"/><rerunFailure message="built to fail"/><rerunFailure message="built to fail"/></testcase></testsuite>`;
    const summary = value(readJUnitXml(xml));
    expect(summary.flaky).toEqual([{ name: 't', classname: 'a.FlakyTest', suite: 'unit', outcome: 'passed', message: null, reruns: 1 }]);
    expect(summary.failures).toEqual([{ name: 'u', classname: 'a.AlwaysFailTest', suite: 'unit', outcome: 'failed', message: 'built to fail', reruns: 2 }]);
  });

  it('missing, cut short or not JUnit', () => {
    expect(readJUnitXml(null)).toEqual({ status: 'missing' });
    expect(reason(readJUnitXml(half(fixture('red', 'junit.xml'))))).toMatch(/^junit\.xml is not well-formed XML \(cut short or damaged\): .+, at line \d+, column \d+$/);
    expect(reason(readJUnitXml('<testsuites><testsuite><testcase name="a"></testsuite></testsuites>'))).toMatch(/^junit\.xml is not well-formed XML .*testcase/);
    expect(reason(readJUnitXml(fixture('green', 'coverage.xml')))).toBe('junit.xml is not a JUnit report: its root element is <coverage>, expected <testsuites> or <testsuite>');
    expect(reason(readJUnitXml(''))).toBe('junit.xml is empty');
    expect(reason(readJUnitXml('<testsuite><testcase classname="a"/></testsuite>'))).toMatch(/^junit\.xml <testcase> is not in the expected shape: @_name/);
  });
});

describe('readJenkinsTestReport (testReport/api/json)', () => {
  it('gives the figures the JUnit XML gives, folding the cases Jenkins keeps for each rerun', () => {
    for (const scenario of ['green', 'red']) {
      expect(readJenkinsTestReport(json(scenario, 'jenkins-test-report.json'))).toEqual(readJUnitXml(fixture(scenario, 'junit.xml')));
    }
    // Jenkins itself counts each rerun entry: 14 passed, 2 failed, 1 skipped in the red build.
    expect(json('red', 'jenkins-test-report.json')).toMatchObject({ passCount: 14, failCount: 2, skipCount: 1 });
  });

  it('red: failures, reruns and the flaky test', () => {
    const summary = value(readJenkinsTestReport(json('red', 'jenkins-test-report.json')));
    expect(counts(summary)).toEqual({ passed: 9, failed: 2, errors: 0, skipped: 1, total: 12 });
    expect(summary.failures).toEqual([{ ...FUNCTIONAL_02, message: expect.stringMatching(/^AssertionError: assert /) }, THRESHOLD]);
    expect(summary.flaky).toEqual([WARM_START]);
  });

  it('Jenkins does not tell an error from a failure', () => {
    const summary = value(readJenkinsTestReport(json('setup-error', 'jenkins-test-report.json')));
    expect(counts(summary)).toEqual({ passed: 8, failed: 1, errors: 0, skipped: 1, total: 10 });
    expect(summary.failures[0]).toMatchObject({ outcome: 'failed', message: 'failed on setup with "FileNotFoundError: model artifact missing: model.pkl"', reruns: 2 });
  });

  it('takes the text too', () => {
    expect(readJenkinsTestReport(fixture('green', 'jenkins-test-report.json'))).toEqual(readJenkinsTestReport(json('green', 'jenkins-test-report.json')));
  });

  it('missing, empty, partial, cut short or another shape', () => {
    expect(readJenkinsTestReport(null)).toEqual({ status: 'missing' });
    expect(reason(readJenkinsTestReport(json('no-tests', 'jenkins-test-report.json')))).toMatch(/^The Jenkins test report has no test case/);
    const red = json('red', 'jenkins-test-report.json') as { passCount: number };
    expect(reason(readJenkinsTestReport({ ...red, passCount: 3 }))).toBe('The Jenkins test report counts 6 tests but lists 17 cases: it is partial (a tree or range query?)');
    expect(reason(readJenkinsTestReport(half(fixture('red', 'jenkins-test-report.json'))))).toMatch(/^The Jenkins test report is not valid JSON \(cut short or damaged\): /);
    expect(reason(readJenkinsTestReport(json('red', 'diff-cover.json')))).toMatch(/^The Jenkins test report is not in the expected shape: failCount: /);
    expect(reason(readJenkinsTestReport(42))).toMatch(/^The Jenkins test report is not in the expected shape: the top level: /);
  });
});

describe('readMypy (mypy_report.txt)', () => {
  it('red: 1 error in 16 source files', () => {
    expect(readMypy(fixture('red', 'mypy_report.txt'))).toEqual({
      status: 'ok',
      value: {
        errors: 1,
        filesChecked: 16,
        first: [{ file: 'ml_model/inference/explain.py', line: 18, message: 'Incompatible return value type (got "str | None", expected "str")  [return-value]' }],
      },
    });
  });

  it('green: no issues in 14 source files', () => {
    expect(value(readMypy(fixture('green', 'mypy_report.txt')))).toEqual({ errors: 0, filesChecked: 14, first: [] });
    expect(value(readMypy(fixture('setup-error', 'mypy_report.txt'))).filesChecked).toBe(15);
    expect(value(readMypy(fixture('no-tests', 'mypy_report.txt'))).filesChecked).toBe(10);
  });

  it('missing, cut short, or not what mypy says', () => {
    expect(readMypy(null)).toEqual({ status: 'missing' });
    expect(reason(readMypy(half(fixture('red', 'mypy_report.txt'))))).toMatch(/^mypy_report\.txt does not end with mypy's summary .*cut short.*; its last line is "ml_model\/inference\/explain\.py:18: error: /);
    expect(reason(readMypy(''))).toMatch(/^mypy_report\.txt does not end with mypy's summary/);
    expect(reason(readMypy('mypy: error: Cannot find implementation or library stub\n'))).toMatch(/last line is "mypy: error: Cannot find/);
    expect(reason(readMypy('a.py:1: error: x\nFound 2 errors in 1 file (checked 3 source files)\n'))).toBe(
      'mypy_report.txt says "Found 2 errors in 1 file (checked 3 source files)" but lists 1 error lines',
    );
  });
});

describe('readRuffFormat (fmt_report.txt)', () => {
  it('red: explain.py would be reformatted, 17 files checked', () => {
    expect(readRuffFormat(fixture('red', 'fmt_report.txt'))).toEqual({ status: 'ok', value: { filesToReformat: ['ml_model/inference/explain.py'], filesChecked: 17 } });
  });

  it('green: 15 files already formatted', () => {
    expect(value(readRuffFormat(fixture('green', 'fmt_report.txt')))).toEqual({ filesToReformat: [], filesChecked: 15 });
    expect(value(readRuffFormat(fixture('no-tests', 'fmt_report.txt')))).toEqual({ filesToReformat: [], filesChecked: 11 });
  });

  it('reads the concise and the older output formats too', () => {
    const summary = '1 file would be reformatted, 16 files already formatted';
    expect(value(readRuffFormat(`ml_model/inference/explain.py:11:20: unformatted: File would be reformatted\n${summary}\n`)).filesToReformat).toEqual(['ml_model/inference/explain.py']);
    expect(value(readRuffFormat(`Would reformat: ml_model/inference/explain.py\n${summary}\n`)).filesToReformat).toEqual(['ml_model/inference/explain.py']);
  });

  it('missing, cut short, or counts that disagree', () => {
    expect(readRuffFormat(null)).toEqual({ status: 'missing' });
    expect(reason(readRuffFormat(half(fixture('red', 'fmt_report.txt'))))).toMatch(/^fmt_report\.txt does not end with ruff's summary .*cut short/);
    expect(reason(readRuffFormat(''))).toMatch(/^fmt_report\.txt does not end with ruff's summary/);
    expect(reason(readRuffFormat('2 files would be reformatted, 3 files already formatted\n'))).toBe(
      'fmt_report.txt says "2 files would be reformatted, 3 files already formatted" but names 0 files to reformat',
    );
  });
});

describe('readCobertura (coverage.xml)', () => {
  it('the line coverage coverage.py wrote', () => {
    expect(readCobertura(fixture('green', 'coverage.xml'))).toEqual({ status: 'ok', value: { lineRate: 0.9846, linesValid: 65, linesCovered: 64 } });
    expect(value(readCobertura(fixture('red', 'coverage.xml')))).toEqual({ lineRate: 0.9701, linesValid: 67, linesCovered: 65 });
    expect(value(readCobertura(fixture('no-tests', 'coverage.xml')))).toEqual({ lineRate: 0, linesValid: 65, linesCovered: 0 });
  });

  it('missing, cut short or not Cobertura', () => {
    expect(readCobertura(null)).toEqual({ status: 'missing' });
    expect(reason(readCobertura(half(fixture('red', 'coverage.xml'))))).toMatch(/^coverage\.xml is not well-formed XML \(cut short or damaged\): .+, at line \d+/);
    expect(reason(readCobertura(fixture('red', 'junit.xml')))).toBe('coverage.xml is not a Cobertura report: its root element is <testsuites>, expected <coverage>');
    expect(reason(readCobertura('<coverage line-rate="1.7" lines-valid="1" lines-covered="1"/>'))).toMatch(/^coverage\.xml <coverage> is not in the expected shape: @_line-rate: /);
    expect(reason(readCobertura('<coverage line-rate="1"/>'))).toMatch(/@_lines-valid/);
  });
});

describe('readDiffCover (diff-cover --format json)', () => {
  it('red: 90% of the 10 changed lines, line 18 of explain.py untested', () => {
    expect(readDiffCover(json('red', 'diff-cover.json'))).toEqual({
      status: 'ok',
      value: { diffCoverage: 90, linesChanged: 10, violations: [{ file: 'ml_model/inference/explain.py', lines: [18] }] },
    });
  });

  it('green: 100% of 8 changed lines', () => {
    expect(value(readDiffCover(json('green', 'diff-cover.json')))).toEqual({ diffCoverage: 100, linesChanged: 8, violations: [] });
  });

  it('no-tests: a change with no measured line has no diff coverage (diff-cover says 100)', () => {
    expect(json('no-tests', 'diff-cover.json')).toMatchObject({ total_percent_covered: 100, total_num_lines: 0 });
    expect(value(readDiffCover(json('no-tests', 'diff-cover.json')))).toEqual({ diffCoverage: null, linesChanged: 0, violations: [] });
  });

  it('missing, cut short or another shape', () => {
    expect(readDiffCover(null)).toEqual({ status: 'missing' });
    expect(readDiffCover(fixture('red', 'diff-cover.json'))).toEqual(readDiffCover(json('red', 'diff-cover.json')));
    expect(reason(readDiffCover(half(fixture('red', 'diff-cover.json'))))).toMatch(/^The diff-cover report is not valid JSON \(cut short or damaged\): /);
    expect(reason(readDiffCover({ src_stats: {}, total_num_lines: 3 }))).toMatch(/^The diff-cover report is not in the expected shape: total_num_violations: /);
    const red = json('red', 'diff-cover.json') as Record<string, unknown>;
    expect(reason(readDiffCover({ ...red, total_num_violations: 4 }))).toBe('The diff-cover report counts 4 uncovered lines but lists 1');
  });
});

describe('readOpenApiDiff (api-schema-diff --format json)', () => {
  it('red: model_version removed from the predict response, /v1/explain added', () => {
    expect(readOpenApiDiff(fixture('red', 'openapi-diff.json'))).toEqual({
      status: 'ok',
      value: {
        breaking: ['operations.POST /v1/predict.responses.200.schema.properties.model_version: Property removed'],
        nonBreaking: ['paths./v1/explain: Path added', 'operations.POST /v1/predict.responses.200.schema.required.model_version: Field is no longer required'],
      },
    });
  });

  it('green: only the added path; no-tests: no change', () => {
    expect(value(readOpenApiDiff(fixture('green', 'openapi-diff.json')))).toEqual({ breaking: [], nonBreaking: ['paths./v1/explain: Path added'] });
    expect(value(readOpenApiDiff(fixture('no-tests', 'openapi-diff.json')))).toEqual({ breaking: [], nonBreaking: [] });
  });

  it('missing, cut short or another shape', () => {
    expect(readOpenApiDiff(null)).toEqual({ status: 'missing' });
    expect(reason(readOpenApiDiff(half(fixture('red', 'openapi-diff.json'))))).toMatch(/^The OpenAPI diff is not valid JSON \(cut short or damaged\): /);
    expect(reason(readOpenApiDiff('{"breaking": []}'))).toMatch(/^The OpenAPI diff is not in the expected shape: non_breaking: /);
  });
});

describe('no input makes a reader throw', () => {
  const textReaders: ReadonlyArray<(text: string) => ReportRead<unknown>> = [
    (text) => readJUnitXml(text),
    (text) => readJenkinsTestReport(text),
    readMypy,
    readRuffFormat,
    readCobertura,
    (text) => readDiffCover(text),
    readOpenApiDiff,
  ];
  // A throw fails the property; only null is missing.
  const isRead = (read: ReportRead<unknown>): boolean => read.status === 'ok' || read.status === 'unreadable';

  it('any string, including fixtures cut anywhere', () => {
    const fixtures = ['junit.xml', 'coverage.xml', 'mypy_report.txt', 'fmt_report.txt', 'diff-cover.json', 'openapi-diff.json', 'jenkins-test-report.json'].map((file) =>
      fixture('red', file),
    );
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(...fixtures).chain((whole) => fc.nat({ max: whole.length }).map((cut) => whole.slice(0, cut))),
      fc.stringMatching(/^<[a-z]+( [a-z-]+="[^"]*")*\/?>/),
    );
    fc.assert(
      fc.property(text, (input) => textReaders.every((read) => isRead(read(input)))),
      { numRuns: 300 },
    );
  });

  it('any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) =>
        [readJenkinsTestReport(input), readDiffCover(input)].every((read) => (input === null ? read.status === 'missing' : isRead(read))),
      ),
      { numRuns: 300 },
    );
  });
});

describe('mergeTestReads', () => {
  it('adds the suites of several JUnit files, and lets an unreadable one or none at all decide', () => {
    const green = readJUnitXml(fixture('green', 'junit.xml'));
    const red = readJUnitXml(fixture('red', 'junit.xml'));
    const merged = mergeTestReads([green, red, { status: 'missing' }]);
    expect(merged.status).toBe('ok');
    if (merged.status !== 'ok' || green.status !== 'ok' || red.status !== 'ok') return;
    expect(merged.value.total).toBe(green.value.total + red.value.total);
    expect(merged.value.failed).toBe(green.value.failed + red.value.failed);
    expect(merged.value.failures).toEqual([...green.value.failures, ...red.value.failures]);
    expect(mergeTestReads([green, readJUnitXml('<testsuites')]).status).toBe('unreadable');
    expect(mergeTestReads([{ status: 'missing' }])).toEqual({ status: 'missing' });
  });
});
