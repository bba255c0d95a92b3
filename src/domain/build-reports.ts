import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';

/**
 * Readers of the reports a model's build and test job leaves (JUnit XML and Jenkins' test report, mypy,
 * `ruff format --check`, Cobertura coverage, diff-cover, the OpenAPI contract diff). Each is a pure function
 * of the report's content: `null` (the job left no such report) is `missing`; a report cut short, damaged or
 * of another shape is `unreadable` with a reason a person can act on, never a throw and never a made-up
 * success. The fixtures in `test/fixtures/build-reports/` are real reports of these tools, made by
 * `scripts/make-build-report-fixtures.sh`.
 */

/** The result of reading one report: its figures, or why there are none. */
export type ReportRead<T> =
  | { readonly status: 'ok'; readonly value: T }
  | { readonly status: 'missing' }
  | { readonly status: 'unreadable'; readonly reason: string };

/** One test, after its reruns: how its last run ended and how many times it was run again. */
export interface TestCaseResult {
  readonly name: string;
  readonly classname: string;
  /** `functional` when the classname or file matches the functional pattern (tests under `tests/functional`). */
  readonly suite: 'unit' | 'functional';
  readonly outcome: 'passed' | 'failed' | 'error' | 'skipped';
  /** The failure, error or skip message of the last run; null when the report gives none. */
  readonly message: string | null;
  /** How many times the test ran again after a failed run (pytest-rerunfailures, Surefire). */
  readonly reruns: number;
}

/** A test run's figures, counting each test once whatever its reruns. */
export interface TestSummary {
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
  /** The tests whose last run failed or errored. */
  readonly failures: readonly TestCaseResult[];
  /** The tests that failed first, then passed on a rerun. */
  readonly flaky: readonly TestCaseResult[];
  readonly total: number;
}

/** Options of the test report readers. */
export interface TestReportOptions {
  /** Tells functional tests from unit tests by classname (or the JUnit `file` attribute). */
  readonly functionalPattern?: RegExp;
}

/** mypy's figures: the error count of its summary, the files it checked and the first errors. */
export interface MypyReport {
  readonly errors: number;
  readonly filesChecked: number | null;
  readonly first: ReadonlyArray<{ readonly file: string; readonly line: number; readonly message: string }>;
}

/** `ruff format --check`'s figures: the files it would reformat and how many it checked. */
export interface RuffFormatReport {
  readonly filesToReformat: readonly string[];
  readonly filesChecked: number | null;
}

/** Overall line coverage from a Cobertura XML report (`coverage xml`). */
export interface CoberturaReport {
  /** 0..1 */
  readonly lineRate: number;
  readonly linesValid: number;
  readonly linesCovered: number;
}

/** diff-cover's figures: the coverage of the changed lines and the changed lines no test ran. */
export interface DiffCoverReport {
  /** Percent 0..100 as diff-cover reports it; null when the change has no line coverage measures. */
  readonly diffCoverage: number | null;
  /** The changed lines coverage measures (diff-cover's `total_num_lines`): changed code, not tests or docs. */
  readonly linesChanged: number;
  readonly violations: ReadonlyArray<{ readonly file: string; readonly lines: readonly number[] }>;
}

/** The contract diff: each change as "<where>: <what>", breaking apart from the rest. */
export interface OpenApiDiffReport {
  readonly breaking: readonly string[];
  readonly nonBreaking: readonly string[];
}

/** Tests under `tests/functional` (pytest's classname `tests.functional.…`, or a file path) or `tests_functional`. */
export const DEFAULT_FUNCTIONAL_PATTERN = /(^|[./\\])(tests[./\\]functional|tests_functional)([./\\]|$)/;

/** How many errors `readMypy` keeps in `first`. */
export const MYPY_FIRST_ERRORS = 10;

const ok = <T>(value: T): ReportRead<T> => ({ status: 'ok', value });
const missing = { status: 'missing' } as const;
const unreadable = (reason: string): { readonly status: 'unreadable'; readonly reason: string } => ({ status: 'unreadable', reason });

