import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxActions, sandboxView } from '../../sandbox/adapter.ts';
import { SandboxActionError, type SandboxView } from '../../sandbox/view.ts';
import { SANDBOX_CHANNELS, SANDBOX_DEFAULT_PLAYER, SANDBOX_PEOPLE, SANDBOX_STATUSES, type SandboxWorld } from '../../sandbox/world.ts';
import { GitHubStandIn } from '../../standins/github.ts';
import { InferenceDeployments } from '../../standins/inference-service.ts';
import { JenkinsStandIn } from '../../standins/jenkins.ts';
import { JiraStandIn } from '../../standins/jira.ts';
import { SlackStandIn } from '../../standins/slack.ts';

/**
 * The sandbox's adapter over real stand-ins (Slack on loopback, an inference deployment on
 * loopback) and a small app at the interactivity URL that answers as the service's canary
 * listener does: an early Approve gets an ephemeral reply through the click's response_url, a
 * Reject opens the "Why?" modal with views.open, and a blank reason is answered with errors.
 */
const TOKEN = 'xoxb-sandbox-adapter-test';
const CHANNEL = 'C0SANDBOX01';
const alice = SANDBOX_DEFAULT_PLAYER;
const ada = SANDBOX_PEOPLE.find((person) => person.name === 'ada')?.slackId ?? '';

let slack: SlackStandIn;
let deployments: InferenceDeployments;
let app: Server;
let world: SandboxWorld;
let view: () => Promise<SandboxView>;
let apiUrl: string;
const submissions: Array<{ user: string; values: unknown }> = [];

beforeEach(async () => {
  submissions.length = 0;
  slack = new SlackStandIn({ token: TOKEN, channels: SANDBOX_CHANNELS, users: SANDBOX_PEOPLE.map(({ slackId, name, email }) => ({ id: slackId, name, email })) });
  apiUrl = await slack.start();
  app = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '{}') as {
        type: string;
        user: { id: string };
        trigger_id: string;
        response_url?: string;
        actions?: Array<{ action_id: string }>;
        view?: { state: { values: Record<string, Record<string, { value: string }>> } };
      };
      if (payload.type === 'view_submission') {
        const reason = payload.view?.state.values.reason?.reason?.value.trim() ?? '';
        if (reason === '') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response_action: 'errors', errors: { reason: 'Say why the canary is rejected.' } }));
        submissions.push({ user: payload.user.id, values: payload.view?.state.values });
        return void res.writeHead(200).end();
      }
      res.writeHead(200).end();
      const action = payload.actions?.[0]?.action_id;
      if (action === 'canary:approve') {
        void fetch(payload.response_url ?? '', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Approve becomes available in 1 m 40 s, after stabilisation.' }) }).catch(() => undefined);
      } else if (action === 'canary:reject') {
        const form = {
          type: 'modal',
          callback_id: 'canary:reject-reason',
          title: { type: 'plain_text', text: 'Reject the canary' },
          submit: { type: 'plain_text', text: 'Reject and roll back' },
          close: { type: 'plain_text', text: 'Cancel' },
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: 'Rejecting rolls the canary back.' } },
            { type: 'input', block_id: 'reason', label: { type: 'plain_text', text: 'Why?' }, element: { type: 'plain_text_input', action_id: 'reason', multiline: true, max_length: 3000 } },
          ],
        };
        void fetch(`${apiUrl}views.open`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
          body: new URLSearchParams({ trigger_id: payload.trigger_id, view: JSON.stringify(form) }).toString(),
        }).catch(() => undefined);
      }
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  slack.interactivityUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`;
  await fetch(`${apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      channel: CHANNEL,
      text: 'Service deployed in canary mode',
      blocks: [
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'canary:approve', value: 'MLM-1' },
            { type: 'button', text: { type: 'plain_text', text: 'Reject' }, action_id: 'canary:reject', value: 'MLM-1' },
          ],
        },
      ],
    }),
  });
  deployments = new InferenceDeployments({ requestsPerSecond: 0 });
  world = {
    jira: new JiraStandIn({ statuses: SANDBOX_STATUSES, email: 'robot@sandbox.local', apiToken: 'token' }),
    github: new GitHubStandIn({ token: 'ghp_test' }),
    slack,
    jenkins: new JenkinsStandIn({ user: 'u', apiToken: 't' }),
    mlflowUrl: 'http://127.0.0.1:5000',
    mlflowReady: Promise.resolve(),
    toggles: { trainingMissesMetric: false, buildFailsTests: false, stagingUnhealthy: false, stagingWrongAnswer: false, canaryErrorRate: false },
    deployments,
    player: { slackId: alice },
    env: {},
    connect: () => undefined,
    stop: async () => undefined,
  };
  const engine = { historicProcessInstances: async () => [], historicActivities: async () => [], incidents: async () => [] };
  view = sandboxView({ world, engine, cockpitUrl: 'http://127.0.0.1:8080/camunda/app/cockpit/', serviceUrl: 'http://127.0.0.1:3000', teams: ['search', 'fraud'] });
});

afterEach(async () => {
  await deployments.stopAll();
  await slack.stop();
  await new Promise((resolve) => app.close(resolve));
});

const canaryTs = () => slack.messages.find((message) => message.text === 'Service deployed in canary mode')?.ts ?? '';
const channelOf = (v: SandboxView) => v.slack.find((channel) => channel.id === CHANNEL);

