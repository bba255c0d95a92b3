import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkMetricGate,
  describeFailedVerdict,
  formatMetric,
  formatSignedMetric,
  formatThreshold,
  gateResult,
} from '../../src/domain/metric-gate.ts';
import type { ModelToml } from '../../src/domain/model-toml.ts';

type Thresholds = ModelToml['train_metrics'];

describe('checkMetricGate', () => {
  it('passes a metric at or inside its bounds, with the margin to the nearest bound', () => {
    const result = checkMetricGate({ recall: { min: 0.9 }, mae: { max: 3.5 }, auc: { min: 0.8, max: 0.95 } }, { recall: 0.931, mae: 3.5, auc: 0.9 });
    expect(result.passed).toBe(true);
    expect(result.verdicts.map((v) => [v.metric, v.reason, v.passed])).toEqual([
      ['recall', 'ok', true],
      ['mae', 'ok', true],
      ['auc', 'ok', true],
    ]);
    expect(result.verdicts[0]?.margin).toBeCloseTo(0.031, 10);
    expect(result.verdicts[1]?.margin).toBe(0);
    expect(result.verdicts[2]?.margin).toBeCloseTo(0.05, 10); // nearer the max (0.95) than the min (0.8)
    expect(result.verdicts[0]).toMatchObject({ min: 0.9, max: null, champion: null });
  });

  it('fails below a minimum and above a maximum with a negative margin', () => {
    const result = checkMetricGate({ recall: { min: 0.9 }, mae: { max: 3.5 } }, { recall: 0.87, mae: 3.9 });
    expect(result.passed).toBe(false);
    expect(result.verdicts[0]).toMatchObject({ reason: 'below_min', passed: false, value: 0.87 });
    expect(result.verdicts[0]?.margin).toBeCloseTo(-0.03, 10);
    expect(result.verdicts[1]).toMatchObject({ reason: 'above_max', passed: false });
    expect(result.verdicts[1]?.margin).toBeCloseTo(-0.4, 10);
  });

  it('fails a metric the run did not log, and NaN or an infinity', () => {
    const result = checkMetricGate({ recall: { min: 0.9 }, auc: { min: 0.5 }, mae: { max: 1 } }, { auc: Number.NaN, mae: Number.NEGATIVE_INFINITY });
    expect(result.passed).toBe(false);
    expect(result.verdicts).toEqual([
      { metric: 'recall', value: null, min: 0.9, max: null, passed: false, reason: 'missing', margin: null, champion: null },
      { metric: 'auc', value: null, min: 0.5, max: null, passed: false, reason: 'not_finite', margin: null, champion: null },
      { metric: 'mae', value: null, min: null, max: 1, passed: false, reason: 'not_finite', margin: null, champion: null },
    ]);
  });

  it('does not read inherited properties as logged metrics', () => {
    const result = checkMetricGate({ constructor: { min: 0 }, toString: { max: 1 } }, {});
    expect(result.verdicts.map((v) => v.reason)).toEqual(['missing', 'missing']);
  });

  it('passes an empty threshold table with no verdicts', () => {
    expect(checkMetricGate({}, { recall: 0.1 })).toEqual({ passed: true, verdicts: [] });
  });

  it("adds the champion's value when there is a champion that logged the metric", () => {
    const result = checkMetricGate({ recall: { min: 0.9 }, f1: { min: 0.5 } }, { recall: 0.95, f1: 0.9 }, { recall: 0.93 });
    expect(result.verdicts.map((v) => v.champion)).toEqual([0.93, null]);
    expect(checkMetricGate({ recall: { min: 0.9 } }, { recall: 0.95 }, null).verdicts[0]?.champion).toBeNull();
  });

  it('gives a result that is valid process-variable data', () => {
    const result = checkMetricGate({ recall: { min: 0.9 }, auc: { min: 0.5 } }, { recall: 0.95, auc: Number.NaN });
    expect(gateResult.parse(JSON.parse(JSON.stringify(result)))).toEqual(result);
  });
});

// ---- properties -------------------------------------------------------------------------------

const metricName = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const bounds = fc
  .record({ min: fc.option(finite, { nil: undefined }), max: fc.option(finite, { nil: undefined }) })
  .filter((b) => b.min !== undefined || b.max !== undefined)
  .map((b) => (b.min !== undefined && b.max !== undefined && b.min > b.max ? { min: b.max, max: b.min } : b))
  .map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as { min?: number; max?: number });
const thresholds: fc.Arbitrary<Thresholds> = fc.dictionary(metricName, bounds, { maxKeys: 6 });
const anyValue = fc.oneof(finite, fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY), fc.constant(Number.NEGATIVE_INFINITY));
const metrics = fc.dictionary(metricName, anyValue, { maxKeys: 8 });