/** A reader's last guard: whatever it did not foresee becomes `unreadable`, never a throw. */
function guarded<I, T>(report: string, read: (input: I) => ReportRead<T>): (input: I | null) => ReportRead<T> {
  return (input) => {
    if (input === null || input === undefined) return missing;
    try {
      return read(input);
    } catch (error) {
      return unreadable(`${report} could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

function describeIssues(report: string, error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'the top level'}: ${issue.message}`);
  return `${report} is not in the expected shape: ${issues.join('; ')}`;
}

// ---------------------------------------------------------------------------------------------------------
// XML

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Numeric character references (pytest writes line breaks in messages as &#10;) need htmlEntities in v5.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => ARRAY_ELEMENTS.has(name),
});
const ARRAY_ELEMENTS: ReadonlySet<string> = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped', 'rerunFailure', 'flakyFailure', 'rerunError', 'flakyError']);

/** Parses well-formed XML, or says where it is not. */
function parseXml(report: string, xml: string): { readonly ok: true; readonly document: Record<string, unknown> } | { readonly ok: false; readonly reason: string } {
  if (xml.trim() === '') return { ok: false, reason: `${report} is empty` };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const where = valid.err.line === undefined ? '' : `, at line ${valid.err.line}${valid.err.col === undefined ? '' : `, column ${valid.err.col}`}`;
    return { ok: false, reason: `${report} is not well-formed XML (cut short or damaged): ${valid.err.msg.replace(/\.$/, '')}${where}` };
  }
  const document: unknown = xmlParser.parse(xml);
  if (typeof document !== 'object' || document === null) return { ok: false, reason: `${report} has no root element` };
  return { ok: true, document: document as Record<string, unknown> };
}

/** An element that fast-xml-parser gives as a string when it has neither attributes nor children. */
const xmlElement = z.union([z.string().transform((text) => ({ '#text': text })), z.looseObject({})]);
const xmlText = (element: Record<string, unknown> | undefined): string | null => {
  const text = element?.['#text'];
  return typeof text === 'string' ? text : null;
};
const xmlAttribute = (element: Record<string, unknown> | undefined, name: string): string | null => {
  const value = element?.[`@_${name}`];
  return typeof value === 'string' ? value : null;
};

// ---------------------------------------------------------------------------------------------------------
// Test reports

/** One run of a test as a report gives it, before reruns are folded together. */
interface TestRun {
  readonly classname: string;
  readonly name: string;
  readonly file: string | null;
  readonly outcome: TestCaseResult['outcome'];
  readonly message: string | null;
  /** Reruns the report records inside this entry (Surefire's `<rerunFailure>` and `<flakyFailure>`). */
  readonly recordedReruns: number;
}

/**
 * Folds a test's repeated entries into one result. pytest-rerunfailures writes every run of a test as its
 * own `<testcase>` with the same classname and name, the earlier runs empty and the last one carrying the
 * outcome (checked with pytest 9.2 and pytest-rerunfailures 16.7: the red fixture's junit.xml); Jenkins keeps
 * each as a case. Surefire instead nests `<rerunFailure>`/`<flakyFailure>` in one `<testcase>`.
 */
function summarize(runs: readonly TestRun[], functionalPattern: RegExp): TestSummary {
  const byTest = new Map<string, TestRun[]>();
  for (const run of runs) {
    const key = `${run.classname}\u0000${run.name}`;
    const earlier = byTest.get(key);
    if (earlier) earlier.push(run);
    else byTest.set(key, [run]);
  }
  const results: TestCaseResult[] = [...byTest.values()].map((attempts) => {
    const last = attempts[attempts.length - 1] as TestRun;
    const reruns = attempts.length - 1 + attempts.reduce((sum, attempt) => sum + attempt.recordedReruns, 0);
    const functional = functionalPattern.test(last.classname) || (last.file !== null && functionalPattern.test(last.file));
    return { name: last.name, classname: last.classname, suite: functional ? 'functional' : 'unit', outcome: last.outcome, message: last.message, reruns };
  });
  const count = (outcome: TestCaseResult['outcome']): number => results.filter((result) => result.outcome === outcome).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    skipped: count('skipped'),
    failures: results.filter((result) => result.outcome === 'failed' || result.outcome === 'error'),
    flaky: results.filter((result) => result.outcome === 'passed' && result.reruns > 0),
    total: results.length,
  };
}

const firstLine = (text: string | null): string | null => {
  const line = text
    ?.split('\n')
    .map((part) => part.trim())
    .find((part) => part !== '');
  return line ?? null;
};

