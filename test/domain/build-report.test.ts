import { describe, expect, it } from 'vitest';
import { toAdf, toWiki } from '../../src/clients/jira-render.ts';
import type { BuildOutcome, BuildReports } from '../../src/domain/build-outcome.ts';
import { buildResultComment, buildResultSlack, testingResultComment } from '../../src/domain/build-report.ts';
import type { Block, Document, Inline } from '../../src/domain/document.ts';
import { exampleReportUrls, fixtureReports, judgeInput, outcomeOf, successfulBuild, testCase, testSummary } from './build-example.ts';

const links = { issueUrl: 'https://acme.atlassian.net/browse/MLM-42' };
const JOB = 'https://jenkins.acme.test/job/ml/job/churn-predictor/job/build/23/';
const COMMIT = 'https://github.com/acme-ml/churn-predictor/commit/3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b';

/** The text a person reads, one line per block (table rows as "a | b | c"). */
function plain(document: Document): string {
  const inline = (content: readonly Inline[]) => content.map((part) => (typeof part === 'string' ? part : part.text)).join('');
  const block = (b: Block): string => {
    switch (b.type) {
      case 'heading':
      case 'code':
        return b.text;
      case 'paragraph':
        return inline(b.content);
      case 'bullets':
        return b.items.map((item) => `- ${inline(item)}`).join('\n');
      case 'table':
        return [b.header, ...b.rows].map((row) => row.map(inline).join(' | ')).join('\n');
    }
  };
  return document.blocks.map(block).join('\n');
}

function hrefs(document: Document): string[] {
  return document.blocks.flatMap((b) => {
    const inlines = b.type === 'paragraph' ? [b.content] : b.type === 'bullets' ? b.items : b.type === 'table' ? [...b.header, ...b.rows.flat()] : [];
    return inlines.flat().flatMap((part) => (typeof part !== 'string' && part.href ? [part.href] : []));
  });
}

function tableLines(document: Document): string[] {
  const table = document.blocks.find((b) => b.type === 'table');
  return table ? plain({ blocks: [table] }).split('\n') : [];
}

const failed = (reports: Partial<BuildReports>, build: NonNullable<Parameters<typeof judgeInput>[0]>['build'] = { result: 'UNSTABLE' }, patch: Partial<BuildOutcome> = {}) =>
  outcomeOf(judgeInput({ build, reports }), patch);

const red = fixtureReports('red');
const flakyTests = [testCase('test_request_01', 'functional', 'passed', { reruns: 1 }), testCase('test_request_02', 'functional', 'passed', { reruns: 2 })];
const withFlaky = outcomeOf(judgeInput({ reports: { junit: { status: 'ok', value: testSummary({ flaky: flakyTests }) } } }));

const AGENT_LOST = ['[Pipeline] sh', '\u001b[31mAgent went offline during the build\u001b[0m', 'ERROR: Node is being removed'];
const errored = failed(
  { junit: { status: 'missing' }, mypy: { status: 'missing' }, format: { status: 'missing' }, coverage: { status: 'missing' }, diffCover: { status: 'missing' }, openApiDiff: { status: 'missing' } },
  { result: 'FAILURE', failedStage: 'Checkout', consoleTail: AGENT_LOST },
);

