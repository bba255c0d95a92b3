import { z } from 'zod';

/**
 * The staging checks as pure functions: is the service healthy yet, and does it answer the
 * repository's functional requests as recorded. Nothing here waits or does I/O: "until healthy"
 * is a BPMN timer loop around one probe (src/clients/service-probe.ts), each probe folded in
 * with {@link nextHealth}; the functional requests are sent by the worker and each answer judged
 * with {@link compareFunctional}.
 */

const instant = (what: string) => z.iso.datetime({ offset: true }).describe(`${what} (ISO-8601 instant)`);

/** One health probe: what one GET of the health URL gave. */
export const healthProbeSchema = z
  .object({
    url: z.string().describe('The health URL probed'),
    at: instant('When the probe was sent'),
    status: z.number().int().min(0).describe('HTTP status; 0 when nothing answered (refused, timed out, reset)'),
    latencyMs: z.number().min(0).describe('Time to the answer, or to the failure'),
    bodyExcerpt: z.string().describe('The start of the answer body (at most 500 characters), for the report'),
    error: z.string().optional().describe('Why nothing answered: "connection refused", "timed out after 5000 ms"'),
  })
  .describe('One health probe of the staging service');
export type HealthProbe = z.infer<typeof healthProbeSchema>;

/** The process variable `stagingHealth` (Json): the health checks so far. */
export const healthStateSchema = z
  .object({
    probes: z.number().int().min(0).describe('Probes folded in'),
    consecutiveGood: z.number().int().min(0).describe('Good answers in a row up to the latest probe'),
    bestRun: z.number().int().min(0).describe('The longest run of good answers so far'),
    firstAt: z.string().optional().describe('When the first probe was sent'),
    last: healthProbeSchema.optional().describe('The latest probe'),
    lastBad: healthProbeSchema.optional().describe('The latest probe that was not a good answer'),
  })
  .describe('Process variable stagingHealth: the staging service health probes so far');
export type HealthState = z.infer<typeof healthStateSchema>;

export const healthVerdictSchema = z
  .enum(['healthy', 'unhealthy', 'waiting'])
  .describe('healthy: enough good answers in a row; unhealthy: the deadline passed first; waiting: probe again');
export type HealthVerdict = z.infer<typeof healthVerdictSchema>;

export interface HealthRule {
  /** Good answers in a row needed. */
  readonly consecutive: number;
  /** When waiting ends in `unhealthy`. */
  readonly deadlineAt: Date;
  /** The clock: the probe's own time, or the worker's now. */
  readonly now: Date;
}

export interface HealthStep {
  readonly state: HealthState;
  readonly verdict: HealthVerdict;
  /** The verdict in one sentence, for the log and the report. */
  readonly reason: string;
}

/** The state before the first probe. */
export function initialHealthState(): HealthState {
  return { probes: 0, consecutiveGood: 0, bestRun: 0 };
}

/** A good answer: any 2xx. Redirects, 4xx, 5xx and no answer are not. */
export function isGoodAnswer(probe: Pick<HealthProbe, 'status'>): boolean {
  return probe.status >= 200 && probe.status <= 299;
}

/** A probe in words: "200 in 12 ms", "503 in 8 ms: {"status":"starting"}", "no answer: connection refused". */
export function describeProbe(probe: HealthProbe): string {
  if (probe.status === 0) return `no answer: ${probe.error ?? 'the connection failed'}`;
  const excerpt = probe.bodyExcerpt.trim().replace(/\s+/g, ' ').slice(0, 200);
  return `${probe.status} in ${Math.round(probe.latencyMs)} ms${isGoodAnswer(probe) || excerpt === '' ? '' : `: ${excerpt}`}`;
}

/**
 * Folds one probe into the health checks: healthy once `consecutive` good answers came in a
 * row (even on the deadline), unhealthy when the deadline has passed without them, else waiting
 * for the next probe.
 */