describe('checkMetricGate properties', () => {
  it('passes exactly when every verdict passed, one verdict per threshold in threshold order', () => {
    fc.assert(
      fc.property(thresholds, metrics, (t, m) => {
        const result = checkMetricGate(t, m);
        expect(result.verdicts.map((v) => v.metric)).toEqual(Object.keys(t));
        expect(result.passed).toBe(result.verdicts.every((v) => v.passed));
        for (const v of result.verdicts) expect(v.passed).toBe(v.reason === 'ok');
      }),
    );
  });

  it('passes a value inside [min, max] with a margin of at least 0', () => {
    const inside = bounds.chain((b) =>
      fc.tuple(fc.constant(b), fc.double({ noNaN: true, min: b.min ?? (b.max ?? 0) - 1e6, max: b.max ?? (b.min ?? 0) + 1e6 })),
    );
    fc.assert(
      fc.property(metricName, inside, (name, [b, value]) => {
        const [verdict] = checkMetricGate({ [name]: b }, { [name]: value }).verdicts;
        expect(verdict).toMatchObject({ passed: true, reason: 'ok', value });
        expect(verdict?.margin).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('fails a value outside its bounds with a negative margin', () => {
    fc.assert(
      fc.property(metricName, bounds, finite, (name, b, value) => {
        const [verdict] = checkMetricGate({ [name]: b }, { [name]: value }).verdicts;
        const inside = (b.min === undefined || value >= b.min) && (b.max === undefined || value <= b.max);
        expect(verdict?.passed).toBe(inside);
        if (!inside) expect(verdict?.margin).toBeLessThan(0);
      }),
    );
  });

  it('always fails a thresholded metric the run did not log', () => {
    fc.assert(
      fc.property(thresholds, metrics, (t, m) => {
        fc.pre(Object.keys(t).length > 0);
        const [missing] = Object.keys(t);
        const { [missing as string]: _dropped, ...rest } = m;
        const result = checkMetricGate(t, rest);
        expect(result.passed).toBe(false);
        expect(result.verdicts[0]).toMatchObject({ metric: missing, passed: false, reason: 'missing', value: null, margin: null });
      }),
    );
  });

  it('ignores metrics that have no threshold', () => {
    fc.assert(
      fc.property(thresholds, metrics, metricName, anyValue, (t, m, extra, value) => {
        fc.pre(!Object.hasOwn(t, extra));
        expect(checkMetricGate(t, { ...m, [extra]: value })).toEqual(checkMetricGate(t, m));
      }),
    );
  });
});

describe('formatMetric', () => {
  it('shows values without float noise', () => {
    expect(formatMetric(0.1 + 0.2)).toBe('0.3');
    expect(formatMetric(0.97 - 0.9)).toBe('0.07');
    expect(formatMetric(0.9)).toBe('0.9');
    expect(formatMetric(0.93456789)).toBe('0.9346');
    expect(formatMetric(3.5)).toBe('3.5');
    expect(formatMetric(1234.56789)).toBe('1234.5679');
    expect(formatMetric(42)).toBe('42');
    expect(formatMetric(-0.03)).toBe('-0.03');
  });

  it('keeps four significant digits of small values', () => {
    expect(formatMetric(0.000123456)).toBe('0.0001235');
    expect(formatMetric(0.0123)).toBe('0.0123');
    expect(formatMetric(1.5e-9)).toBe('1.5e-9');
    expect(formatMetric(2e20)).toBe('2e+20');
  });

  it('names what is not a finite number', () => {
    expect(formatMetric(0)).toBe('0');
    expect(formatMetric(-0)).toBe('0');
    expect(formatMetric(Number.NaN)).toBe('NaN');
    expect(formatMetric(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatMetric(Number.NEGATIVE_INFINITY)).toBe('-∞');
  });

  it('rounds to at most 4 significant decimals, close to the value', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), (value) => {
        const text = formatMetric(value);
        if (text.includes('e')) return;
        const decimals = (text.split('.')[1] ?? '').replace(/^0+/, '');
        expect(decimals.length).toBeLessThanOrEqual(4);
        expect(Math.abs(Number(text) - value)).toBeLessThanOrEqual(Math.max(Math.abs(value) * 1e-3, 0.5e-4));
      }),
    );
  });

  it('signs margins and writes thresholds', () => {
    expect(formatSignedMetric(0.031)).toBe('+0.031');
    expect(formatSignedMetric(-0.030000000000000027)).toBe('-0.03');
    expect(formatSignedMetric(0)).toBe('0');
    expect(formatThreshold({ min: 0.9, max: null })).toBe('≥ 0.9');
    expect(formatThreshold({ min: null, max: 3.5 })).toBe('≤ 3.5');
    expect(formatThreshold({ min: 0.8, max: 0.95 })).toBe('0.8 – 0.95');
  });
});

describe('describeFailedVerdict', () => {
  it('says what fell short, and by how much', () => {
    const [recall, mae, auc, f1] = checkMetricGate({ recall: { min: 0.9 }, mae: { max: 3.5 }, auc: { min: 0.5 }, f1: { min: 0.5 } }, { recall: 0.87, mae: 3.9, f1: Number.NaN }).verdicts;
    expect(recall && describeFailedVerdict(recall)).toBe('recall 0.87 is below the minimum 0.9 by 0.03');
    expect(mae && describeFailedVerdict(mae)).toBe('mae 3.9 is above the maximum 3.5 by 0.4');
    expect(auc && describeFailedVerdict(auc)).toBe('auc was not logged to the MLflow run (threshold ≥ 0.5)');
    expect(f1 && describeFailedVerdict(f1)).toBe('f1 is not a finite number (NaN or infinity) (threshold ≥ 0.5)');
  });
});
