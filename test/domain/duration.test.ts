import { describe, expect, it } from 'vitest';
import { isIsoDuration, parseIsoDuration } from '../../src/domain/duration.ts';

describe('parseIsoDuration', () => {
  it('reads the durations Camunda 7 timers accept', () => {
    expect(parseIsoDuration('PT30M')).toBe(30 * 60_000);
    expect(parseIsoDuration('PT1H30M')).toBe(90 * 60_000);
    expect(parseIsoDuration('PT0.5S')).toBe(500);
    expect(parseIsoDuration('P1D')).toBe(86_400_000);
    expect(parseIsoDuration('P1DT2H')).toBe(86_400_000 + 7_200_000);
    expect(parseIsoDuration('P1M')).toBe(30 * 86_400_000);
    expect(parseIsoDuration('P1Y')).toBe(365 * 86_400_000);
  });

  it('rejects what is not an xs:duration', () => {
    for (const text of ['', 'P', 'PT', 'P1DT', '30m', 'PT30m', 'P1W', 'PT-5M', '-PT5M', 'P1.5D', 'PT1H ', 'pt30m']) {
      expect(isIsoDuration(text), text).toBe(false);
    }
  });
});
