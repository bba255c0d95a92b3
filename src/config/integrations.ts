import type { Env } from './env.ts';
import type { Policy } from './policy.ts';

/**
 * Which integrations are configured. A missing integration is not fatal (the service runs
 * engine-only and says what to set); a half-configured one whose intent is clear but whose
 * settings contradict each other (a GitHub App with two of its three settings) is a problem.
 */

/** An integration setting that is not set, and what setting it would turn on. */
export interface MissingSetting {
  /** Variable or policy key, e.g. `JIRA_BASE_URL`. */
  readonly setting: string;
  /** Where to set it, e.g. `.env or the environment`. */
  readonly where: string;
  /** What it is for, e.g. `the Jira site whose tickets start lifecycles`. */
  readonly why: string;
}

/** Environment presence, after blank values were removed. */
type Present = Readonly<Record<string, string>>;

const ENV = '.env or the environment';

export function missingSettings(env: Present, policy: Policy): MissingSetting[] {
  const missing: MissingSetting[] = [];
  const need = (setting: string, why: string) => {
    if (!env[setting]) missing.push({ setting, where: ENV, why });
  };

  need('JIRA_BASE_URL', 'the Jira site whose tickets start lifecycles');
  if (policy.jira.api === 'cloud') {
    const hint = env.JIRA_PAT ? '; JIRA_PAT is set, but it is for Data Center: if this Jira is Data Center, set jira.api = "datacenter" in the policy' : '';
    need('JIRA_EMAIL', `e-mail of the Jira Cloud account the robot acts as (policy jira.api = "cloud")${hint}`);
    need('JIRA_API_TOKEN', `API token of that Jira Cloud account, from id.atlassian.com → Security → API tokens${hint}`);
  } else {
    const hint = env.JIRA_EMAIL || env.JIRA_API_TOKEN ? '; JIRA_EMAIL/JIRA_API_TOKEN are for Jira Cloud: if this Jira is Cloud, set jira.api = "cloud" in the policy' : '';
    need('JIRA_PAT', `personal access token of the Jira Data Center account the robot acts as (policy jira.api = "datacenter")${hint}`);
  }
  if (!env.JIRA_WEBHOOK_SECRET && !env.JIRA_WEBHOOK_TOKEN) {
    missing.push({
      setting: 'JIRA_WEBHOOK_SECRET or JIRA_WEBHOOK_TOKEN',
      where: ENV,
      why: 'verifies that ticket webhooks come from Jira: the HMAC secret of the webhook, or a shared token in its URL when Jira cannot sign',
    });
  }
  if (!env.GITHUB_TOKEN && !env.GITHUB_APP_ID && !env.GITHUB_APP_PRIVATE_KEY && !env.GITHUB_APP_INSTALLATION_ID) {
    missing.push({
      setting: 'GITHUB_TOKEN, or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY + GITHUB_APP_INSTALLATION_ID',
      where: ENV,
      why: `creates model repositories in the GitHub organisation "${policy.github.org}" and assigns reviewers`,
    });
  }
  need('SLACK_BOT_TOKEN', "posts stage results to the teams' Slack channels");
  // The canary's Approve/Reject buttons come back over Socket Mode or as signed POSTs to /slack/events.
  if (env.SLACK_SOCKET_MODE === 'true') {
    need('SLACK_APP_TOKEN', 'app-level token (xapp-…, scope connections:write) that opens the Socket Mode connection the canary buttons come back on');
  } else {
    need('SLACK_SIGNING_SECRET', 'signing secret of the Slack app (Basic Information → App Credentials): verifies the canary Approve/Reject clicks Slack POSTs to /slack/events');
  }
  need('JENKINS_URL', 'the Jenkins that runs the training job (policy training.job)');
  need('JENKINS_USER', 'the Jenkins user the service starts jobs as');
  need('JENKINS_API_TOKEN', "API token of that Jenkins user (Jenkins → the user → Configure → API Token)");
  need('JENKINS_CALLBACK_SECRET', 'the secret the Jenkins jobs sign their end-of-build callback with (POST /webhooks/jenkins)');
  need('MLFLOW_TRACKING_URI', 'the MLflow server training logs to; its metrics are checked and the model version registered there');
  if (policy.jupyterhub.enabled) {
    need('JUPYTERHUB_URL', 'the JupyterHub that runs research servers (policy jupyterhub.enabled = true)');
    need('JUPYTERHUB_TOKEN', 'JupyterHub API token allowed to start servers for users (policy jupyterhub.enabled = true)');
  }
  return missing;
}

