import { hostname } from 'node:os';
import { z } from 'zod';
import { expecting } from './toml-document.ts';

/**
 * Environment variables: where the service listens, which engine it talks to, and the
 * credentials of each integration. All are optional here; which integrations are configured
 * is worked out in `load.ts`. An empty value (`JIRA_PAT=` in .env) counts as unset.
 */

const where = (name: string, example: string) => `set ${name} in .env or the environment, e.g. ${name}=${example}`;

const text = (name: string, expected: string, example: string, options: { secret?: boolean } = {}) =>
  z.string({ error: expecting(expected, where(name, example), options) });

const secret = (name: string, what: string, example: string) =>
  text(name, what, example, { secret: true }).regex(/^\S+$/).optional();

const url = (name: string, example: string) =>
  text(name, 'an http(s) URL', example)
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol))
    .transform((value) => value.replace(/\/+$/, ''));

const port = (name: string, example: string) =>
  text(name, 'a TCP port from 1 to 65535', example)
    .regex(/^\d{1,5}$/)
    .refine((value) => Number(value) >= 1 && Number(value) <= 65535)
    .transform(Number);

const positiveInt = (name: string, expected: string, example: string) =>
  text(name, expected, example)
    .regex(/^[1-9]\d*$/)
    .transform(Number);

/** A PEM key pasted into one line of .env has its newlines written as `\n`. */
const unescapeNewlines = (value: string) => value.replace(/\\n/g, '\n');

const PEM = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+-----END (?:RSA )?PRIVATE KEY-----/;

