import { describe, expect, it } from 'vitest';
import { DeliveryStore } from '../../src/http/delivery-store.ts';

describe('DeliveryStore', () => {
  it('runs a handler once per id and replays its value', async () => {
    const store = new DeliveryStore<string>();
    let calls = 0;
    const handle = async () => `value-${++calls}`;

    expect(await store.run('d-1', handle)).toEqual({ value: 'value-1', replayed: false });
    expect(await store.run('d-1', handle)).toEqual({ value: 'value-1', replayed: true });
    expect(await store.run('d-2', handle)).toEqual({ value: 'value-2', replayed: false });
    expect(calls).toBe(2);
  });

  it('forgets an id whose handler failed, so the retry runs', async () => {
    const store = new DeliveryStore<string>();

    await expect(store.run('d-1', async () => Promise.reject(new Error('engine down')))).rejects.toThrow('engine down');
    expect(store.has('d-1')).toBe(false);
    expect(await store.run('d-1', async () => 'ok')).toEqual({ value: 'ok', replayed: false });
  });

  it('shares the in-flight promise between concurrent runs of one id', async () => {
    const store = new DeliveryStore<string>();
    let calls = 0;
    let finish!: (value: string) => void;
    const handle = () => {
      calls++;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };

    const first = store.run('d-1', handle);
    const second = store.run('d-1', handle);
    finish('done');

    expect(await first).toEqual({ value: 'done', replayed: false });
    expect(await second).toEqual({ value: 'done', replayed: true });
    expect(calls).toBe(1);
  });

  it('shares a failure between concurrent runs and remembers nothing', async () => {
    const store = new DeliveryStore<string>();
    let fail!: (error: Error) => void;
    const handle = () =>
      new Promise<string>((_resolve, reject) => {
        fail = reject;
      });

    const runs = [store.run('d-1', handle), store.run('d-1', handle)];
    fail(new Error('engine down'));

    for (const run of runs) await expect(run).rejects.toThrow('engine down');
    expect(store.has('d-1')).toBe(false);
  });

  it('forgets ids after the TTL', async () => {
    let now = 0;
    const store = new DeliveryStore<string>({ ttlMs: 35 * 60_000, now: () => now });
    await store.run('d-1', async () => 'first');

    now = 34 * 60_000;
    expect(store.has('d-1')).toBe(true);
    now = 35 * 60_000;
    expect(store.has('d-1')).toBe(false);
    expect(await store.run('d-1', async () => 'second')).toEqual({ value: 'second', replayed: false });
  });

  it('keeps at most maxEntries ids, dropping the oldest first', async () => {
    const store = new DeliveryStore<number>({ maxEntries: 3 });
    for (let i = 1; i <= 5; i++) await store.run(`d-${i}`, async () => i);

    expect(store.size).toBe(3);
    expect(['d-1', 'd-2', 'd-3', 'd-4', 'd-5'].map((id) => store.has(id))).toEqual([false, false, true, true, true]);
  });
});
