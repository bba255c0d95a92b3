import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analysisDocument,
  analysisQueriesFromPolicy,
  analysisStateSchema,
  DEFAULT_ANALYSIS_QUERIES,
  describeCheck,
  evaluateCheck,
  evaluateSample,
  finalVerdict,
  foldAnalysis,
  formatValue,
  initialAnalysisState,
  planQueries,
  renderQuery,
  unknownPlaceholders,
  type AnalysisQuery,
  type AnalysisSample,
  type AnalysisState,
  type QueryMeasurement,
} from '../../src/domain/canary-analysis.ts';

const errorRatio: AnalysisQuery = { name: 'error-ratio', query: 'e{track="{{track}}"}', maxAboveStable: 0.01 };
const p99: AnalysisQuery = { name: 'latency-p99', query: 'p{track="{{track}}"}', maxRatioToStable: 1.2 };
const fixed: AnalysisQuery = { name: 'availability', query: 'a', min: 0.99, max: 1 };
const queries = [errorRatio, p99];
const limits = { failureLimit: 1, minSamples: 3 };
const at = (second: number) => new Date(Date.UTC(2026, 10, 30, 13, 0, second));

function sample(results: Record<string, QueryMeasurement>, second = 0): AnalysisSample {
  return evaluateSample(queries, results, at(second));
}

const healthy = { 'error-ratio': { canary: 0.002, stable: 0.001 }, 'latency-p99': { canary: 0.11, stable: 0.1 } };
const erroring = { 'error-ratio': { canary: 0.25, stable: 0.001 }, 'latency-p99': { canary: 0.11, stable: 0.1 } };
const silent = { 'error-ratio': { canary: null, stable: 0.001 }, 'latency-p99': { canary: null, stable: 0.1 } };

function fold(samples: readonly AnalysisSample[], state: AnalysisState = initialAnalysisState()): AnalysisState {
  return samples.reduce((current, next) => foldAnalysis(current, next, limits), state);
}

describe('renderQuery and planQueries', () => {
  it('fills the placeholders for the canary and, when a threshold compares with it, the stable track', () => {
    const context = { service: 'iris-classifier', window: '30s' };
    expect(planQueries([errorRatio, fixed], context)).toEqual([
      { name: 'error-ratio', track: 'canary', promql: 'e{track="canary"}' },
      { name: 'error-ratio', track: 'stable', promql: 'e{track="stable"}' },
      { name: 'availability', track: 'canary', promql: 'a' },
    ]);
    const [defaultErrors] = planQueries(DEFAULT_ANALYSIS_QUERIES, { ...context, canary: 'v2-canary' });
    expect(defaultErrors?.promql).toBe(
      '(sum(rate(http_requests_total{service="iris-classifier",track="v2-canary",code=~"5.."}[30s])) or vector(0))' +
        ' / sum(rate(http_requests_total{service="iris-classifier",track="v2-canary"}[30s]))',
    );
  });

  it('escapes label values and refuses unknown placeholders', () => {
    expect(renderQuery('x{s="{{service}}",c="{{ canary }}",o="{{stable}}"}', { service: 'a"b\\c', window: '1m' }, 'stable')).toBe('x{s="a\\"b\\\\c",c="canary",o="stable"}');
    expect(() => renderQuery('x[{{range}}]', { service: 's', window: '1m' }, 'canary')).toThrow('unknown placeholder {{range}}');
    expect(unknownPlaceholders('{{service}} {{range}} {{ version }} {{range}}')).toEqual(['range', 'version']);
  });
});

