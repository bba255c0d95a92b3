import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addWorkingTime, localDate, parseWorkingDuration, type WorkingCalendar } from '../../src/domain/working-time.ts';

const utc: WorkingCalendar = { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', holidays: [] };
const berlin: WorkingCalendar = { ...utc, timeZone: 'Europe/Berlin' };

// 2025-03-10 is a Monday.
describe('addWorkingTime', () => {
  it('counts working hours within a day, and P1D as one working day', () => {
    expect(addWorkingTime('2025-03-10T10:00:00Z', 'PT3H', utc)).toBe('2025-03-10T13:00:00.000Z');
    expect(addWorkingTime('2025-03-10T09:00:00Z', 'P1D', utc)).toBe('2025-03-10T18:00:00.000Z');
    expect(addWorkingTime('2025-03-10T12:00:00Z', 'P1D', utc)).toBe('2025-03-11T12:00:00.000Z');
    expect(addWorkingTime('2025-03-10T12:00:00Z', 'P2DT30M', utc)).toBe('2025-03-12T12:30:00.000Z');
  });

  it('skips the weekend', () => {
    expect(addWorkingTime('2025-03-14T16:00:00Z', 'PT4H', utc)).toBe('2025-03-17T11:00:00.000Z');
    expect(addWorkingTime('2025-03-14T12:00:00Z', 'P1D', utc)).toBe('2025-03-17T12:00:00.000Z');
  });

  it('skips holidays', () => {
    const calendar = { ...utc, holidays: ['2025-03-11', '2025-03-12'] };
    expect(addWorkingTime('2025-03-10T17:00:00Z', 'PT2H', calendar)).toBe('2025-03-13T10:00:00.000Z');
    // A holiday on a Friday and the weekend after it.
    expect(addWorkingTime('2025-03-13T17:00:00Z', 'PT2H', { ...utc, holidays: ['2025-03-14'] })).toBe('2025-03-17T10:00:00.000Z');
  });

  it('starts counting at the next working moment when it starts outside working hours', () => {
    expect(addWorkingTime('2025-03-15T10:00:00Z', 'PT1H', utc)).toBe('2025-03-17T10:00:00.000Z'); // Saturday
    expect(addWorkingTime('2025-03-10T06:00:00Z', 'PT1H', utc)).toBe('2025-03-10T10:00:00.000Z'); // before opening
    expect(addWorkingTime('2025-03-10T20:00:00Z', 'PT1H', utc)).toBe('2025-03-11T10:00:00.000Z'); // after closing
    expect(addWorkingTime('2025-03-14T19:00:00+01:00', 'P1D', utc)).toBe('2025-03-17T18:00:00.000Z');
  });

  it('counts working hours in the calendar time zone', () => {
    const newYork = { ...utc, timeZone: 'America/New_York' };
    // Friday 17:00 in New York (UTC-5 in January): one hour left, then Monday 09:00–10:00.
    expect(addWorkingTime('2025-01-10T22:00:00Z', 'PT2H', newYork)).toBe('2025-01-13T15:00:00.000Z');
    // Saturday morning in Tokyo is still Friday in UTC: the Tokyo calendar waits for Monday.
    const tokyo = { ...utc, timeZone: 'Asia/Tokyo' };
    expect(addWorkingTime('2025-03-14T23:30:00Z', 'PT1H', tokyo)).toBe('2025-03-17T01:00:00.000Z');
  });

  it('keeps 09:00–18:00 local over the change to and from summer time in Europe/Berlin', () => {
    // Clocks go forward on Sunday 2025-03-30: Friday 17:00 CET (16:00Z) + 2 h ends Monday 10:00 CEST (08:00Z).
    expect(addWorkingTime('2025-03-28T16:00:00Z', 'PT2H', berlin)).toBe('2025-03-31T08:00:00.000Z');
    expect(addWorkingTime('2025-03-28T08:00:00Z', 'P2D', berlin)).toBe('2025-03-31T16:00:00.000Z');
    // Clocks go back on Sunday 2025-10-26: Friday 17:00 CEST (15:00Z) + 2 h ends Monday 10:00 CET (09:00Z).
    expect(addWorkingTime('2025-10-24T15:00:00Z', 'PT2H', berlin)).toBe('2025-10-27T09:00:00.000Z');
    // A working day that starts at a time the change skips starts when the clocks have gone forward.
    const night = { ...berlin, days: [1, 2, 3, 4, 5, 6, 7], start: '02:30', end: '04:00' };
    expect(addWorkingTime('2025-03-30T00:00:00Z', 'PT30M', night)).toBe('2025-03-30T02:00:00.000Z');
  });

  it('returns the start for no time at all, and refuses what it cannot read', () => {
    expect(addWorkingTime('2025-03-15T10:00:00Z', 'PT0S', utc)).toBe('2025-03-15T10:00:00.000Z');
    expect(() => addWorkingTime('2025-03-10T10:00:00Z', 'P1M', utc)).toThrow(/not a working duration/);
    expect(() => addWorkingTime('yesterday', 'PT1H', utc)).toThrow(/not an ISO 8601 instant/);
    expect(() => addWorkingTime('2025-03-10T10:00:00Z', 'PT1H', { ...utc, start: '18:00', end: '09:00' })).toThrow(/end must come after the start/);
    expect(() => addWorkingTime('2025-03-10T10:00:00Z', 'PT1H', { ...utc, timeZone: 'Mars/Olympus' })).toThrow(/not a known time zone/);
    expect(() => addWorkingTime('2025-03-10T10:00:00Z', 'PT1H', { ...utc, days: [] })).toThrow(/no working day/);
  });

  const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 11, 31) }).map((ms) => new Date(ms).toISOString());
  const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney');

  it('ends inside working hours of a working day, later the longer the duration, and adds up', () => {
    fc.assert(
      fc.property(instant, zone, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (start, timeZone, a, b) => {
        const calendar = { ...utc, timeZone, holidays: ['2025-12-25', '2024-12-25'] };
        const afterA = addWorkingTime(start, `PT${a}H`, calendar);
        const afterBoth = addWorkingTime(start, `PT${a + b}H`, calendar);
        expect(Date.parse(afterA)).toBeGreaterThan(Date.parse(start));
        expect(Date.parse(afterBoth)).toBeGreaterThan(Date.parse(afterA));
        expect(addWorkingTime(afterA, `PT${b}H`, calendar)).toBe(afterBoth);
        const local = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(afterA));
        expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) (09:[0-5]\d|1[0-7]:[0-5]\d|18:00)$/);
        expect(localDate(afterA, timeZone)).not.toBe('2025-12-25');
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseWorkingDuration and localDate', () => {
  it('reads days and time, and nothing calendar-long', () => {
    expect(parseWorkingDuration('P1D')).toEqual({ days: 1, ms: 0 });
    expect(parseWorkingDuration('P1DT1H30M')).toEqual({ days: 1, ms: 5_400_000 });
    expect(parseWorkingDuration('PT0.5S')).toEqual({ days: 0, ms: 500 });
    for (const bad of ['P1Y', 'P1M', 'P1W', 'P', 'PT', '1D', '']) expect(parseWorkingDuration(bad), bad).toBeUndefined();
  });

  it('gives the date of an instant in a time zone', () => {
    expect(localDate('2025-03-14T23:30:00Z', 'UTC')).toBe('2025-03-14');
    expect(localDate('2025-03-14T23:30:00Z', 'Europe/Berlin')).toBe('2025-03-15');
    expect(localDate('2025-03-15T03:00:00Z', 'America/Los_Angeles')).toBe('2025-03-14');
  });
});
