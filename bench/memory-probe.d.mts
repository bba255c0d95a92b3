import type { MemoryReading } from './memory.ts';

/** Collects garbage (a no-op unless node runs with `--expose-gc`), then reads the process's memory. */
export function readMemory(): MemoryReading;
