import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareFunctional,
  describeFunctionalResults,
  functionalCases,
  healthStateSchema,
  initialHealthState,
  judgeFunctionalCase,
  MAX_DIFF_LINES,
  nextHealth,
  type FunctionalCase,
  type HealthProbe,
  type HealthState,
  type HealthVerdict,
} from '../../src/domain/staging-checks.ts';

const URL_ = 'http://iris-classifier.staging.svc/healthz';
const start = Date.UTC(2026, 10, 30, 13, 0, 0);
const deadlineAt = new Date(start + 60_000);

function probe(status: number, second: number, extra: Partial<HealthProbe> = {}): HealthProbe {
  return { url: URL_, at: new Date(start + second * 1000).toISOString(), status, latencyMs: 12, bodyExcerpt: status === 200 ? '{"status":"ok"}' : '{"status":"starting"}', ...extra };
}

function run(statuses: ReadonlyArray<readonly [number, number]>, consecutive = 3): Array<{ verdict: HealthVerdict; reason: string; state: HealthState }> {
  let state = initialHealthState();
  return statuses.map(([status, second]) => {
    const step = nextHealth(state, probe(status, second), { consecutive, deadlineAt, now: new Date(start + second * 1000) });
    state = step.state;
    return step;
  });
}

describe('nextHealth', () => {
  it('waits until enough good answers came in a row, a bad one starting the count again', () => {
    const steps = run([
      [503, 0],
      [200, 10],
      [200, 20],
      [500, 30],
      [200, 40],
      [200, 45],
      [200, 50],
    ]);
    expect(steps.map((step) => step.verdict)).toEqual(['waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'healthy']);
    expect(steps[0]?.reason).toBe('Waiting: 0 of 3 good answers in a row; the latest answer was 503 in 12 ms: {"status":"starting"}.');
    expect(steps[2]?.reason).toBe('Waiting: 2 of 3 good answers in a row; the latest answer was 200 in 12 ms.');
    expect(steps[6]?.reason).toBe(`Healthy: 3 good answers in a row from ${URL_} (latest 200 in 12 ms) after 7 probes.`);
    const last = steps[6]?.state;
    expect(last).toMatchObject({ probes: 7, consecutiveGood: 3, bestRun: 3, firstAt: new Date(start).toISOString() });
    expect(last?.lastBad?.status).toBe(500);
    expect(healthStateSchema.parse(last)).toEqual(last);
  });

  it('is unhealthy once the deadline passed without them, saying the latest bad answer', () => {
    const steps = run([
      [200, 0],
      [200, 30],
      [503, 55],
      [200, 60],
    ]);
    expect(steps.map((step) => step.verdict)).toEqual(['waiting', 'waiting', 'waiting', 'unhealthy']);
    expect(steps[3]?.reason).toBe(
      `Not healthy by the deadline (2026-11-30T13:01:00.000Z): 1 of 3 good answers in a row from ${URL_} after 4 probes, at best 2; the latest bad answer was 503 in 12 ms: {"status":"starting"}.`,
    );
  });

  it('is healthy when the last good answer needed comes on the deadline', () => {
    expect(run([[200, 58], [200, 59], [200, 60]]).at(-1)?.verdict).toBe('healthy');
  });

  it('says why nothing answered', () => {
    const step = nextHealth(initialHealthState(), probe(0, 0, { bodyExcerpt: '', error: 'connection refused' }), { consecutive: 1, deadlineAt, now: new Date(start) });
    expect(step.reason).toBe('Waiting: 0 of 1 good answers in a row; the latest answer was no answer: connection refused.');
  });

  it('is healthy exactly when the latest `consecutive` probes were 2xx (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 200, 204, 301, 404, 500, 503), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (statuses, consecutive) => {
        let state = initialHealthState();
        let verdict: HealthVerdict = 'waiting';
        statuses.forEach((status, index) => {
          ({ state, verdict } = nextHealth(state, probe(status, index), { consecutive, deadlineAt: new Date(start + 3_600_000), now: new Date(start + index * 1000) }));
        });
        const tail = statuses.slice(-consecutive);
        const healthy = tail.length === consecutive && tail.every((status) => status >= 200 && status < 300);
        expect(verdict).toBe(healthy ? 'healthy' : 'waiting');
      }),
    );
  });
});

