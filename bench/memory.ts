import v8 from 'node:v8';

/** A process's memory after a full GC, in bytes: what bench/service-child.ts and bench/memory-baseline.ts print. */
export interface MemoryReading {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Memory of C++ objects bound to JS objects (Buffers outside the heap included). */
  readonly external: number;
  readonly arrayBuffers: number;
  /** V8's own malloc'ed memory (compiler zones, …), outside the JS heap. */
  readonly malloced: number;
  /** Bytes used per V8 heap space: `code_space` is compiled code, `old_space` long-lived objects. */
  readonly spaces: Readonly<Record<string, number>>;
  /** Bytes V8 holds per heap space, used or not (their sum is `heapTotal`). */
  readonly committed: Readonly<Record<string, number>>;
}

/** Collects garbage (a no-op unless node runs with `--expose-gc`), then reads the process's memory. */
export function readMemory(): MemoryReading {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  const spaces = v8.getHeapSpaceStatistics();
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    malloced: v8.getHeapStatistics().malloced_memory,
    spaces: Object.fromEntries(spaces.map((space) => [space.space_name, space.space_used_size])),
    committed: Object.fromEntries(spaces.map((space) => [space.space_name, space.space_size])),
  };
}

/** Parses the `mem <json>` line such a child prints; undefined when `text` has none. */
export function parseMemoryLine(text: string): MemoryReading | undefined {
  const match = /^mem (\{.*\})$/m.exec(text);
  return match ? (JSON.parse(match[1]!) as MemoryReading) : undefined;
}

export const mib = (bytes: number): number => bytes / 2 ** 20;
