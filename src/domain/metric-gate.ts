import { z } from 'zod';
import type { ModelToml } from './model-toml.ts';

/**
 * The metric gate of the training stage: the metrics of a training run checked against the
 * `[train_metrics]` thresholds of model.toml. Pure; the worker that reads MLflow calls it and
 * stores the result as data.
 */

export const verdictReason = z
  .enum(['ok', 'missing', 'below_min', 'above_max', 'not_finite'])
  .describe('Why the metric passed or failed: ok, missing (not logged by the run), below_min, above_max, not_finite (NaN or infinity)');

/** The verdict on one thresholded metric. */
export const metricVerdict = z
  .object({
    metric: z.string().describe('Name of the metric, as logged to MLflow and written in [train_metrics]'),
    value: z.number().nullable().describe("The run's value; null when the run did not log it, or logged NaN or an infinity"),
    min: z.number().nullable().describe('Lower bound from model.toml (inclusive), if any'),
    max: z.number().nullable().describe('Upper bound from model.toml (inclusive), if any'),
    passed: z.boolean().describe('Whether the value meets every bound'),
    reason: verdictReason,
    margin: z
      .number()
      .nullable()
      .describe('Signed distance to the nearest bound: value - min or max - value, the smaller; negative is the shortfall; null without a finite value'),
    champion: z.number().nullable().describe("The champion model's value of this metric, when there is a champion that logged it"),
  })
  .describe('The verdict on one thresholded metric');

/** The gate's result: passed when every thresholded metric passes; an empty threshold table passes. */
export const gateResult = z
  .object({
    passed: z.boolean().describe('True when every verdict passed (also when there are no thresholds)'),
    verdicts: z.array(metricVerdict).describe('One verdict per [train_metrics] entry, in threshold order'),
  })
  .describe('The metric gate of a training run against [train_metrics]');

export type VerdictReason = z.infer<typeof verdictReason>;
export type MetricVerdict = z.infer<typeof metricVerdict>;
export type GateResult = z.infer<typeof gateResult>;

/**
 * Checks a run's metrics against the thresholds, in threshold order. Bounds are inclusive. A
 * metric the run did not log fails (a gate is never passed by omission), and so does NaN or an
 * infinity. Metrics without a threshold are ignored.
 */
export function checkMetricGate(
  thresholds: ModelToml['train_metrics'],
  metrics: Readonly<Record<string, number>>,
  champion?: Readonly<Record<string, number>> | null,
): GateResult {
  const verdicts = Object.entries(thresholds).map(([metric, bounds]) =>
    verdictOf(metric, bounds.min ?? null, bounds.max ?? null, ownValue(metrics, metric), champion ? ownValue(champion, metric) : undefined),
  );
  return { passed: verdicts.every((verdict) => verdict.passed), verdicts };
}

function verdictOf(metric: string, min: number | null, max: number | null, value: number | undefined, championValue: number | undefined): MetricVerdict {
  const champion = championValue !== undefined && Number.isFinite(championValue) ? championValue : null;
  const base = { metric, min, max, champion };
  if (value === undefined) return { ...base, value: null, passed: false, reason: 'missing', margin: null };
  if (!Number.isFinite(value)) return { ...base, value: null, passed: false, reason: 'not_finite', margin: null };
  const toMin = min === null ? Infinity : value - min;
  const toMax = max === null ? Infinity : max - value;
  const margin = Math.min(toMin, toMax);
  const reason: VerdictReason = toMin < 0 ? 'below_min' : toMax < 0 ? 'above_max' : 'ok';
  // A bound always exists (model.toml's schema requires one), so margin is finite here.
  return { ...base, value, passed: reason === 'ok', reason, margin: Number.isFinite(margin) ? margin : null };
}

/** Own properties only: a metric named "constructor" must not read Object.prototype. */
function ownValue(record: Readonly<Record<string, number>>, key: string): number | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A metric value for people: at most 4 decimals, at least 4 significant digits for small
 * values, trailing zeros dropped, no float noise (`0.1 + 0.2` shows as `0.3`). Very small or
 * very large values use exponent notation.
 */
export function formatMetric(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  if (magnitude < -6 || magnitude >= 15) {
    const [mantissa = '', exponent = ''] = value.toExponential(3).split('e');
    return `${trimZeros(mantissa)}e${exponent}`;
  }
  return trimZeros(value.toFixed(Math.max(4, 3 - magnitude)));
}

/** A margin or difference with its sign: `+0.031`, `-0.03`, `0`. */
export function formatSignedMetric(value: number): string {
  const text = formatMetric(value);
  return value > 0 && text !== '0' ? `+${text}` : text;
}

/** A threshold for people: `≥ 0.9`, `≤ 3.5` or `0.8 – 0.95`. */
export function formatThreshold(bounds: { readonly min: number | null; readonly max: number | null }): string {
  const { min, max } = bounds;
  if (min !== null && max !== null) return `${formatMetric(min)} – ${formatMetric(max)}`;
  if (min !== null) return `≥ ${formatMetric(min)}`;
  if (max !== null) return `≤ ${formatMetric(max)}`;
  return 'none';
}

/**
 * One sentence on a failed verdict, for a person: `recall 0.87 is below the minimum 0.9 by
 * 0.03`. An empty string for a verdict that passed.
 */
export function describeFailedVerdict(verdict: MetricVerdict): string {
  const { metric, value, min, max } = verdict;
  switch (verdict.reason) {
    case 'ok':
      return '';
    case 'missing':
      return `${metric} was not logged to the MLflow run (threshold ${formatThreshold(verdict)})`;
    case 'not_finite':
      return `${metric} is not a finite number (NaN or infinity) (threshold ${formatThreshold(verdict)})`;
    case 'below_min':
      return `${metric} ${formatMetric(value ?? NaN)} is below the minimum ${formatMetric(min ?? NaN)} by ${formatMetric(-(verdict.margin ?? NaN))}`;
    case 'above_max':
      return `${metric} ${formatMetric(value ?? NaN)} is above the maximum ${formatMetric(max ?? NaN)} by ${formatMetric(-(verdict.margin ?? NaN))}`;
  }
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
