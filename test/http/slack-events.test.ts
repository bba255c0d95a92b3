import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackStandIn, signSlackRequest } from '../../standins/slack.ts';
import { Messages } from '../../src/bpmn/contract.ts';
import { SlackClient } from '../../src/clients/slack.ts';
import type { CanaryGate } from '../../src/domain/canary-decision.ts';
import { EngineClient } from '../../src/engine/camunda7/rest.ts';
import { CanaryActionIds, registerCanaryListeners } from '../../src/http/slack-canary.ts';
import { createSlackInteractivity } from '../../src/http/slack-events.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';
import { ENGINE, isolateNetwork, startApp, type RunningApp } from './support.ts';

/**
 * `POST /slack/events` at the wire: Slack's signed requests as the Slack stand-in sends them,
 * the engine faked with nock. The decision paths on a real engine are in slack-events.int.test.ts.
 */

const TOKEN = 'xoxb-unit-test';
const SIGNING_SECRET = 'unit-slack-signing-secret';
const CHANNEL = 'C0SEARCH001';
const MAINTAINER = 'U0MAINT0001';
const ISSUE = 'MLM-4242';
const INSTANCE = 'pi-canary-1';

let clock = Date.parse('2026-11-30T13:10:00.000Z');
let slackStandIn: SlackStandIn;
let app: RunningApp;
let metrics: Metrics;
let messageTs: string;
const unexpected: string[] = [];
const recordUnexpected = (req: { method?: string; url?: string }) => {
  if (String(req.url).startsWith(ENGINE)) unexpected.push(`${req.method} ${req.url}`);
};

function gate(overrides: Partial<CanaryGate> = {}): CanaryGate {
  return {
    issueKey: ISSUE,
    channel: CHANNEL,
    ts: messageTs,
    windowEndsAt: new Date(clock - 60_000).toISOString(),
    decisionDeadlineAt: new Date(clock + 3_600_000).toISOString(),
    deciders: [{ slackId: MAINTAINER, reason: 'maintainer of team search' }],
    barred: [],
    ...overrides,
  };
}

/** The engine's answers to reading the gate: the running lifecycle, then its canaryGate. */
function engineHasGate(value: CanaryGate, options: { delayMs?: number } = {}) {
  nock(ENGINE)
    .get('/process-instance')
    .query({ processDefinitionKey: 'model-lifecycle', businessKey: ISSUE })
    .delay(options.delayMs ?? 0)
    .reply(200, [{ links: [], id: INSTANCE, definitionId: 'model-lifecycle:1:d1', businessKey: ISSUE, caseInstanceId: null, ended: false, suspended: false, tenantId: null }]);
  nock(ENGINE)
    .get(`/process-instance/${INSTANCE}/variables/canaryGate`)
    .query({ deserializeValue: 'false' })
    .reply(200, { type: 'Json', value: JSON.stringify(value), valueInfo: {} });
}

/** The correlation of the decision; resolves with the body the engine received. */
function engineTakesDecision(): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    nock(ENGINE)
      .post('/message', (body: Record<string, unknown>) => {
        resolve(body);
        return true;
      })
      .reply(204);
  });
}

beforeEach(async () => {
  isolateNetwork();
  nock.emitter.on('no match', recordUnexpected);
  unexpected.length = 0;
  clock = Date.parse('2026-11-30T13:10:00.000Z');
  slackStandIn = new SlackStandIn({ token: TOKEN, signingSecret: SIGNING_SECRET, channels: { [CHANNEL]: 'search-models' }, now: () => clock });
  const apiUrl = await slackStandIn.start();
  metrics = createMetrics({ defaultMetrics: false });
  const silent = createLogger({ level: 'silent' });
  const interactivity = createSlackInteractivity({ socketMode: false, signingSecret: SIGNING_SECRET, log: silent, metrics, now: () => clock });
  if (interactivity.mode !== 'http') throw new Error('expected the HTTP receiver');
  const slack = new SlackClient({ token: TOKEN, slackApiUrl: apiUrl, retry: { retries: 0 }, receiver: interactivity.receiver });
  registerCanaryListeners(slack.app, {
    engine: new EngineClient({ baseUrl: ENGINE, timeoutMs: 10_000 }),
    slack,
    metrics,
    log: silent,
    now: () => new Date(clock),
    correlationRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
  });
  app = await startApp({ metrics, slackEvents: interactivity.eventsHandler });
  slackStandIn.interactivityUrl = `${app.url}/slack/events`;
  const posted = await slack.postMessageOnce({
    channel: CHANNEL,
    idempotencyKey: `${ISSUE}/canary/1`,
    text: 'Service deployed in canary mode',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: 'Service deployed in canary mode' } },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: CanaryActionIds.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: ISSUE },
          { type: 'button', action_id: CanaryActionIds.reject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value: ISSUE },
        ],
      },
    ],
  });
  messageTs = posted.ts;
});

afterEach(async () => {
  await app.close();
  await slackStandIn.stop();
  nock.emitter.removeListener('no match', recordUnexpected);
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
  expect(unexpected).toEqual([]);
});

async function unauthorizedCount(): Promise<number> {
  const { values } = await metrics.webhooks.get();
  return values.find((v) => v.labels.source === 'slack' && v.labels.result === 'unauthorized')?.value ?? 0;
}

