// Where the service's memory goes before it does anything: an empty Node process, then the
// service's dependencies imported one after another, then our own modules (the service and the
// workers), compiled (`dist`, as the image runs them) or as TypeScript sources (`src`, as
// `npm start` does: the first .ts file loads Node's type stripper, its own step). After each
// step a full GC and one line `step <name>\t<json>` (bench/memory-probe.mjs), so each step's
// cost is the difference to the line before. Plain JavaScript, so that nothing loads the type
// stripper before its step. Run: node --expose-gc bench/memory-baseline.mjs dist|src;
// bench/lifecycle.ts prints the table.
import process from 'node:process';
import { readMemory } from './memory-probe.mjs';

const mode = process.argv[2] === 'src' ? 'src' : 'dist';

/** In the order the service's composition root pulls them in, our code last. */
const steps = [
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
  ...(mode === 'src'
    ? [
        ["Node's type stripper (a first, small .ts file)", () => import('./stats.ts')],
        ['src/service.ts + workers', () => import('../src/service.ts')],
        ['sandbox/start.ts (imported by src/main.ts when no system is configured)', () => import('../sandbox/start.ts')],
      ]
    : [['dist/src/service.js + workers (npm run build)', () => import('../dist/src/service.js')]]),
];

for (const [name, load] of steps) {
  await load();
  process.stdout.write(`step ${name}\t${JSON.stringify(readMemory())}\n`);
}
