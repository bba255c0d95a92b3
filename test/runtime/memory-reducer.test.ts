import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/observability/logger.ts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_REDUCER_POLICY, MemoryReducerState, startMemoryReducer } from '../../src/runtime/memory-reducer.ts';

const MB = 2 ** 20;
const quietLog = createLogger({ level: 'silent' });

describe('MemoryReducerState', () => {
  it('collects only after quiet checks in a row, once the resident memory grew by the threshold over its floor', () => {
    const state = new MemoryReducerState({ quietUtilization: 0.05, quietChecks: 2, growthBytes: 32 * MB });
    expect(state.check(120 * MB, 0.01)).toBe(false); // the floor: 120 MB
    expect(state.check(260 * MB, 0.9)).toBe(false); // a burst: busy
    expect(state.check(260 * MB, 0.5)).toBe(false);
    expect(state.check(255 * MB, 0.02)).toBe(false); // quiet once
    expect(state.check(255 * MB, 0.02)).toBe(true); // quiet twice, 135 MB over the floor
  });

  it('never collects for growth under the threshold, however quiet', () => {
    const state = new MemoryReducerState(DEFAULT_MEMORY_REDUCER_POLICY);
    for (let i = 0; i < 20; i++) expect(state.check((120 + i) * MB, 0)).toBe(false);
  });

  it('a busy check starts the quiet count over', () => {
    const state = new MemoryReducerState({ quietUtilization: 0.05, quietChecks: 2, growthBytes: 32 * MB });
    state.check(100 * MB, 0);
    expect(state.check(200 * MB, 0)).toBe(true);
    state.collected(110 * MB);
    expect(state.check(200 * MB, 0.01)).toBe(false);
    expect(state.check(200 * MB, 0.2)).toBe(false);
    expect(state.check(200 * MB, 0.01)).toBe(false);
    expect(state.check(200 * MB, 0.01)).toBe(true);
  });

  it('after a collection, memory that stays is the new floor: no collection after collection', () => {
    const state = new MemoryReducerState({ quietUtilization: 0.05, quietChecks: 1, growthBytes: 32 * MB });
    state.check(100 * MB, 0);
    expect(state.check(250 * MB, 0)).toBe(true);
    state.collected(180 * MB); // what a collection could not give back
    for (let i = 0; i < 10; i++) expect(state.check(185 * MB, 0)).toBe(false);
    expect(state.check(215 * MB, 0)).toBe(true); // grown again by the threshold
  });
});

describe('startMemoryReducer', () => {
  it('is off without the gc function of --expose-gc', async () => {
    const reducer = startMemoryReducer({ log: quietLog, checkMs: 5, gc: undefined as never });
    await sleep(30);
    expect(reducer.collections()).toBe(0);
    reducer.stop();
  });

  it("calls V8's last-resort full collection when the policy says so", async () => {
    const calls: unknown[] = [];
    const reducer = startMemoryReducer({
      log: quietLog,
      checkMs: 5,
      policy: { quietUtilization: 1, quietChecks: 1, growthBytes: 0 },
      gc: (options) => calls.push(options),
    });
    await sleep(60);
    reducer.stop();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toEqual({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    expect(reducer.collections()).toBe(calls.length);
    const after = calls.length;
    await sleep(30);
    expect(calls.length).toBe(after);
  });
});
