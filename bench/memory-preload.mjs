// Preloaded into the service by the burst bench (bench/lifecycle.ts):
// `node --expose-gc --import ./bench/memory-preload.mjs <entry>`. The service is otherwise
// exactly what it is in production. On SIGUSR2 it collects garbage and prints one line
// `mem <json>` (bench/memory.ts parses it), with the GC pauses of the main thread so far
// (forced collections excluded). Plain JavaScript: see memory-probe.mjs.
import { PerformanceObserver } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { readMemory } from './memory-probe.mjs';

const gc = { count: 0, pauseMs: 0 };
let forcing = false;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (forcing) continue;
    gc.count++;
    gc.pauseMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  forcing = true;
  const memory = readMemory();
  // The observer is called asynchronously: stop skipping once the forced collection was reported.
  setTimeout(() => (forcing = false), 50);
  process.stdout.write(`mem ${JSON.stringify({ ...memory, gc: { ...gc } })}\n`);
});
