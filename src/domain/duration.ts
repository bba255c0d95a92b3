/**
 * ISO 8601 durations as Camunda 7 timers read them (`timeDuration`, `timeCycle`): the XML Schema
 * `xs:duration` form `PnYnMnDTnHnMnS`. Weeks (`P1W`) and fractions other than seconds are not
 * part of that form, so they are rejected here rather than by the engine at deploy time.
 */

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The length of an ISO 8601 duration in milliseconds, or `undefined` when the text is not one
 * (or is empty, like `P` or `PT`). Months count as 30 days and years as 365, which is fine
 * for intervals and timeouts; calendar arithmetic is the engine's business.
 */
export function parseIsoDuration(text: string): number | undefined {
  const match = ISO_DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, years, months, days, hours, minutes, seconds] = match.map((part) => (part === undefined ? 0 : Number(part)));
  return (
    (years ?? 0) * 365 * DAY +
    (months ?? 0) * 30 * DAY +
    (days ?? 0) * DAY +
    (hours ?? 0) * HOUR +
    (minutes ?? 0) * MINUTE +
    Math.round((seconds ?? 0) * SECOND)
  );
}

/** True when `text` is an ISO 8601 duration Camunda 7 accepts. */
export function isIsoDuration(text: string): boolean {
  return parseIsoDuration(text) !== undefined;
}