export function nextHealth(state: HealthState, probe: HealthProbe, rule: HealthRule): HealthStep {
  const needed = Math.max(1, Math.floor(rule.consecutive));
  const good = isGoodAnswer(probe);
  const consecutiveGood = good ? state.consecutiveGood + 1 : 0;
  const next: HealthState = {
    probes: state.probes + 1,
    consecutiveGood,
    bestRun: Math.max(state.bestRun, consecutiveGood),
    firstAt: state.firstAt ?? probe.at,
    last: probe,
    ...(good ? (state.lastBad ? { lastBad: state.lastBad } : {}) : { lastBad: probe }),
  };
  if (consecutiveGood >= needed) {
    return {
      state: next,
      verdict: 'healthy',
      reason: `Healthy: ${consecutiveGood} good answer${consecutiveGood === 1 ? '' : 's'} in a row from ${probe.url} (latest ${describeProbe(probe)}) after ${next.probes} probe${next.probes === 1 ? '' : 's'}.`,
    };
  }
  const progress = `${consecutiveGood} of ${needed} good answers in a row`;
  if (rule.now.getTime() >= rule.deadlineAt.getTime()) {
    const bad = next.lastBad ? `; the latest bad answer was ${describeProbe(next.lastBad)}` : '';
    return {
      state: next,
      verdict: 'unhealthy',
      reason: `Not healthy by the deadline (${rule.deadlineAt.toISOString()}): ${progress} from ${probe.url} after ${next.probes} probes, at best ${next.bestRun}${bad}.`,
    };
  }
  return { state: next, verdict: 'waiting', reason: `Waiting: ${progress}; the latest answer was ${describeProbe(probe)}.` };
}

// ---------------------------------------------------------------------------------------------
// Functional checks

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How close a number must be to the recorded one: within `absolute`, or within `relative` of the recorded value. */
export interface Tolerance {
  readonly absolute?: number;
  readonly relative?: number;
}

/** Exact but for floating-point noise. */
export const DEFAULT_TOLERANCE: Required<Tolerance> = { absolute: 1e-9, relative: 1e-9 };

export const differenceSchema = z.object({
  path: z.string().describe('JSON path of the difference, e.g. $.predictions[1].species'),
  kind: z.enum(['value', 'type', 'missing', 'extra']).describe('value: another value; type: another JSON type; missing: recorded but not answered; extra: answered but not recorded'),
  expected: z.unknown().optional().describe('The recorded value'),
  actual: z.unknown().optional().describe('The answered value'),
  text: z.string().describe('The difference in words, one line'),
});
export type Difference = z.infer<typeof differenceSchema>;

export interface FunctionalComparison {
  readonly match: boolean;
  /** Every difference, in document order. */
  readonly differences: readonly Difference[];
  /** A readable diff: one line per difference (the first {@link MAX_DIFF_LINES}), '' on a match. */
  readonly diff: string;
}

/** Lines a diff shows before "… and N more differences". */
export const MAX_DIFF_LINES = 50;

/**
 * Compares an answer with the recorded one: numbers within `tolerance` (absolute, or relative
 * to the recorded value; whichever allows more), everything else exactly; every missing key,
 * extra key, type change and array length difference is listed by its JSON path.
 */
export function compareFunctional(expected: unknown, actual: unknown, options: { readonly tolerance?: Tolerance } = {}): FunctionalComparison {
  const tolerance = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  const differences: Difference[] = [];
  walk(expected, actual, '$', tolerance, differences);
  const shown = differences.slice(0, MAX_DIFF_LINES).map((difference) => difference.text);
  if (differences.length > MAX_DIFF_LINES) shown.push(`… and ${differences.length - MAX_DIFF_LINES} more differences`);
  return { match: differences.length === 0, differences, diff: shown.join('\n') };
}

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

function typeOf(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'boolean' || type === 'number' || type === 'string' ? type : 'object';
}

