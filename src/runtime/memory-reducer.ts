import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.ts';

/**
 * Gives the memory of a burst back to the system once the service is quiet again.
 *
 * V8 keeps the pages a burst made it take (its page pool) until its own memory reducer runs,
 * and that never runs in a Node server: it waits for a low allocation rate that an idle
 * process never reports. Measured with `npm run bench -- burst` (1,000 lifecycles): the JS heap
 * held falls back to 47 MB after the drain, yet the process keeps 150 MB of V8 pages resident,
 * 252 MB RSS in all, for good. V8's own memory-saving modes (`--optimize-for-size`,
 * `--memory-saver-mode`) release them, but keep the young generation small during the burst
 * too and cost the service about 35 ms more CPU per lifecycle.
 *
 * This does what V8's reducer would: when the event loop has been quiet for a while and the
 * resident memory grew by `growthBytes` since the last look, one full compacting collection
 * (V8's "last resort" flavour, which also returns the pooled pages). It needs the `gc`
 * function of `node --expose-gc` (the Docker image sets it); without it, it stays off.
 */
export interface MemoryReducerPolicy {
  /** Event-loop utilisation (0–1) at or below which a check counts as quiet. */
  readonly quietUtilization: number;
  /** Quiet checks in a row before a collection. */
  readonly quietChecks: number;
  /** Growth of the resident memory over its floor that is worth a collection. */
  readonly growthBytes: number;
}

export const DEFAULT_MEMORY_REDUCER_POLICY: MemoryReducerPolicy = { quietUtilization: 0.05, quietChecks: 2, growthBytes: 32 * 2 ** 20 };

/**
 * The decision, without timers or I/O. The floor is the lowest resident memory seen since the
 * last collection (or since the start); a collection resets it to what is resident after it,
 * so memory that stays (live data, malloc fragments) never triggers collection after collection.
 */
export class MemoryReducerState {
  private readonly policy: MemoryReducerPolicy;
  private floor = Number.POSITIVE_INFINITY;
  private quiet = 0;

  constructor(policy: MemoryReducerPolicy = DEFAULT_MEMORY_REDUCER_POLICY) {
    this.policy = policy;
  }

  /** One check: `rss` in bytes, `utilization` of the event loop since the previous check. True: collect now. */
  check(rss: number, utilization: number): boolean {
    this.floor = Math.min(this.floor, rss);
    this.quiet = utilization <= this.policy.quietUtilization ? this.quiet + 1 : 0;
    return this.quiet >= this.policy.quietChecks && rss - this.floor >= this.policy.growthBytes;
  }

  /** After a collection: what is resident now is the new floor, and quiet starts over. */
  collected(rss: number): void {
    this.floor = rss;
    this.quiet = 0;
  }
}

export interface MemoryReducer {
  /** Collections made so far. */
  collections(): number;
  stop(): void;
}

type ExposedGc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => unknown;

/** Looks every `checkMs` (10 s); the timer never keeps the process alive. Off, and says so at debug level, without `--expose-gc`. */
export function startMemoryReducer(options: { log: Logger; checkMs?: number; policy?: MemoryReducerPolicy; gc?: ExposedGc }): MemoryReducer {
  const gc = options.gc ?? (globalThis as { gc?: ExposedGc }).gc;
  let collections = 0;
  if (typeof gc !== 'function') {
    options.log.debug('memory reducer off: node runs without --expose-gc, so memory taken by a burst stays with the process (the Docker image sets the flag)');
    return { collections: () => 0, stop: () => {} };
  }
  const state = new MemoryReducerState(options.policy);
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    const before = process.memoryUsage.rss();
    if (!state.check(before, utilization)) return;
    const started = performance.now();
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    const after = process.memoryUsage.rss();
    state.collected(after);
    collections++;
    options.log.info({ rssBeforeMb: Math.round(before / 2 ** 20), rssAfterMb: Math.round(after / 2 ** 20), pauseMs: Math.round(performance.now() - started) }, 'quiet after a burst: gave memory back to the system');
  }, options.checkMs ?? 10_000);
  timer.unref();
  return { collections: () => collections, stop: () => clearInterval(timer) };
}
