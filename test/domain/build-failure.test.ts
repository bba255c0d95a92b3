import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUILD_STAGES,
  CLASSIFIER_RULES,
  buildFailureClass,
  classifyBuildFailure,
  normalizeConsoleLine,
  type ClassifierRule,
} from '../../src/domain/build-failure.ts';

const lines = (text: string) => text.split('\n');

function classifyExample(rule: ClassifierRule) {
  return classifyBuildFailure({
    result: rule.example.result ?? 'FAILURE',
    failedStage: rule.example.stage ?? null,
    consoleTail: lines(rule.example.console),
  });
}

describe('CLASSIFIER_RULES', () => {
  it.each(CLASSIFIER_RULES.map((rule) => [rule.id, rule] as const))('%s: its example classifies to its own class, by this rule', (_id, rule) => {
    expect(classifyExample(rule)).toEqual({ class: rule.class, ruleId: rule.id });
  });

  it('are well formed: unique kebab-case ids, a class other than unknown, at least one condition, no stateful regexes', () => {
    const ids = CLASSIFIER_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of CLASSIFIER_RULES) {
      expect(rule.id, rule.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(rule.class, rule.id).not.toBe('unknown');
      expect(buildFailureClass.options, rule.id).toContain(rule.class);
      expect(rule.description.length, rule.id).toBeGreaterThan(10);
      expect(Object.values(rule.match).some((condition) => condition !== undefined), rule.id).toBe(true);
      for (const pattern of [rule.match.stage, rule.match.console]) {
        expect(pattern?.flags ?? '', rule.id).not.toMatch(/[gy]/);
      }
    }
  });

  it('every example names where it comes from: a public issue or log, or a captured run under test/fixtures/console', () => {
    for (const rule of CLASSIFIER_RULES) {
      expect(rule.example.source, rule.id).toMatch(/^https:\/\/\S+$|test\/fixtures\/console\/[\w.-]+\.txt$/);
      expect(rule.example.console.trim().length, rule.id).toBeGreaterThan(0);
    }
  });

  it('copies the lines of captured runs from the captured output, unedited', () => {
    for (const rule of CLASSIFIER_RULES) {
      const file = /test\/fixtures\/console\/([\w.-]+\.txt)$/.exec(rule.example.source)?.[1];
      if (file === undefined) continue;
      const captured = new Set(lines(readFileSync(new URL(`../fixtures/console/${file}`, import.meta.url), 'utf8')));
      for (const line of lines(rule.example.console)) expect(captured.has(line), `${rule.id}: ${JSON.stringify(line)} in ${file}`).toBe(true);
    }
  });

  it('cover every class but unknown', () => {
    const covered = new Set(CLASSIFIER_RULES.map((rule) => rule.class));
    expect([...covered].sort()).toEqual(buildFailureClass.options.filter((name) => name !== 'unknown').sort());
  });

  it('recognise each stage of build.Jenkinsfile but Checkout', () => {
    for (const stage of Object.values(BUILD_STAGES)) {
      expect(classifyBuildFailure({ result: 'FAILURE', failedStage: stage, consoleTail: [] }).class, stage).not.toBe('unknown');
    }
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Checkout', consoleTail: [] })).toEqual({ class: 'unknown', ruleId: null });
  });
});