describe('evaluateCheck', () => {
  it('compares with the stable value plus a margin or times a ratio, saying the limit in words', () => {
    expect(evaluateCheck(errorRatio, { canary: 0.25, stable: 0.002 })).toEqual({
      name: 'error-ratio',
      status: 'fail',
      value: 0.25,
      valueText: '0.25',
      stableValue: 0.002,
      threshold: 'at most 0.012 (stable 0.002 + 0.01)',
    });
    expect(evaluateCheck(p99, { canary: 0.11, stable: 0.1 })).toMatchObject({ status: 'pass', threshold: 'at most 0.12 (stable 0.1 × 1.2)' });
    expect(evaluateCheck(p99, { canary: 0.5, stable: 0.1 })).toMatchObject({ status: 'fail', valueText: '0.5' });
  });

  it('has no data without a canary value, a NaN, or no stable value to compare with', () => {
    expect(evaluateCheck(errorRatio, { canary: null, stable: 0.001 })).toMatchObject({ status: 'no_data', value: null, valueText: 'no data' });
    expect(evaluateCheck(errorRatio, { canary: Number.NaN, stable: 0.001 })).toMatchObject({ status: 'no_data' });
    expect(evaluateCheck(errorRatio, { canary: 0.001, stable: null })).toMatchObject({
      status: 'no_data',
      stableValue: null,
      threshold: 'at most stable + 0.01 (no stable value)',
    });
    expect(evaluateCheck(errorRatio, undefined)).toMatchObject({ status: 'no_data' });
  });

  it('fails on a fixed bound even without a stable value, and on +Inf', () => {
    const both: AnalysisQuery = { name: 'p99', query: 'q', max: 1, maxRatioToStable: 1.2 };
    expect(evaluateCheck(both, { canary: 2, stable: null })).toMatchObject({ status: 'fail', threshold: 'at most 1' });
    expect(evaluateCheck(both, { canary: Number.POSITIVE_INFINITY, stable: 0.1 })).toMatchObject({ status: 'fail', value: null, valueText: '+Inf' });
    expect(evaluateCheck(fixed, { canary: 0.95 })).toMatchObject({ status: 'fail', threshold: 'at least 0.99' });
    expect(evaluateCheck(fixed, { canary: 0.995 })).toMatchObject({ status: 'pass', threshold: 'at most 1 and at least 0.99' });
  });
});

describe('evaluateSample', () => {
  it('is a fail when a check failed, else no data when one lacked data, else a pass', () => {
    expect(sample(healthy).status).toBe('pass');
    expect(sample(erroring).status).toBe('fail');
    expect(sample({ ...healthy, 'latency-p99': { canary: null, stable: 0.1 } }).status).toBe('no_data');
    expect(sample({ ...erroring, 'latency-p99': { canary: null, stable: 0.1 } }).status).toBe('fail');
    expect(evaluateSample([], {}, at(0)).status).toBe('no_data');
  });
});

describe('foldAnalysis', () => {
  it('runs until min_samples, then passes when that many samples passed every check', () => {
    const two = fold([sample(healthy, 0), sample(healthy, 30)]);
    expect(two).toMatchObject({ verdict: 'running', samples: 2, passed: 2, firstAt: at(0).toISOString(), lastAt: at(30).toISOString() });
    const three = fold([sample(healthy, 60)], two);
    expect(three.verdict).toBe('pass');
    expect(three.reason).toBe('Canary analysis passed: 3 of 3 samples within every threshold (3 needed).');
    expect(analysisStateSchema.parse(three)).toEqual(three);
  });

  it('fails once a query failed more often than the failure limit, naming the query, value and threshold', () => {
    const once = fold([sample(healthy), sample(erroring)]);
    expect(once.verdict).toBe('running');
    const twice = fold([sample(erroring, 60)], once);
    expect(twice.verdict).toBe('fail');
    expect(twice.reason).toBe(
      'Canary analysis failed: error-ratio was 0.25 on the canary, against at most 0.011 (stable 0.001 + 0.01), failing in 2 of 3 samples (failure limit 1).',
    );
    expect(twice.failure).toEqual({ at: at(60).toISOString(), check: expect.objectContaining({ name: 'error-ratio', value: 0.25 }) });
    expect(fold([sample(healthy), sample(healthy), sample(healthy)], twice)).toBe(twice);
  });

  it('is inconclusive, never a pass, without data', () => {
    const state = fold([sample(silent), sample(silent), sample(healthy)]);
    expect(state.verdict).toBe('inconclusive');
    expect(state.reason).toBe(
      'Canary analysis inconclusive: only 1 of 3 samples passed every check (3 needed); 2 had no data (error-ratio, latency-p99). No data is never a pass.',
    );
    expect(finalVerdict(fold([sample(healthy)]))).toBe('inconclusive');
    expect(finalVerdict(state)).toBe('inconclusive');
    expect(fold([sample(healthy), sample(healthy)], state).verdict).toBe('pass');
  });

  it('counts per query', () => {
    const state = fold([sample(healthy), sample(erroring), sample(silent)]);
    expect(state.queries).toEqual([
      expect.objectContaining({ name: 'error-ratio', passed: 1, failed: 1, noData: 1 }),
      expect.objectContaining({ name: 'latency-p99', passed: 2, failed: 0, noData: 1 }),
    ]);
    expect(state).toMatchObject({ samples: 3, passed: 1, failed: 1, noData: 1 });
  });
});