describe('compareFunctional', () => {
  const recorded = {
    predictions: [
      { class_id: 0, species: 'setosa', score: 0.97 },
      { class_id: 1, species: 'versicolor', score: 0.88 },
    ],
    model: 'iris',
  };

  it('matches an equal answer, numbers within the tolerance', () => {
    expect(compareFunctional(recorded, structuredClone(recorded))).toEqual({ match: true, differences: [], diff: '' });
    const close = structuredClone(recorded);
    close.predictions[0]!.score = 0.9705;
    expect(compareFunctional(recorded, close, { tolerance: { absolute: 0.001 } }).match).toBe(true);
    expect(compareFunctional(recorded, close, { tolerance: { relative: 0.001 } }).match).toBe(true);
    expect(compareFunctional(recorded, close).match).toBe(false);
  });

  it('lists every difference by JSON path, as a readable diff', () => {
    const answer = {
      predictions: [{ class_id: '0', species: 'setosa', score: 0.5, note: 'x' }],
      'model-name': 'iris',
    };
    const comparison = compareFunctional(recorded, answer, { tolerance: { absolute: 0.01 } });
    expect(comparison.match).toBe(false);
    expect(comparison.differences.map((difference) => [difference.path, difference.kind])).toEqual([
      ['$.predictions[0].class_id', 'type'],
      ['$.predictions[0].score', 'value'],
      ['$.predictions[0].note', 'extra'],
      ['$.predictions[1]', 'missing'],
      ['$.model', 'missing'],
      ['$["model-name"]', 'extra'],
    ]);
    expect(comparison.diff).toBe(
      [
        '$.predictions[0].class_id: expected number 0, got string "0"',
        '$.predictions[0].score: expected 0.97, got 0.5 (off by 0.47, tolerance 0.01)',
        '$.predictions[0].note: unexpected key (got "x")',
        '$.predictions[1]: missing (expected {"class_id":1,"species":"versicolor","score":0.88}; the answer has 1 items, not 2)',
        '$.model: missing (expected "iris")',
        '$["model-name"]: unexpected key (got "iris")',
      ].join('\n'),
    );
  });

  it('says a wrong string value plainly, and caps a long diff', () => {
    const wrong = structuredClone(recorded);
    wrong.predictions[1]!.species = 'virginica';
    expect(compareFunctional(recorded, wrong).diff).toBe('$.predictions[1].species: expected "versicolor", got "virginica"');
    const many = compareFunctional(Array.from({ length: 60 }, (_, index) => index), Array.from({ length: 60 }, (_, index) => index + 1));
    expect(many.differences).toHaveLength(60);
    expect(many.diff.split('\n')).toHaveLength(MAX_DIFF_LINES + 1);
    expect(many.diff.split('\n').at(-1)).toBe('… and 10 more differences');
  });

  it('matches any JSON value with itself, and never a changed number beyond the tolerance (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(compareFunctional(value, structuredClone(value)).match).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), (value, shift) => {
        expect(compareFunctional({ v: value }, { v: value + shift }, { tolerance: { absolute: 0.001, relative: 0 } }).match).toBe(false);
        expect(compareFunctional({ v: value }, { v: value + shift / 1e6 }, { tolerance: { absolute: 0.001, relative: 0 } }).match).toBe(true);
      }),
    );
  });
});