const junitCase = z.looseObject({
  '@_name': z.string().describe('The test, e.g. "test_predict_answers_as_recorded[test_request_02]"'),
  '@_classname': z.string().optional().describe('Its module or class, e.g. "tests.functional.test_predict"'),
  '@_file': z.string().optional(),
  failure: z.array(xmlElement).optional(),
  error: z.array(xmlElement).optional(),
  skipped: z.array(xmlElement).optional(),
  rerunFailure: z.array(xmlElement).optional(),
  rerunError: z.array(xmlElement).optional(),
  flakyFailure: z.array(xmlElement).optional(),
  flakyError: z.array(xmlElement).optional(),
});
type JUnitSuite = { readonly testcase?: readonly unknown[]; readonly testsuite?: readonly JUnitSuite[] };
const junitSuite: z.ZodType<JUnitSuite> = z.lazy(() =>
  z.union([z.literal('').transform(() => ({})), z.looseObject({ testcase: z.array(z.unknown()).optional(), testsuite: z.array(junitSuite).optional() })]),
);

function junitRun(testCase: z.infer<typeof junitCase>): TestRun {
  const error = testCase.error?.[0];
  const failure = testCase.failure?.[0];
  const skipped = testCase.skipped?.[0];
  const problem = error ?? failure ?? skipped;
  const outcome = error ? 'error' : failure ? 'failed' : skipped ? 'skipped' : 'passed';
  const recordedReruns = ['rerunFailure', 'rerunError', 'flakyFailure', 'flakyError'].reduce(
    (sum, tag) => sum + ((testCase[tag] as unknown[] | undefined)?.length ?? 0),
    0,
  );
  return {
    classname: testCase['@_classname'] ?? '',
    name: testCase['@_name'],
    file: testCase['@_file'] ?? null,
    outcome,
    message: problem ? (xmlAttribute(problem, 'message') ?? firstLine(xmlText(problem))) : null,
    recordedReruns,
  };
}

/**
 * Reads a JUnit XML report (pytest `--junitxml`, Surefire), folding a test's reruns into one result.
 * A report with no test case is unreadable: a test step that ran nothing is not green.
 */
export const readJUnitXml: (xml: string | null, options?: TestReportOptions) => ReportRead<TestSummary> = (xml, options = {}) =>
  guarded('junit.xml', (text: string) => {
    const parsed = parseXml('junit.xml', text);
    if (!parsed.ok) return unreadable(parsed.reason);
    const rootName = Object.keys(parsed.document).find((key) => !key.startsWith('?') && !key.startsWith('#'));
    if (rootName !== 'testsuites' && rootName !== 'testsuite') {
      return unreadable(`junit.xml is not a JUnit report: its root element is <${rootName ?? 'none'}>, expected <testsuites> or <testsuite>`);
    }
    const root = z.array(junitSuite).safeParse(rootName === 'testsuite' ? parsed.document[rootName] : [parsed.document[rootName]]);
    if (!root.success) return unreadable(describeIssues('junit.xml', root.error));
    const runs: TestRun[] = [];
    const visit = (suite: JUnitSuite): ReportRead<never> | null => {
      for (const entry of suite.testcase ?? []) {
        const testCase = junitCase.safeParse(typeof entry === 'string' ? {} : entry);
        if (!testCase.success) return unreadable(describeIssues('junit.xml <testcase>', testCase.error));
        runs.push(junitRun(testCase.data));
      }
      for (const nested of suite.testsuite ?? []) {
        const problem = visit(nested);
        if (problem) return problem;
      }
      return null;
    };
    for (const suite of root.data) {
      const problem = visit(suite);
      if (problem) return problem;
    }
    if (runs.length === 0) return unreadable('junit.xml has no test case: the test step ran no test (pytest collected nothing), which is not a pass');
    return ok(summarize(runs, options.functionalPattern ?? DEFAULT_FUNCTIONAL_PATTERN));
  })(xml);

const jenkinsFailureList = z.array(z.unknown()).optional().describe('Surefire reruns the JUnit plugin keeps (plugin 1380 and later)');
const jenkinsCase = z.looseObject({
  className: z.string().nullable().optional().describe('The JUnit classname, e.g. "tests.unit.test_threshold"'),
  name: z.string(),
  status: z.enum(['PASSED', 'FIXED', 'SKIPPED', 'FAILED', 'REGRESSION']).describe("CaseResult.Status: FIXED passed after failing in the previous build, REGRESSION the reverse"),
  errorDetails: z.string().nullable().optional().describe('The message of the <error> or <failure>'),
  errorStackTrace: z.string().nullable().optional(),
  skippedMessage: z.string().nullable().optional(),
  rerunFailures: jenkinsFailureList,
  flakyFailures: jenkinsFailureList,
});
const jenkinsTestReport = z.looseObject({
  failCount: z.number().int().nonnegative(),
  passCount: z.number().int().nonnegative(),
  skipCount: z.number().int().nonnegative(),
  suites: z.array(z.looseObject({ name: z.string().nullable().optional(), cases: z.array(jenkinsCase) })),
});

