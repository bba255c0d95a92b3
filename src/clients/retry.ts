import type { Logger } from 'pino';

/**
 * Retry policy shared by the vendor clients: 429 and 5xx answers are retried with exponential
 * back-off, and a server's `Retry-After` (or GitHub's `x-ratelimit-reset`) wins over the
 * computed delay. The decision functions are pure; {@link withRetry} is the one loop that
 * sleeps.
 */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 turns retrying off. */
  readonly retries: number;
  /** Back-off before the first retry. */
  readonly minDelayMs: number;
  /** Cap on the computed back-off. */
  readonly maxDelayMs: number;
  /** Growth of the back-off from one retry to the next. */
  readonly factor: number;
  /**
   * The longest wait a server may ask for (`Retry-After`, rate-limit reset). Asked to wait
   * longer, the client gives up at once and lets the engine retry the task later, instead of
   * holding the task's lock.
   */
  readonly maxRetryAfterMs: number;
}

/** Retry settings as client options take them: any field left out keeps its default. */
export interface RetryOptions extends Partial<RetryPolicy> {
  /** Replaces the timer; tests pass one that records the delay and resolves at once. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 4,
  minDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  maxRetryAfterMs: 120_000,
};

/** Fills the fields a caller left out with the defaults. */
export function resolveRetryPolicy(options: RetryOptions | undefined): RetryPolicy {
  return {
    retries: Math.max(0, Math.floor(options?.retries ?? defaultRetryPolicy.retries)),
    minDelayMs: Math.max(0, options?.minDelayMs ?? defaultRetryPolicy.minDelayMs),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? defaultRetryPolicy.maxDelayMs),
    factor: Math.max(1, options?.factor ?? defaultRetryPolicy.factor),
    maxRetryAfterMs: Math.max(0, options?.maxRetryAfterMs ?? defaultRetryPolicy.maxRetryAfterMs),
  };
}

/** Response headers as fetch (`Headers`) or Octokit (a plain object) hand them over. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** One header's value, case-insensitive, whatever the container. */
export function headerValue(headers: HeadersLike | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

/** Statuses worth sending again: rate limits, timeouts and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date
 * (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after). Anything else is ignored.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its day and month; bare numbers like "-5" are not dates.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The wait a server asked for, if any: `Retry-After`, else GitHub's primary rate limit
 * (`x-ratelimit-remaining: 0` with `x-ratelimit-reset` in epoch seconds).
 */
export function serverRequestedDelayMs(headers: HeadersLike | undefined, nowMs: number): number | undefined {
  const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), nowMs);
  if (retryAfter !== undefined) return retryAfter;
  if (headerValue(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(headerValue(headers, 'x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs);
  }
  return undefined;
}

/**
 * How long to wait before retry number `attempt` (1 for the first retry): what the server
 * asked for when it said, else `minDelayMs * factor^(attempt-1)` capped at `maxDelayMs`.
 */
export function retryDelayMs(attempt: number, headers: HeadersLike | undefined, policy: RetryPolicy, nowMs: number = Date.now()): number {
  const requested = serverRequestedDelayMs(headers, nowMs);
  if (requested !== undefined) return requested;
  const exponent = Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, Math.round(policy.minDelayMs * policy.factor ** exponent));
}

/** What a failed attempt means for the loop. */
export interface RetryVerdict {
  readonly retry: boolean;
  /** The failed answer's headers, for `Retry-After`. */
  readonly headers?: HeadersLike;
}

export interface WithRetryOptions {
  readonly policy: RetryPolicy;
  /** Decides whether an error is worth another attempt. */
  readonly classify: (error: unknown) => RetryVerdict;
  /** What is being done, for the log line: "GET /rest/api/3/issue/ML-1". */
  readonly what: string;
  readonly log?: Logger | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, fails for good, or the retries are spent; the last
 * error is thrown unchanged so the caller can turn it into a readable one.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: WithRetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      await waitOrThrow(error, attempt, options, 'retrying after a transient failure');
    }
  }
}

/**
 * After failed attempt number `attempt` (0-based): throws `error` when it is not worth another
 * try, the retries are spent or the server asks for a longer wait than the policy allows;
 * otherwise logs and sleeps the back-off.
 */
async function waitOrThrow(error: unknown, attempt: number, options: WithRetryOptions, message: string): Promise<void> {
  const verdict = options.classify(error);
  if (!verdict.retry || attempt >= options.policy.retries) throw error;
  const now = Date.now();
  const requested = serverRequestedDelayMs(verdict.headers, now);
  if (requested !== undefined && requested > options.policy.maxRetryAfterMs) throw error;
  const delay = retryDelayMs(attempt + 1, verdict.headers, options.policy, now);
  // The message only: vendor errors can carry request details that do not belong in logs.
  const reason = error instanceof Error ? error.message : String(error);
  options.log?.warn({ what: options.what, retry: attempt + 1, of: options.policy.retries, delayMs: delay, reason }, message);
  await (options.sleep ?? realSleep)(delay);
}

export interface CreateOnceOptions<T> extends WithRetryOptions {
  /** Finds the effect of an earlier create (this run's failed attempt or an earlier run's); reads retry on their own. */
  readonly look: () => Promise<T | undefined>;
  /** The create call, sent once: no transport retry inside. `classify` decides whether a failure is worth another round. */
  readonly create: () => Promise<T>;
}

/**
 * A create that must take effect once. A failed create may still have taken effect (the
 * answer was lost, the server failed after writing), so it is never simply sent again: the
 * loop waits as {@link withRetry} would, looks for the effect again, and creates only when
 * there is none.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<{ value: T; created: boolean }> {
  for (let attempt = 0; ; attempt += 1) {
    const existing = await options.look();
    if (existing !== undefined) return { value: existing, created: false };
    try {
      return { value: await options.create(), created: true };
    } catch (error) {
      await waitOrThrow(error, attempt, options, 'create failed; looking for its effect before trying again');
    }
  }
}