/** Settings that only make sense together, set in part. */
export function partialSettingProblems(env: Present): string[] {
  const problems: string[] = [];
  const together = (names: readonly string[], fix: string) => {
    const set = names.filter((name) => env[name]);
    const unset = names.filter((name) => !env[name]);
    if (set.length > 0 && unset.length > 0) {
      problems.push(`${list(set)} ${set.length === 1 ? 'is' : 'are'} set but ${list(unset)} ${unset.length === 1 ? 'is' : 'are'} not — ${fix}`);
    }
  };
  together(
    ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_APP_INSTALLATION_ID'],
    'a GitHub App needs all three; set the missing ones, or unset the GITHUB_APP_* variables and use GITHUB_TOKEN',
  );
  together(['CAMUNDA_USER', 'CAMUNDA_PASSWORD'], 'engine basic auth needs both; set the other one, or unset both');
  together(['MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD'], 'MLflow basic auth needs both; set the other one, or unset both');
  if (env.SLACK_BOT_TOKEN && env.SLACK_SOCKET_MODE !== 'true' && !env.SLACK_SIGNING_SECRET) {
    problems.push(
      'SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not — the canary Approve/Reject buttons need it to verify what Slack POSTs to /slack/events: ' +
        "copy the Signing Secret from api.slack.com/apps → your app → Basic Information → App Credentials, or take the clicks over Socket Mode with SLACK_SOCKET_MODE=true and SLACK_APP_TOKEN",
    );
  }
  if (env.SLACK_SOCKET_MODE === 'true' && !env.SLACK_APP_TOKEN) {
    problems.push(
      'SLACK_SOCKET_MODE is true but SLACK_APP_TOKEN is not set — Socket Mode connects with an app-level token: create one with the connections:write scope under Basic Information → App-Level Tokens, or unset SLACK_SOCKET_MODE to take clicks at /slack/events',
    );
  }
  for (const name of ['ENGINE_DB_USER', 'ENGINE_DB_PASSWORD']) {
    if (env[name] && !env.ENGINE_DB_URL) problems.push(`${name} is set but ENGINE_DB_URL is not — set ENGINE_DB_URL to the engine database, or unset ${name}`);
  }
  return problems;
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

export type JiraCredentials =
  | { readonly kind: 'basic'; readonly email: string; readonly apiToken: string }
  | { readonly kind: 'bearer'; readonly token: string };

/** How to authenticate to Jira under the policy's API flavour, or `undefined` when not configured. */
export function jiraCredentials(env: Env, api: Policy['jira']['api']): JiraCredentials | undefined {
  if (api === 'cloud') {
    return env.JIRA_EMAIL && env.JIRA_API_TOKEN ? { kind: 'basic', email: env.JIRA_EMAIL, apiToken: env.JIRA_API_TOKEN } : undefined;
  }
  return env.JIRA_PAT ? { kind: 'bearer', token: env.JIRA_PAT } : undefined;
}

export type GitHubCredentials =
  | { readonly kind: 'app'; readonly appId: number; readonly privateKey: string; readonly installationId: number }
  | { readonly kind: 'token'; readonly token: string };

/** GitHub App credentials when all three are set (preferred), else the token, else `undefined`. */
export function githubCredentials(env: Env): GitHubCredentials | undefined {
  if (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY && env.GITHUB_APP_INSTALLATION_ID) {
    return { kind: 'app', appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY, installationId: env.GITHUB_APP_INSTALLATION_ID };
  }
  return env.GITHUB_TOKEN ? { kind: 'token', token: env.GITHUB_TOKEN } : undefined;
}

/** Settings that point at a real system; any one of them means the sandbox never starts. */
export const REAL_ENDPOINT_SETTINGS = [
  'JIRA_BASE_URL',
  'JIRA_EMAIL',
  'JIRA_API_TOKEN',
  'JIRA_PAT',
  'GITHUB_TOKEN',
  'GITHUB_APP_ID',
  'GITHUB_API_URL',
  'SLACK_BOT_TOKEN',
  'SLACK_API_URL',
  'SLACK_APP_TOKEN',
  'JENKINS_URL',
  'MLFLOW_TRACKING_URI',
  'JUPYTERHUB_URL',
  'PROMETHEUS_URL',
] as const;

/**
 * Whether `npm start` runs the local sandbox: only when no real endpoint or credential is set
 * at all (a fresh clone), and `SANDBOX` is not `off`. A half-configured service runs
 * engine-only and lists what is missing instead: it never mixes stand-ins with real systems.
 */
export function sandboxWanted(env: Present): boolean {
  if (env.SANDBOX === 'off') return false;
  return REAL_ENDPOINT_SETTINGS.every((name) => !env[name]);
}

/** An optional setting left out, and the startup warning that says what the service does without it. */
export interface OptionalSettingWarning {
  readonly setting: string;
  readonly message: string;
}

/**
 * Settings that stop nothing when absent but change what the lifecycle can decide, each as
 * one sentence for the startup log: the variable, what it is for, and what happens without it.
 * Empty in the sandbox (its Prometheus is its own business) and when everything is set.
 */
export function optionalSettingWarnings(env: { readonly PROMETHEUS_URL?: string | undefined }, options: { readonly sandbox: boolean }): OptionalSettingWarning[] {
  if (options.sandbox) return [];
  const warnings: OptionalSettingWarning[] = [];
  if (!env.PROMETHEUS_URL) {
    warnings.push({
      setting: 'PROMETHEUS_URL',
      message:
        `PROMETHEUS_URL is not set (in ${ENV}): it is the Prometheus server the canary analysis queries ([delivery.canary.analysis] in the policy). ` +
        'Without it every canary analysis has no data and ends inconclusive, never pass: a canary whose metrics go bad is not rolled back by the analysis, ' +
        'and whoever clicks Approve sees no figures. Set it to the server root (e.g. https://prometheus.acme.example, without /api/v1), with PROMETHEUS_TOKEN if a proxy needs one',
    });
  }
  return warnings;
}
