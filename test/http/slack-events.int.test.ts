import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackStandIn, signSlackRequest } from '../../standins/slack.ts';
import { Messages } from '../../src/bpmn/contract.ts';
import { SlackClient } from '../../src/clients/slack.ts';
import { canaryDecisionSchema, type CanaryGate } from '../../src/domain/canary-decision.ts';
import { createApp } from '../../src/http/app.ts';
import { CANARY_REASON_ACTION, CANARY_REASON_BLOCK, CanaryActionIds, registerCanaryListeners } from '../../src/http/slack-canary.ts';
import { createSlackInteractivity } from '../../src/http/slack-events.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { engineClient, uniqueKey, waitFor } from '../support/engine.ts';
import { awaitMessageBpmn, closeServer, listenOnLoopback, waitsAt } from './await-message.ts';
import { nextIssueKey } from '../support/service.ts';

/**
 * The canary decision from a click in Slack to the BPMN message, on a real engine: a test
 * process waits at a message catch event `slack:canary-decision` with a `canaryGate` variable,
 * as the delivery stage leaves the lifecycle; the Slack stand-in plays the people clicking, with
 * payloads signed as Slack signs them.
 */
describe('POST /slack/events on a real engine: the canary decision', () => {
  const engine = engineClient();
  const processKey = uniqueKey('canary_decision').replace(/-/g, '_');
  const signingSecret = 'int-slack-signing-secret';
  const token = 'xoxb-int-slack';
  const channel = 'C0SEARCH001';
  const people = {
    maintainer: { id: 'U0MAINT0001', name: 'spengler' },
    approver: { id: 'U0APPRV0001', name: 'venkman' },
    developer: { id: 'U0DEVEL0001', name: 'stantz' },
    stranger: { id: 'U0STRNG0001', name: 'peck' },
  };
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const metrics = createMetrics({ defaultMetrics: false });
  const slackStandIn = new SlackStandIn({ token, signingSecret, channels: { [channel]: 'search-models' }, users: Object.values(people) });
  const instances: string[] = [];
  // The decision's clock: the canary's stabilisation window is set against it.
  const t0 = Date.now();
  let decisionNow = t0;
  let slack: SlackClient;
  let server: Server;
  let url: string;

  const bpmn = awaitMessageBpmn({ processKey, processName: 'Canary decision test', messageName: Messages.slackCanaryDecision, catchId: 'AwaitDecision', catchName: 'Canary decided' });

  /** Posts the canary message as the delivery stage does and starts a lifecycle waiting for its decision. */
  async function canary(): Promise<{ issueKey: string; ts: string; processInstanceId: string }> {
    const issueKey = nextIssueKey();
    const posted = await slack.postMessageOnce({
      channel,
      idempotencyKey: `${issueKey}/canary/1`,
      text: `Service deployed in canary mode: ${issueKey}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${issueKey}* is deployed in canary mode. Approve becomes available after stabilisation.` } },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: CanaryActionIds.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: issueKey },
            { type: 'button', action_id: CanaryActionIds.reject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value: issueKey },
          ],
        },
      ],
    });
    const canaryGate: CanaryGate = {
      issueKey,
      channel,
      ts: posted.ts,
      windowEndsAt: new Date(t0 + 100_000).toISOString(),
      decisionDeadlineAt: new Date(t0 + 3_600_000).toISOString(),
      deciders: [
        { slackId: people.maintainer.id, reason: 'maintainer of team search' },
        { slackId: people.approver.id, reason: 'platform approver' },
        { slackId: people.developer.id, reason: 'maintainer of team search' },
      ],
      barred: [{ slackId: people.developer.id, reason: 'developer of the model; self-approval is off' }],
    };
    const started = await engine.startProcess(processKey, { businessKey: issueKey, variables: { canaryGate } });
    instances.push(started.id);
    return { issueKey, ts: posted.ts, processInstanceId: started.id };
  }

  const waitsForDecision = (processInstanceId: string): Promise<boolean> => waitsAt(engine, processInstanceId, 'AwaitDecision');

  const ephemeralTexts = (userId: string) => slackStandIn.ephemeralsFor(userId).map((e) => e.text);

  async function clicks(): Promise<Array<[string, string, number]>> {
    const { values } = await metrics.canaryClicks.get();
    return values.map((v) => [String(v.labels.action), String(v.labels.result), v.value]);
  }

  beforeAll(async () => {
    await engine.deploy(`${processKey}-deployment`, [{ name: `${processKey}.bpmn`, content: bpmn }]);
    const apiUrl = await slackStandIn.start();
    const interactivity = createSlackInteractivity({ socketMode: false, signingSecret, log, metrics });
    if (interactivity.mode !== 'http') throw new Error('expected the HTTP receiver');
    slack = new SlackClient({ token, slackApiUrl: apiUrl, retry: { retries: 0 }, receiver: interactivity.receiver, log });
    registerCanaryListeners(slack.app, { engine, slack, metrics, log, processKey, now: () => new Date(decisionNow) });
    const app = createApp({
      engine,
      metrics,
      log,
      jira: { project: 'MLM', issueType: 'Model', statusRoles: {} },
      lifecycle: { researchServerEnabled: false, statusReconcileInterval: 'PT5M', startSettle: 'PT5S' },
      slackEvents: interactivity.eventsHandler,
    });
    ({ server, url } = await listenOnLoopback(app));
    slackStandIn.interactivityUrl = `${url}/slack/events`;
  });

  afterAll(async () => {
    await closeServer(server);
    await slackStandIn.stop();
    for (const id of instances) await engine.deleteProcessInstance(id).catch(() => undefined);
  });

  it('refuses an early Approve with the time left, an outsider and the barred developer, each ephemerally; then one Approve decides once, and a second click and a retried delivery change nothing', async () => {
    const { ts, processInstanceId } = await canary();

    decisionNow = t0;
    expect((await slackStandIn.click(ts, CanaryActionIds.approve, people.maintainer.id)).status).toBe(200);
    await waitFor(() => ephemeralTexts(people.maintainer.id).length === 1, { message: 'the early-click reply' });
    expect(ephemeralTexts(people.maintainer.id)).toEqual(['Approve becomes available in 1 m 40 s, after stabilisation.']);

    decisionNow = t0 + 101_000;
    expect((await slackStandIn.click(ts, CanaryActionIds.approve, people.stranger.id)).status).toBe(200);
    expect((await slackStandIn.click(ts, CanaryActionIds.approve, people.developer.id)).status).toBe(200);
    await waitFor(() => ephemeralTexts(people.stranger.id).length === 1 && ephemeralTexts(people.developer.id).length === 1, { message: 'the refusals' });
    expect(ephemeralTexts(people.stranger.id)).toEqual(["Only the model's maintainers and the platform's approvers can decide: you are not one of them."]);
    expect(ephemeralTexts(people.developer.id)).toEqual(['You developed this model: self-approval is off.']);
    expect(await waitsForDecision(processInstanceId)).toBe(true);
    expect(await engine.variables(processInstanceId)).not.toHaveProperty('canaryDecision');

    const approval = await slackStandIn.click(ts, CanaryActionIds.approve, people.approver.id);
    expect(approval.status).toBe(200);
    await waitFor(async () => !(await waitsForDecision(processInstanceId)), { message: 'the decision correlated' });
    const decision = canaryDecisionSchema.parse((await engine.variables(processInstanceId))['canaryDecision']);
    expect(decision).toEqual({ action: 'approve', userId: people.approver.id, userName: people.approver.name, decidedAt: new Date(t0 + 101_000).toISOString() });

    // Slack delivers the same click again, re-signed a moment later: recognised by its action, nothing changes, nobody is told anything.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const retried = await slackStandIn.redeliver(approval, 1, 'http_timeout');
    expect(retried.status).toBe(200);
    // A second click (the maintainer, or a double click): the subscription is consumed.
    decisionNow = t0 + 102_000;
    expect((await slackStandIn.click(ts, CanaryActionIds.approve, people.maintainer.id)).status).toBe(200);
    await waitFor(() => ephemeralTexts(people.maintainer.id).length === 2, { message: 'the already-decided reply' });
    expect(ephemeralTexts(people.maintainer.id)[1]).toBe('This canary was already decided.');
    expect(ephemeralTexts(people.approver.id)).toEqual([]);
    expect(canaryDecisionSchema.parse((await engine.variables(processInstanceId))['canaryDecision'])).toEqual(decision);
    expect(await clicks()).toEqual([
      ['approve', 'too_early', 1],
      ['approve', 'not_allowed', 1],
      ['approve', 'barred', 1],
      ['approve', 'accepted', 1],
      ['approve', 'already_decided', 1],
    ]);
  });

  it('rejects through the Why? form during the window: the decision carries the reason', async () => {
    const { ts, processInstanceId } = await canary();
    decisionNow = t0 + 10_000;

    expect((await slackStandIn.click(ts, CanaryActionIds.reject, people.maintainer.id)).status).toBe(200);
    const form = await waitFor(() => slackStandIn.views.find((view) => view.user === people.maintainer.id && view.state === 'open'), { message: 'the reject form' });
    expect(form.title).toBe('Reject the canary');
    expect(await waitsForDecision(processInstanceId)).toBe(true);

    // An empty reason keeps the form open with the error under the field.
    const empty = await slackStandIn.submitView(form.id, { [CANARY_REASON_BLOCK]: { [CANARY_REASON_ACTION]: '   ' } });
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.body)).toEqual({ response_action: 'errors', errors: { [CANARY_REASON_BLOCK]: expect.stringMatching(/^Say why/) } });
    expect(form.state).toBe('open');

    const submitted = await slackStandIn.submitView(form.id, { [CANARY_REASON_BLOCK]: { [CANARY_REASON_ACTION]: 'p99 latency doubled on the canary' } });
    expect(submitted.status).toBe(200);
    expect(form.state).toBe('submitted');
    await waitFor(async () => !(await waitsForDecision(processInstanceId)), { message: 'the rejection correlated' });
    expect(canaryDecisionSchema.parse((await engine.variables(processInstanceId))['canaryDecision'])).toEqual({
      action: 'reject',
      userId: people.maintainer.id,
      userName: people.maintainer.name,
      decidedAt: new Date(t0 + 10_000).toISOString(),
      reason: 'p99 latency doubled on the canary',
    });
    // The same submission delivered again decides nothing more.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await slackStandIn.redeliver(submitted, 1, 'http_timeout')).status).toBe(200);
    expect((await clicks()).filter(([action]) => action === 'reject')).toEqual([['reject', 'accepted', 1]]);
  });

  it('answers a forged request with 401, and the lifecycle still waits', async () => {
    const { issueKey, ts, processInstanceId } = await canary();
    decisionNow = t0 + 200_000;
    const payload = { type: 'block_actions', user: { id: people.approver.id }, container: { message_ts: ts }, actions: [{ action_id: CanaryActionIds.approve, value: issueKey, action_ts: '1.0' }] };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = Math.floor(Date.now() / 1000);

    const response = await fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest('a-forged-secret', timestamp, body) },
      body,
    });

    expect(response.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await waitsForDecision(processInstanceId)).toBe(true);
    expect(await engine.variables(processInstanceId)).not.toHaveProperty('canaryDecision');
  });
});