describe('buildResultComment', () => {
  it('says [Success] with the image, the build, its console and its duration, then review', () => {
    const comment = buildResultComment(successfulBuild, links);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Success] BUILD_RESULT' });
    const text = plain(comment);
    expect(text).toContain('The inference service of churn-predictor v3 from branch main at commit 3f2a9c1 was built, attempt 1 of 3.');
    expect(text).toContain('- Image: registry.acme.test/ml/churn-predictor:3-3f2a9c1');
    expect(text).toContain('- Jenkins build: ml/churn-predictor/build #23');
    expect(text).toContain('- Duration: 12 min (after 30 s in the queue)');
    expect(text).toContain('- Jenkins result: SUCCESS');
    expect(text).not.toContain('Failure');
    expect(plain({ blocks: [comment.blocks.at(-1) as Block] })).toBe('Next: review.');
    expect(hrefs(comment)).toEqual([COMMIT, JOB, `${JOB}console`]);
  });

  it('says [Failed] for a failed check, with the class in words and the reason, and sends the ticket back', () => {
    const comment = buildResultComment(failed({ junit: { status: 'ok', value: testSummary({ failures: [testCase('test_predict_shape', 'unit', 'failed')] }) } }), links);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] BUILD_RESULT' });
    const text = plain(comment);
    expect(text).toContain('The build of the inference service of churn-predictor v3 from branch main at commit 3f2a9c1 failed, attempt 1 of 3.');
    expect(text).toContain('Failure: unit tests failed (unit_tests).');
    expect(text).toContain('1 unit test failed: tests.unit.test_model::test_predict_shape.');
    expect(text).toContain('The ticket is back with the developer: push a fix to main or move the ticket to Ready for build to build again (attempt 2 of 3).');
    expect(comment.blocks.some((b) => b.type === 'code')).toBe(false);
  });

  it('says [ERROR] when the build itself errored, with the console rule and the end of the console', () => {
    const comment = buildResultComment(errored, links);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[ERROR] BUILD_RESULT' });
    const text = plain(comment);
    expect(text).toContain('errored, attempt 1 of 3.');
    expect(text).toContain('- Image: none was pushed');
    expect(text).toContain('Failure: an infrastructure problem (agent, network, registry or Jenkins itself) (infrastructure; console rule agent-offline).');
    expect(text).toContain('The build ended FAILURE in stage Checkout before its checks ran.');
    const code = comment.blocks.find((b) => b.type === 'code');
    expect(code?.type === 'code' && code.text).toBe('[Pipeline] sh\nAgent went offline during the build\nERROR: Node is being removed');
  });

  it('renders for Jira Cloud and Data Center', () => {
    expect(toAdf(buildResultComment(successfulBuild, links)).content.map((node) => node.type)).toEqual(['heading', 'paragraph', 'bulletList', 'paragraph']);
    expect(toWiki(buildResultComment(errored, links)).split('\n')[0]).toBe('h3. \\[ERROR\\] BUILD\\_RESULT');
  });
});

