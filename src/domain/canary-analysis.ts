import { z } from 'zod';
import type { Block, Document, Inline } from './document.ts';

/**
 * The automated canary analysis, as pure functions: during the stabilisation window a BPMN
 * timer ticks; each tick runs the policy's PromQL queries once (the delivery worker, through
 * src/clients/prometheus.ts), {@link evaluateSample} judges that sample against the thresholds,
 * and {@link foldAnalysis} folds it into the accumulated {@link AnalysisState} the process keeps
 * as a variable. Nothing here waits or does I/O.
 *
 * Rules:
 * - a check without data (no series, NaN, or no stable value to compare with) is `no_data`,
 *   never `pass`, and a sample is a pass only when every check passed;
 * - the analysis fails as soon as one query has failed in more samples than `failureLimit`, and
 *   a failed analysis stays failed whatever comes after;
 * - it passes once `minSamples` samples passed every check; before `minSamples` samples it is
 *   `running`; with `minSamples` samples or more but fewer passing ones it is `inconclusive`.
 */

/** Placeholders a query template may use. */
export const QUERY_PLACEHOLDERS = ['service', 'track', 'canary', 'stable', 'window'] as const;
export type QueryPlaceholder = (typeof QUERY_PLACEHOLDERS)[number];

/** One analysis query: a PromQL template and the thresholds its value must hold. */
export const analysisQuerySchema = z
  .object({
    name: z.string().min(1).max(100).describe('Name of the query, as messages show it, e.g. "error-ratio"'),
    query: z
      .string()
      .min(1)
      .describe(
        'PromQL template giving one number; {{service}}, {{window}} and {{track}} (the track it runs for: the canary, and the stable version when a threshold compares with it), {{canary}}, {{stable}}',
      ),
    max: z.number().optional().describe('The canary value must be at most this'),
    min: z.number().optional().describe('The canary value must be at least this'),
    maxAboveStable: z.number().min(0).optional().describe('The canary value must be at most the stable value plus this (e.g. error ratio ≤ stable + 0.01)'),
    maxRatioToStable: z.number().positive().optional().describe('The canary value must be at most the stable value times this (e.g. p99 ≤ stable × 1.2)'),
  })
  .refine((query) => [query.max, query.min, query.maxAboveStable, query.maxRatioToStable].some((bound) => bound !== undefined), {
    error: 'needs a threshold: max, min, max_above_stable or max_ratio_to_stable',
  })
  .describe('An analysis query with its thresholds');
export type AnalysisQuery = z.infer<typeof analysisQuerySchema>;

/** The default queries: the canary's error ratio and p99 latency against the stable version's. */
export const DEFAULT_ANALYSIS_QUERIES: readonly AnalysisQuery[] = [
  {
    name: 'error-ratio',
    // `or vector(0)`: a service without a single 5xx has no such series, and its ratio is 0, not missing.
    query:
      '(sum(rate(http_requests_total{service="{{service}}",track="{{track}}",code=~"5.."}[{{window}}])) or vector(0))' +
      ' / sum(rate(http_requests_total{service="{{service}}",track="{{track}}"}[{{window}}]))',
    maxAboveStable: 0.01,
  },
  {
    name: 'latency-p99',
    query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{service}}",track="{{track}}"}[{{window}}])))',
    maxRatioToStable: 1.2,
  },
];

/** What the placeholders stand for in one analysis. */
export interface QueryContext {
  /** The service (model) name, the `service` label. */
  readonly service: string;
  /** The canary's `track` label value. Default "canary". */
  readonly canary?: string;
  /** The stable version's `track` label value. Default "stable". */
  readonly stable?: string;
  /** Range of rate() windows, a PromQL duration such as "1m". */
  readonly window: string;
}

