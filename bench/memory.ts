/** A process's memory after a full GC, in bytes: what bench/memory-preload.mjs and bench/memory-baseline.mjs print (bench/memory-probe.mjs reads it). */
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
  /** Anonymous resident memory (V8's heap, malloc, stacks): what grows with load. NaN off Linux. */
  readonly rssAnon: number;
  /** Resident pages of mapped files, mostly the node binary itself (shared between node processes). NaN off Linux. */
  readonly rssFile: number;
  /** Resident bytes of the brk heap, glibc's main malloc arena. NaN off Linux. */
  readonly brkHeap: number;
  /** Main-thread GC pauses since the start, forced collections excluded (bench/memory-preload.mjs only). */
  readonly gc?: { readonly count: number; readonly pauseMs: number };
}

export { readMemory } from './memory-probe.mjs';

/** Parses the `mem <json>` line such a child prints; undefined when `text` has none. */
export function parseMemoryLine(text: string): MemoryReading | undefined {
  const match = /^mem (\{.*\})$/m.exec(text);
  return match ? (JSON.parse(match[1]!) as MemoryReading) : undefined;
}

export const mib = (bytes: number): number => bytes / 2 ** 20;
