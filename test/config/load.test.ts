import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubCredentials, jiraCredentials } from '../../src/config/integrations.ts';
import { formatMissing, formatProblems, loadConfig, loadDotEnv, type Config } from '../../src/config/load.ts';
import { fullCloudEnv } from './envs.ts';

const examplePolicy = new URL('../../config/policy.example.toml', import.meta.url);
const minimalPolicy = new URL('../fixtures/policy/minimal.toml', import.meta.url);
const manyProblemsPolicy = new URL('../fixtures/policy/many-problems.toml', import.meta.url);


let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'model-lifecycle-config-'));
  mkdirSync(join(cwd, 'config'));
});

afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function usePolicy(source: URL, name = 'config/policy.toml'): void {
  copyFileSync(source, join(cwd, name));
}

function configOf(env: Record<string, string | undefined>): Config {
  const result = loadConfig({ env, cwd });
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.config;
}

const missingNames = (config: Config) => config.missing.map((m) => m.setting);

describe('loadConfig', () => {
  it('falls back to the example policy and says so', () => {
    usePolicy(examplePolicy, 'config/policy.example.toml');
    const config = configOf(fullCloudEnv);
    expect(config.policyFile).toBe(join(cwd, 'config/policy.example.toml'));
    expect(config.missing).toEqual([]);
    expect(config.warnings).toEqual([expect.stringMatching(/^config\/policy\.toml does not exist .* the example policy config\/policy\.example\.toml is used/)]);
  });

  it('prefers config/policy.toml, and POLICY_FILE over both', () => {
    usePolicy(examplePolicy, 'config/policy.example.toml');
    usePolicy(minimalPolicy);
    expect(configOf(fullCloudEnv).policyFile).toBe(join(cwd, 'config/policy.toml'));
    copyFileSync(minimalPolicy, join(cwd, 'custom.toml'));
    expect(configOf({ ...fullCloudEnv, POLICY_FILE: 'custom.toml' }).policyFile).toBe(join(cwd, 'custom.toml'));
  });

  it('has nothing missing when every integration is configured', () => {
    usePolicy(minimalPolicy);
    const config = configOf(fullCloudEnv);
    expect(config.missing).toEqual([]);
    expect(config.warnings).toEqual([]);
    expect(formatMissing(config.missing)).toBe('');
    expect(config.env.JIRA_BASE_URL).toBe('https://acme.atlassian.net');
    expect(config.policy.github.org).toBe('acme-ml');
  });

  it('lists each absent integration setting, and still starts', () => {
    usePolicy(minimalPolicy);
    const config = configOf({});
    expect(config.missing).toContainEqual({
      setting: 'JIRA_BASE_URL',
      where: '.env or the environment',
      why: 'the Jira site whose tickets start lifecycles',
    });
    expect(missingNames(config)).toEqual([
      'JIRA_BASE_URL',
      'JIRA_EMAIL',
      'JIRA_API_TOKEN',
      'JIRA_WEBHOOK_SECRET or JIRA_WEBHOOK_TOKEN',
      'GITHUB_TOKEN, or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY + GITHUB_APP_INSTALLATION_ID',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'JENKINS_URL',
      'JENKINS_USER',
      'JENKINS_API_TOKEN',
      'JENKINS_CALLBACK_SECRET',
      'MLFLOW_TRACKING_URI',
    ]);
    expect(formatMissing(config.missing)).toMatch(/^Some integrations are not configured.*\n {2}- JIRA_BASE_URL \(in \.env or the environment\): the Jira site/);
  });

  it('asks for the credentials of the Jira flavour the policy names', () => {
    writeFileSync(join(cwd, 'config/policy.toml'), readMinimal().replace('issue_type = "Model"', 'issue_type = "Model"\napi = "datacenter"'));
    const config = configOf({ ...fullCloudEnv, JIRA_EMAIL: undefined, JIRA_API_TOKEN: undefined });
    expect(missingNames(config)).toEqual(['JIRA_PAT']);
    expect(configOf(fullCloudEnv).missing).toEqual([
      expect.objectContaining({ setting: 'JIRA_PAT', why: expect.stringContaining('JIRA_EMAIL/JIRA_API_TOKEN are for Jira Cloud') }),
    ]);
    expect(configOf({ ...fullCloudEnv, JIRA_EMAIL: undefined, JIRA_API_TOKEN: undefined, JIRA_PAT: 'pat' }).missing).toEqual([]);
  });

  it('accepts the webhook token instead of the secret, and a GitHub App instead of a token', () => {
    usePolicy(minimalPolicy);
    const config = configOf({
      ...fullCloudEnv,
      JIRA_WEBHOOK_SECRET: undefined,
      JIRA_WEBHOOK_TOKEN: 'shared',
      GITHUB_TOKEN: '',
      GITHUB_APP_ID: '1',
      GITHUB_APP_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
      GITHUB_APP_INSTALLATION_ID: '2',
    });
    expect(config.missing).toEqual([]);
    expect(githubCredentials(config.env)).toEqual({
      kind: 'app',
      appId: 1,
      installationId: 2,
      privateKey: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
    });
  });

  it('needs JupyterHub settings only when the policy enables it', () => {
    writeFileSync(join(cwd, 'config/policy.toml'), `${readMinimal()}\n[jupyterhub]\nenabled = true\n`);
    expect(missingNames(configOf(fullCloudEnv))).toEqual(['JUPYTERHUB_URL', 'JUPYTERHUB_TOKEN']);
    expect(configOf({ ...fullCloudEnv, JUPYTERHUB_URL: 'https://hub.acme.example', JUPYTERHUB_TOKEN: 't' }).missing).toEqual([]);
  });

  it('treats a partial GitHub App as a problem, not a missing setting', () => {
    usePolicy(minimalPolicy);
    const result = loadConfig({ env: { ...fullCloudEnv, GITHUB_APP_ID: '12' }, cwd });
    expect(result).toEqual({
      ok: false,
      problems: [
        'GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID are not — a GitHub App needs all three; set the missing ones, or unset the GITHUB_APP_* variables and use GITHUB_TOKEN',
      ],
    });
  });

  it('lists the problems of the environment and of the policy file together', () => {
    usePolicy(manyProblemsPolicy);
    const result = loadConfig({ env: { PORT: 'eighty', CAMUNDA_USER: 'demo', GITHUB_APP_INSTALLATION_ID: '5' }, cwd });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatch(/^PORT: expected a TCP port/);
    expect(result.problems).toContain(
      'config/policy.toml: github.template: expected "owner/name", got "model-template" — set it to the template repository, e.g. "acme-ml/ml-model-template"',
    );
    expect(result.problems).toContain('CAMUNDA_USER is set but CAMUNDA_PASSWORD is not — engine basic auth needs both; set the other one, or unset both');
    expect(result.problems).toContainEqual(expect.stringMatching(/^GITHUB_APP_INSTALLATION_ID is set but GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY are not/));
    expect(result.problems).toHaveLength(1 + 17 + 2);
    expect(formatProblems(result.problems)).toMatch(/^The configuration has 20 problems; fix them and start again:\n {2}- PORT: /);
  });

  it('reports a POLICY_FILE that does not exist', () => {
    const result = loadConfig({ env: { POLICY_FILE: 'nowhere.toml' }, cwd });
    expect(result).toEqual({
      ok: false,
      problems: [`POLICY_FILE: no file at ${join(cwd, 'nowhere.toml')} — fix the path, or unset POLICY_FILE to use config/policy.toml`],
    });
  });

  it('reports that there is no policy at all', () => {
    const result = loadConfig({ env: {}, cwd });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([expect.stringMatching(/^no policy file: .* create config\/policy\.toml or set POLICY_FILE$/)]);
  });
});

