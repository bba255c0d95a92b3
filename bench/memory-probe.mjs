// A process's memory after a full GC: what bench/memory-preload.mjs prints for the service
// under the burst bench and bench/memory-baseline.ts for each import step. Plain JavaScript on
// purpose: a TypeScript file in the service's process would load Node's type stripper (amaro,
// about 18 MB) into a compiled service that has none. Types: memory-probe.d.mts.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import v8 from 'node:v8';

/** kB fields of /proc/self/status and /proc/self/smaps_rollup, in bytes; empty off Linux. */
function procKb(file, names) {
  try {
    const text = readFileSync(file, 'utf8');
    return Object.fromEntries(names.map((name) => [name, Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024]));
  } catch {
    return {};
  }
}

/** Resident bytes of the brk heap (glibc's main malloc arena), from /proc/self/smaps. */
function brkHeap() {
  try {
    const match = /\[heap\]\n(?:[^\n]*\n)*?Rss:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps', 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return Number.NaN;
  }
}

export function readMemory() {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  const spaces = v8.getHeapSpaceStatistics();
  const status = procKb('/proc/self/status', ['RssAnon', 'RssFile']);
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    malloced: v8.getHeapStatistics().malloced_memory,
    spaces: Object.fromEntries(spaces.map((space) => [space.space_name, space.space_used_size])),
    committed: Object.fromEntries(spaces.map((space) => [space.space_name, space.space_size])),
    rssAnon: status.RssAnon ?? Number.NaN,
    rssFile: status.RssFile ?? Number.NaN,
    brkHeap: brkHeap(),
  };
}
