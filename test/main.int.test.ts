import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../src/engine/local.ts';
import { engineRestUrl, waitFor } from './support/engine.ts';

/** `npm start` as a user meets it: the real entry point in a child process. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['src/main.ts'], {
    // Only what the test names: no settings leak in from the developer's shell or .env.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, output: () => ({ stdout, stderr }) };
}

describe('the service entry point', () => {
  it('exits before starting anything when the configuration is invalid, listing every problem', async () => {
    const main = startMain({
      POLICY_FILE: 'test/fixtures/policy/many-problems.toml',
      PORT: 'eighty',
      JIRA_BASE_URL: 'not a url',
      CAMUNDA_URL: 'http://127.0.0.1:9/engine-rest',
    });
    const [code] = await once(main.child, 'exit');
    const { stderr } = main.output();
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT/);
    expect(stderr).toMatch(/JIRA_BASE_URL/);
    // Problems from the policy file are listed in the same run, each with its TOML path.
    const policyProblems = stderr.split('\n').filter((line) => line.includes('many-problems.toml'));
    expect(policyProblems.length).toBeGreaterThanOrEqual(3);
  });

  it('runs engine-only, with no stand-in, when some real endpoint is set but not all, and says which settings are missing', async () => {
    const port = await findFreePort();
    const main = startMain({ CAMUNDA_URL: engineRestUrl(), PORT: String(port), HOST: '127.0.0.1', ENGINE_DATA_DIR: '.data/test-main', JIRA_BASE_URL: 'https://acme.atlassian.net' });
    try {
      const ready = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
        timeoutMs: 30_000,
        message: `readyz of the service (output so far: ${JSON.stringify(main.output())})`,
      });
      expect(ready).toBe(true);
      await waitFor(() => main.output().stderr.includes('SLACK_BOT_TOKEN'), { message: 'missing settings printed' });
      const { stderr, stdout } = main.output();
      for (const setting of ['JIRA_EMAIL', 'JIRA_WEBHOOK_SECRET', 'GITHUB_TOKEN', 'SLACK_BOT_TOKEN']) expect(stderr).toContain(setting);
      expect(stderr).toMatch(/\.env/);
      expect(stdout).toMatch(/running engine-only/);
      expect(stdout).not.toMatch(/workers polling/);
      // A real endpoint is set: nothing of the sandbox starts.
      expect(stdout).not.toMatch(/SANDBOX|stand-ins/);
      expect((await fetch(`http://127.0.0.1:${port}/sandbox/`)).status).toBe(404);
    } finally {
      main.child.kill('SIGTERM');
      const [code] = await once(main.child, 'exit');
      expect(code).toBe(0);
    }
  });
  it('runs the sandbox when nothing is configured: stand-ins, the lifecycle and its page, every line marked', async () => {
    const port = await findFreePort();
    const main = startMain({ CAMUNDA_URL: engineRestUrl(), PORT: String(port), HOST: '127.0.0.1' });
    try {
      const page = await waitFor(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/sandbox/`);
        return response.status === 200 ? response.text() : undefined;
      }, { timeoutMs: 60_000, message: `the sandbox page (output so far: ${JSON.stringify(main.output()).slice(-2000)})` });
      expect(page).toMatch(/sandbox/i);
      const { stdout } = main.output();
      expect(stdout).toContain(`open http://127.0.0.1:${port}/sandbox/`);
      const lines = stdout.split('\n').filter((line) => line.startsWith('{'));
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(JSON.parse(line), line).toMatchObject({ sandbox: true });
    } finally {
      main.child.kill('SIGTERM');
      const [code] = await once(main.child, 'exit');
      expect(code).toBe(0);
    }
  });
});