describe('the sandbox view and actions over the stand-ins', () => {
  it('lists the people to play, alice first, and shows an ephemeral reply only to whom it was sent, after the message clicked', async () => {
    const actions = sandboxActions(world);
    expect((await view()).people.map((person) => person.name)).toEqual(['alice', 'bob', 'carol', 'dave', 'ada', 'erin']);
    expect((await view()).player).toBe(alice);

    await actions.clickButton(CHANNEL, canaryTs(), 'canary:approve');
    await expect.poll(async () => channelOf(await view())?.messages.length).toBe(2);
    const [message, reply] = channelOf(await view())?.messages ?? [];
    expect(message?.ephemeral).toBeUndefined();
    expect(reply).toMatchObject({ text: 'Approve becomes available in 1 m 40 s, after stabilisation.', user: null, ephemeral: true });
    expect(Number(reply?.ts)).toBeGreaterThan(Number(message?.ts));
    expect(slack.clicks.at(-1)?.userId).toBe(alice);

    // As the developer, the page clicks as her and no longer shows alice's reply.
    await actions.playAs(ada);
    expect(channelOf(await view())?.messages).toHaveLength(1);
    await actions.clickButton(CHANNEL, canaryTs(), 'canary:approve');
    expect(slack.clicks.at(-1)?.userId).toBe(ada);
    await expect.poll(async () => channelOf(await view())?.messages.filter((m) => m.ephemeral).length).toBe(1);
    await expect(actions.playAs('U0NOBODY01')).rejects.toThrow(/nobody in the sandbox's Slack: choose one of alice, bob/);
  });

  it('shows the Reject form to the clicker only, and submits the typed reason as view_submission', async () => {
    const actions = sandboxActions(world);
    await actions.clickButton(CHANNEL, canaryTs(), 'canary:reject');
    await expect.poll(async () => (await view()).modal).not.toBeNull();
    const modal = (await view()).modal;
    expect(modal).toMatchObject({
      title: 'Reject the canary',
      submit: 'Reject and roll back',
      close: 'Cancel',
      inputs: [{ blockId: 'reason', actionId: 'reason', label: 'Why?', multiline: true, required: true, maxLength: 3000 }],
    });
    expect(modal?.blocks).toEqual([expect.objectContaining({ type: 'section' })]);

    // Someone else plays: not their form, and they cannot send it.
    await actions.playAs(ada);
    expect((await view()).modal).toBeNull();
    await expect(actions.submitModal(modal?.id ?? '', { reason: { reason: 'mine' } })).rejects.toThrow(/alice's, not yours/);
    await actions.playAs(alice);

    // A blank reason: the app's errors come back, the form stays open.
    const blank = await actions.submitModal(modal?.id ?? '', { reason: { reason: '  ' } }).catch((error: unknown) => error);
    expect(blank).toBeInstanceOf(SandboxActionError);
    expect(blank).toMatchObject({ status: 422, message: 'Say why the canary is rejected.' });
    expect((await view()).modal?.id).toBe(modal?.id);

    await actions.submitModal(modal?.id ?? '', { reason: { reason: 'p99 latency doubled' } });
    expect(submissions).toEqual([{ user: alice, values: { reason: { reason: { type: 'plain_text_input', value: 'p99 latency doubled' } } } }]);
    expect((await view()).modal).toBeNull();
  });

  it('closes a form without sending anything', async () => {
    const actions = sandboxActions(world);
    await actions.clickButton(CHANNEL, canaryTs(), 'canary:reject');
    await expect.poll(async () => (await view()).modal).not.toBeNull();
    const id = (await view()).modal?.id ?? '';
    await actions.closeModal(id);
    expect((await view()).modal).toBeNull();
    expect(submissions).toEqual([]);
    await expect(actions.closeModal(id)).rejects.toThrow(/no open form/);
  });

  it('names people in mentions by their handle, as Slack shows them', async () => {
    await fetch(`${apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: CHANNEL, text: 'Rejected by <@U0SBALICE1> at 14:05 UTC', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Rejected by <@U0SBALICE1>*, developer <@U0SBADA001>, <@U0UNKNOWN1>' } }] }),
    });
    const posted = channelOf(await view())?.messages.at(-1);
    expect(posted?.text).toBe('Rejected by <@U0SBALICE1|alice> at 14:05 UTC');
    expect(JSON.stringify(posted?.blocks)).toContain('*Rejected by <@U0SBALICE1|alice>*, developer <@U0SBADA001|ada>, <@U0UNKNOWN1>');
  });

  it('lists the deployments by service and slot, with the faults a switch set', async () => {
    await deployments.deploy({ service: 'iris', slot: 'stable', modelVersion: '1' });
    await deployments.deploy({ service: 'iris', slot: 'canary', modelVersion: '2', errorRatio: 0.3 });
    await deployments.deploy({ service: 'iris', slot: 'staging', modelVersion: '2', wrongField: { path: 'predictions.1.species', value: 'setosa' } });

    const listed = (await view()).deployments;
    expect(listed.map((deployment) => `${deployment.slot} v${deployment.version}`)).toEqual(['staging v2', 'canary v2', 'stable v1']);
    expect(listed[0]).toMatchObject({ service: 'iris', wrongAnswer: true, errorRatio: 0 });
    expect(listed[1]).toMatchObject({ errorRatio: 0.3, wrongAnswer: false });
    expect(listed[2]?.url).toBe(deployments.get('iris', 'stable')?.url);
  });
});
