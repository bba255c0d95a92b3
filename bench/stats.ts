/**
 * Pure helpers of the benchmark: percentiles, rates, goal checks and the printed table.
 * No I/O here, so they have unit tests (test/bench/stats.test.ts).
 */

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
}

/** Linear-interpolated percentile (the "type 7" definition spreadsheets use); `p` in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lo = sorted[lower] as number;
  const hi = sorted[upper] as number;
  return lo + (hi - lo) * (rank - lower);
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, min: Number.NaN, p50: Number.NaN, p95: Number.NaN, max: Number.NaN, mean: Number.NaN };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { count: values.length, min, p50: percentile(values, 50), p95: percentile(values, 95), max, mean: sum / values.length };
}

/** Items per second; NaN when nothing was timed. */
export function perSecond(items: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (items * 1000) / elapsedMs : Number.NaN;
}

/** Events per minute over a window. */
export function perMinute(events: number, windowMs: number): number {
  return windowMs > 0 ? (events * 60_000) / windowMs : Number.NaN;
}

/** ours / bare; NaN when either side is missing. */
export function ratio(ours: number, bare: number): number {
  return Number.isFinite(ours) && Number.isFinite(bare) && bare > 0 ? ours / bare : Number.NaN;
}

export interface Goal {
  readonly name: string;
  /** What is compared, in words, e.g. `ratio >= 0.9`. */
  readonly rule: string;
  readonly value: number;
  readonly pass: boolean;
  readonly note?: string;
}

/** `value >= min` (NaN never passes). */
export function atLeast(name: string, value: number, min: number, rule: string, note?: string): Goal {
  return { name, rule, value, pass: Number.isFinite(value) && value >= min, ...(note ? { note } : {}) };
}

/** `value <= max` (NaN never passes). */
export function atMost(name: string, value: number, max: number, rule: string, note?: string): Goal {
  return { name, rule, value, pass: Number.isFinite(value) && value <= max, ...(note ? { note } : {}) };
}

/** A number for the table: fixed decimals, `-` when missing. */
export function fmt(value: number | undefined, decimals = 0): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(decimals);
}

/** Left-aligns the first column and right-aligns the others, under a header and a rule. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (r[col] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