const measurement = fc.record({
  canary: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: null }),
  stable: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: null }),
});
const anySample = fc.tuple(measurement, measurement).map(([errors, latency]) => sample({ 'error-ratio': errors, 'latency-p99': latency }));
const noDataSample = fc
  .tuple(fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: null }), fc.constantFrom(null, Number.NaN))
  .map(([stable, canary]) => sample({ 'error-ratio': { canary, stable }, 'latency-p99': { canary, stable } }));
const anyLimits = fc.record({ failureLimit: fc.integer({ min: 0, max: 5 }), minSamples: fc.integer({ min: 1, max: 10 }) });

describe('properties', () => {
  it('no data never passes', () => {
    fc.assert(
      fc.property(fc.array(noDataSample, { maxLength: 30 }), anyLimits, (samples, options) => {
        const state = samples.reduce((current, next) => foldAnalysis(current, next, options), initialAnalysisState());
        expect(['running', 'inconclusive']).toContain(state.verdict);
        expect(state.passed).toBe(0);
      }),
    );
  });

  it('a check without a canary value is never a pass', () => {
    fc.assert(
      fc.property(fc.option(fc.double({ noNaN: true }), { nil: null }), fc.constantFrom(...queries, fixed), (stable, query) => {
        expect(evaluateCheck(query, { canary: null, stable }).status).toBe('no_data');
      }),
    );
  });

  it('once failed, the analysis stays failed', () => {
    fc.assert(
      fc.property(fc.array(anySample, { maxLength: 30 }), anyLimits, (samples, options) => {
        let failed = false;
        let state = initialAnalysisState();
        for (const next of samples) {
          state = foldAnalysis(state, next, options);
          if (failed) expect(state.verdict).toBe('fail');
          failed ||= state.verdict === 'fail';
        }
      }),
    );
  });

  it('passes only with min_samples passing samples, and fails exactly when a query exceeds the failure limit', () => {
    fc.assert(
      fc.property(fc.array(anySample, { maxLength: 30 }), anyLimits, (samples, options) => {
        const state = samples.reduce((current, next) => foldAnalysis(current, next, options), initialAnalysisState());
        if (state.verdict === 'pass') expect(state.passed).toBeGreaterThanOrEqual(options.minSamples);
        if (state.verdict !== 'fail') for (const tally of state.queries) expect(tally.failed).toBeLessThanOrEqual(options.failureLimit);
        else expect(state.queries.some((tally) => tally.failed > options.failureLimit)).toBe(true);
        expect(state.passed + state.failed + state.noData).toBe(state.samples);
      }),
    );
  });
});

describe('formatting', () => {
  it('shows numbers with three significant digits', () => {
    expect([0.19999999999999998, 0.0123456, 1234.5, 0, 2, Number.POSITIVE_INFINITY].map(formatValue)).toEqual(['0.2', '0.0123', '1235', '0', '2', '+Inf']);
  });

  it('describes a check and renders the analysis as one Document', () => {
    const state = fold([sample(healthy), sample(erroring), sample(erroring)]);
    expect(describeCheck(state.failure?.check ?? evaluateCheck(errorRatio, undefined))).toBe('error-ratio: 0.25 — at most 0.011 (stable 0.001 + 0.01): fail');
    const document = analysisDocument(state, { prometheusUrl: 'https://prometheus.example.com/graph' });
    expect(document.blocks[0]).toEqual({ type: 'paragraph', content: [{ text: 'Canary analysis: Failed', bold: true }] });
    expect(document.blocks[1]).toEqual({ type: 'paragraph', content: [state.reason] });
    expect(document.blocks[2]).toMatchObject({
      type: 'table',
      rows: [
        [[{ text: 'error-ratio', code: true }], ['0.25'], ['at most 0.011 (stable 0.001 + 0.01)'], ['1'], ['2'], ['0']],
        [[{ text: 'latency-p99', code: true }], ['0.11'], ['at most 0.12 (stable 0.1 × 1.2)'], ['3'], ['0'], ['0']],
      ],
    });
  });
});

describe('analysisQueriesFromPolicy', () => {
  it('maps the policy keys and falls back to the defaults', () => {
    expect(analysisQueriesFromPolicy([])).toEqual(DEFAULT_ANALYSIS_QUERIES);
    expect(analysisQueriesFromPolicy([{ name: 'x', query: 'q', max_above_stable: 0.02, max_ratio_to_stable: 2, min: 1 }])).toEqual([
      { name: 'x', query: 'q', min: 1, maxAboveStable: 0.02, maxRatioToStable: 2 },
    ]);
  });
});
