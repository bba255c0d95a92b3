import { describe, expect, it } from 'vitest';
import {
  defaultRetryPolicy,
  headerValue,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryPolicy,
  retryDelayMs,
  withRetry,
  type RetryPolicy,
} from '../../src/clients/retry.ts';

const policy: RetryPolicy = { retries: 3, minDelayMs: 100, maxDelayMs: 1_000, factor: 2, maxRetryAfterMs: 60_000 };
const now = Date.parse('2024-05-01T12:00:00Z');

describe('isRetryableStatus', () => {
  it('retries rate limits, timeouts and server failures', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(status), String(status)).toBe(true);
  });
  it('does not retry requests that are wrong', () => {
    for (const status of [200, 400, 401, 403, 404, 409, 422, 501]) expect(isRetryableStatus(status), String(status)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });
  it('reads an HTTP date, never negative', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('headerValue', () => {
  it('reads fetch Headers and plain objects, case-insensitively', () => {
    expect(headerValue(new Headers({ 'Retry-After': '3' }), 'retry-after')).toBe('3');
    expect(headerValue({ 'Retry-After': '3' }, 'retry-after')).toBe('3');
    expect(headerValue({ 'x-ratelimit-reset': 1714564800 }, 'X-RateLimit-Reset')).toBe('1714564800');
    expect(headerValue({ 'set-cookie': ['a', 'b'] }, 'set-cookie')).toBe('a');
    expect(headerValue(undefined, 'retry-after')).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, undefined, policy, now))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
  it('waits what Retry-After asks, in seconds or as a date', () => {
    expect(retryDelayMs(1, { 'retry-after': '7' }, policy, now)).toBe(7_000);
    expect(retryDelayMs(3, new Headers({ 'retry-after': 'Wed, 01 May 2024 12:00:02 GMT' }), policy, now)).toBe(2_000);
  });
  it("waits for GitHub's rate-limit reset when the budget is spent", () => {
    const reset = String(now / 1000 + 42);
    expect(retryDelayMs(1, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, policy, now)).toBe(42_000);
    expect(retryDelayMs(1, { 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': reset }, policy, now)).toBe(100);
  });
});

describe('resolveRetryPolicy', () => {
  it('keeps defaults for what is left out and accepts retries: 0', () => {
    expect(resolveRetryPolicy(undefined)).toEqual(defaultRetryPolicy);
    expect(resolveRetryPolicy({ retries: 0 })).toEqual({ ...defaultRetryPolicy, retries: 0 });
  });
});

describe('withRetry', () => {
  const transient = Object.assign(new Error('503'), { status: 503 });
  const permanent = Object.assign(new Error('404'), { status: 404 });
  const classify = (error: unknown) => ({ retry: (error as { status?: number }).status === 503 });

  it('retries a transient failure until it succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw transient;
        return 'ok';
      },
      { policy, classify, what: 'test', sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([100, 200]);
  });

  it('throws a permanent failure at once', async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls += 1;
        throw permanent;
      },
      { policy, classify, what: 'test', sleep: async () => undefined },
    );
    await expect(failing).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries, and never retries with retries: 0', async () => {
    for (const retries of [0, 2]) {
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls += 1;
            throw transient;
          },
          { policy: { ...policy, retries }, classify, what: 'test', sleep: async () => undefined },
        ),
      ).rejects.toBe(transient);
      expect(calls).toBe(retries + 1);
    }
  });

  it('gives up when the server asks for a longer wait than allowed', async () => {
    let calls = 0;
    const waits: number[] = [];
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw transient;
        },
        { policy, classify: () => ({ retry: true, headers: { 'retry-after': '3600' } }), what: 'test', sleep: async (ms) => void waits.push(ms) },
      ),
    ).rejects.toBe(transient);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });
});