describe('POST /slack/events: who may send', () => {
  it('takes a click signed with the signing secret, and correlates the decision after answering', async () => {
    engineHasGate(gate());
    const decision = engineTakesDecision();

    const click = await slackStandIn.click(messageTs, CanaryActionIds.approve, MAINTAINER);

    expect(click.status).toBe(200);
    expect(await decision).toMatchObject({
      messageName: Messages.slackCanaryDecision,
      businessKey: ISSUE,
      processVariables: {
        canaryDecision: {
          type: 'Json',
          value: JSON.stringify({ action: 'approve', userId: MAINTAINER, userName: MAINTAINER, decidedAt: new Date(clock).toISOString() }),
        },
      },
    });
    expect(unexpected).toEqual([]);
  });

  it('refuses a forged signature, an unsigned request, and a malformed signature with 401, and asks the engine nothing', async () => {
    const rawBody = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: MAINTAINER }, actions: [{ action_id: CanaryActionIds.approve, value: ISSUE }] }) }).toString();
    const timestamp = Math.floor(clock / 1000);
    const post = (headers: Record<string, string>) =>
      fetch(`${app.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: rawBody });

    const forged = await post({ 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest('not-the-secret', timestamp, rawBody) });
    const unsigned = await post({});
    const malformed = await post({ 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': 'v1=abc' });
    const tampered = await post({ 'x-slack-request-timestamp': String(timestamp + 1), 'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, rawBody) });

    for (const response of [forged, unsigned, malformed, tampered]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
    }
    expect(await unauthorizedCount()).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unexpected).toEqual([]);
  });

  it('refuses a request signed more than 5 minutes before or after its arrival with 401', async () => {
    const signedAt = clock;
    for (const arrival of [signedAt + 5 * 60_000 + 1_000, signedAt - 5 * 60_000 - 1_000]) {
      const timestamp = Math.floor(signedAt / 1000);
      const body = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', actions: [] }) }).toString();
      clock = arrival;
      const response = await fetch(`${app.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, body) },
        body,
      });
      expect(response.status).toBe(401);
    }
    expect(await unauthorizedCount()).toBe(2);
    expect(unexpected).toEqual([]);
  });

  it('refuses the same signed request sent again (a replay) with 401, and decides once', async () => {
    engineHasGate(gate());
    const decision = engineTakesDecision();
    const click = await slackStandIn.click(messageTs, CanaryActionIds.approve, MAINTAINER);
    await decision;

    const replay = await fetch(`${app.url}/slack/events`, { method: 'POST', headers: click.headers, body: click.rawBody });

    expect(replay.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unexpected).toEqual([]);
    const { values } = await metrics.canaryClicks.get();
    expect(values.map((v) => [v.labels.action, v.labels.result, v.value])).toEqual([['approve', 'accepted', 1]]);
  });

  it("answers Slack's retry of a handled delivery (the same signed request with X-Slack-Retry-Num) with 200, and decides nothing again", async () => {
    engineHasGate(gate());
    const decision = engineTakesDecision();
    const click = await slackStandIn.click(messageTs, CanaryActionIds.approve, MAINTAINER);
    await decision;

    const sameRequest = await fetch(`${app.url}/slack/events`, { method: 'POST', headers: { ...click.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }, body: click.rawBody });
    clock += 3_000;
    const reSigned = await slackStandIn.redeliver(click, 2, 'http_timeout');

    expect(sameRequest.status).toBe(200);
    expect(reSigned.status).toBe(200);
    expect(reSigned.headers).toMatchObject({ 'X-Slack-Retry-Num': '2', 'X-Slack-Retry-Reason': 'http_timeout' });
    expect(reSigned.headers['X-Slack-Signature']).not.toBe(click.headers['X-Slack-Signature']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { values } = await metrics.canaryClicks.get();
    expect(values.map((v) => [v.labels.action, v.labels.result, v.value])).toEqual([['approve', 'accepted', 1]]);
    expect(slackStandIn.ephemeralsFor(MAINTAINER)).toEqual([]);
  });

  it('answers the URL check of the Slack app settings with its challenge', async () => {
    const timestamp = Math.floor(clock / 1000);
    const body = JSON.stringify({ token: 'x', challenge: 'the-challenge-text', type: 'url_verification' });
    const response = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, body) },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'the-challenge-text' });
  });
});

describe('POST /slack/events: acknowledge, then work', () => {
  it('answers within 3 seconds while the engine takes 4 to answer, and still decides', async () => {
    engineHasGate(gate(), { delayMs: 4_000 });
    const decision = engineTakesDecision();

    const started = Date.now();
    const click = await slackStandIn.click(messageTs, CanaryActionIds.approve, MAINTAINER);
    const answeredInMs = Date.now() - started;

    expect(click.status).toBe(200);
    expect(answeredInMs).toBeLessThan(3_000);
    expect(await decision).toMatchObject({ messageName: Messages.slackCanaryDecision, businessKey: ISSUE });
  }, 15_000);

  it('tells the clicker to click again when the engine cannot be reached, and decides nothing', async () => {
    nock(ENGINE)
      .get('/process-instance')
      .query(true)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:8080'), { code: 'ECONNREFUSED' }));

    const click = await slackStandIn.click(messageTs, CanaryActionIds.approve, MAINTAINER);

    expect(click.status).toBe(200);
    await expect.poll(() => slackStandIn.ephemeralsFor(MAINTAINER).map((e) => e.text)).toEqual([
      'The lifecycle engine did not answer, so nothing was decided. Please click again in a minute.',
    ]);
    const { values } = await metrics.canaryClicks.get();
    expect(values.map((v) => [v.labels.action, v.labels.result, v.value])).toEqual([['approve', 'engine_unavailable', 1]]);
  });
});