const envShape = {
  PORT: port('PORT', '3000').default(3000).describe('HTTP port for webhooks, Slack actions, health and metrics'),
  HOST: text('HOST', 'a host name or address', '0.0.0.0').min(1).default('0.0.0.0').describe('Address the HTTP server binds to'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: expecting('one of fatal, error, warn, info, debug, trace, silent', where('LOG_LEVEL', 'info')),
    })
    .default('info')
    .describe('pino log level'),
  SANDBOX: z
    .enum(['auto', 'off'], { error: expecting('"auto" or "off"', where('SANDBOX', 'off')) })
    .default('auto')
    .describe('auto: with no Jira, GitHub, Slack, Jenkins or MLflow setting at all, npm start runs the local sandbox of stand-ins; off: never'),
  POLICY_FILE: text('POLICY_FILE', 'a file path', 'config/policy.toml')
    .optional()
    .describe('Policy file; unset → config/policy.toml, or config/policy.example.toml when that is missing'),

  CAMUNDA_URL: url('CAMUNDA_URL', 'http://camunda:8080/engine-rest')
    .optional()
    .describe('REST API of an existing Camunda 7 engine; unset → the service starts a local engine'),
  CAMUNDA_USER: text('CAMUNDA_USER', 'a user name', 'demo').min(1).optional().describe('Basic-auth user of the engine REST API'),
  CAMUNDA_PASSWORD: secret('CAMUNDA_PASSWORD', 'a password without spaces', '...').describe('Basic-auth password of the engine REST API'),
  ENGINE_PORT: port('ENGINE_PORT', '8080').default(8080).describe('Port of the local engine (when CAMUNDA_URL is unset)'),
  ENGINE_DATA_DIR: text('ENGINE_DATA_DIR', 'a directory path', '.data').min(1).default('.data').describe('Where the local engine keeps its H2 database'),
  ENGINE_DB_URL: text('ENGINE_DB_URL', 'a JDBC URL', 'jdbc:postgresql://db:5432/camunda')
    .regex(/^jdbc:[a-z0-9]+:/)
    .optional()
    .describe('Database of the local engine; unset → H2 files in ENGINE_DATA_DIR'),
  ENGINE_DB_USER: text('ENGINE_DB_USER', 'a user name', 'camunda').min(1).optional().describe('User of ENGINE_DB_URL'),
  ENGINE_DB_PASSWORD: secret('ENGINE_DB_PASSWORD', 'a password without spaces', '...').describe('Password of ENGINE_DB_URL'),
  WORKER_ID: text('WORKER_ID', 'a worker id', 'lifecycle-1')
    .regex(/^[A-Za-z0-9._:-]+$/)
    .default(() => `${hostname()}-${process.pid}`)
    .describe('Id this process locks external tasks under; default host name and pid'),

  JIRA_BASE_URL: url('JIRA_BASE_URL', 'https://acme.atlassian.net').optional().describe('The Jira site whose tickets start lifecycles'),
  JIRA_EMAIL: text('JIRA_EMAIL', 'an e-mail address', 'robot@acme.example')
    .regex(/^[^@\s]+@[^@\s]+$/)
    .optional()
    .describe('Jira Cloud: e-mail of the robot account'),
  JIRA_API_TOKEN: secret('JIRA_API_TOKEN', 'an API token without spaces', '...').describe('Jira Cloud: API token of the robot account'),
  JIRA_PAT: secret('JIRA_PAT', 'a personal access token without spaces', '...').describe('Jira Data Center: personal access token'),
  JIRA_WEBHOOK_SECRET: secret('JIRA_WEBHOOK_SECRET', 'a secret without spaces', '...').describe('HMAC secret of the Jira webhook'),
  JIRA_WEBHOOK_TOKEN: secret('JIRA_WEBHOOK_TOKEN', 'a token without spaces', '...').describe(
    'Shared token in the webhook URL, when Jira cannot sign webhooks',
  ),

  GITHUB_API_URL: url('GITHUB_API_URL', 'https://github.acme.example/api/v3')
    .default('https://api.github.com')
    .describe('GitHub REST API; set it for GitHub Enterprise Server'),
  GITHUB_TOKEN: secret('GITHUB_TOKEN', 'a token without spaces', '...').describe('Token of the robot account (or use a GitHub App)'),
  GITHUB_APP_ID: positiveInt('GITHUB_APP_ID', 'a GitHub App id (a number)', '123456').optional().describe('GitHub App id'),
  GITHUB_APP_PRIVATE_KEY: text(
    'GITHUB_APP_PRIVATE_KEY',
    'a PEM private key ("-----BEGIN ... PRIVATE KEY-----"), newlines as real newlines or \\n',
    '"-----BEGIN RSA PRIVATE KEY-----\\n...\\n-----END RSA PRIVATE KEY-----"',
    { secret: true },
  )
    .refine((value) => PEM.test(unescapeNewlines(value)))
    .transform(unescapeNewlines)
    .optional()
    .describe('Private key of the GitHub App (PEM)'),
  GITHUB_APP_INSTALLATION_ID: positiveInt('GITHUB_APP_INSTALLATION_ID', 'an installation id (a number)', '12345678')
    .optional()
    .describe('Installation of the GitHub App on github.org'),
  GITHUB_WEBHOOK_SECRET: secret('GITHUB_WEBHOOK_SECRET', 'a secret without spaces', '...').describe(
    'Secret of the GitHub webhook (X-Hub-Signature-256) that POSTs pushes to /webhooks/github; unset → every delivery is refused',
  ),

  SLACK_BOT_TOKEN: text('SLACK_BOT_TOKEN', 'a bot token starting with "xoxb-"', 'xoxb-...', { secret: true })
    .regex(/^xoxb-\S+$/)
    .optional()
    .describe('Bot token of the Slack app'),
  SLACK_API_URL: url('SLACK_API_URL', 'https://slack-gov.com/api/')
    .optional()
    .describe("Slack Web API base URL; unset → Slack's own https://slack.com/api/ (set it for GovSlack or a stand-in)"),
  SLACK_SIGNING_SECRET: secret('SLACK_SIGNING_SECRET', 'a signing secret without spaces', '...').describe(
    "Signing secret of the Slack app (Basic Information → App Credentials): verifies the button clicks Slack POSTs to /slack/events; required with SLACK_BOT_TOKEN unless Socket Mode is on",
  ),
  SLACK_SOCKET_MODE: z
    .enum(['true', 'false'], { error: expecting('"true" or "false"', where('SLACK_SOCKET_MODE', 'true')) })
    .default('false')
    .transform((value) => value === 'true')
    .describe('true: take Slack button clicks over Socket Mode (an outbound WebSocket, for installations without a public URL) instead of POST /slack/events; needs SLACK_APP_TOKEN'),
  SLACK_APP_TOKEN: text('SLACK_APP_TOKEN', 'an app-level token starting with "xapp-"', 'xapp-...', { secret: true })
    .regex(/^xapp-\S+$/)
    .optional()
    .describe('App-level token with the connections:write scope (Basic Information → App-Level Tokens), for SLACK_SOCKET_MODE=true'),

  JENKINS_URL: url('JENKINS_URL', 'https://jenkins.acme.example').optional().describe('Jenkins that runs the training, build and deploy jobs'),
  JENKINS_USER: text('JENKINS_USER', 'a Jenkins user name', 'model-lifecycle').min(1).optional().describe('Jenkins user the service triggers jobs as'),
  JENKINS_API_TOKEN: secret('JENKINS_API_TOKEN', 'an API token without spaces', '...').describe("API token of that Jenkins user (user → Configure → API Token)"),
  JENKINS_CALLBACK_SECRET: secret('JENKINS_CALLBACK_SECRET', 'a secret without spaces', '...').describe(
    'Shared secret the jobs sign their end-of-build callback with (Jenkins credential model-lifecycle-callback-secret)',
  ),
  PUBLIC_URL: url('PUBLIC_URL', 'https://lifecycle.acme.example')
    .optional()
    .describe('Address Jenkins reaches this service at, for the build callback; default http://<hostname>:<PORT>'),

  MLFLOW_TRACKING_URI: url('MLFLOW_TRACKING_URI', 'https://mlflow.acme.example')
    .optional()
    .describe('MLflow tracking server: training runs, the model registry'),
  MLFLOW_TRACKING_TOKEN: secret('MLFLOW_TRACKING_TOKEN', 'a token without spaces', '...').describe('Bearer token of the MLflow server, when it needs one'),
  MLFLOW_TRACKING_USERNAME: text('MLFLOW_TRACKING_USERNAME', 'a user name', 'model-lifecycle')
    .min(1)
    .optional()
    .describe('Basic-auth user of the MLflow server, when it needs one'),
  MLFLOW_TRACKING_PASSWORD: secret('MLFLOW_TRACKING_PASSWORD', 'a password without spaces', '...').describe('Basic-auth password of the MLflow server'),

  JUPYTERHUB_URL: url('JUPYTERHUB_URL', 'https://hub.acme.example').optional().describe('JupyterHub for research servers'),
  JUPYTERHUB_TOKEN: secret('JUPYTERHUB_TOKEN', 'an API token without spaces', '...').describe('JupyterHub API token with admin:servers scope'),

  PROMETHEUS_URL: url('PROMETHEUS_URL', 'https://prometheus.acme.example')
    .optional()
    .describe('Prometheus the canary analysis queries (server root, without /api/v1)'),
  PROMETHEUS_TOKEN: secret('PROMETHEUS_TOKEN', 'a token without spaces', '...').describe('Bearer token of that Prometheus, when a proxy in front of it needs one'),
};

