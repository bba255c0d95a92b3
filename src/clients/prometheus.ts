import { z } from 'zod';
import { ClientError, genericHint, unexpectedAnswer } from './errors.ts';
import type { PlannedQuery, QueryMeasurement } from '../domain/canary-analysis.ts';
import { classifyHttpError, fetchText, httpFailure, HttpStatusError, httpSettings, vendorErrorText, type HttpClientOptions, type HttpSettings } from './http.ts';
import { withRetry } from './retry.ts';

/** Options of {@link PrometheusClient}. */
export interface PrometheusClientOptions extends HttpClientOptions {
  /** Server root, without `/api`: `https://prometheus.example.com` (or a Thanos/Mimir Prometheus-compatible root). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (a proxy or managed Prometheus token). */
  readonly token?: string;
  /** With `password`: HTTP basic auth, as Prometheus' `--web.config.file` takes it. */
  readonly username?: string;
}

/** One series of an instant vector: its labels and its value at the query's time. */
export interface PrometheusSample {
  readonly metric: Readonly<Record<string, string>>;
  /** Seconds since the epoch, as Prometheus gives it. */
  readonly timestamp: number;
  /** The value; `NaN` (0/0, a quantile of nothing) and ±Infinity as Prometheus writes them. */
  readonly value: number;
}

/** The result of an instant query. */
export type PrometheusQueryResult =
  | { readonly resultType: 'vector'; readonly series: readonly PrometheusSample[]; readonly warnings: readonly string[] }
  | { readonly resultType: 'scalar'; readonly timestamp: number; readonly value: number; readonly warnings: readonly string[] };

/** Prometheus writes sample values as strings: a float, or NaN, +Inf, -Inf. */
const sampleValue = z.tuple([z.number(), z.string()]).transform(([timestamp, text]) => ({ timestamp, value: parseSampleValue(text) }));

const queryAnswer = z.object({
  status: z.literal('success'),
  data: z.discriminatedUnion('resultType', [
    z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue })) }),
    z.object({ resultType: z.literal('scalar'), result: sampleValue }),
    z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
    z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) }),
  ]),
  warnings: z.array(z.string()).optional(),
});

/** Prometheus' error envelope: `{"status":"error","errorType":"bad_data","error":"…"}`. */
const errorBody = z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() });

/** An error answer, kept with its status, Prometheus' error type and headers for the retry loop. */
class PrometheusHttpError extends HttpStatusError {
  override readonly name = 'PrometheusHttpError';
  /** `bad_data`, `execution`, … from Prometheus' error envelope. */
  get errorType(): string | undefined {
    return this.code;
  }
}

/**
 * A thin typed client for Prometheus' HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * instant queries, sent as a form POST (the documented way for queries too long for a URL),
 * retried on 5xx, 429 and lost connections. A query Prometheus rejects (`status: "error"`,
 * e.g. `bad_data` for a parse error) is a non-retryable {@link ClientError} naming the query
 * and Prometheus' text.
 */
export class PrometheusClient {
  private readonly http: HttpSettings;

  constructor(options: PrometheusClientOptions) {
    this.http = httpSettings(options);
  }

  /** The server root this client queries. */
  get url(): string {
    return this.http.baseUrl;
  }

  /** Evaluates `promql` at `time` (default: the server's now) through `/api/v1/query`. */
  async query(promql: string, time?: Date): Promise<PrometheusQueryResult> {
    const operation = `evaluating the query ${promql}`;
    const form = new URLSearchParams({ query: promql });
    if (time) form.set('time', (time.getTime() / 1000).toFixed(3));
    let body: unknown;
    try {
      body = await withRetry(() => this.send('/api/v1/query', form), {
        policy: this.http.policy,
        classify: classifyPrometheusError,
        what: 'Prometheus POST /api/v1/query',
        log: this.http.log,
        sleep: this.http.sleep,
      });
    } catch (error) {
      throw prometheusFailure(error, operation);
    }
    const parsed = queryAnswer.safeParse(body);
    if (!parsed.success) {
      throw unexpectedAnswer('Prometheus', operation, parsed.error, 'check PROMETHEUS_URL: it is the server root, without /api/v1');
    }
    const { data } = parsed.data;
    const warnings = parsed.data.warnings ?? [];
    if (data.resultType === 'vector') {
      return { resultType: 'vector', series: data.result.map((series) => ({ metric: series.metric, ...series.value })), warnings };
    }
    if (data.resultType === 'scalar') return { resultType: 'scalar', ...data.result, warnings };
    throw new ClientError({
      system: 'Prometheus',
      operation,
      status: 200,
      problem: `the query gives a ${data.resultType}, not one number`,
      hint: data.resultType === 'matrix' ? 'a canary query is an instant query: drop the range selector at the end, or wrap it in rate(…) or avg_over_time(…)' : 'write a query whose result is a number',
      retryable: false,
    });
  }

