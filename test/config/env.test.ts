import { describe, expect, it } from 'vitest';
import { ENV_NAMES, SECRET_ENV_NAMES, envVariablesSchema, parseEnv, type Env } from '../../src/config/env.ts';
import { partialSettingProblems } from '../../src/config/integrations.ts';

function envOf(vars: Record<string, string | undefined>): Env {
  const result = parseEnv(vars);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.env;
}

const PEM_LINE = '-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----';

describe('parseEnv', () => {
  it('gives the defaults for an empty environment', () => {
    const env = envOf({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      ENGINE_PORT: 8080,
      ENGINE_DATA_DIR: '.data',
      GITHUB_API_URL: 'https://api.github.com',
    });
    expect(env.WORKER_ID).toMatch(new RegExp(`-${process.pid}$`));
    expect(env.CAMUNDA_URL).toBeUndefined();
    expect(env.JIRA_BASE_URL).toBeUndefined();
  });

  it('treats blank values as unset and ignores variables it does not know', () => {
    const env = envOf({ PORT: '', JIRA_PAT: '   ', PATH: '/usr/bin', GITHUB_ACTIONS: 'true' });
    expect(env.PORT).toBe(3000);
    expect(env.JIRA_PAT).toBeUndefined();
    expect(env).not.toHaveProperty('PATH');
  });

  it('converts numbers, trims URL slashes and unescapes a one-line PEM key', () => {
    const env = envOf({
      PORT: '8081',
      JIRA_BASE_URL: 'https://acme.atlassian.net/',
      GITHUB_APP_ID: '123456',
      GITHUB_APP_INSTALLATION_ID: '987',
      GITHUB_APP_PRIVATE_KEY: PEM_LINE,
    });
    expect(env.PORT).toBe(8081);
    expect(env.JIRA_BASE_URL).toBe('https://acme.atlassian.net');
    expect(env.GITHUB_APP_ID).toBe(123456);
    expect(env.GITHUB_APP_INSTALLATION_ID).toBe(987);
    expect(env.GITHUB_APP_PRIVATE_KEY).toBe('-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----');
  });

  it('lists every invalid variable at once, never echoing a secret', () => {
    const result = parseEnv({
      PORT: '80a',
      ENGINE_PORT: '70000',
      LOG_LEVEL: 'verbose',
      CAMUNDA_URL: 'camunda:8080',
      JIRA_EMAIL: 'robot',
      GITHUB_APP_ID: 'my-app',
      SLACK_BOT_TOKEN: 'xoxp-user-token-123',
      ENGINE_DB_URL: 'postgres://db/camunda',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'PORT: expected a TCP port from 1 to 65535, got "80a" — set PORT in .env or the environment, e.g. PORT=3000',
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose" — set LOG_LEVEL in .env or the environment, e.g. LOG_LEVEL=info',
      'CAMUNDA_URL: expected an http(s) URL, got "camunda:8080" — set CAMUNDA_URL in .env or the environment, e.g. CAMUNDA_URL=http://camunda:8080/engine-rest',
      'ENGINE_PORT: expected a TCP port from 1 to 65535, got "70000" — set ENGINE_PORT in .env or the environment, e.g. ENGINE_PORT=8080',
      'ENGINE_DB_URL: expected a JDBC URL, got "postgres://db/camunda" — set ENGINE_DB_URL in .env or the environment, e.g. ENGINE_DB_URL=jdbc:postgresql://db:5432/camunda',
      'JIRA_EMAIL: expected an e-mail address, got "robot" — set JIRA_EMAIL in .env or the environment, e.g. JIRA_EMAIL=robot@acme.example',
      'GITHUB_APP_ID: expected a GitHub App id (a number), got "my-app" — set GITHUB_APP_ID in .env or the environment, e.g. GITHUB_APP_ID=123456',
      'SLACK_BOT_TOKEN: expected a bot token starting with "xoxb-", got a value (not shown, it is secret) — set SLACK_BOT_TOKEN in .env or the environment, e.g. SLACK_BOT_TOKEN=xoxb-...',
    ]);
    expect(result.problems.join('\n')).not.toContain('xoxp-user-token-123');
  });

  it('keeps a malformed private key out of the message', () => {
    const result = parseEnv({ GITHUB_APP_PRIVATE_KEY: 'not-a-key-abc' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([expect.stringMatching(/^GITHUB_APP_PRIVATE_KEY: expected a PEM private key/)]);
      expect(result.problems[0]).not.toContain('not-a-key-abc');
    }
  });

  it('describes every variable and marks the secrets', () => {
    for (const name of ENV_NAMES) expect(envVariablesSchema.shape[name].description, name).toBeTruthy();
    for (const name of SECRET_ENV_NAMES) expect(ENV_NAMES).toContain(name);
  });
});

describe('Slack interactivity settings', () => {
  it('reads Socket Mode as a boolean, off by default, and takes only an xapp- app token', () => {
    expect(envOf({}).SLACK_SOCKET_MODE).toBe(false);
    expect(envOf({ SLACK_SOCKET_MODE: 'true', SLACK_APP_TOKEN: 'xapp-1-A0-1-abc' })).toMatchObject({ SLACK_SOCKET_MODE: true, SLACK_APP_TOKEN: 'xapp-1-A0-1-abc' });
    const result = parseEnv({ SLACK_SOCKET_MODE: 'yes', SLACK_APP_TOKEN: 'xoxb-not-an-app-token' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'SLACK_SOCKET_MODE: expected "true" or "false", got "yes" — set SLACK_SOCKET_MODE in .env or the environment, e.g. SLACK_SOCKET_MODE=true',
      'SLACK_APP_TOKEN: expected an app-level token starting with "xapp-", got a value (not shown, it is secret) — set SLACK_APP_TOKEN in .env or the environment, e.g. SLACK_APP_TOKEN=xapp-...',
    ]);
    expect(SECRET_ENV_NAMES).toContain('SLACK_APP_TOKEN');
  });

  it('requires the signing secret with the bot token, unless the clicks come over Socket Mode with an app token', () => {
    expect(partialSettingProblems({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not — .*Basic Information → App Credentials.*SLACK_SOCKET_MODE=true and SLACK_APP_TOKEN$/),
    ]);
    expect(partialSettingProblems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual([]);
    expect(partialSettingProblems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SOCKET_MODE: 'true', SLACK_APP_TOKEN: 'xapp-1' })).toEqual([]);
    expect(partialSettingProblems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SOCKET_MODE: 'true' })).toEqual([
      expect.stringMatching(/^SLACK_SOCKET_MODE is true but SLACK_APP_TOKEN is not set — .*connections:write/),
    ]);
  });
});