/** Placeholders in `template` that are not {@link QUERY_PLACEHOLDERS}. */
export function unknownPlaceholders(template: string): string[] {
  const names = [...template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((match) => match[1] ?? '');
  return [...new Set(names.filter((name) => !(QUERY_PLACEHOLDERS as readonly string[]).includes(name)))];
}

/**
 * `template` with its placeholders filled in for `track`. Values are escaped for a PromQL
 * double-quoted string; an unknown placeholder throws (the policy check refuses them earlier).
 */
export function renderQuery(template: string, context: QueryContext, track: 'canary' | 'stable'): string {
  const canary = context.canary ?? 'canary';
  const stable = context.stable ?? 'stable';
  const values: Record<QueryPlaceholder, string> = {
    service: escapeLabelValue(context.service),
    track: escapeLabelValue(track === 'canary' ? canary : stable),
    canary: escapeLabelValue(canary),
    stable: escapeLabelValue(stable),
    window: context.window,
  };
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`unknown placeholder {{${name}}} in query ${template}; use ${QUERY_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
    return values[name as QueryPlaceholder];
  });
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Whether a query's thresholds need the stable version's value. */
export function comparesWithStable(query: AnalysisQuery): boolean {
  return query.maxAboveStable !== undefined || query.maxRatioToStable !== undefined;
}

/** One PromQL query a tick runs. */
export interface PlannedQuery {
  /** The analysis query it belongs to. */
  readonly name: string;
  readonly track: 'canary' | 'stable';
  readonly promql: string;
}

/** The PromQL a tick runs: each query for the canary, and for the stable version when a threshold compares with it. */
export function planQueries(queries: readonly AnalysisQuery[], context: QueryContext): PlannedQuery[] {
  return queries.flatMap((query) => [
    { name: query.name, track: 'canary' as const, promql: renderQuery(query.query, context, 'canary') },
    ...(comparesWithStable(query) ? [{ name: query.name, track: 'stable' as const, promql: renderQuery(query.query, context, 'stable') }] : []),
  ]);
}

/** What one tick measured for one query: null when the query gave no number. */
export interface QueryMeasurement {
  readonly canary: number | null;
  /** Absent when the query does not compare with the stable version. */
  readonly stable?: number | null;
}

export const checkStatusSchema = z.enum(['pass', 'fail', 'no_data']).describe('pass: within every threshold; fail: outside one; no_data: a value was missing');
export type CheckStatus = z.infer<typeof checkStatusSchema>;

/** One query judged in one sample. */
export const checkResultSchema = z.object({
  name: z.string().describe('The query'),
  status: checkStatusSchema,
  value: z.number().nullable().describe("The canary's value; null without data (or an infinite value, which JSON cannot hold: see valueText)"),
  valueText: z.string().describe('The value as people read it: "0.0123", "+Inf", "no data"'),
  stableValue: z.number().nullable().optional().describe("The stable version's value, when a threshold compares with it"),
  threshold: z.string().describe('The threshold that failed, or every threshold, in words: "at most 0.012 (stable 0.002 + 0.01)"'),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

/** One tick's checks. */
export const analysisSampleSchema = z.object({
  at: z.iso.datetime({ offset: true }).describe('When the queries ran (ISO-8601 instant)'),
  status: checkStatusSchema.describe('fail when a check failed; else no_data when one lacked data; else pass'),
  checks: z.array(checkResultSchema).describe('One per query, in policy order'),
});
export type AnalysisSample = z.infer<typeof analysisSampleSchema>;

interface Bound {
  readonly kind: 'max' | 'min';
  /** Null when it cannot be known (the stable value is missing). */
  readonly limit: number | null;
  readonly text: string;
}

function boundsOf(query: AnalysisQuery, stable: number | null | undefined): Bound[] {
  const bounds: Bound[] = [];
  if (query.max !== undefined) bounds.push({ kind: 'max', limit: query.max, text: `at most ${formatValue(query.max)}` });
  if (query.min !== undefined) bounds.push({ kind: 'min', limit: query.min, text: `at least ${formatValue(query.min)}` });
  const known = stable !== null && stable !== undefined;
  if (query.maxAboveStable !== undefined) {
    const limit = known ? stable + query.maxAboveStable : null;
    bounds.push({
      kind: 'max',
      limit,
      text: known ? `at most ${formatValue(limit ?? 0)} (stable ${formatValue(stable)} + ${formatValue(query.maxAboveStable)})` : `at most stable + ${formatValue(query.maxAboveStable)} (no stable value)`,
    });
  }
  if (query.maxRatioToStable !== undefined) {
    const limit = known ? stable * query.maxRatioToStable : null;
    bounds.push({
      kind: 'max',
      limit,
      text: known ? `at most ${formatValue(limit ?? 0)} (stable ${formatValue(stable)} × ${formatValue(query.maxRatioToStable)})` : `at most stable × ${formatValue(query.maxRatioToStable)} (no stable value)`,
    });
  }
  return bounds;
}

/** Judges one query's measurement against its thresholds. */
export function evaluateCheck(query: AnalysisQuery, measurement: QueryMeasurement | undefined): CheckResult {
  const value = measurement?.canary ?? null;
  const stable = comparesWithStable(query) ? (measurement?.stable ?? null) : undefined;
  const bounds = boundsOf(query, stable);
  const usable = value !== null && !Number.isNaN(value);
  const violated = usable
    ? bounds.find((bound) => bound.limit !== null && (bound.kind === 'max' ? value > bound.limit : value < bound.limit))
    : undefined;
  const complete = usable && bounds.every((bound) => bound.limit !== null);
  const status: CheckStatus = violated ? 'fail' : complete ? 'pass' : 'no_data';
  return {
    name: query.name,
    status,
    value: usable && Number.isFinite(value) ? value : null,
    valueText: usable ? formatValue(value) : 'no data',
    ...(stable === undefined ? {} : { stableValue: stable !== null && Number.isFinite(stable) ? stable : null }),
    threshold: violated ? violated.text : bounds.map((bound) => bound.text).join(' and '),
  };
}

/** Judges one tick: each query's measurement (by query name) against its thresholds. A query without a measurement has no data. */
export function evaluateSample(queries: readonly AnalysisQuery[], results: Readonly<Record<string, QueryMeasurement>>, at: Date): AnalysisSample {
  const checks = queries.map((query) => evaluateCheck(query, results[query.name]));
  const status: CheckStatus = checks.some((check) => check.status === 'fail')
    ? 'fail'
    : checks.every((check) => check.status === 'pass') && checks.length > 0
      ? 'pass'
      : 'no_data';
  return { at: at.toISOString(), status, checks };
}

export const analysisVerdictSchema = z
  .enum(['running', 'pass', 'fail', 'inconclusive'])
  .describe('running: fewer samples than min_samples; pass: min_samples samples passed every check; fail: a query failed more often than failure_limit (final); inconclusive: enough samples, too few of them with data');
export type AnalysisVerdict = z.infer<typeof analysisVerdictSchema>;

/** The analysis settings ([delivery.canary.analysis] of the policy). */
export interface AnalysisLimits {
  /** Failed samples a query may have; one more fails the analysis. */
  readonly failureLimit: number;
  /** Samples needed before a verdict, and passing samples needed to pass. */
  readonly minSamples: number;
}

/** Per query, across the samples so far. */
export const queryTallySchema = z.object({
  name: z.string().describe('The query'),
  passed: z.number().int().min(0).describe('Samples in which it passed'),
  failed: z.number().int().min(0).describe('Samples in which it failed'),
  noData: z.number().int().min(0).describe('Samples in which it had no data'),
  last: checkResultSchema.describe('Its latest check'),
});
export type QueryTally = z.infer<typeof queryTallySchema>;

/** The process variable `canaryAnalysis` (Json): the analysis so far. */
export const analysisStateSchema = z
  .object({
    verdict: analysisVerdictSchema,
    reason: z.string().describe('The verdict in one sentence, naming the query, value and threshold of a failure'),
    samples: z.number().int().min(0).describe('Samples folded in'),
    passed: z.number().int().min(0).describe('Samples in which every check passed'),
    failed: z.number().int().min(0).describe('Samples in which a check failed'),
    noData: z.number().int().min(0).describe('Samples without a failure in which a check had no data'),
    queries: z.array(queryTallySchema).describe('Per query, in the order first seen'),
    failure: z
      .object({ at: z.string(), check: checkResultSchema })
      .optional()
      .describe('The check that failed the analysis, when it failed'),
    firstAt: z.string().optional().describe('When the first sample was taken'),
    lastAt: z.string().optional().describe('When the latest sample was taken'),
  })
  .describe('Process variable canaryAnalysis: the accumulated canary analysis');
export type AnalysisState = z.infer<typeof analysisStateSchema>;

/** The state before the first tick. */
export function initialAnalysisState(): AnalysisState {
  return { verdict: 'running', reason: 'No sample yet.', samples: 0, passed: 0, failed: 0, noData: 0, queries: [] };
}

/** Folds one sample into the analysis; a failed analysis is returned as it is. See the module comment for the rules. */
export function foldAnalysis(state: AnalysisState, sample: AnalysisSample, limits: AnalysisLimits): AnalysisState {
  if (state.verdict === 'fail') return state;
  const failureLimit = Math.max(0, Math.floor(limits.failureLimit));
  const minSamples = Math.max(1, Math.floor(limits.minSamples));
  const tallies = new Map(state.queries.map((tally) => [tally.name, tally]));
  for (const check of sample.checks) {
    const tally = tallies.get(check.name) ?? { name: check.name, passed: 0, failed: 0, noData: 0, last: check };
    tallies.set(check.name, {
      name: check.name,
      passed: tally.passed + (check.status === 'pass' ? 1 : 0),
      failed: tally.failed + (check.status === 'fail' ? 1 : 0),
      noData: tally.noData + (check.status === 'no_data' ? 1 : 0),
      last: check,
    });
  }
  const next: AnalysisState = {
    verdict: 'running',
    reason: '',
    samples: state.samples + 1,
    passed: state.passed + (sample.status === 'pass' ? 1 : 0),
    failed: state.failed + (sample.status === 'fail' ? 1 : 0),
    noData: state.noData + (sample.status === 'no_data' ? 1 : 0),
    queries: [...tallies.values()],
    firstAt: state.firstAt ?? sample.at,
    lastAt: sample.at,
  };
  const failing = sample.checks.find((check) => check.status === 'fail' && (tallies.get(check.name)?.failed ?? 0) > failureLimit);
  if (failing) {
    const failedIn = tallies.get(failing.name)?.failed ?? 0;
    return {
      ...next,
      verdict: 'fail',
      failure: { at: sample.at, check: failing },
      reason:
        `Canary analysis failed: ${failing.name} was ${failing.valueText} on the canary, against ${failing.threshold}, ` +
        `failing in ${failedIn} of ${next.samples} samples (failure limit ${failureLimit}).`,
    };
  }
  if (next.samples < minSamples) {
    return { ...next, verdict: 'running', reason: `Canary analysis running: ${next.samples} of ${minSamples} samples, ${next.passed} passed every check.` };
  }
  if (next.passed >= minSamples) {
    return {
      ...next,
      verdict: 'pass',
      reason: `Canary analysis passed: ${next.passed} of ${next.samples} samples within every threshold (${minSamples} needed)${next.failed > 0 ? `, ${next.failed} failed within the failure limit` : ''}.`,
    };
  }
  const missing = [...tallies.values()].filter((tally) => tally.noData > 0).map((tally) => tally.name);
  return {
    ...next,
    verdict: 'inconclusive',
    reason:
      `Canary analysis inconclusive: only ${next.passed} of ${next.samples} samples passed every check (${minSamples} needed); ` +
      `${next.noData} had no data${missing.length > 0 ? ` (${missing.join(', ')})` : ''}. No data is never a pass.`,
  };
}

/**
 * The verdict when the stabilisation window ends: `running` (too few samples, e.g. the window
 * was shorter than min_samples ticks) becomes `inconclusive`; the others stand.
 */
export function finalVerdict(state: AnalysisState): Exclude<AnalysisVerdict, 'running'> {
  return state.verdict === 'running' ? 'inconclusive' : state.verdict;
}

/** A number as messages show it: three significant digits, ±Inf, no exponent below a million. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'no data';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000 && Math.abs(value) < 1e6) return String(Math.round(value));
  const text = String(Number(value.toPrecision(3)));
  return text;
}

/** One check in words: "error-ratio: 0.2 — at most 0.0102 (stable 0.0002 + 0.01): fail". */
export function describeCheck(check: CheckResult): string {
  const status = check.status === 'no_data' ? 'no data' : check.status;
  return `${check.name}: ${check.valueText} — ${check.threshold}: ${status}`;
}

const verdictWords: Readonly<Record<AnalysisVerdict, string>> = {
  running: 'Running',
  pass: 'Passed',
  fail: 'Failed',
  inconclusive: 'Inconclusive',
};

/**
 * The analysis as a Document for the Jira comment and the Slack message: the verdict sentence,
 * then a table of the queries (latest value, threshold, samples passed / failed / without data).
 */
export function analysisDocument(state: AnalysisState, links: { readonly prometheusUrl?: string } = {}): Document {
  const blocks: Block[] = [
    { type: 'paragraph', content: [{ text: `Canary analysis: ${verdictWords[state.verdict]}`, bold: true }] },
    { type: 'paragraph', content: [state.reason] },
  ];
  if (state.queries.length > 0) {
    blocks.push({
      type: 'table',
      header: [['Query'], ['Latest value'], ['Threshold'], ['Passed'], ['Failed'], ['No data']],
      rows: state.queries.map((tally) => [
        [{ text: tally.name, code: true }],
        [tally.last.valueText],
        [tally.last.threshold],
        [String(tally.passed)],
        [String(tally.failed)],
        [String(tally.noData)],
      ]),
    });
  }
  if (links.prometheusUrl) {
    const content: Inline[] = [{ text: 'Prometheus', href: links.prometheusUrl }];
    blocks.push({ type: 'paragraph', content });
  }
  return { blocks };
}

/** A query as the policy writes it ([[delivery.canary.analysis.queries]], snake_case keys). */
export interface PolicyAnalysisQuery {
  readonly name: string;
  readonly query: string;
  readonly max?: number | undefined;
  readonly min?: number | undefined;
  readonly max_above_stable?: number | undefined;
  readonly max_ratio_to_stable?: number | undefined;
}

/** The policy's queries as the analysis takes them; an empty list means the defaults. */
export function analysisQueriesFromPolicy(queries: readonly PolicyAnalysisQuery[]): AnalysisQuery[] {
  if (queries.length === 0) return [...DEFAULT_ANALYSIS_QUERIES];
  return queries.map((query) => ({
    name: query.name,
    query: query.query,
    ...(query.max === undefined ? {} : { max: query.max }),
    ...(query.min === undefined ? {} : { min: query.min }),
    ...(query.max_above_stable === undefined ? {} : { maxAboveStable: query.max_above_stable }),
    ...(query.max_ratio_to_stable === undefined ? {} : { maxRatioToStable: query.max_ratio_to_stable }),
  }));
}
