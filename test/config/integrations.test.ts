import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { missingSettings, optionalSettingWarnings, REAL_ENDPOINT_SETTINGS, sandboxWanted } from '../../src/config/integrations.ts';
import { parseEnv } from '../../src/config/env.ts';
import { parsePolicy } from '../../src/config/policy.ts';
import { warnOfOptionalSettings } from '../../src/service.ts';
import { fullCloudEnv } from './envs.ts';

/** The startup warnings as the service logs them: pino's JSON lines. */
function startupLog(env: Record<string, string>, sandbox: boolean): Array<{ level: number; setting?: string; msg: string }> {
  const parsed = parseEnv(env);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  warnOfOptionalSettings({ env: parsed.env }, pino({ level: 'info' }, sink), { sandbox });
  return lines.map((line) => JSON.parse(line) as { level: number; setting?: string; msg: string });
}

describe('sandboxWanted', () => {
  it('runs the sandbox only with no real endpoint or credential at all, and never with SANDBOX=off', () => {
    expect(sandboxWanted({})).toBe(true);
    expect(sandboxWanted({ LOG_LEVEL: 'debug', PORT: '3000', POLICY_FILE: 'config/policy.toml' })).toBe(true);
    expect(sandboxWanted({ SANDBOX: 'off' })).toBe(false);
    for (const name of REAL_ENDPOINT_SETTINGS) expect(sandboxWanted({ [name]: 'https://real.acme.example' }), name).toBe(false);
  });

  it('treats a set PROMETHEUS_URL as a real endpoint: the sandbox stays off', () => {
    expect(sandboxWanted({ PROMETHEUS_URL: 'https://prometheus.acme.example' })).toBe(false);
  });
});

describe('the Prometheus warning at startup', () => {
  it('names PROMETHEUS_URL, what it is for and the consequence when real integrations run without it', () => {
    const [warning, ...more] = optionalSettingWarnings({}, { sandbox: false });
    expect(more).toEqual([]);
    expect(warning!.setting).toBe('PROMETHEUS_URL');
    expect(warning!.message).toMatch(/^PROMETHEUS_URL is not set/);
    expect(warning!.message).toContain('canary analysis');
    expect(warning!.message).toContain('inconclusive, never pass');

    const logged = startupLog(fullCloudEnv, false);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 40, setting: 'PROMETHEUS_URL', msg: warning!.message });
  });

  it('says nothing when PROMETHEUS_URL is set, or in the sandbox', () => {
    expect(optionalSettingWarnings({ PROMETHEUS_URL: 'https://prometheus.acme.example' }, { sandbox: false })).toEqual([]);
    expect(startupLog({ ...fullCloudEnv, PROMETHEUS_URL: 'https://prometheus.acme.example' }, false)).toEqual([]);
    expect(optionalSettingWarnings({}, { sandbox: true })).toEqual([]);
    expect(startupLog(fullCloudEnv, true)).toEqual([]);
  });

  it('never makes the service engine-only: PROMETHEUS_URL is no missing setting', () => {
    const parsed = parsePolicy(readFileSync(new URL('../../config/policy.example.toml', import.meta.url), 'utf8'), 'config/policy.example.toml');
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(missingSettings(fullCloudEnv, parsed.policy)).toEqual([]);
  });
});