/** A JSON reader's input: the parsed document, or the file's text (parsed here, so a cut-short file is told apart). */
function parseJson(report: string, input: unknown): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string } {
  if (typeof input !== 'string') return { ok: true, value: input };
  if (input.trim() === '') return { ok: false, reason: `${report} is empty` };
  try {
    return { ok: true, value: JSON.parse(input) as unknown };
  } catch (error) {
    return { ok: false, reason: `${report} is not valid JSON (cut short or damaged): ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Reads Jenkins' test report (`<build>/testReport/api/json`, the JUnit plugin's `TestResult`), folding a
 * test's repeated cases as {@link readJUnitXml} does. Jenkins does not tell an error from a failure: both are
 * `failed`. The JSON may be given parsed or as its text.
 */
export const readJenkinsTestReport: (json: unknown, options?: TestReportOptions) => ReportRead<TestSummary> = (json, options = {}) =>
  guarded('The Jenkins test report', (input: unknown) => {
    const document = parseJson('The Jenkins test report', input);
    if (!document.ok) return unreadable(document.reason);
    const report = jenkinsTestReport.safeParse(document.value);
    if (!report.success) return unreadable(describeIssues('The Jenkins test report', report.error));
    const cases = report.data.suites.flatMap((suite) => suite.cases);
    if (cases.length === 0) return unreadable('The Jenkins test report has no test case: the build published no test result, which is not a pass');
    const counted = report.data.failCount + report.data.passCount + report.data.skipCount;
    if (counted !== cases.length) {
      return unreadable(`The Jenkins test report counts ${counted} tests but lists ${cases.length} cases: it is partial (a tree or range query?)`);
    }
    const runs = cases.map((testCase): TestRun => {
      const failed = testCase.status === 'FAILED' || testCase.status === 'REGRESSION';
      const outcome = testCase.status === 'SKIPPED' ? 'skipped' : failed ? 'failed' : 'passed';
      const message = outcome === 'skipped' ? (testCase.skippedMessage ?? null) : failed ? (testCase.errorDetails ?? firstLine(testCase.errorStackTrace ?? null)) : null;
      return {
        classname: testCase.className ?? '',
        name: testCase.name,
        file: null,
        outcome,
        message,
        recordedReruns: (testCase.rerunFailures?.length ?? 0) + (testCase.flakyFailures?.length ?? 0),
      };
    });
    return ok(summarize(runs, options.functionalPattern ?? DEFAULT_FUNCTIONAL_PATTERN));
  })(json);

// ---------------------------------------------------------------------------------------------------------
// mypy and ruff: their text output

const lines = (text: string): string[] => text.split(/\r?\n/);
const plural = String.raw`(\d+) (?:\w+ )?files?`;

// "path:line: error: message  [code]", with ":column" (and ":endline:endcolumn") when mypy is asked for them.
const MYPY_ERROR = /^(.+?):(\d+)(?::\d+){0,3}: error: (.*)$/;
const MYPY_FOUND = new RegExp(String.raw`^Found (\d+) errors? in (\d+) files?(?: \(checked ${plural}\))?\s*$`);
const MYPY_SUCCESS = new RegExp(String.raw`^Success: no issues found in ${plural}\s*$`);

/**
 * Reads mypy's output (`mypy_report.txt`). Its closing summary ("Found N errors in M files (checked K source
 * files)" or "Success: no issues found in K source files") must be there: without it the output was cut short
 * or mypy did not finish (a crash, a config error).
 */
export const readMypy: (text: string | null) => ReportRead<MypyReport> = guarded('mypy_report.txt', (text: string) => {
  const all = lines(text);
  const errors = all.flatMap((line) => {
    const match = MYPY_ERROR.exec(line);
    return match ? [{ file: match[1] as string, line: Number(match[2]), message: (match[3] as string).trim() }] : [];
  });
  const summary = all.map((line) => line.trim()).filter((line) => line !== '').at(-1) ?? '';
  const success = MYPY_SUCCESS.exec(summary);
  if (success) {
    if (errors.length > 0) return unreadable(`mypy_report.txt says "${summary}" but lists ${errors.length} errors`);
    return ok({ errors: 0, filesChecked: Number(success[1]), first: [] });
  }
  const found = MYPY_FOUND.exec(summary);
  if (!found) {
    return unreadable(
      `mypy_report.txt does not end with mypy's summary ("Found N errors in M files" or "Success: no issues found"): the output is cut short, or mypy stopped early${summary ? `; its last line is "${summary.slice(0, 200)}"` : ''}`,
    );
  }
  const count = Number(found[1]);
  if (errors.length !== count) return unreadable(`mypy_report.txt says "${summary}" but lists ${errors.length} error lines`);
  return ok({ errors: count, filesChecked: found[3] === undefined ? null : Number(found[3]), first: errors.slice(0, MYPY_FIRST_ERRORS) });
});

