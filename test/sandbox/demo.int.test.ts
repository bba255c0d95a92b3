import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

/**
 * `npm run demo` must fail loudly when a story does not end where it should: here no story
 * can finish within a 1 ms bound. (CI runs the real demo, which must pass, in .ci/run.)
 */
describe('npm run demo', () => {
  it('exits non-zero, naming the story, when a story does not end within its time bound', async () => {
    const child = spawn(process.execPath, ['sandbox/demo.ts'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DEMO_STORY_TIMEOUT_MS: '1', DEMO_STORIES: '1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(stdout).toMatch(/FAILED story 1: no .* within 0 s/);
    expect(stdout).toMatch(/Demo: 0 passed, 1 failed/);
    expect(code).toBe(1);
  }, 180_000);
});