/** A value as a diff line shows it: JSON, cut at 80 characters. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function walk(expected: unknown, actual: unknown, path: string, tolerance: Required<Tolerance>, out: Difference[]): void {
  const expectedType = typeOf(expected);
  const actualType = typeOf(actual);
  if (expectedType !== actualType) {
    out.push({ path, kind: 'type', expected, actual, text: `${path}: expected ${expectedType} ${show(expected)}, got ${actualType} ${show(actual)}` });
    return;
  }
  if (expectedType === 'array') {
    const want = expected as unknown[];
    const got = actual as unknown[];
    for (let index = 0; index < Math.max(want.length, got.length); index += 1) {
      const at = `${path}[${index}]`;
      if (index >= got.length) out.push({ path: at, kind: 'missing', expected: want[index], text: `${at}: missing (expected ${show(want[index])}; the answer has ${got.length} items, not ${want.length})` });
      else if (index >= want.length) out.push({ path: at, kind: 'extra', actual: got[index], text: `${at}: unexpected item ${show(got[index])} (the answer has ${got.length} items, not ${want.length})` });
      else walk(want[index], got[index], at, tolerance, out);
    }
    return;
  }
  if (expectedType === 'object') {
    const want = expected as Record<string, unknown>;
    const got = actual as Record<string, unknown>;
    for (const key of Object.keys(want)) {
      const at = keyPath(path, key);
      if (!(key in got)) out.push({ path: at, kind: 'missing', expected: want[key], text: `${at}: missing (expected ${show(want[key])})` });
      else walk(want[key], got[key], at, tolerance, out);
    }
    for (const key of Object.keys(got)) {
      if (key in want) continue;
      const at = keyPath(path, key);
      out.push({ path: at, kind: 'extra', actual: got[key], text: `${at}: unexpected key (got ${show(got[key])})` });
    }
    return;
  }
  if (expectedType === 'number') {
    const want = expected as number;
    const got = actual as number;
    const allowed = Math.max(tolerance.absolute, tolerance.relative * Math.abs(want));
    const off = Math.abs(got - want);
    if (!(off <= allowed)) {
      out.push({
        path,
        kind: 'value',
        expected,
        actual,
        text: `${path}: expected ${show(want)}, got ${show(got)} (off by ${Number(off.toPrecision(3))}, tolerance ${Number(allowed.toPrecision(3))})`,
      });
    }
    return;
  }
  if (expected !== actual && !(expectedType === 'null' && actualType === 'null')) {
    out.push({ path, kind: 'value', expected, actual, text: `${path}: expected ${show(expected)}, got ${show(actual)}` });
  }
}

/** One recorded functional case: a request and the answer it must get. */
export const functionalCaseSchema = z.object({
  name: z.string().describe('The request file under tests_functional without .json, e.g. v1_predict/test_request_01'),
  endpoint: z.string().describe('The path the request is POSTed to, from its folder: v1_predict → /v1/predict'),
  requestPath: z.string().describe('Repository path of the request, e.g. tests_functional/v1_predict/test_request_01.json'),
  responsePath: z.string().describe('Repository path of the recorded answer, e.g. tests_functional/v1_predict/test_request_01_response.json'),
});
export type FunctionalCase = z.infer<typeof functionalCaseSchema>;

export interface FunctionalCases {
  /** The pairs, sorted by path. */
  readonly cases: readonly FunctionalCase[];
  /** A request without its recorded answer, or an answer without its request: one sentence each. */
  readonly problems: readonly string[];
}

const FUNCTIONAL_ROOT = 'tests_functional/';
const REQUEST_FILE = /^test_request_.+\.json$/;
const RESPONSE_SUFFIX = '_response.json';

/**
 * Pairs each `test_request_*.json` with its `test_request_*_response.json` in the same folder,
 * anywhere under `tests_functional/` (repository paths, `/`-separated; other paths are ignored).
 * The endpoint comes from the first folder under tests_functional, `_` read as `/`
 * (`v1_predict` → `/v1/predict`), as the model template lays it out.
 */