describe('classifyBuildFailure', () => {
  const example = (id: string) => {
    const rule = CLASSIFIER_RULES.find((candidate) => candidate.id === id);
    if (!rule) throw new Error(`no rule ${id}`);
    return lines(rule.example.console);
  };

  it('says unknown, never a guess, for a failure no rule recognises', () => {
    expect(
      classifyBuildFailure({
        result: 'FAILURE',
        failedStage: 'Deploy to staging',
        consoleTail: ['[Pipeline] sh', '+ ./deploy.sh', 'deploy.sh: line 3: kubectl: command not found', 'ERROR: script returned exit code 127', 'Finished: FAILURE'],
      }),
    ).toEqual({ class: 'unknown', ruleId: null });
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: [] })).toEqual({ class: 'unknown', ruleId: null });
  });

  it('classifies nothing in a build that succeeded', () => {
    expect(classifyBuildFailure({ result: 'SUCCESS', failedStage: 'Unit tests', consoleTail: example('java-out-of-memory') })).toEqual({
      class: 'unknown',
      ruleId: null,
    });
  });

  it('puts infrastructure before the failed stage: an agent killed for memory during the tests is not the tests', () => {
    const consoleTail = [...example('unit-tests-stage'), ...example('killed-exit-137')];
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Unit tests', consoleTail })).toEqual({ class: 'infrastructure', ruleId: 'killed-exit-137' });
  });

  it('reads exit code 137 of a Dockerfile step as the memory killer, not a build error', () => {
    const consoleTail = ["The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 137"];
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Build', consoleTail })).toEqual({ class: 'infrastructure', ruleId: 'killed-exit-137' });
  });

  it('reads a pip download that lost the network as infrastructure, before the "no matching distribution" it ends with', () => {
    const consoleTail = [...example('dependency-download-network'), ...example('pip-no-matching-distribution')];
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Build', consoleTail })).toEqual({ class: 'infrastructure', ruleId: 'dependency-download-network' });
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Build', consoleTail: example('pip-no-matching-distribution') }).class).toBe('build_error');
  });

  it('lets the failed stage decide over the console of stages that ran after it', () => {
    // Types failed first; the unit tests that ran after it (catchError) failed too and ended the console.
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Types', consoleTail: example('unit-tests-stage') })).toEqual({
      class: 'type_errors',
      ruleId: 'types-stage',
    });
  });

  it('reads an unstable test stage as flaky, and a failed one as failed tests despite its reruns', () => {
    const flaky = example('flaky-test-stage');
    expect(classifyBuildFailure({ result: 'UNSTABLE', failedStage: 'Functional tests', consoleTail: flaky }).class).toBe('flaky');
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: 'Functional tests', consoleTail: flaky }).class).toBe('functional_tests');
    // "1 failed, 2 rerun": the reruns did not help, so it is a real failure.
    expect(classifyBuildFailure({ result: 'UNSTABLE', failedStage: null, consoleTail: example('pytest-functional-failed') })).toEqual({
      class: 'functional_tests',
      ruleId: 'pytest-functional-failed',
    });
  });

  it('tells unit from functional test failures by the test path when the stage is not known', () => {
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: example('unit-tests-stage') })).toEqual({
      class: 'unit_tests',
      ruleId: 'pytest-failed',
    });
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: example('functional-tests-stage') })).toEqual({
      class: 'functional_tests',
      ruleId: 'pytest-functional-failed',
    });
    // The template's functional tests may also live in tests/functional/, reading tests_functional/'s requests.
    const nested = example('functional-tests-stage').map((line) => line.replaceAll('tests_functional/test_v1_predict.py', 'tests/functional/test_v1_predict.py'));
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: nested }).class).toBe('functional_tests');
  });

  it("recognises the tools' lines of the current ruff, and oasdiff's own run", () => {
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: example('format-stage') })).toEqual({ class: 'format', ruleId: 'ruff-would-reformat' });
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: example('swagger-stage') })).toEqual({
      class: 'api_contract',
      ruleId: 'oasdiff-breaking',
    });
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: ['2 changes: 0 error, 1 warning, 1 info'] }).class).toBe('unknown');
  });

  it('reads lines with Timestamper prefixes, colours and carriage returns, and tail entries holding several lines', () => {
    const consoleTail = ['\u001b[31m12:14:18  ERROR: script returned exit code 137\u001b[0m\r'];
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail }).ruleId).toBe('killed-exit-137');
    const isoStamped = ['[2023-03-09T16:09:35.191Z] Failure. Coverage is below 80%.'];
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: isoStamped }).ruleId).toBe('diff-cover-failure');
    expect(classifyBuildFailure({ result: 'failure', failedStage: ' Unit tests ', consoleTail: ['a\nAgent went offline during the build'] }).ruleId).toBe('agent-offline');
    expect(normalizeConsoleLine('12:14:18  Found 1 error in 1 file (checked 4 source files)')).toBe('Found 1 error in 1 file (checked 4 source files)');
  });

  it('reads TIMED_OUT, the lifecycle abort after the policy timeout, as infrastructure whatever the console', () => {
    expect(classifyBuildFailure({ result: 'TIMED_OUT', failedStage: 'Unit tests', consoleTail: example('unit-tests-stage') })).toEqual({
      class: 'infrastructure',
      ruleId: 'lifecycle-timeout',
    });
  });

  it('takes other rule tables, e.g. for another job', () => {
    const rules: ClassifierRule[] = [
      { id: 'only', class: 'format', description: 'a test rule only', match: { console: /x/ }, example: { source: 'https://example.com', console: 'x' } },
    ];
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: ['x'] }, rules)).toEqual({ class: 'format', ruleId: 'only' });
    expect(classifyBuildFailure({ result: 'FAILURE', failedStage: null, consoleTail: ['y'] }, rules)).toEqual({ class: 'unknown', ruleId: null });
  });

  it('gives a class of the enum for any input, without throwing', () => {
    const excerpts = CLASSIFIER_RULES.flatMap((rule) => lines(rule.example.console));
    const line = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom(...excerpts), fc.string({ unit: 'binary', maxLength: 5000 }));
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED', 'TIMED_OUT', 'CANCELLED'), fc.string()),
        fc.option(fc.oneof(fc.constantFrom(...Object.values(BUILD_STAGES), 'Checkout'), fc.string()), { nil: null }),
        fc.array(line, { maxLength: 40 }),
        (result, failedStage, consoleTail) => {
          const verdict = classifyBuildFailure({ result, failedStage, consoleTail });
          expect(buildFailureClass.options).toContain(verdict.class);
          expect(verdict.ruleId === null).toBe(verdict.class === 'unknown');
          if (verdict.ruleId !== null) expect(CLASSIFIER_RULES.find((rule) => rule.id === verdict.ruleId)?.class).toBe(verdict.class);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stays fast on very long console lines', () => {
    const started = performance.now();
    const consoleTail = Array.from({ length: 200 }, (_, i) => `${'='.repeat(50_000)} ${i} rerun ${'x'.repeat(50_000)}`);
    classifyBuildFailure({ result: 'UNSTABLE', failedStage: null, consoleTail });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
