import { readFileSync } from 'node:fs';
import nock from 'nock';
import { loadConfig } from '../../src/config/load.ts';
import { signGitHubBody } from '../../src/http/verify-github.ts';
import { signJiraBody } from '../../src/http/verify-jira.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startService, type Service } from '../../src/service.ts';
import { engineRestUrl } from './engine.ts';
import { FakeGitHub } from './fake-github.ts';
import { FakeJira } from './fake-jira.ts';
import { FakeSlack } from './fake-slack.ts';

export const JIRA_URL = 'https://acme.atlassian.net';
export const WEBHOOK_SECRET = 'it-webhook-secret';
export const JENKINS_CALLBACK_SECRET = 'it-jenkins-callback-secret';
export const GITHUB_WEBHOOK_SECRET = 'it-github-webhook-secret';
export const STATUSES = ['Backlog', 'Research', 'Ready for training', 'Ready for build'] as const;

/** The settings a team would put in .env, pointing at the fakes. */
export const testEnv = {
  POLICY_FILE: 'test/fixtures/policy/flow.toml',
  JIRA_BASE_URL: JIRA_URL,
  JIRA_EMAIL: 'lifecycle-robot@acme.test',
  JIRA_API_TOKEN: 'jira-api-token',
  JIRA_WEBHOOK_SECRET: WEBHOOK_SECRET,
  GITHUB_WEBHOOK_SECRET: GITHUB_WEBHOOK_SECRET,
  GITHUB_TOKEN: 'ghp_testtoken',
  SLACK_BOT_TOKEN: 'xoxb-test-token',
  // Nothing listens here: tests that go past "ready for training" start a Jenkins stand-in and
  // an MLflow server and override these (see test/support/training.ts).
  JENKINS_URL: 'http://127.0.0.1:9',
  JENKINS_USER: 'model-lifecycle',
  JENKINS_API_TOKEN: 'jenkins-api-token',
  JENKINS_CALLBACK_SECRET: JENKINS_CALLBACK_SECRET,
  MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
};

export interface World {
  readonly jira: FakeJira;
  readonly github: FakeGitHub;
  readonly slack: FakeSlack;
}

/** Fakes Jira, GitHub and Slack at the wire; only loopback (the engine, the service) is real. */
export function installWorld(): World {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const world = { jira: new FakeJira(JIRA_URL, STATUSES), github: new FakeGitHub(), slack: new FakeSlack() };
  world.jira.install();
  world.github.install();
  world.slack.install();
  return world;
}

export function uninstallWorld(): void {
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

let keys = Math.floor(Math.random() * 9_000) + 1_000;

/** A fresh issue key, so tests sharing one engine never see each other's lifecycles. */
export function nextIssueKey(): string {
  return `MLM-${++keys}`;
}
