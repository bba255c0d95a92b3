import { describe, expect, it } from 'vitest';
import { placeOf, summarise, type CpuProfile } from '../../bench/cpu-profile-summary.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9, columnNumber: 0 });

/**
 * (root) → handle (ours) → parse (zod) → parse (zod, recursing); (root) → (idle). Samples: two in
 * the inner parse, one in handle, one idle; each sample's time is the next delta (1 ms, 2 ms, …).
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('handle', 'file:///app/dist/src/runtime/camunda7.js'), children: [3] },
    { id: 3, callFrame: frame('parse', 'file:///app/node_modules/zod/v4/core/schemas.js'), children: [4] },
    { id: 4, callFrame: frame('parse', 'file:///app/node_modules/zod/v4/core/schemas.js') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  startTime: 0,
  endTime: 10_000,
  samples: [4, 4, 2, 5, 2],
  timeDeltas: [0, 1_000, 2_000, 3_000, 4_000],
};

describe('summarise', () => {
  it('adds self time to the sampled function and inclusive time once to each function on its stack', () => {
    const summary = summarise([profile]);

    expect(summary.totalMs).toBe(10);
    expect(summary.self.get('parse (zod/v4/core/schemas.js:10)')).toBe(3);
    expect(summary.self.get('handle (dist/src/runtime/camunda7.js:10)')).toBe(3);
    expect(summary.self.get('(idle)')).toBe(4);
    // The recursive parse counts once per sample; idle adds to no stack.
    expect(summary.inclusive.get('parse (zod/v4/core/schemas.js:10)')).toBe(3);
    expect(summary.inclusive.get('handle (dist/src/runtime/camunda7.js:10)')).toBe(6);
    expect(summary.inclusive.has('(idle)')).toBe(false);
    expect(Object.fromEntries(summary.byPlace)).toEqual({ 'pkg:zod': 3, 'ours:src/runtime': 3, '(idle)': 4 });
  });

  it('adds several profiles together', () => {
    expect(summarise([profile, profile]).totalMs).toBe(20);
  });
});

describe('placeOf', () => {
  it('names the package, our directory, Node internals or the pseudo-frame', () => {
    expect(placeOf('file:///app/node_modules/@slack/web-api/dist/WebClient.js', 'apiCall')).toBe('pkg:@slack/web-api');
    expect(placeOf('file:///app/dist/workers/jira-ticket-read.js', 'run')).toBe('ours:workers');
    expect(placeOf('node:internal/streams/writable', 'doWrite')).toBe('node: internals');
    expect(placeOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(placeOf('', 'writev')).toBe('(native/V8)');
  });
});
