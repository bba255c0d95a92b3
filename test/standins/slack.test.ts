import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type BlockAction, type ButtonAction } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClientError } from '../../src/clients/errors.ts';
import type { RetryOptions } from '../../src/clients/retry.ts';
import { SlackClient, type SlackView } from '../../src/clients/slack.ts';
import { SlackStandIn, type SlackStandInEvent, type SlackStandInOptions } from '../../standins/slack.ts';

// Strict schemas of Slack's answers, from the documented examples under test/fixtures/slack/
// (see its SOURCES.md). Each fixture passes them, and so must the stand-in: a field Slack's
// examples do not show fails the strict object.

const ts = z.string().regex(/^\d{10}\.\d{6}$/);
const metadata = z.strictObject({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()) });
const historyMessage = z.strictObject({
  type: z.literal('message'),
  subtype: z.literal('bot_message').optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  app_id: z.string().optional(),
  text: z.string(),
  ts,
  blocks: z.array(z.looseObject({ type: z.string(), block_id: z.string() })).optional(),
  thread_ts: ts.optional(),
  edited: z.strictObject({ user: z.string(), ts }).optional(),
  metadata: metadata.optional(),
});
const historyAnswer = z.strictObject({
  ok: z.literal(true),
  messages: z.array(historyMessage),
  has_more: z.boolean(),
  pin_count: z.number().int(),
  response_metadata: z.strictObject({ next_cursor: z.string().min(1) }).optional(),
});
const postAnswer = z.strictObject({
  ok: z.literal(true),
  channel: z.string(),
  ts,
  message: z.looseObject({ type: z.literal('message'), text: z.string(), ts, bot_id: z.string(), subtype: z.literal('bot_message') }),
});
const errorAnswer = z.strictObject({ ok: z.literal(false), error: z.string().regex(/^[a-z_]+$/), needed: z.string().optional(), provided: z.string().optional() });

const fixtureRoot = new URL('../fixtures/slack/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, fixtureRoot), 'utf8'));

const TOKEN = 'xoxb-1234-5678-standin';
const CHANNEL = 'C0SEARCH001';
const noRetry: RetryOptions = { retries: 0 };

/** Retries that record their waits instead of sleeping. */
function recordedRetry(): { retry: RetryOptions; waits: number[] } {
  const waits: number[] = [];
  return { waits, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 4, sleep: async (ms: number) => void waits.push(ms) } };
}

let slack: SlackStandIn;
let apiUrl: string;

async function startStandIn(options: Partial<SlackStandInOptions> = {}): Promise<void> {
  await slack?.stop();
  slack = new SlackStandIn({ token: TOKEN, channels: { [CHANNEL]: 'ml-search' }, ...options });
  apiUrl = await slack.start();
}

function client(options: { retry?: RetryOptions; token?: string; historyPageSize?: number } = {}): SlackClient {
  return new SlackClient({ token: options.token ?? TOKEN, slackApiUrl: apiUrl, retry: options.retry ?? noRetry, ...(options.historyPageSize ? { historyPageSize: options.historyPageSize } : {}) });
}

/** A raw Web API call, form-encoded as the WebClient sends it. */
async function call(method: string, args: Record<string, string>, token: string | null = TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: new URLSearchParams(args).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const message = {
  channel: CHANNEL,
  idempotencyKey: 'model-lifecycle:COMPANYSA-35:repository-created',
  text: 'Repository created for COMPANYSA-35',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Repository created for *COMPANYSA-35*' } }],
} as const;

const approval = {
  channel: CHANNEL,
  idempotencyKey: 'model-lifecycle:COMPANYSA-35:review',
  text: 'Review COMPANYSA-35',
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: 'Review *COMPANYSA-35*' } },
    {
      type: 'actions',
      block_id: 'review',
      elements: [
        { type: 'button', action_id: 'approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: 'COMPANYSA-35' },
        { type: 'button', action_id: 'reject', style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value: 'COMPANYSA-35' },
      ],
    },
  ],
} as const;

beforeEach(async () => {
  await startStandIn();
});

