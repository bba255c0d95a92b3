import { describe, expect, it } from 'vitest';
import { atLeast, atMost, fmt, percentile, perMinute, perSecond, ratio, renderTable, summarize } from '../../bench/stats.ts';

describe('bench stats', () => {
  it('interpolates percentiles between ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    expect(percentile([10], 95)).toBe(10);
    expect(percentile(Array.from({ length: 101 }, (_, i) => i), 95)).toBe(95);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes without mutating its input', () => {
    const values = [3, 1, 2];
    expect(summarize(values)).toEqual({ count: 3, min: 1, p50: 2, p95: 2.9, max: 3, mean: 2 });
    expect(values).toEqual([3, 1, 2]);
    expect(summarize([]).count).toBe(0);
  });

  it('computes rates and ratios, NaN when undefined', () => {
    expect(perSecond(2_000, 4_000)).toBe(500);
    expect(perSecond(1, 0)).toBeNaN();
    expect(perMinute(2, 61_000)).toBeCloseTo(1.967, 3);
    expect(ratio(450, 500)).toBe(0.9);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
  });

  it('checks goals; a missing value never passes', () => {
    expect(atLeast('noop', 0.9, 0.9, 'ratio >= 0.9').pass).toBe(true);
    expect(atLeast('noop', 0.89, 0.9, 'ratio >= 0.9').pass).toBe(false);
    expect(atLeast('noop', Number.NaN, 0.9, 'ratio >= 0.9').pass).toBe(false);
    expect(atMost('idle', 1.97, 2, '<= 2/min').pass).toBe(true);
    expect(atMost('idle', 2.95, 2, '<= 2/min').pass).toBe(false);
  });

  it('renders an aligned table', () => {
    expect(fmt(Number.NaN)).toBe('-');
    expect(fmt(1.234, 2)).toBe('1.23');
    expect(renderTable(['a', 'bb'], [['xyz', '1'], ['q', '22']])).toBe('a    bb\n---  --\nxyz   1\nq    22');
  });
});