// The files ruff would reformat, in its output formats: "full" (the default since 0.9: "unformatted: …" then
// "  --> path:line:col"), "concise" ("path:line:col: unformatted: …") and the older "Would reformat: path".
const RUFF_FULL_HEADER = /^unformatted: /;
const RUFF_FULL_LOCATION = /^\s*--> (.+?):\d+:\d+\s*$/;
const RUFF_CONCISE = /^(.+?):\d+:\d+: unformatted: /;
const RUFF_LEGACY = /^Would reformat: (.+?)\s*$/;
const RUFF_SUMMARY = new RegExp(String.raw`^(?:(\d+) files? would be reformatted)?(?:, )?(?:(\d+) files? (?:already formatted|left unchanged))?\s*$`);

/**
 * Reads `ruff format --check` output (`fmt_report.txt`): the files it would reformat, and the files it
 * checked from its closing summary ("1 file would be reformatted, 16 files already formatted"), which must be
 * there and agree with the files it names.
 */
export const readRuffFormat: (text: string | null) => ReportRead<RuffFormatReport> = guarded('fmt_report.txt', (text: string) => {
  const all = lines(text);
  const files: string[] = [];
  all.forEach((line, index) => {
    const concise = RUFF_CONCISE.exec(line) ?? RUFF_LEGACY.exec(line);
    if (concise) files.push(concise[1] as string);
    else if (RUFF_FULL_HEADER.test(line)) {
      const location = all
        .slice(index + 1, index + 3)
        .map((next) => RUFF_FULL_LOCATION.exec(next))
        .find((match) => match !== null);
      if (location) files.push(location[1] as string);
    }
  });
  const summary = all.map((line) => line.trim()).filter((line) => line !== '').at(-1) ?? '';
  const match = summary === '' ? null : RUFF_SUMMARY.exec(summary);
  if (!match || (match[1] === undefined && match[2] === undefined)) {
    return unreadable(
      `fmt_report.txt does not end with ruff's summary ("N files would be reformatted, M files already formatted"): the output is cut short, or ruff stopped early${summary ? `; its last line is "${summary.slice(0, 200)}"` : ''}`,
    );
  }
  const toReformat = Number(match[1] ?? 0);
  const unique = [...new Set(files)];
  if (unique.length !== toReformat) return unreadable(`fmt_report.txt says "${summary}" but names ${unique.length} files to reformat`);
  return ok({ filesToReformat: unique, filesChecked: toReformat + Number(match[2] ?? 0) });
});

// ---------------------------------------------------------------------------------------------------------
// Coverage

const count = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);
const coberturaRoot = z.looseObject({
  '@_line-rate': z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected a number')
    .transform(Number)
    .pipe(z.number().min(0).max(1))
    .describe('Overall line coverage, 0..1'),
  '@_lines-valid': count.describe('Lines coverage measures'),
  '@_lines-covered': count.describe('Lines the tests ran'),
});

/** Reads a Cobertura XML coverage report (`coverage xml`): overall line coverage. */
export const readCobertura: (xml: string | null) => ReportRead<CoberturaReport> = guarded('coverage.xml', (text: string) => {
  const parsed = parseXml('coverage.xml', text);
  if (!parsed.ok) return unreadable(parsed.reason);
  if (!('coverage' in parsed.document)) {
    const rootName = Object.keys(parsed.document).find((key) => !key.startsWith('?') && !key.startsWith('#'));
    return unreadable(`coverage.xml is not a Cobertura report: its root element is <${rootName ?? 'none'}>, expected <coverage>`);
  }
  const root = coberturaRoot.safeParse(parsed.document['coverage']);
  if (!root.success) return unreadable(describeIssues('coverage.xml <coverage>', root.error));
  const { '@_line-rate': lineRate, '@_lines-valid': linesValid, '@_lines-covered': linesCovered } = root.data;
  if (linesCovered > linesValid) return unreadable(`coverage.xml counts ${linesCovered} covered lines of ${linesValid}`);
  return ok({ lineRate, linesValid, linesCovered });
});