describe('testingResultComment', () => {
  it('says [Success] with every check, its value, threshold and archived report in a table', () => {
    const comment = testingResultComment(successfulBuild, links);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Success] TESTING_RESULT' });
    expect(tableLines(comment)).toEqual([
      'check | result | value | threshold | report',
      'tests | passed | 8 passed, 0 failed, 1 skipped | no failures | junit.xml',
      'mypy | passed | 0 errors | ≤ 0 errors | mypy_report.txt',
      'format | passed | 0 files to reformat | required | fmt_report.txt',
      'swagger (OpenAPI contract) | passed | 0 breaking changes, 1 warning | no breaking changes | openapi-diff.json',
      'coverage | passed | 98.4% | ≥ 60% | coverage.xml',
      'diff coverage | passed | 100% | ≥ 80% | diff-cover.json',
    ]);
    expect(hrefs(comment)).toEqual([
      COMMIT,
      exampleReportUrls.junit,
      exampleReportUrls.mypy,
      exampleReportUrls.format,
      exampleReportUrls.openApiDiff,
      exampleReportUrls.coverage,
      exampleReportUrls.diffCover,
    ]);
    const text = plain(comment);
    expect(text).toContain('Swagger (OpenAPI) contract: 1 warning (compatible changes):\n- paths./v1/explain: Path added');
    expect(text).not.toContain('Failed tests');
    expect(text).toContain('Next: review.');
  });

  it('says the swagger check passed when the contract did not change', () => {
    const unchanged = outcomeOf(judgeInput({ reports: { openApiDiff: fixtureReports('no-tests').openApiDiff } }));
    expect(plain(testingResultComment(unchanged, links))).toContain('Swagger (OpenAPI) contract check passed: no changes to the served API.');
  });

  it('names tests that passed only when restarted, in the seed words', () => {
    expect(plain(testingResultComment(withFlaky, links))).toContain(
      '2 functional tests were restarted: tests_functional.test_v1_predict::test_request_01, tests_functional.test_v1_predict::test_request_02.',
    );
    const flakyOnly = failed({ junit: { status: 'ok', value: testSummary({ flaky: flakyTests }) } });
    const comment = testingResultComment(flakyOnly, links);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] TESTING_RESULT' });
    expect(plain(comment)).toContain('Failure: flaky tests: tests failed, then passed when restarted (flaky).');
  });

  it('lists the first 10 failed tests with suite and message, then how many more', () => {
    const failures = Array.from({ length: 13 }, (_, i) => testCase(`test_${i}`, i % 2 ? 'functional' : 'unit', i === 0 ? 'error' : 'failed', { message: `assert ${i} == 1\nfull traceback` }));
    const comment = testingResultComment(failed({ junit: { status: 'ok', value: testSummary({ failures }) } }), links);
    const text = plain(comment);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] TESTING_RESULT' });
    expect(text).toContain('Failed tests (13):');
    expect(text).toContain('- [unit] tests.unit.test_model::test_0 errored: assert 0 == 1\n- [functional] tests_functional.test_v1_predict::test_1 failed: assert 1 == 1');
    expect(text).toContain('- [unit] tests.unit.test_model::test_8 failed: assert 8 == 1\n- [functional] tests_functional.test_v1_predict::test_9 failed: assert 9 == 1\n- … 3 more in the test report');
    expect(text).not.toContain('test_10');
    expect(tableLines(comment)[1]).toBe('tests | failed | 120 passed, 12 failed, 1 error, 3 skipped | no failures | junit.xml');
    expect(text).toContain('Failure: unit tests failed (unit_tests).');
  });

  it('shows the failed tests, mypy errors, files to reformat, swagger changes and uncovered changed lines (the red fixtures)', () => {
    const outcome = failed(red, { result: 'UNSTABLE', failedStage: 'Unit tests' });
    const comment = testingResultComment(outcome, links);
    const text = plain(comment);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] TESTING_RESULT' });
    expect(tableLines(comment).slice(1)).toEqual([
      'tests | failed | 9 passed, 2 failed, 1 skipped (1 restarted) | no failures | junit.xml',
      'mypy | failed | 1 error | ≤ 0 errors | mypy_report.txt',
      'format | failed | 1 file to reformat | required | fmt_report.txt',
      'swagger (OpenAPI contract) | failed | 1 breaking change, 2 warnings | no breaking changes | openapi-diff.json',
      'coverage | passed | 97% | ≥ 60% | coverage.xml',
      'diff coverage | passed | 90% | ≥ 80% | diff-cover.json',
    ]);
    expect(text).toContain(
      [
        'Failed tests (2):',
        "- [functional] tests.functional.test_predict::test_predict_answers_as_recorded[test_request_02] failed: AssertionError: assert {'model_versi...churn': False} == {'model_versi...churn': False}",
        '- [unit] tests.unit.test_threshold::test_probability_at_the_threshold_means_churn failed: AssertionError: a probability of exactly 0.5 must mean churn',
      ].join('\n'),
    );
    expect(text).toContain('1 functional test was restarted: tests.functional.test_warm_start::test_predict_within_latency_budget.');
    expect(text).toContain('Swagger (OpenAPI) contract: 1 breaking change:\n- operations.POST /v1/predict.responses.200.schema.properties.model_version: Property removed');
    expect(text).toContain(
      'Swagger (OpenAPI) contract: 2 warnings (compatible changes):\n- paths./v1/explain: Path added\n- operations.POST /v1/predict.responses.200.schema.required.model_version: Field is no longer required',
    );
    expect(text).toContain('mypy: 1 error:\nml_model/inference/explain.py:18: Incompatible return value type (got "str | None", expected "str")  [return-value]');
    expect(text).toContain('format: 1 file to reformat:\n- ml_model/inference/explain.py');
    expect(text).toContain('Changed lines no test ran (diff coverage 90%):\n- ml_model/inference/explain.py: line 18');
    expect(text).toContain('Failure: unit tests failed (unit_tests).');
    expect(text).toContain('1 unit test failed: tests.unit.test_threshold::test_probability_at_the_threshold_means_churn (2 tests failed in all).');
  });

  it('quotes the first mypy errors and collapses runs of uncovered lines', () => {
    const outcome = failed(
      {
        mypy: {
          status: 'ok',
          value: {
            errors: 7,
            filesChecked: 14,
            first: Array.from({ length: 7 }, (_, i) => ({ file: 'ml_model/inference/inference.py', line: 10 + i, message: `Incompatible return value type  [return-value] #${i}` })),
          },
        },
        diffCover: { status: 'ok', value: { diffCoverage: 62.5, linesChanged: 8, violations: [{ file: 'ml_model/inference/inference.py', lines: [41, 42, 43, 47] }] } },
      },
      { result: 'FAILURE', failedStage: 'Types' },
    );
    const text = plain(testingResultComment(outcome, links));
    expect(text).toContain('mypy: 7 errors:\nml_model/inference/inference.py:10: Incompatible return value type  [return-value] #0');
    expect(text).toContain('ml_model/inference/inference.py:14: Incompatible return value type  [return-value] #4\n… 2 more');
    expect(text).toContain('Changed lines no test ran (diff coverage 62.5%):\n- ml_model/inference/inference.py: lines 41–43, 47');
    expect(text).toContain('mypy found 7 errors; at most 0 allowed.');
  });

  it('names an unreadable or missing report with its reason, never as passed', () => {
    const outcome = failed({ junit: fixtureReports('no-tests').junit, openApiDiff: { status: 'missing' } }, { result: 'SUCCESS' });
    const comment = testingResultComment(outcome, links);
    const text = plain(comment);
    expect(comment.blocks[0]).toEqual({ type: 'heading', text: '[Failed] TESTING_RESULT' });
    expect(tableLines(comment)).toContain('tests | unreadable | — | no failures | junit.xml');
    expect(tableLines(comment)).toContain('swagger (OpenAPI contract) | no report | — | no breaking changes | openapi-diff.json');
    expect(text).toContain('Reports that could not be read (a check that cannot be read never passes):');
    expect(text).toContain(
      '- test report (JUnit) unreadable: The test report (JUnit) could not be read: junit.xml has no test case: the test step ran no test (pytest collected nothing), which is not a pass',
    );
    expect(text).toContain('- swagger report (OpenAPI diff) missing: The build ended SUCCESS without archiving the swagger report (OpenAPI diff).');
    expect(text).toContain('Failure: an unrecognised failure (unknown).');
  });

  it('says [Success] for the checks when only the build errored after them', () => {
    const afterChecks = failed({}, { result: 'FAILURE', failedStage: 'Push image', consoleTail: AGENT_LOST });
    expect(afterChecks.failureClass).toBe('infrastructure');
    expect(testingResultComment(afterChecks, links).blocks[0]).toEqual({ type: 'heading', text: '[Success] TESTING_RESULT' });
    expect(buildResultComment(afterChecks, links).blocks[0]).toEqual({ type: 'heading', text: '[ERROR] BUILD_RESULT' });
  });

  it('shows a threshold the model set for itself, and a check that is off', () => {
    const outcome = outcomeOf(
      judgeInput({
        thresholds: {
          coverageMin: 50,
          formatRequired: false,
          source: { coverageMin: 'model.toml', diffCoverageMin: 'policy', mypyMaxErrors: 'policy', formatRequired: 'model.toml' },
        },
      }),
    );
    const lines = tableLines(testingResultComment(outcome, links));
    expect(lines).toContain('coverage | passed | 98.4% | ≥ 50%, from model.toml | coverage.xml');
    expect(lines).toContain('format | off | 0 files to reformat | off | fmt_report.txt');
  });

  it('renders for Jira Cloud with a real table and for Data Center as wiki markup', () => {
    const comment = testingResultComment(successfulBuild, links);
    const table = toAdf(comment).content.find((node) => node.type === 'table');
    expect(table?.content).toHaveLength(7);
    const wiki = toWiki(comment).split('\n');
    expect(wiki).toContain('||check||result||value||threshold||report||');
    expect(wiki.some((line) => line.startsWith('|coverage|passed|98.4%|≥ 60%|[coverage.xml|'))).toBe(true);
  });
});