export function functionalCases(paths: readonly string[]): FunctionalCases {
  const files = new Set(paths.map((path) => path.replace(/^\.?\//, '')).filter((path) => path.startsWith(FUNCTIONAL_ROOT)));
  const cases: FunctionalCase[] = [];
  const problems: string[] = [];
  for (const path of [...files].sort()) {
    const slash = path.lastIndexOf('/');
    const folder = path.slice(0, slash + 1);
    const file = path.slice(slash + 1);
    if (!REQUEST_FILE.test(file)) continue;
    if (file.endsWith(RESPONSE_SUFFIX)) {
      const request = `${folder}${file.slice(0, -RESPONSE_SUFFIX.length)}.json`;
      if (!files.has(request)) problems.push(`${path} has no request next to it: add ${request.slice(folder.length)}, or remove the recorded answer`);
      continue;
    }
    const responsePath = `${folder}${file.slice(0, -'.json'.length)}${RESPONSE_SUFFIX}`;
    const name = path.slice(FUNCTIONAL_ROOT.length, -'.json'.length);
    if (!files.has(responsePath)) {
      problems.push(`${path} has no recorded answer: add ${responsePath.slice(folder.length)} next to it with the answer the model must give`);
      continue;
    }
    const topFolder = path.slice(FUNCTIONAL_ROOT.length).split('/')[0] ?? '';
    if (topFolder === file) {
      problems.push(`${path} is not in a folder naming its endpoint: move it to e.g. tests_functional/v1_predict/`);
      continue;
    }
    cases.push({ name, endpoint: `/${topFolder.split('_').join('/')}`, requestPath: path, responsePath });
  }
  return { cases, problems };
}

/** How one functional case went. */
export const functionalResultSchema = z.object({
  name: z.string().describe('The case, e.g. v1_predict/test_request_01'),
  endpoint: z.string().describe('The path the request was POSTed to'),
  outcome: z.enum(['match', 'mismatch', 'error']).describe('match: the answer is as recorded; mismatch: it differs; error: no 2xx JSON answer'),
  status: z.number().int().min(0).describe('HTTP status of the answer; 0 when nothing answered'),
  latencyMs: z.number().min(0).describe('Time to the answer'),
  differences: z.array(differenceSchema).describe('What differs from the recorded answer'),
  diff: z.string().describe('The differences as readable lines, or the error'),
});
export type FunctionalResult = z.infer<typeof functionalResultSchema>;

/** What the service answered one functional request. */
export interface FunctionalAnswer {
  /** 0 when nothing answered. */
  readonly status: number;
  /** The parsed JSON body, undefined when it was not JSON. */
  readonly body?: unknown;
  readonly bodyExcerpt?: string;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Judges one case's answer: a 2xx JSON answer compared with the recorded one, anything else an error. */
export function judgeFunctionalCase(testCase: FunctionalCase, expected: unknown, answer: FunctionalAnswer, options: { readonly tolerance?: Tolerance } = {}): FunctionalResult {
  const base = { name: testCase.name, endpoint: testCase.endpoint, status: answer.status, latencyMs: answer.latencyMs };
  if (answer.status === 0) return { ...base, outcome: 'error', differences: [], diff: `POST ${testCase.endpoint}: no answer: ${answer.error ?? 'the connection failed'}` };
  if (answer.status < 200 || answer.status > 299 || answer.body === undefined) {
    const what = answer.status >= 200 && answer.status <= 299 ? 'an answer that is not JSON' : `${answer.status}`;
    const excerpt = (answer.bodyExcerpt ?? '').trim().replace(/\s+/g, ' ').slice(0, 200);
    return { ...base, outcome: 'error', differences: [], diff: `POST ${testCase.endpoint}: ${what}${excerpt ? `: ${excerpt}` : ''}` };
  }
  const comparison = compareFunctional(expected, answer.body, options);
  return { ...base, outcome: comparison.match ? 'match' : 'mismatch', differences: [...comparison.differences], diff: comparison.diff };
}

/** The functional checks in one sentence: "3 of 3 functional cases answered as recorded." or which did not. */
export function describeFunctionalResults(results: readonly FunctionalResult[]): string {
  const matched = results.filter((result) => result.outcome === 'match').length;
  if (results.length === 0) return 'No functional cases under tests_functional/.';
  if (matched === results.length) return `${matched} of ${results.length} functional case${results.length === 1 ? '' : 's'} answered as recorded.`;
  const failed = results.filter((result) => result.outcome !== 'match').map((result) => `${result.name} (${result.outcome === 'error' ? 'error' : `${result.differences.length} difference${result.differences.length === 1 ? '' : 's'}`})`);
  return `${matched} of ${results.length} functional cases answered as recorded; not: ${failed.join(', ')}.`;
}
