import { z } from 'zod';

/**
 * Working-calendar arithmetic for review reminders: "remind the reviewer after one working day"
 * counts only the working hours of working days in the organisation's time zone, skipping
 * weekends and holidays. Pure: time zones come from `Intl.DateTimeFormat`, no clock is read.
 */

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A working calendar: which days are worked, from when to when, where, and which dates are off. */
export const workingCalendar = z
  .object({
    timeZone: z.string().describe('IANA time zone the working hours are in, e.g. "Europe/Berlin"'),
    days: z.array(z.number().int().min(1).max(7)).min(1).describe('Working days of the week, 1 = Monday … 7 = Sunday'),
    start: z.string().regex(HH_MM).describe('Start of the working day, "HH:MM" local time'),
    end: z.string().regex(HH_MM).describe('End of the working day, "HH:MM" local time, after start'),
    holidays: z.array(z.string().regex(DATE)).describe('Dates off, "YYYY-MM-DD" in the calendar\'s time zone'),
  })
  .describe('A working calendar');

export type WorkingCalendar = z.infer<typeof workingCalendar>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Years and months are not a fixed number of working days, so a working duration has none.
const WORKING_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** A working duration taken apart: whole working days, plus working time in milliseconds. */
export interface WorkingDuration {
  readonly days: number;
  readonly ms: number;
}

/**
 * Reads an ISO 8601 duration of working time: `P1D` is one working day (the calendar's start to
 * end), `PT8H` eight working hours, `P1DT4H` both. `undefined` for anything else, years and
 * months included (they are no fixed amount of working time), and for `P`/`PT`.
 */
export function parseWorkingDuration(text: string): WorkingDuration | undefined {
  const match = WORKING_DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  return { days: days ?? 0, ms: (hours ?? 0) * HOUR + (minutes ?? 0) * MINUTE + Math.round((seconds ?? 0) * SECOND) };
}

/** The length of the calendar's working day in milliseconds (end − start). */
export function workingDayLength(calendar: Pick<WorkingCalendar, 'start' | 'end'>): number {
  return minutesOf(calendar.end) * MINUTE - minutesOf(calendar.start) * MINUTE;
}

/** True when `timeZone` is an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(instant: string | number, timeZone: string): string {
  const { year, month, day } = wallClock(typeof instant === 'number' ? instant : parseInstant(instant), timeZone);
  return isoDate(year, month, day);
}

/**
 * The instant (ISO 8601, UTC) at which `duration` of working time has passed since `start`,
 * counting only the calendar's working hours of its working days that are not holidays. A
 * start outside working hours counts from the next working moment; an end exactly at the close
 * of a working day is that close (`P1D` from Monday 09:00 is Monday 18:00). Working hours are
 * local wall-clock times, so a day on which clocks change keeps its 09:00–18:00.
 *
 * @throws RangeError for an instant, duration or calendar that cannot be read, or a calendar
 *   without working time.
 */
export function addWorkingTime(start: string, duration: string, calendar: WorkingCalendar): string {
  const from = parseInstant(start);
  const parsed = parseWorkingDuration(duration);
  if (!parsed) throw new RangeError(`"${duration}" is not a working duration such as "PT8H" or "P1D"`);
  const dayLength = workingDayLength(calendar);
  if (!HH_MM.test(calendar.start) || !HH_MM.test(calendar.end) || dayLength <= 0) {
    throw new RangeError(`the working day ${calendar.start}–${calendar.end} is empty; the end must come after the start`);
  }
  if (!isTimeZone(calendar.timeZone)) throw new RangeError(`"${calendar.timeZone}" is not a known time zone`);
  let remaining = parsed.days * dayLength + parsed.ms;
  if (remaining === 0) return new Date(from).toISOString();

  const days = new Set(calendar.days);
  const holidays = new Set(calendar.holidays);
  const startMinutes = minutesOf(calendar.start);
  const endMinutes = minutesOf(calendar.end);
  let { year, month, day } = wallClock(from, calendar.timeZone);
  // A bound on the walk: every non-holiday week has a working day, so this is never reached
  // by a calendar with working days; it stops a calendar with none from looping forever.
  const limit = (holidays.size + Math.ceil(remaining / dayLength) + 1) * 7 + 7;
  for (let step = 0; step < limit; step++) {
    const date = isoDate(year, month, day);
    if (days.has(isoWeekday(year, month, day)) && !holidays.has(date)) {
      const open = instantOf(year, month, day, startMinutes, calendar.timeZone);
      const close = instantOf(year, month, day, endMinutes, calendar.timeZone);
      const begin = Math.max(open, from);
      const available = Math.max(0, close - begin);
      if (remaining <= available) return new Date(begin + remaining).toISOString();
      remaining -= available;
    }
    ({ year, month, day } = nextDay(year, month, day));
  }
  throw new RangeError('the working calendar has no working day: set at least one day that is not always a holiday');
}

function parseInstant(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`"${text}" is not an ISO 8601 instant`);
  return ms;
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The local wall-clock time of an instant in a time zone. */
function wallClock(instant: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (Berlin in summer: +2 h). */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / SECOND) * SECOND;
}

/**
 * The instant of a local wall-clock time. A time skipped by a clock change (02:30 on a spring-
 * forward night) moves forward by the change, as Temporal's "compatible" disambiguation does;
 * a repeated time takes its first occurrence.
 */
function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const early = wall - before;
  const late = wall - after;
  const earlyFits = early + offsetAt(early, timeZone) === wall;
  const lateFits = late + offsetAt(late, timeZone) === wall;
  if (earlyFits) return early;
  if (lateFits) return late;
  return wall - before; // in the gap: the old offset pushes it past the change
}

function isoWeekday(year: number, month: number, day: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

function nextDay(year: number, month: number, day: number): { year: number; month: number; day: number } {
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
