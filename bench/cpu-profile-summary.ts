/**
 * Where a V8 CPU profile's time goes: `npm exec -- node bench/cpu-profile-summary.ts <file.cpuprofile>… [--top=N]`
 * (the burst bench writes one with BENCH_CPU_PROF=<dir>: bench/lifecycle.ts). Prints the top
 * functions by self time and by inclusive time (each sample counted once per function however
 * deep the recursion), and the time by where the code lives: a package under node_modules, our
 * own files, or Node's internals. Several files are added together.
 */
import { readFileSync } from 'node:fs';
import { fmt, renderTable } from './stats.ts';

/** The parts of Chrome DevTools' `.cpuprofile` format (V8's `Profiler.Profile`) read here. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
    readonly children?: readonly number[];
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Milliseconds by key. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly self: ReadonlyMap<string, number>;
  readonly inclusive: ReadonlyMap<string, number>;
  readonly byPlace: ReadonlyMap<string, number>;
}

const ROOT_NAMES = new Set(['(root)']);
/** Samples that are not JavaScript work: left out of the inclusive table's walk, kept in self time. */
const IDLE = '(idle)';

/** Where a script lives: `pkg:<name>` under node_modules, `ours:<dir>` for the project's files, `node:` internals, or V8's pseudo-frames. */
export function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `pkg:${modules[1]}`;
  const ours = /\/(?:dist\/)?(src\/[^/]+|workers|standins|bench)\//.exec(url);
  return ours ? `ours:${ours[1]}` : url;
}

/** A function's name and place: `name (file:line)` with the path shortened to after node_modules/ or the project. */
export function frameKey(callFrame: CpuProfile['nodes'][number]['callFrame']): string {
  const { functionName, url, lineNumber } = callFrame;
  if (!url) return functionName || '(anonymous)';
  const short = url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*?\/((?:dist\/)?(?:src|workers|standins|bench)\/)/, '$1');
  return `${functionName || '(anonymous)'} (${short}:${lineNumber + 1})`;
}

const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);

/** Self, inclusive and per-place milliseconds of one or more profiles. */
export function summarise(profiles: readonly CpuProfile[]): ProfileSummary {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let totalMs = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    // Each sample's time is the delta to the next sample (the last sample gets none).
    for (let i = 0; i < profile.samples.length; i++) {
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      if (ms <= 0) continue;
      const leaf = byId.get(profile.samples[i]!);
      if (!leaf) continue;
      totalMs += ms;
      add(self, frameKey(leaf.callFrame), ms);
      add(byPlace, placeOf(leaf.callFrame.url, leaf.callFrame.functionName), ms);
      if (leaf.callFrame.functionName === IDLE) continue;
      const seen = new Set<string>();
      for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
        const node = byId.get(id)!;
        if (ROOT_NAMES.has(node.callFrame.functionName)) break;
        const key = frameKey(node.callFrame);
        if (seen.has(key)) continue;
        seen.add(key);
        add(inclusive, key, ms);
      }
    }
  }
  return { totalMs, self, inclusive, byPlace };
}

const top = (map: ReadonlyMap<string, number>, n: number) => [...map].filter(([key]) => key !== IDLE).sort((a, b) => b[1] - a[1]).slice(0, n);

function render(summary: ProfileSummary, n: number): string {
  const idleMs = summary.self.get(IDLE) ?? 0;
  const busyMs = summary.totalMs - idleMs;
  const pct = (ms: number) => `${fmt((ms * 100) / Math.max(1, busyMs), 1)}%`;
  const table = (title: string, map: ReadonlyMap<string, number>, count: number) =>
    `${title}\n${renderTable(['ms', '% of busy', 'where'], top(map, count).map(([key, ms]) => [fmt(ms), pct(ms), key]))}`;
  return [
    `profiled ${fmt(summary.totalMs / 1000, 1)} s, busy ${fmt(busyMs / 1000, 1)} s (idle ${fmt(idleMs / 1000, 1)} s)`,
    table('self time by place', summary.byPlace, 25),
    table(`top ${n} by self time`, summary.self, n),
    table(`top ${n} by inclusive time`, summary.inclusive, n),
  ].join('\n\n');
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const n = Number(args.find((arg) => arg.startsWith('--top='))?.slice(6) ?? 30);
  const files = args.filter((arg) => !arg.startsWith('--'));
  if (files.length === 0 || !Number.isInteger(n) || n < 1) {
    console.error('usage: node bench/cpu-profile-summary.ts <file.cpuprofile>… [--top=N]');
    process.exit(2);
  }
  console.log(render(summarise(files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)), n));
}