/** Names of every variable the service reads. */
export const ENV_NAMES = Object.keys(envShape) as Array<keyof typeof envShape>;

/** Variables that hold credentials: never echoed in messages or logs. */
export const SECRET_ENV_NAMES = [
  'CAMUNDA_PASSWORD',
  'ENGINE_DB_PASSWORD',
  'JIRA_API_TOKEN',
  'JIRA_PAT',
  'JIRA_WEBHOOK_SECRET',
  'JIRA_WEBHOOK_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'GITHUB_WEBHOOK_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'JENKINS_API_TOKEN',
  'JENKINS_CALLBACK_SECRET',
  'MLFLOW_TRACKING_TOKEN',
  'MLFLOW_TRACKING_PASSWORD',
  'JUPYTERHUB_TOKEN',
  'PROMETHEUS_TOKEN',
] as const satisfies ReadonlyArray<keyof typeof envShape>;

/** A `process.env`-like record with blank values removed, so `NAME=` reads as unset. */
export function withoutBlanks(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') out[name] = value.trim();
  }
  return out;
}

/** The variables, each described; `envSchema` applies it to a raw environment. */
export const envVariablesSchema = z.object(envShape);

/** Parses a `process.env`-like record; unknown variables are ignored, blank ones are unset. */
export const envSchema = z.preprocess(
  (input) => (input && typeof input === 'object' ? withoutBlanks(input as Record<string, string | undefined>) : input),
  envVariablesSchema,
);

export type Env = z.output<typeof envSchema>;

export type EnvResult = { ok: true; env: Env } | { ok: false; problems: string[] };

/** Every invalid variable, one line each: `PORT: expected a TCP port …, got "80a" — set PORT …`. */
export function parseEnv(env: Readonly<Record<string, string | undefined>>): EnvResult {
  const result = envSchema.safeParse(env);
  if (result.success) return { ok: true, env: result.data };
  const problems = result.error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
  return { ok: false, problems: [...new Set(problems)] };
}