afterEach(async () => {
  await slack.stop();
});

describe('the recorded answers', () => {
  it('pass the strict schemas the stand-in is held to', () => {
    expect(() => historyAnswer.parse(fixture('conversations-history.json'))).not.toThrow();
    expect(() => historyAnswer.parse(fixture('conversations-history-with-metadata.json'))).not.toThrow();
    expect(() => postAnswer.parse(fixture('chat-postMessage.json'))).not.toThrow();
    for (const name of ['error-channel-not-found.json', 'error-missing-scope.json', 'error-ratelimited.json']) expect(() => errorAnswer.parse(fixture(name))).not.toThrow();
  });
});

describe('SlackStandIn with the real SlackClient', () => {
  it('answers in the recorded shapes, at the base URL ending in /api/', async () => {
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const posted = await call('chat.postMessage', { channel: CHANNEL, text: 'hello', metadata: JSON.stringify({ event_type: 'model_lifecycle', event_payload: { key: 'k' } }) });
    expect(postAnswer.parse(posted.body)).toMatchObject({ channel: CHANNEL, message: { text: 'hello', bot_id: 'B0ROBOT0001' } });
    const history = await call('conversations.history', { channel: CHANNEL, include_all_metadata: 'true' });
    expect(historyAnswer.parse(history.body).messages).toEqual([
      expect.objectContaining({ type: 'message', subtype: 'bot_message', text: 'hello', metadata: { event_type: 'model_lifecycle', event_payload: { key: 'k' } } }),
    ]);
    // Without include_all_metadata Slack leaves the metadata out.
    const plain = await call('conversations.history', { channel: CHANNEL });
    expect(historyAnswer.parse(plain.body).messages[0]).not.toHaveProperty('metadata');
  });

  it('posts once per idempotency key: the second call finds the first message', async () => {
    const first = await client().postMessageOnce(message);
    const second = await client().postMessageOnce(message);

    expect(first).toMatchObject({ channel: CHANNEL, created: true });
    expect(second).toEqual({ channel: CHANNEL, ts: first.ts, created: false });
    expect(slack.messages).toEqual([
      expect.objectContaining({
        channel: CHANNEL,
        ts: first.ts,
        text: message.text,
        blocks: [{ ...message.blocks[0], block_id: expect.any(String) }],
        metadata: { event_type: 'model_lifecycle', event_payload: { key: message.idempotencyKey } },
      }),
    ]);
    expect(slack.requests).toEqual(['conversations.history', 'chat.postMessage', 'conversations.history']);
    expect(slack.calls[0]?.args).toMatchObject({ channel: CHANNEL, limit: '200', include_all_metadata: 'true' });
  });

  it('leaves one message when the answer to a post is lost', async () => {
    const { retry, waits } = recordedRetry();
    slack.onNextRequest('chat.postMessage', 'drop-answer');

    const posted = await client({ retry }).postMessageOnce(message);

    expect(slack.messages).toHaveLength(1);
    expect(posted).toEqual({ channel: CHANNEL, ts: slack.messages[0]?.ts, created: false });
    expect(slack.requests).toEqual(['conversations.history', 'chat.postMessage', 'conversations.history']);
    expect(waits).toHaveLength(1);
  });

  it('pages history newest first with cursors, no older than notBefore', async () => {
    const earlier = await client().postMessageOnce(message);
    for (let n = 1; n <= 5; n++) slack.say(CHANNEL, 'U0PERSON001', `chatter ${n}`);

    const found = await client({ historyPageSize: 2 }).postMessageOnce({ ...message, notBefore: new Date(Date.now() - 60_000) });

    expect(found).toEqual({ channel: CHANNEL, ts: earlier.ts, created: false });
    const pages = slack.calls.slice(2).map((page) => [page.args['limit'], page.args['cursor'] === undefined ? 'first' : 'cursor', page.outcome]);
    expect(pages).toEqual([
      ['2', 'first', 'ok'],
      ['2', 'cursor', 'ok'],
      ['2', 'cursor', 'ok'],
    ]);
    // A notBefore after the message: the search stops short of it, and a new message is posted.
    const again = await client().postMessageOnce({ ...message, notBefore: new Date(Date.now() + 1000) });
    expect(again.created).toBe(true);
  });

  it('pages exactly as Slack documents: limit, has_more, next_cursor, oldest exclusive unless inclusive', async () => {
    const said = [1, 2, 3].map((n) => slack.say(CHANNEL, 'U0PERSON001', `m${n}`));
    const first = historyAnswer.parse((await call('conversations.history', { channel: CHANNEL, limit: '2' })).body);
    expect(first.messages.map((m) => m.text)).toEqual(['m3', 'm2']);
    expect(first.has_more).toBe(true);
    const second = historyAnswer.parse((await call('conversations.history', { channel: CHANNEL, limit: '2', cursor: first.response_metadata?.next_cursor ?? '' })).body);
    expect(second).toMatchObject({ has_more: false, messages: [expect.objectContaining({ text: 'm1' })] });
    expect(second.response_metadata).toBeUndefined();

    const oldest = said[0]?.ts ?? '';
    expect(historyAnswer.parse((await call('conversations.history', { channel: CHANNEL, oldest })).body).messages).toHaveLength(2);
    expect(historyAnswer.parse((await call('conversations.history', { channel: CHANNEL, oldest, inclusive: 'true' })).body).messages).toHaveLength(3);
    expect((await call('conversations.history', { channel: CHANNEL, cursor: 'bm9wZQ==' })).body).toEqual({ ok: false, error: 'invalid_cursor' });
  });

  it('answers not_in_channel once the bot left, and channel_not_found for a channel it does not know', async () => {
    slack.leave(CHANNEL);
    const notIn = (await client().postMessageOnce(message).catch((e: unknown) => e)) as ClientError;
    expect(notIn).toBeInstanceOf(ClientError);
    expect(notIn.message).toBe('Slack: reading recent messages of channel C0SEARCH001 failed: not_in_channel — invite the bot to the channel');
    expect(notIn.retryable).toBe(false);
    expect(errorAnswer.parse((await call('chat.postMessage', { channel: CHANNEL, text: 'x' })).body).error).toBe('not_in_channel');

    const unknown = (await client().postMessageOnce({ ...message, channel: 'C0NOWHERE01' }).catch((e: unknown) => e)) as ClientError;
    expect(unknown.message).toContain('channel_not_found — invite the bot to the channel or fix teams[].slack_channel');

    slack.join(CHANNEL);
    await expect(client().postMessageOnce(message)).resolves.toMatchObject({ created: true });
  });

  it('takes any channel when no channel list is given', async () => {
    await startStandIn({ channels: undefined });
    await expect(client().postMessageOnce({ ...message, channel: 'C0ANYWHERE1' })).resolves.toMatchObject({ channel: 'C0ANYWHERE1', created: true });
    expect(slack.snapshot().channels.map((channel) => channel.id)).toEqual(['C0ANYWHERE1']);
  });

  it('rate limits with 429 and Retry-After, which the client waits out', async () => {
    const { retry, waits } = recordedRetry();
    slack.rateLimit('conversations.history', 2);

    await expect(client({ retry }).postMessageOnce(message)).resolves.toMatchObject({ created: true });

    expect(waits).toEqual([2000]);
    expect(slack.calls.map((c) => [c.method, c.outcome])).toEqual([
      ['conversations.history', '429'],
      ['conversations.history', 'ok'],
      ['chat.postMessage', 'ok'],
    ]);
    const raw = await (async () => {
      slack.rateLimit('chat.postMessage', 30);
      const response = await fetch(`${apiUrl}chat.postMessage`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: 'channel=C0SEARCH001&text=x' });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as unknown };
    })();
    expect(raw).toEqual({ status: 429, retryAfter: '30', body: fixture('error-ratelimited.json') });
  });

  it('keeps refusing a post with refuse(error) until restored', async () => {
    const refusal = slack.refuse('is_archived');
    const error = (await client().postMessageOnce(message).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toContain('is_archived');
    refusal.restore();
    await expect(client().postMessageOnce(message)).resolves.toMatchObject({ created: true });
    expect(slack.messages).toHaveLength(1);
  });

  it('checks the bot token: none is not_authed, another is invalid_auth; a JSON body with the Bearer header works', async () => {
    expect((await call('auth.test', {}, null)).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await call('auth.test', {}, 'xoxb-other')).body).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await call('auth.test', { token: TOKEN }, null)).body).toMatchObject({ ok: true });

    const error = (await client({ token: 'xoxb-wrong' }).postMessageOnce(message).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toBe('Slack: reading recent messages of channel C0SEARCH001 failed: invalid_auth — check the Slack bot token');
    expect(slack.messages).toEqual([]);

    const json = await fetch(`${apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: CHANNEL, text: 'as JSON', blocks: message.blocks }),
    });
    expect(postAnswer.parse(await json.json())).toMatchObject({ channel: CHANNEL });
    // JSON bodies carry the token in the header only, as Slack requires.
    const tokenInJson = await fetch(`${apiUrl}auth.test`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    expect(await tokenInJson.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it("answers auth.test for the Bolt app's client with the bot's identity", async () => {
    const identity = await client().app.client.auth.test();
    expect(identity).toMatchObject({ ok: true, team_id: 'T0SANDBOX1', user_id: 'U0ROBOT0001', bot_id: 'B0ROBOT0001', url: 'https://model-lifecycle-sandbox.slack.com/' });
    expect((await call('chat.scheduleMessage', {})).status).toBe(404);
  });

  it('updates a message in place with chat.update', async () => {
    const changes: SlackStandInEvent[] = [];
    slack.onChange((event) => changes.push(event));
    const posted = await client().postMessageOnce(approval);
    const web = client().app.client;

    const updated = await web.chat.update({ channel: CHANNEL, ts: posted.ts, text: 'Canary at 50%', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Canary* 50%' } }] });

    expect(updated).toMatchObject({ ok: true, channel: CHANNEL, ts: posted.ts, text: 'Canary at 50%' });
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatchObject({ ts: posted.ts, text: 'Canary at 50%', edited: { user: 'U0ROBOT0001' }, metadata: { event_payload: { key: approval.idempotencyKey } } });
    const history = historyAnswer.parse((await call('conversations.history', { channel: CHANNEL })).body);
    expect(history.messages[0]).toMatchObject({ text: 'Canary at 50%', edited: { user: 'U0ROBOT0001' } });
    expect(changes).toEqual([
      { type: 'message.posted', channel: CHANNEL, ts: posted.ts },
      { type: 'message.updated', channel: CHANNEL, ts: posted.ts },
    ]);

    const someone = slack.say(CHANNEL, 'U0PERSON001', 'mine');
    expect((await call('chat.update', { channel: CHANNEL, ts: someone.ts, text: 'x' })).body).toEqual({ ok: false, error: 'cant_update_message' });
    expect((await call('chat.update', { channel: CHANNEL, ts: '1.000001', text: 'x' })).body).toEqual({ ok: false, error: 'message_not_found' });
  });

  it('opens DMs for a user found by e-mail and posts there', async () => {
    await startStandIn({ users: [{ id: 'U0REVIEW001', name: 'spengler', email: 'spengler@acme.example', realName: 'Egon Spengler' }] });
    const web = client().app.client;

    const found = await web.users.lookupByEmail({ email: 'Spengler@acme.example' });
    expect(found.user).toMatchObject({ id: 'U0REVIEW001', name: 'spengler', real_name: 'Egon Spengler', profile: { email: 'spengler@acme.example' } });
    await expect(web.users.lookupByEmail({ email: 'nobody@acme.example' })).rejects.toMatchObject({ data: { ok: false, error: 'users_not_found' } });

    const opened = await web.conversations.open({ users: 'U0REVIEW001' });
    expect(opened).toMatchObject({ ok: true, channel: { id: expect.stringMatching(/^D/) } });
    const again = await web.conversations.open({ users: 'U0REVIEW001', return_im: true });
    expect(again).toMatchObject({ no_op: true, already_open: true, channel: { id: opened.channel?.id, is_im: true, user: 'U0REVIEW001' } });
    await expect(web.conversations.open({ users: 'U0STRANGER1' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });

    const dm = opened.channel?.id ?? '';
    await expect(client().postMessageOnce({ ...message, channel: dm })).resolves.toMatchObject({ channel: dm, created: true });
    // Posting to the user id lands in the same DM.
    expect((await call('chat.postMessage', { channel: 'U0REVIEW001', text: 'hi' })).body).toMatchObject({ ok: true, channel: dm });
    expect(slack.snapshot().dms).toEqual([
      { id: dm, user: 'U0REVIEW001', userName: 'spengler', messages: [expect.objectContaining({ text: message.text }), expect.objectContaining({ text: 'hi' })] },
    ]);
  });

  it('tells a person in a DM once: found by e-mail, the DM opened, its history searched before posting', async () => {
    await startStandIn({ users: [{ id: 'U0REVIEW001', name: 'spengler', email: 'spengler@acme.example' }] });
    const reviewer = await client().lookupUserByEmail('Spengler@acme.example');
    expect(reviewer).toEqual({ id: 'U0REVIEW001', name: 'spengler' });
    await expect(client().lookupUserByEmail('nobody@acme.example')).resolves.toBeNull();

    const dm = { user: 'U0REVIEW001', idempotencyKey: 'MLM-7:review:reviewer-chosen:spengler', text: 'You were chosen as reviewer of MLM-7', blocks: message.blocks };
    const first = await client().postDirectMessageOnce(dm);
    expect(first).toMatchObject({ channel: expect.stringMatching(/^D/), created: true });
    await expect(client().postDirectMessageOnce(dm)).resolves.toEqual({ ...first, created: false });
    // A lost answer to the post: the client looks in the DM again and finds it.
    slack.onNextRequest('chat.postMessage', 'drop-answer');
    const other = { ...dm, idempotencyKey: 'MLM-7:review:reminder:1' };
    await expect(client({ retry: recordedRetry().retry }).postDirectMessageOnce(other)).resolves.toMatchObject({ channel: first.channel, created: false });
    expect(slack.snapshot().dms).toEqual([{ id: first.channel, user: 'U0REVIEW001', userName: 'spengler', messages: [expect.objectContaining({ text: dm.text }), expect.objectContaining({ text: dm.text })] }]);

    const error = (await client().postDirectMessageOnce({ ...dm, user: 'U0STRANGER1' }).catch((caught: unknown) => caught)) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe('Slack: opening a direct message with Slack user U0STRANGER1 failed: user_not_found — no such Slack user: fix the id under [reviewers.slack_users] in the policy');
  });

  it('gives a page a JSON snapshot and change events, with an unsubscribe', async () => {
    const events: SlackStandInEvent[] = [];
    const unsubscribe = slack.onChange((event) => events.push(event));
    await client().postMessageOnce(message);
    unsubscribe();
    slack.say(CHANNEL, 'U0PERSON001', 'after');

    expect(events).toHaveLength(1);
    const snapshot = slack.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.channels).toEqual([
      {
        id: CHANNEL,
        name: 'ml-search',
        member: true,
        messages: [
          {
            ts: expect.any(String),
            user: 'U0ROBOT0001',
            text: message.text,
            blocks: [expect.objectContaining({ type: 'section' })],
            metadata: { event_type: 'model_lifecycle', event_payload: { key: message.idempotencyKey } },
            threadTs: null,
            edited: null,
          },
          expect.objectContaining({ user: 'U0PERSON001', text: 'after' }),
        ],
      },
    ]);
  });
});

/** Slack's v0 check (docs.slack.dev/authentication/verifying-requests-from-slack), written from the docs. */
function verifySlackSignature(secret: string, headers: IncomingMessage['headers'], body: string, nowSeconds: number): boolean {
  const timestamp = Number(headers['x-slack-request-timestamp']);
  const signature = String(headers['x-slack-signature'] ?? '');
  // Older than five minutes: possibly a replay.
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > 60 * 5) return false;
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// The payload as the block_actions reference describes it for a button in a message.
const blockActionsPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string(), username: z.string(), name: z.string(), team_id: z.string() }),
  api_app_id: z.string(),
  token: z.string(),
  container: z.strictObject({ type: z.literal('message'), message_ts: ts, channel_id: z.string(), is_ephemeral: z.boolean() }),
  trigger_id: z.string(),
  team: z.object({ id: z.string(), domain: z.string() }),
  channel: z.object({ id: z.string(), name: z.string() }),
  message: historyMessage,
  state: z.object({ values: z.record(z.string(), z.unknown()) }),
  response_url: z.url(),
  actions: z.array(
    z.strictObject({
      type: z.literal('button'),
      action_id: z.string(),
      block_id: z.string(),
      text: z.object({ type: z.literal('plain_text'), text: z.string() }),
      value: z.string().optional(),
      style: z.enum(['primary', 'danger']).optional(),
      action_ts: z.string(),
    }),
  ),
  is_enterprise_install: z.boolean().optional(),
});

describe('SlackStandIn clicks', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  let app: Server | null = null;

  afterEach(async () => {
    const server = app;
    app = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends a block_actions payload, form-encoded and signed with v0 that the docs’ check verifies', async () => {
    await startStandIn({ signingSecret: secret, users: [{ id: 'U0REVIEW001', name: 'spengler', email: 'spengler@acme.example' }] });
    const received: Array<{ headers: IncomingMessage['headers']; body: string; contentType: string | undefined }> = [];
    app = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'] });
        res.writeHead(200).end();
      });
    });
    slack.interactivityUrl = `${await listen(app)}/slack/events`;
    const posted = await client().postMessageOnce(approval);

    const result = await slack.click(posted.ts, 'approve', 'U0REVIEW001');

    expect(result.status).toBe(200);
    const request = received[0];
    if (!request) throw new Error('the app got no click');
    expect(request.contentType).toBe('application/x-www-form-urlencoded');
    expect(verifySlackSignature(secret, request.headers, request.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySlackSignature('another-secret', request.headers, request.body, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifySlackSignature(secret, request.headers, `${request.body}&x=1`, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifySlackSignature(secret, request.headers, request.body, Math.floor(Date.now() / 1000) + 600)).toBe(false);

    const payload = blockActionsPayload.parse(JSON.parse(new URLSearchParams(request.body).get('payload') ?? ''));
    expect(payload).toMatchObject({
      user: { id: 'U0REVIEW001', username: 'spengler' },
      container: { type: 'message', message_ts: posted.ts, channel_id: CHANNEL, is_ephemeral: false },
      channel: { id: CHANNEL, name: 'ml-search' },
      message: { ts: posted.ts, text: approval.text, metadata: { event_payload: { key: approval.idempotencyKey } } },
      actions: [{ type: 'button', action_id: 'approve', block_id: 'review', value: 'COMPANYSA-35', style: 'primary', text: { text: 'Approve' } }],
    });
    expect(slack.clicks).toEqual([expect.objectContaining({ messageTs: posted.ts, actionId: 'approve', userId: 'U0REVIEW001', value: 'COMPANYSA-35', status: 200 })]);
    await expect(slack.click(posted.ts, 'merge', 'U0REVIEW001')).rejects.toThrow('no button with action_id merge');
  });

  it('is accepted by a Bolt app, whose respond() replaces the message through the response_url', async () => {
    await startStandIn({ signingSecret: secret });
    const receiver = new HTTPReceiver({ signingSecret: secret, endpoints: '/slack/events' });
    const bolt = new App({ token: TOKEN, receiver, clientOptions: { slackApiUrl: apiUrl } });
    const actions: Array<BlockAction<ButtonAction>> = [];
    bolt.action<BlockAction<ButtonAction>>('approve', async ({ ack, body, respond }) => {
      await ack();
      actions.push(body);
      await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
    });
    app = createServer(receiver.requestListener);
    slack.interactivityUrl = `${await listen(app)}/slack/events`;
    const posted = await client().postMessageOnce(approval);

    const result = await slack.click(posted.ts, 'approve', 'U0REVIEW001');

    expect(result.status).toBe(200);
    await expect.poll(() => slack.messages[0]?.text).toBe('Approved by <@U0REVIEW001>');
    expect(actions[0]?.actions[0]).toMatchObject({ action_id: 'approve', value: 'COMPANYSA-35' });
    // Bolt asked who the bot is before dispatching.
    expect(slack.requests).toContain('auth.test');
  });
});

// The view_submission payload as the view interactions reference lists it.
const viewSubmissionPayload = z.object({
  type: z.literal('view_submission'),
  team: z.object({ id: z.string(), domain: z.string() }),
  user: z.object({ id: z.string(), name: z.string(), team_id: z.string() }),
  api_app_id: z.string(),
  token: z.string(),
  trigger_id: z.string(),
  view: z.looseObject({
    id: z.string().regex(/^V/),
    type: z.literal('modal'),
    callback_id: z.string(),
    private_metadata: z.string(),
    hash: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ type: z.string(), value: z.string() }))) }),
    blocks: z.array(z.looseObject({ type: z.string(), block_id: z.string() })),
  }),
  response_urls: z.array(z.unknown()),
  is_enterprise_install: z.boolean(),
});

describe('SlackStandIn forms, ephemeral messages and retried deliveries', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  let app: Server | null = null;
  // Bolt's receiver checks the signature's timestamp against the wall clock.
  let clock = Date.now();

  afterEach(async () => {
    const server = app;
    app = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const form: SlackView = {
    type: 'modal',
    callback_id: 'why',
    title: { type: 'plain_text', text: 'Reject the canary' },
    submit: { type: 'plain_text', text: 'Reject' },
    private_metadata: '{"issueKey":"COMPANYSA-35"}',
    blocks: [{ type: 'input', block_id: 'reason', label: { type: 'plain_text', text: 'Why?' }, element: { type: 'plain_text_input', action_id: 'reason' } }],
  };

  it("opens a Bolt app's modal from a click's trigger, and sends the submission as view_submission that Bolt dispatches", async () => {
    clock = Date.now();
    await startStandIn({ signingSecret: secret, users: [{ id: 'U0REVIEW001', name: 'spengler' }], now: () => clock });
    const receiver = new HTTPReceiver({ signingSecret: secret, endpoints: '/slack/events' });
    const bolt = new App({ token: TOKEN, receiver, clientOptions: { slackApiUrl: apiUrl } });
    const submissions: unknown[] = [];
    bolt.action<BlockAction<ButtonAction>>('reject', async ({ ack, body, client: web }) => {
      await ack();
      await web.views.open({ trigger_id: body.trigger_id, view: form });
    });
    bolt.view('why', async ({ ack, body }) => {
      await ack();
      submissions.push(body);
    });
    app = createServer(receiver.requestListener);
    slack.interactivityUrl = `${await listen(app)}/slack/events`;
    const posted = await client().postMessageOnce(approval);

    await slack.click(posted.ts, 'reject', 'U0REVIEW001');
    await expect.poll(() => slack.views.length).toBe(1);
    const view = slack.views[0];
    if (!view) throw new Error('no view');
    expect(view).toMatchObject({ user: 'U0REVIEW001', callbackId: 'why', privateMetadata: form.private_metadata, title: 'Reject the canary', state: 'open' });

    const result = await slack.submitView(view.id, { reason: { reason: 'p99 doubled' } });

    expect(result.status).toBe(200);
    expect(view.state).toBe('submitted');
    await expect.poll(() => submissions.length).toBe(1);
    const payload = viewSubmissionPayload.parse(submissions[0]);
    expect(payload).toMatchObject({
      user: { id: 'U0REVIEW001', name: 'spengler' },
      view: { id: view.id, callback_id: 'why', private_metadata: form.private_metadata, state: { values: { reason: { reason: { type: 'plain_text_input', value: 'p99 doubled' } } } } },
    });
    await expect(slack.submitView(view.id, {})).rejects.toThrow(`no open view ${view.id}`);
  });

  it('refuses a trigger id that is unknown, used already or older than 3 seconds', async () => {
    clock = Date.now();
    await startStandIn({ signingSecret: secret, now: () => clock });
    app = createServer((_req, res) => res.writeHead(200).end());
    slack.interactivityUrl = `${await listen(app)}/slack/events`;
    const posted = await client().postMessageOnce(approval);
    const view = JSON.stringify(form);

    expect((await call('views.open', { trigger_id: '1.nope', view })).body).toEqual({ ok: false, error: 'invalid_trigger_id' });
    const first = await slack.click(posted.ts, 'reject', 'U0REVIEW001');
    expect((await call('views.open', { trigger_id: first.payload.trigger_id, view })).body).toMatchObject({ ok: true, view: { type: 'modal', callback_id: 'why' } });
    expect((await call('views.open', { trigger_id: first.payload.trigger_id, view })).body).toEqual({ ok: false, error: 'invalid_trigger_id' });
    const second = await slack.click(posted.ts, 'reject', 'U0REVIEW001');
    clock += 3_001;
    expect((await call('views.open', { trigger_id: second.payload.trigger_id, view })).body).toEqual({ ok: false, error: 'expired_trigger_id' });
    const third = await slack.click(posted.ts, 'reject', 'U0REVIEW001');
    expect((await call('views.open', { trigger_id: third.payload.trigger_id, view: JSON.stringify({ ...form, title: { type: 'plain_text', text: 'A title longer than twenty-four' } }) })).body).toEqual({
      ok: false,
      error: 'invalid_arguments',
    });
  });

  it('keeps chat.postEphemeral and response_url notes per person', async () => {
    await startStandIn({ signingSecret: secret, users: [{ id: 'U0REVIEW001', name: 'spengler' }, { id: 'U0OTHER0001', name: 'venkman' }] });
    app = createServer((_req, res) => res.writeHead(200).end());
    slack.interactivityUrl = `${await listen(app)}/slack/events`;
    const posted = await client().postMessageOnce(approval);
    const click = await slack.click(posted.ts, 'approve', 'U0REVIEW001');

    await client().postEphemeral({ channel: CHANNEL, user: 'U0OTHER0001', text: 'for venkman' });
    await client().respond(click.payload.response_url, { text: 'for spengler' });

    expect(slack.ephemeralsFor('U0REVIEW001').map((e) => e.text)).toEqual(['for spengler']);
    expect(slack.ephemeralsFor('U0OTHER0001')).toEqual([{ channel: CHANNEL, user: 'U0OTHER0001', text: 'for venkman', blocks: [] }]);
    expect(slack.messages.map((m) => m.text)).toEqual([approval.text]);
    expect((await call('chat.postEphemeral', { channel: CHANNEL, user: 'U0NOBODY001', text: 'x' })).body).toEqual({ ok: false, error: 'user_not_found' });
  });

  it('sends a delivery again as Slack retries it: the same payload, signed anew, with X-Slack-Retry-Num and X-Slack-Retry-Reason', async () => {
    clock = Date.now();
    await startStandIn({ signingSecret: secret, now: () => clock });
    const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    app = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    slack.interactivityUrl = `${await listen(app)}/slack/events`;
    const posted = await client().postMessageOnce(approval);
    const first = await slack.click(posted.ts, 'approve', 'U0REVIEW001');
    clock += 3_000;

    const again = await slack.redeliver(first, 1, 'http_timeout');

    expect(again.status).toBe(200);
    expect(again.payload).toEqual(first.payload);
    const [original, retried] = received;
    expect(retried?.body).toBe(original?.body);
    expect(retried?.headers).toMatchObject({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout', 'x-slack-request-timestamp': String(Math.floor(clock / 1000)) });
    expect(retried?.headers['x-slack-signature']).not.toBe(original?.headers['x-slack-signature']);
    expect(verifySlackSignature(secret, retried?.headers ?? {}, retried?.body ?? '', Math.floor(clock / 1000))).toBe(true);
    expect(original?.headers).not.toHaveProperty('x-slack-retry-num');
  });
});