describe('buildResultSlack', () => {
  type Actions = { elements: Array<{ url: string; text: { text: string } }> };
  const actions = (message: ReturnType<typeof buildResultSlack>) => message.blocks.find((b) => b.type === 'actions') as unknown as Actions;
  const section = (message: ReturnType<typeof buildResultSlack>) => (message.blocks[0] as { text: { text: string } }).text.text;

  it('says "Build and tests passed!" with the model, image and coverage against its thresholds', () => {
    const message = buildResultSlack(successfulBuild, links);
    expect(message.text).toBe(
      'Build and tests passed! Model: churn-predictor v3, image registry.acme.test/ml/churn-predictor:3-3f2a9c1, coverage 98.4% (≥ 60%), diff coverage 100% (≥ 80%)',
    );
    expect(section(message)).toContain('*Build and tests passed!* <https://acme.atlassian.net/browse/MLM-42|MLM-42>');
    expect(section(message)).toContain('*Image:* `registry.acme.test/ml/churn-predictor:3-3f2a9c1`');
    expect(section(message)).toContain('*Next: review.*');
    expect(actions(message).elements.map((b) => [b.text.text, b.url])).toEqual([
      ['Open job in Jenkins', JOB],
      ['Task in Jira', links.issueUrl],
      ['acme-ml/churn-predictor@3f2a9c1', COMMIT],
    ]);
  });

  it('lists restarted tests on a success', () => {
    expect(section(buildResultSlack(withFlaky, links))).toContain('*Restarted:* 2 functional tests were restarted: ');
  });

  it('tells the developer the class and the reason of a failure, and the next attempt', () => {
    const message = buildResultSlack(failed({ coverage: { status: 'ok', value: { lineRate: 0.42, linesValid: 100, linesCovered: 42 } } }), links);
    expect(message.text).toBe('Build failed: coverage below its threshold. Coverage 42% is below the minimum 60%. Model: churn-predictor v3, Branch: main');
    expect(section(message)).toContain('*Build failed* <https://acme.atlassian.net/browse/MLM-42|MLM-42>, attempt 1 of 3');
    expect(section(message)).toContain('Mia Krystof, the build and tests of *churn-predictor v3* failed: coverage below its threshold. Coverage 42% is below the minimum 60%.');
    expect(section(message)).toContain(
      '*Next:* The ticket is back with the developer: push a fix to main or move the ticket to Ready for build to build again (attempt 2 of 3).',
    );
    expect(actions(message).elements.map((b) => b.text.text)).toEqual(['Open job in Jenkins', 'Task in Jira', 'acme-ml/churn-predictor@3f2a9c1']);
  });

  it('says "Build errored" when the build itself broke, and escapes names', () => {
    const message = buildResultSlack({ ...errored, developer: { displayName: 'Mia <Ops> & co' } }, links);
    expect(message.text).toMatch(/^Build errored: an infrastructure problem/);
    expect(section(message)).toContain('Mia &lt;Ops&gt; &amp; co, the build and tests of *churn-predictor v3* errored');
  });

  it('offers no Jenkins button for a build that never ran', () => {
    const never = { ...errored, build: { ...errored.build, result: 'CANCELLED' as const, number: null, url: null, consoleUrl: null, startedAt: null } };
    expect(actions(buildResultSlack(never, links)).elements.map((b) => b.text.text)).toEqual(['Task in Jira', 'acme-ml/churn-predictor@3f2a9c1']);
  });
});
