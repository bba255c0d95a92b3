import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { productionRuntime } from '../../bench/production.ts';
import { findFreePort } from '../../src/engine/local.ts';
import { engineRestUrl, waitFor } from '../support/engine.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs a node command in the project root; resolves to its exit code and output. */
async function run(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

describe('the compiled service, as the Docker image runs it', () => {
  it('builds with npm run build and starts with the Dockerfile command and settings: JavaScript only, ready on the engine', async () => {
    // The image's build stage: tsconfig.build.json compiles src/ and workers/ into dist/ (no type check: CI's typecheck does that).
    const build = await run([resolve(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
    const [buildCode] = await once(build.child, 'exit');
    expect(buildCode, build.output()).toBe(0);

    const image = productionRuntime(ROOT);
    expect(image.entry).toBe('dist/src/main.js');
    expect(existsSync(resolve(ROOT, image.entry))).toBe(true);
    const port = await findFreePort();
    // The Dockerfile's flags and environment; engine-only (one endpoint set), so no vendor is needed.
    // Type stripping off: a .ts file reached from dist/ would fail the start instead of loading the stripper.
    const service = await run(['--no-experimental-strip-types', ...image.flags, image.entry], {
      ...image.env,
      NODE_ENV: 'production',
      SANDBOX: 'off',
      CAMUNDA_URL: engineRestUrl(),
      PORT: String(port),
      HOST: '127.0.0.1',
      JIRA_BASE_URL: 'https://acme.atlassian.net',
    });
    try {
      const ready = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
        timeoutMs: 30_000,
        message: `readyz of the compiled service (output so far: ${service.output().slice(-2000)})`,
      });
      expect(ready).toBe(true);
      expect(service.output()).toMatch(/running engine-only/);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      const [code] = await once(service.child, 'exit');
      expect(code, service.output().slice(-2000)).toBe(0);
    }
  });
});