describe('jiraCredentials', () => {
  it('uses e-mail and API token on Cloud, the PAT on Data Center', () => {
    usePolicy(minimalPolicy);
    const { env } = configOf({ ...fullCloudEnv, JIRA_PAT: 'pat' });
    expect(jiraCredentials(env, 'cloud')).toEqual({ kind: 'basic', email: 'robot@acme.example', apiToken: 'jira-token' });
    expect(jiraCredentials(env, 'datacenter')).toEqual({ kind: 'bearer', token: 'pat' });
    expect(githubCredentials(env)).toEqual({ kind: 'token', token: 'ghp_token' });
  });
});

describe('loadDotEnv', () => {
  it('does nothing when there is no .env', () => {
    expect(loadDotEnv(cwd)).toBeUndefined();
  });

  it('loads .env without overriding the environment', () => {
    const name = `MODEL_LIFECYCLE_TEST_${process.pid}`;
    process.env[`${name}_KEPT`] = 'from-environment';
    writeFileSync(join(cwd, '.env'), `${name}_NEW=from-file\n${name}_KEPT=from-file\n`);
    try {
      expect(loadDotEnv(cwd)).toBe(join(cwd, '.env'));
      expect(process.env[`${name}_NEW`]).toBe('from-file');
      expect(process.env[`${name}_KEPT`]).toBe('from-environment');
    } finally {
      delete process.env[`${name}_NEW`];
      delete process.env[`${name}_KEPT`];
    }
  });
});

function readMinimal(): string {
  return readFileSync(minimalPolicy, 'utf8');
}
