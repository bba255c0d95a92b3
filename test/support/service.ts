import { readFileSync } from 'node:fs';
import nock from 'nock';
import { GitHubStandIn } from '../../standins/github.ts';
import { JiraStandIn } from '../../standins/jira.ts';
import { JupyterHubStandIn } from '../../standins/jupyterhub.ts';
import { SlackStandIn } from '../../standins/slack.ts';
import { loadConfig } from '../../src/config/load.ts';
import { signGitHubBody } from '../../src/http/verify-github.ts';
import { signJiraBody } from '../../src/http/verify-jira.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startService, type Service } from '../../src/service.ts';
import { engineRestUrl } from './engine.ts';

export const WEBHOOK_SECRET = 'it-webhook-secret';
export const JENKINS_CALLBACK_SECRET = 'it-jenkins-callback-secret';
export const GITHUB_WEBHOOK_SECRET = 'it-github-webhook-secret';
export const STATUSES = ['Backlog', 'Research', 'Ready for training', 'Ready for build', 'Done'] as const;

/** Where the service points while no world is installed: nothing listens there. */
const NOWHERE = 'http://127.0.0.1:9';

/** The stand-ins' URLs, known once {@link installWorld} has started them. */
let worldUrls: { jira: string; github: string; slack: string; jupyterhub: string } | null = null;
let installed: World | null = null;

/**
 * The settings a team would put in .env, pointing at the world's stand-ins. The URLs are read
 * when the object is spread (`{ ...testEnv }`), so spread it after {@link installWorld}.
 */
export const testEnv = {
  POLICY_FILE: 'test/fixtures/policy/flow.toml',
  get JIRA_BASE_URL(): string {
    return worldUrls?.jira ?? NOWHERE;
  },
  JIRA_EMAIL: 'lifecycle-robot@acme.test',
  JIRA_API_TOKEN: 'jira-api-token',
  JIRA_WEBHOOK_SECRET: WEBHOOK_SECRET,
  get GITHUB_API_URL(): string {
    return worldUrls?.github ?? NOWHERE;
  },
  GITHUB_WEBHOOK_SECRET: GITHUB_WEBHOOK_SECRET,
  GITHUB_TOKEN: 'ghp_testtoken',
  get SLACK_API_URL(): string {
    return worldUrls?.slack ?? NOWHERE;
  },
  SLACK_BOT_TOKEN: 'xoxb-test-token',
  SLACK_SIGNING_SECRET: 'it-slack-signing-secret',
  // Read only when the policy enables research servers (test/fixtures/policy/flow-jupyterhub.toml).
  get JUPYTERHUB_URL(): string {
    return worldUrls?.jupyterhub ?? NOWHERE;
  },
  JUPYTERHUB_TOKEN: 'hub-token',
  // Nothing listens here: tests that go past "ready for training" start a Jenkins stand-in and
  // an MLflow server and override these (see test/support/training.ts).
  JENKINS_URL: NOWHERE,
  JENKINS_USER: 'model-lifecycle',
  JENKINS_API_TOKEN: 'jenkins-api-token',
  JENKINS_CALLBACK_SECRET: JENKINS_CALLBACK_SECRET,
  MLFLOW_TRACKING_URI: NOWHERE,
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
};

/** The vendor systems of the test world: the loopback stand-ins under standins/. */
export interface World {
  readonly jira: JiraStandIn;
  readonly github: GitHubStandIn;
  readonly slack: SlackStandIn;
  /** Spawns stay pending (as a spawner that takes a while) until `finishSpawn`. */
  readonly jupyterhub: JupyterHubStandIn;
}

/**
 * Starts the Jira, GitHub, Slack and JupyterHub stand-ins on loopback with the credentials of
 * {@link testEnv}, and points {@link testEnv} (and so {@link startTestService}) at them. No
 * webhooks are registered: tests send them with {@link sendJiraWebhook} and
 * {@link sendGitHubWebhook}. Nothing but loopback (the engine, the service, the stand-ins) may
 * be reached.
 */
export async function installWorld(): Promise<World> {
  if (installed) throw new Error('the test world is installed already: call uninstallWorld() first');
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const world: World = {
    jira: new JiraStandIn({ statuses: STATUSES, email: testEnv.JIRA_EMAIL, apiToken: testEnv.JIRA_API_TOKEN }),
    github: new GitHubStandIn({ token: testEnv.GITHUB_TOKEN }),
    slack: new SlackStandIn({ token: testEnv.SLACK_BOT_TOKEN, signingSecret: testEnv.SLACK_SIGNING_SECRET }),
    jupyterhub: new JupyterHubStandIn({ token: testEnv.JUPYTERHUB_TOKEN, spawnDelayMs: null }),
  };
  try {
    const [jira, github, slack, jupyterhub] = await Promise.all([world.jira.start(), world.github.start(), world.slack.start(), world.jupyterhub.start()]);
    worldUrls = { jira, github, slack, jupyterhub };
  } catch (error) {
    await Promise.allSettled([world.jira.stop(), world.github.stop(), world.slack.stop(), world.jupyterhub.stop()]);
    nock.enableNetConnect();
    throw error;
  }
  installed = world;
  return world;
}

