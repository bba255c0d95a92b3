/**
 * Where the service's memory goes before it does anything: an empty Node process, then the
 * service's dependencies imported one after another, then our own modules (src/service.ts and
 * the workers, then src/main.ts's sandbox import). After each step a full GC and one line
 * `step <name> <json>` (bench/memory.ts), so each step's cost is the difference to the line
 * before. Run with `--expose-gc`; bench/lifecycle.ts prints the table.
 */
import { readMemory } from './memory.ts';

/** In the order the service's composition root pulls them in, our code last. */
export const BASELINE_STEPS: ReadonlyArray<readonly [name: string, load: () => Promise<unknown>]> = [
  ['node', async () => {}],
  ['zod', () => import('zod')],
  ['pino', () => import('pino')],
  ['prom-client', () => import('prom-client')],
  ['express', () => import('express')],
  ['camunda-external-task-client-js', () => import('camunda-external-task-client-js')],
  ['jira.js/core', () => import('jira.js/core')],
  ['@octokit/rest + auth-app', () => Promise.all([import('@octokit/rest'), import('@octokit/auth-app')])],
  ['@octokit/webhooks', () => import('@octokit/webhooks')],
  ['@slack/bolt + web-api', () => Promise.all([import('@slack/bolt'), import('@slack/web-api')])],
  ['fast-xml-parser + smol-toml', () => Promise.all([import('fast-xml-parser'), import('smol-toml')])],
  ['src/service.ts + workers', () => import('../src/service.ts')],
  ['sandbox/start.ts (imported by src/main.ts)', () => import('../sandbox/start.ts')],
];

if (process.argv[1] === import.meta.filename) {
  for (const [name, load] of BASELINE_STEPS) {
    await load();
    // Two collections: the first frees what module evaluation left, the second what its finalizers did.
    globalThis.gc?.();
    process.stdout.write(`step ${name}\t${JSON.stringify(readMemory())}\n`);
  }
}