const diffCoverReport = z.looseObject({
  src_stats: z
    .record(
      z.string(),
      z.looseObject({
        violation_lines: z.array(z.number().int()).describe('Changed lines no test ran'),
      }),
    )
    .describe('Per changed source file'),
  total_num_lines: z.number().int().nonnegative().describe('Changed lines that coverage measures'),
  total_num_violations: z.number().int().nonnegative(),
  total_percent_covered: z.number().min(0).max(100).describe('Coverage of the changed lines, percent; diff-cover says 100 when there are none'),
});

/**
 * Reads diff-cover's JSON report (`diff-cover coverage.xml --format json:…`). The diff coverage is null when
 * the change has no line coverage measures (diff-cover itself reports 100% then). The JSON may be given parsed
 * or as its text.
 */
export const readDiffCover: (json: unknown) => ReportRead<DiffCoverReport> = guarded('The diff-cover report', (input: unknown) => {
  const document = parseJson('The diff-cover report', input);
  if (!document.ok) return unreadable(document.reason);
  const report = diffCoverReport.safeParse(document.value);
  if (!report.success) return unreadable(describeIssues('The diff-cover report', report.error));
  const { src_stats: files, total_num_lines: linesChanged, total_num_violations: violationCount, total_percent_covered: percent } = report.data;
  const violations = Object.entries(files)
    .filter(([, stats]) => stats.violation_lines.length > 0)
    .map(([file, stats]) => ({ file, lines: stats.violation_lines }));
  const listed = violations.reduce((sum, violation) => sum + violation.lines.length, 0);
  if (listed !== violationCount) return unreadable(`The diff-cover report counts ${violationCount} uncovered lines but lists ${listed}`);
  return ok({ diffCoverage: linesChanged === 0 ? null : percent, linesChanged, violations });
});

// ---------------------------------------------------------------------------------------------------------
// The contract diff

const openApiChange = z.looseObject({
  type: z.string().describe('e.g. "removed_field", "added_field", "required_change"'),
  path: z.string().describe('Where, e.g. "operations.POST /v1/predict.responses.200.schema.properties.model_version"'),
  message: z.string().nullable().optional().describe('e.g. "Property removed"'),
});
const openApiDiff = z.looseObject({ breaking: z.array(openApiChange), non_breaking: z.array(openApiChange) });
const describeChange = (change: z.infer<typeof openApiChange>): string => `${change.path}: ${change.message ?? change.type.replaceAll('_', ' ')}`;

/**
 * Reads the contract diff: the JSON output of api-schema-diff (`api-schema-diff base.yaml openapi.yaml
 * --format json`), each change as "<where>: <what>".
 */
export const readOpenApiDiff: (text: string | null) => ReportRead<OpenApiDiffReport> = guarded('The OpenAPI diff', (text: string) => {
  const document = parseJson('The OpenAPI diff', text);
  if (!document.ok) return unreadable(document.reason);
  const report = openApiDiff.safeParse(document.value);
  if (!report.success) return unreadable(describeIssues('The OpenAPI diff', report.error));
  return ok({ breaking: report.data.breaking.map(describeChange), nonBreaking: report.data.non_breaking.map(describeChange) });
});

/**
 * One summary of several JUnit reports (one per suite): the counts added, the lists joined. A
 * report that is unreadable makes the whole unreadable, naming it; missing ones are skipped,
 * and all missing is missing.
 */
export function mergeTestReads(reads: ReadonlyArray<ReportRead<TestSummary>>): ReportRead<TestSummary> {
  const unreadable = reads.find((read) => read.status === 'unreadable');
  if (unreadable) return unreadable;
  const summaries = reads.flatMap((read) => (read.status === 'ok' ? [read.value] : []));
  if (summaries.length === 0) return { status: 'missing' };
  return {
    status: 'ok',
    value: {
      passed: summaries.reduce((sum, summary) => sum + summary.passed, 0),
      failed: summaries.reduce((sum, summary) => sum + summary.failed, 0),
      errors: summaries.reduce((sum, summary) => sum + summary.errors, 0),
      skipped: summaries.reduce((sum, summary) => sum + summary.skipped, 0),
      total: summaries.reduce((sum, summary) => sum + summary.total, 0),
      failures: summaries.flatMap((summary) => summary.failures),
      flaky: summaries.flatMap((summary) => summary.flaky),
    },
  };
}