/** Stops the stand-ins and lets the network be reached again. */
export async function uninstallWorld(): Promise<void> {
  const world = installed;
  installed = null;
  worldUrls = null;
  if (world) await Promise.all([world.jira.stop(), world.github.stop(), world.slack.stop(), world.jupyterhub.stop()]);
  nock.cleanAll();
  nock.enableNetConnect();
}

/** The whole service, in-process, on a free port, against the test engine. */
export async function startTestService(envOverrides: Record<string, string> = {}): Promise<Service> {
  const loaded = loadConfig({ env: { ...testEnv, ...envOverrides }, cwd: process.cwd() });
  if (!loaded.ok) throw new Error(`test config is invalid:\n${loaded.problems.join('\n')}`);
  return startService({
    config: loaded.config,
    engineRestUrl: engineRestUrl(),
    log: createLogger({ level: testEnv.LOG_LEVEL }),
    clientRetry: { retries: 1, minDelayMs: 10, maxDelayMs: 20 },
    port: 0,
  });
}

let deliveries = 0;

/** Posts a GitHub webhook the way GitHub sends one: `X-Hub-Signature-256`, `X-GitHub-Event`, `X-GitHub-Delivery`. */
export async function sendGitHubWebhook(service: Service, event: string, payload: unknown, options: { deliveryId?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${service.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.deliveryId ?? `gh-delivery-${process.pid}-${++deliveries}`,
      'x-hub-signature-256': await signGitHubBody(GITHUB_WEBHOOK_SECRET, body),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Posts a Jira webhook the way Jira Cloud sends one with a secret: HMAC-signed, with a delivery id. */
export async function sendJiraWebhook(
  service: Service,
  payload: unknown,
  options: { deliveryId?: string; signature?: string | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-atlassian-webhook-identifier': options.deliveryId ?? `delivery-${process.pid}-${++deliveries}`,
  };
  const signature = options.signature === undefined ? signJiraBody(WEBHOOK_SECRET, body) : options.signature;
  if (signature !== null) headers['x-hub-signature'] = signature;
  const response = await fetch(`${service.url}/webhooks/jira`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const createdFixture = JSON.parse(readFileSync('test/fixtures/jira/webhooks/issue_created.json', 'utf8'));
const statusFixture = JSON.parse(readFileSync('test/fixtures/jira/webhooks/issue_updated_status.json', 'utf8'));

/** Jira's published `jira:issue_created` delivery, for an issue of the test project. */
export function issueCreated(key: string, summary: string): unknown {
  const issue = createdFixture.issue;
  return {
    ...createdFixture,
    timestamp: Date.now(),
    issue: {
      ...issue,
      key,
      id: String(20_000 + Number(key.split('-')[1])),
      fields: { ...issue.fields, summary, project: { ...issue.fields.project, key: 'MLM' }, issuetype: { ...issue.fields.issuetype, name: 'Model' } },
    },
  };
}

/** Jira's published `jira:issue_updated` delivery with a status changelog item. */
export function statusChanged(key: string, from: string, to: string): unknown {
  const issue = statusFixture.issue;
  return {
    ...statusFixture,
    timestamp: Date.now(),
    issue: {
      ...issue,
      key,
      fields: { ...issue.fields, project: { ...issue.fields.project, key: 'MLM' }, issuetype: { ...issue.fields.issuetype, name: 'Model' }, status: { ...issue.fields.status, name: to } },
    },
    changelog: { ...statusFixture.changelog, items: [{ ...statusFixture.changelog.items[0], fromString: from, toString: to }] },
  };
}

/** A `jira:issue_updated` delivery that changed something other than the status. */
export function ticketEdited(key: string): unknown {
  const payload = statusChanged(key, 'Backlog', 'Backlog') as { changelog: { items: Array<Record<string, unknown>> } };
  return { ...payload, changelog: { ...payload.changelog, items: [{ field: 'Component', fieldtype: 'jira', from: null, fromString: null, to: '10000', toString: 'search' }] } };
}

// Each test file loads this module afresh: starting from the clock (in milliseconds, files start
// seconds apart and use a few dozen keys each) keeps the files of one run from reusing a key,
// which the shared engine would take for a duplicate delivery of an earlier ticket.
let keys = (Date.now() % 100_000_000) * 10;

/** A fresh issue key, so tests sharing one engine never see each other's lifecycles. */
export function nextIssueKey(): string {
  return `MLM-${++keys}`;
}
