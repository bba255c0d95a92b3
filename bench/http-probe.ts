import dc from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/**
 * Watches every HTTP request this process sends through node:http (both worker clients use
 * `got`, which does; the bench's own REST calls use fetch/undici and are not seen). Counts
 * fetch-and-lock polls and engine-acknowledged completions, so both variants are timed by
 * the same yardstick: the engine's 204 to POST /external-task/{id}/complete.
 */
export interface HttpProbe {
  /** Fetch-and-lock requests sent since the last reset. */
  fetches(): number;
  /** Completions the engine acknowledged (204) since the last reset. */
  completes(): number;
  /** Answers other than 2xx to anything since the last reset. */
  errors(): number;
  /** Request sent → answer's headers read, ms, since the last reset (fetch-and-lock: long polls included). */
  roundTrips(): { readonly fetch: readonly number[]; readonly complete: readonly number[] };
  reset(): void;
  /**
   * Resolves true when `count` completions were acknowledged since the last reset; false at
   * the deadline or when no completion came for `stallMs` (the engine broke down).
   */
  waitForCompletes(count: number, limits: { timeoutMs: number; stallMs: number }): Promise<boolean>;
  dispose(): void;
}

const COMPLETE_PATH = /\/external-task\/[^/]+\/complete$/;

export function createHttpProbe(): HttpProbe {
  let fetches = 0;
  let completes = 0;
  let errors = 0;
  let waiter: { count: number; resolve: (done: boolean) => void } | undefined;
  let lastCompleteAt = performance.now();
  const sentAt = new WeakMap<ClientRequest, number>();
  let fetchRtts: number[] = [];
  let completeRtts: number[] = [];

  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    if (request.method === 'POST' && request.path.endsWith('/external-task/fetchAndLock')) fetches++;
    sentAt.set(request, performance.now());
  };
  const onFinish = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const status = response.statusCode ?? 0;
    const started = sentAt.get(request);
    const rtt = started === undefined ? undefined : performance.now() - started;
    if (status < 200 || status >= 300) errors++;
    else if (request.method === 'POST' && request.path.endsWith('/external-task/fetchAndLock')) {
      if (rtt !== undefined) fetchRtts.push(rtt);
    } else if (request.method === 'POST' && COMPLETE_PATH.test(request.path)) {
      if (rtt !== undefined) completeRtts.push(rtt);
      completes++;
      lastCompleteAt = performance.now();
      if (waiter && completes >= waiter.count) waiter.resolve(true);
    }
  };
  dc.subscribe('http.client.request.start', onStart);
  dc.subscribe('http.client.response.finish', onFinish);

  return {
    fetches: () => fetches,
    completes: () => completes,
    errors: () => errors,
    roundTrips: () => ({ fetch: fetchRtts, complete: completeRtts }),
    reset() {
      fetchRtts = [];
      completeRtts = [];
      fetches = 0;
      completes = 0;
      errors = 0;
    },
    waitForCompletes(count, { timeoutMs, stallMs }) {
      if (completes >= count) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const deadline = performance.now() + timeoutMs;
        lastCompleteAt = performance.now();
        const watchdog = setInterval(() => {
          const now = performance.now();
          if (now > deadline || now - lastCompleteAt > stallMs) waiter?.resolve(false);
        }, 250);
        waiter = {
          count,
          resolve: (done) => {
            clearInterval(watchdog);
            waiter = undefined;
            resolve(done);
          },
        };
      });
    },
    dispose() {
      dc.unsubscribe('http.client.request.start', onStart);
      dc.unsubscribe('http.client.response.finish', onFinish);
    },
  };
}