  /**
   * The one number `promql` gives, or null when it gives none: an empty vector (no such
   * series, no traffic) or NaN (0/0, a quantile of no observations). A vector of several series
   * is a mistake in the query, not data: it throws, asking for an aggregation.
   */
  async queryValue(promql: string, time?: Date): Promise<number | null> {
    const result = await this.query(promql, time);
    return singleValue(result, promql);
  }

  private async send(path: string, form: URLSearchParams): Promise<unknown> {
    const { response, text } = await fetchText(`${this.http.baseUrl}${path}`, {
      method: 'POST',
      authorization: this.http.authorization,
      timeoutMs: this.http.timeoutMs,
      body: { contentType: 'application/x-www-form-urlencoded', text: form.toString() },
    });
    if (!response.ok) {
      const { errorType, message } = prometheusErrorText(text);
      throw new PrometheusHttpError(response.status, response.statusText, response.headers, errorType, message);
    }
    const body = JSON.parse(text) as unknown;
    // Prometheus answers errors with 4xx/5xx, but a proxy in front may pass the envelope with 200.
    const error = errorBody.safeParse(body);
    if (error.success) throw new PrometheusHttpError(422, 'Unprocessable Entity', response.headers, error.data.errorType, error.data.error);
    return body;
  }
}

/**
 * One analysis tick's measurements: every planned query (src/domain/canary-analysis.ts
 * planQueries) evaluated once at the same instant `at`, grouped by query name as
 * evaluateSample takes them. A query Prometheus rejects throws (a policy mistake, not data).
 */
export async function measureQueries(
  client: Pick<PrometheusClient, 'queryValue'>,
  planned: readonly PlannedQuery[],
  at: Date,
): Promise<Record<string, QueryMeasurement>> {
  const values = await Promise.all(planned.map((query) => client.queryValue(query.promql, at)));
  const measurements: Record<string, { canary: number | null; stable?: number | null }> = {};
  planned.forEach((query, index) => {
    const entry = (measurements[query.name] ??= { canary: null });
    entry[query.track] = values[index] ?? null;
  });
  return measurements;
}

/** The single value of a query result; see {@link PrometheusClient.queryValue}. */
export function singleValue(result: PrometheusQueryResult, promql: string): number | null {
  if (result.resultType === 'scalar') return Number.isNaN(result.value) ? null : result.value;
  const values = result.series.filter((series) => !Number.isNaN(series.value));
  if (result.series.length > 1) {
    const labels = result.series
      .slice(0, 3)
      .map((series) => `{${Object.entries(series.metric).map(([key, value]) => `${key}="${value}"`).join(',')}}`)
      .join(', ');
    throw new ClientError({
      system: 'Prometheus',
      operation: `evaluating the query ${promql}`,
      status: 200,
      problem: `the query gives ${result.series.length} series (${labels}${result.series.length > 3 ? ', …' : ''}), not one number`,
      hint: 'aggregate it to one series, e.g. sum(…) or max(…)',
      retryable: false,
    });
  }
  return values[0]?.value ?? null;
}

/** A Prometheus sample value: a float, `NaN`, `+Inf` or `-Inf`. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function prometheusErrorText(text: string): { errorType: string | undefined; message: string | undefined } {
  const { code, message } = vendorErrorText(text, (body) => {
    const parsed = errorBody.safeParse(body);
    return parsed.success ? { code: parsed.data.errorType, message: parsed.data.error?.trim().slice(0, 500) } : undefined;
  });
  return { errorType: code, message };
}

const classifyPrometheusError = classifyHttpError(PrometheusHttpError);

function prometheusFailure(error: unknown, operation: string): ClientError {
  return httpFailure(error, { system: 'Prometheus', operation, hint: hintFor, notJsonHint: 'check PROMETHEUS_URL: it is the server root, without /api/v1' });
}

function hintFor(error: HttpStatusError): string | undefined {
  if (error.code === 'bad_data') return 'fix the query in [[delivery.canary.analysis.queries]] of the policy';
  if (error.code === 'execution' || error.status === 422) return 'the query could not be evaluated; check it in the Prometheus UI';
  if (error.status === 401) return 'check PROMETHEUS_TOKEN (or the basic-auth user and password) given to the service';
  if (error.status === 404) return 'check PROMETHEUS_URL: it is the server root, without /api/v1';
  return genericHint('Prometheus', error.status);
}