describe('functionalCases', () => {
  it('pairs each request with its recorded answer anywhere under tests_functional, the endpoint from its folder', () => {
    const found = functionalCases([
      'README.md',
      'tests_functional/v1_predict/test_request_02.json',
      'tests_functional/v1_predict/test_request_01_response.json',
      'tests_functional/v1_predict/test_request_01.json',
      'tests_functional/v1_predict/test_request_02_response.json',
      'tests_functional/v2_predict_batch/nested/test_request_big.json',
      'tests_functional/v2_predict_batch/nested/test_request_big_response.json',
      'tests/functional/test_request_99.json',
    ]);
    expect(found.problems).toEqual([]);
    expect(found.cases).toEqual([
      {
        name: 'v1_predict/test_request_01',
        endpoint: '/v1/predict',
        requestPath: 'tests_functional/v1_predict/test_request_01.json',
        responsePath: 'tests_functional/v1_predict/test_request_01_response.json',
      },
      expect.objectContaining({ name: 'v1_predict/test_request_02', endpoint: '/v1/predict' }),
      expect.objectContaining({ name: 'v2_predict_batch/nested/test_request_big', endpoint: '/v2/predict/batch' }),
    ]);
  });

  it('names a request without its answer, an answer without its request, and a request outside an endpoint folder', () => {
    const found = functionalCases([
      'tests_functional/v1_predict/test_request_01.json',
      'tests_functional/v1_predict/test_request_03_response.json',
      'tests_functional/test_request_04.json',
      'tests_functional/test_request_04_response.json',
    ]);
    expect(found.cases).toEqual([]);
    expect(found.problems).toEqual([
      'tests_functional/test_request_04.json is not in a folder naming its endpoint: move it to e.g. tests_functional/v1_predict/',
      'tests_functional/v1_predict/test_request_01.json has no recorded answer: add test_request_01_response.json next to it with the answer the model must give',
      'tests_functional/v1_predict/test_request_03_response.json has no request next to it: add test_request_03.json, or remove the recorded answer',
    ]);
  });
});

describe('judgeFunctionalCase', () => {
  const testCase: FunctionalCase = {
    name: 'v1_predict/test_request_01',
    endpoint: '/v1/predict',
    requestPath: 'tests_functional/v1_predict/test_request_01.json',
    responsePath: 'tests_functional/v1_predict/test_request_01_response.json',
  };
  const expected = { predictions: [{ class_id: 0, species: 'setosa' }] };

  it('matches, mismatches with the diff, or is an error for a non-2xx, non-JSON or missing answer', () => {
    expect(judgeFunctionalCase(testCase, expected, { status: 200, body: expected, latencyMs: 8 })).toMatchObject({ outcome: 'match', diff: '' });
    const wrong = judgeFunctionalCase(testCase, expected, { status: 200, body: { predictions: [{ class_id: 0, species: 'virginica' }] }, latencyMs: 8 });
    expect(wrong).toMatchObject({ outcome: 'mismatch', diff: '$.predictions[0].species: expected "setosa", got "virginica"' });
    expect(judgeFunctionalCase(testCase, expected, { status: 500, body: { error: 'internal error' }, bodyExcerpt: '{"error":"internal error"}', latencyMs: 3 })).toMatchObject({
      outcome: 'error',
      diff: 'POST /v1/predict: 500: {"error":"internal error"}',
    });
    expect(judgeFunctionalCase(testCase, expected, { status: 200, bodyExcerpt: '<html>', latencyMs: 3 }).diff).toBe('POST /v1/predict: an answer that is not JSON: <html>');
    expect(judgeFunctionalCase(testCase, expected, { status: 0, error: 'connection refused', latencyMs: 1 }).diff).toBe('POST /v1/predict: no answer: connection refused');
    expect(describeFunctionalResults([judgeFunctionalCase(testCase, expected, { status: 200, body: expected, latencyMs: 8 }), { ...wrong, name: 'v1_predict/test_request_02' }])).toBe(
      '1 of 2 functional cases answered as recorded; not: v1_predict/test_request_02 (1 difference).',
    );
  });
});
