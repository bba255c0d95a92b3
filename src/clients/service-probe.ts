import type { Logger } from 'pino';
import type { FunctionalAnswer, HealthProbe } from '../domain/staging-checks.ts';
import { describeCause } from './errors.ts';
import { isRetryableStatus, resolveRetryPolicy, withRetry, type RetryOptions } from './retry.ts';

/**
 * Calls to a deployed model service for the staging checks: one health GET, and the functional
 * requests. Neither throws on an HTTP error or a failed connection: both are results the
 * checks judge (src/domain/staging-checks.ts), reported on the ticket as they are.
 */

/** Characters of an answer body kept for the report. */
export const BODY_EXCERPT_LENGTH = 500;

export interface ProbeOptions {
  /** Longest wait for the answer. Default 5 s. */
  readonly timeoutMs?: number;
  /** The clock of `at`. */
  readonly now?: () => Date;
}

/**
 * One GET of `url`: its status, latency and the start of its body. Nothing answering (refused,
 * reset, timed out, DNS) is a probe with status 0 and the reason; it never throws.
 */
export async function probeHealth(url: string, options: ProbeOptions = {}): Promise<HealthProbe> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const at = (options.now ?? (() => new Date()))();
  const started = performance.now();
  try {
    const response = await fetch(url, { headers: { Accept: 'application/json, text/plain;q=0.9, */*;q=0.1' }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const body = await readExcerpt(response);
    return { url, at: at.toISOString(), status: response.status, latencyMs: elapsed(started), bodyExcerpt: body };
  } catch (error) {
    return { url, at: at.toISOString(), status: 0, latencyMs: elapsed(started), bodyExcerpt: '', error: connectionProblem(error, timeoutMs) };
  }
}

export interface PostJsonOptions {
  /** Longest wait for one answer. Default 10 s. */
  readonly timeoutMs?: number;
  /** Retries of a failed connection or a 5xx answer (never of 4xx). Default 2; 0 turns them off. */
  readonly retries?: number;
  /** Back-off of those retries; `sleep` replaces the timer in tests. */
  readonly retry?: Omit<RetryOptions, 'retries'>;
  readonly log?: Logger;
}

/** What a functional request got: the answer of the last attempt. */
export interface PostJsonResult extends FunctionalAnswer {
  readonly url: string;
  /** Requests sent, retries included. */
  readonly attempts: number;
  readonly bodyExcerpt: string;
}

class RetryableAnswer extends Error {
  readonly result: Omit<PostJsonResult, 'attempts'>;
  constructor(result: Omit<PostJsonResult, 'attempts'>) {
    super(result.status === 0 ? (result.error ?? 'no answer') : `${result.status}`);
    this.result = result;
  }
}

/**
 * POSTs `body` as JSON to `url` and reads the answer: JSON when it parses, the body's start in
 * any case. A failed connection or a 5xx is sent again up to `retries` times (a request to a
 * model is a read); the last attempt's result is returned either way, never thrown.
 */
export async function postJson(url: string, body: unknown, options: PostJsonOptions = {}): Promise<PostJsonResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const policy = resolveRetryPolicy({ minDelayMs: 250, maxDelayMs: 2_000, ...options.retry, retries: options.retries ?? 2 });
  let attempts = 0;
  const once = async (): Promise<Omit<PostJsonResult, 'attempts'>> => {
    attempts += 1;
    const started = performance.now();
    let result: Omit<PostJsonResult, 'attempts'>;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      result = { url, status: response.status, latencyMs: elapsed(started), bodyExcerpt: text.slice(0, BODY_EXCERPT_LENGTH), ...parsedBody(text) };
    } catch (error) {
      result = { url, status: 0, latencyMs: elapsed(started), bodyExcerpt: '', error: connectionProblem(error, timeoutMs) };
    }
    if (result.status === 0 || isRetryableStatus(result.status)) throw new RetryableAnswer(result);
    return result;
  };
  try {
    const result = await withRetry(once, {
      policy,
      classify: () => ({ retry: true }),
      what: `POST ${url}`,
      log: options.log,
      sleep: options.retry?.sleep,
    });
    return { ...result, attempts };
  } catch (error) {
    if (error instanceof RetryableAnswer) return { ...error.result, attempts };
    throw error;
  }
}

function parsedBody(text: string): { body?: unknown } {
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return {};
  }
}

async function readExcerpt(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, BODY_EXCERPT_LENGTH);
  } catch {
    return '';
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/** Why nothing answered, in words: "connection refused", "timed out after 5000 ms". */
function connectionProblem(error: unknown, timeoutMs: number): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return describeCause(error);
}
