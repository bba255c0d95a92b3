import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { SlackClient, type SlackView } from '../../src/clients/slack.ts';
import type { RetryOptions } from '../../src/clients/retry.ts';
import { bodyObject, fixture, recordedRetry, useNock } from './support.ts';

useNock();

const API = 'https://slack.test';

function slack(retry: RetryOptions = { retries: 0 }): SlackClient {
  return new SlackClient({ token: 'xoxb-test', slackApiUrl: `${API}/api/`, retry });
}

const message = {
  channel: 'C123ABC456',
  idempotencyKey: 'COMPANYSA-35:repo-created',
  text: 'Repository created for COMPANYSA-35',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Repository created for *COMPANYSA-35*' } }],
} as const;

/** A documented history answer as the last page of a channel (Slack's example says `has_more: true`). */
function lastPage(name: string) {
  return { ...fixture(name), has_more: false, response_metadata: { next_cursor: '' } };
}

function historyRequest(body: unknown): boolean {
  const form = bodyObject(body);
  return form['channel'] === 'C123ABC456' && form['limit'] === '200' && form['include_all_metadata'] === 'true';
}

describe('SlackClient.postMessageOnce', () => {
  it('posts the message with the idempotency key as message metadata', async () => {
    let posted: Record<string, unknown> = {};
    const scope = nock(API, { reqheaders: { authorization: 'Bearer xoxb-test' } })
      .post('/api/conversations.history', historyRequest)
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage', (body: unknown) => {
        posted = bodyObject(body);
        return true;
      })
      .reply(200, fixture('slack/chat-postMessage.json'));

    await expect(slack().postMessageOnce(message)).resolves.toEqual({ channel: 'C123ABC456', ts: '1503435956.000247', created: true });

    expect(scope.isDone()).toBe(true);
    expect(posted['channel']).toBe('C123ABC456');
    expect(posted['text']).toBe('Repository created for COMPANYSA-35');
    expect(JSON.parse(String(posted['blocks']))).toEqual(message.blocks);
    expect(JSON.parse(String(posted['metadata']))).toEqual({ event_type: 'model_lifecycle', event_payload: { key: 'COMPANYSA-35:repo-created' } });
  });

  it("sends through the Bolt app's Web API client, without contacting Slack to initialise the app", async () => {
    // Bolt's WebClient names Bolt in its user agent; an initialising app would also call auth.test, which nock would refuse.
    const scope = nock(API, { reqheaders: { 'user-agent': /@slack:bolt\// } })
      .post('/api/conversations.history')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(200, fixture('slack/chat-postMessage.json'));
    const client = slack();

    await client.postMessageOnce(message);

    expect(scope.isDone()).toBe(true);
    expect(client.app.client.slackApiUrl).toBe(`${API}/api/`);
  });

  it('finds the earlier message on a rerun and posts nothing', async () => {
    nock(API).post('/api/conversations.history', historyRequest).reply(200, fixture('slack/conversations-history-with-metadata.json'));

    await expect(slack().postMessageOnce(message)).resolves.toEqual({ channel: 'C123ABC456', ts: '1658903885.673769', created: false });
  });

  it('pages back through the channel, no further than notBefore, until it finds the key', async () => {
    const pages: Record<string, unknown>[] = [];
    const record = (body: unknown) => pages.push(bodyObject(body)) > 0;
    nock(API)
      .post('/api/conversations.history', record)
      .reply(200, fixture('slack/conversations-history.json'))
      .post('/api/conversations.history', record)
      .reply(200, fixture('slack/conversations-history-with-metadata.json'));

    const found = await slack().postMessageOnce({ ...message, notBefore: new Date('2017-11-30T00:00:00Z') });

    expect(found).toEqual({ channel: 'C123ABC456', ts: '1658903885.673769', created: false });
    expect(pages.map((page) => [page['oldest'], page['cursor']])).toEqual([
      ['1512000000.000000', undefined],
      ['1512000000.000000', 'bmV4dF90czoxNTEyMDg1ODYxMDAwNTQz'],
    ]);
  });

  it('stops after its page budget and posts', async () => {
    nock(API)
      .post('/api/conversations.history')
      .times(2)
      .reply(200, fixture('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(200, fixture('slack/chat-postMessage.json'));

    const client = new SlackClient({ token: 'xoxb-test', slackApiUrl: `${API}/api/`, retry: { retries: 0 }, historyPages: 2 });
    await expect(client.postMessageOnce(message)).resolves.toMatchObject({ created: true });
  });

  it('looks again before posting again when a post fails without a clear answer, and finds it', async () => {
    const { retry, waits } = recordedRetry();
    const scope = nock(API)
      .post('/api/conversations.history')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(503, '')
      .post('/api/conversations.history')
      .reply(200, fixture('slack/conversations-history-with-metadata.json'));

    await expect(slack(retry).postMessageOnce(message)).resolves.toEqual({ channel: 'C123ABC456', ts: '1658903885.673769', created: false });
    expect(scope.isDone()).toBe(true);
    expect(waits).toEqual([1]);
  });

  it('posts again after a failed post when looking again finds nothing', async () => {
    const { retry } = recordedRetry();
    nock(API)
      .post('/api/conversations.history')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(500, '')
      .post('/api/conversations.history')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(200, fixture('slack/chat-postMessage.json'));

    await expect(slack(retry).postMessageOnce(message)).resolves.toMatchObject({ ts: '1503435956.000247', created: true });
  });

  it('gives up waiting when Slack asks for a longer wait than the policy allows', async () => {
    const { retry, waits } = recordedRetry({ maxRetryAfterMs: 10_000 });
    nock(API).post('/api/conversations.history').reply(429, fixture('slack/error-ratelimited.json'), { 'Retry-After': '30' });

    const error = (await slack(retry).postMessageOnce(message).catch((e: unknown) => e)) as ClientError;

    expect(error.status).toBe(429);
    expect(waits).toEqual([]);
  });

  it("puts Slack's error code and a fix in the message", async () => {
    nock(API)
      .post('/api/conversations.history')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(200, fixture('slack/error-channel-not-found.json'));

    const error = (await slack().postMessageOnce({ ...message, channel: 'C123' }).catch((e: unknown) => e)) as ClientError;

    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe('Slack: posting to channel C123 failed: channel_not_found — invite the bot to the channel or fix teams[].slack_channel');
    expect(error.retryable).toBe(false);
  });

  it('names the scope Slack says is missing', async () => {
    nock(API).post('/api/conversations.history').reply(200, fixture('slack/error-missing-scope.json'));

    const error = (await slack().postMessageOnce(message).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      'Slack: reading recent messages of channel C123ABC456 failed: missing_scope (needed: channels:history) — add the missing scope to the Slack app and reinstall it',
    );
  });

  it('reports a history read whose connection was lost as a retryable failure with no status', async () => {
    // A loopback Slack that drops the connection once it has the request.
    const dropping = createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    const unreachable = new SlackClient({ token: 'xoxb-test', slackApiUrl: `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/api/`, retry: { retries: 0 } });

    const error = (await unreachable.postMessageOnce(message).catch((e: unknown) => e)) as ClientError;
    nock.disableNetConnect();
    await new Promise((resolve) => dropping.close(resolve));

    expect(error).toBeInstanceOf(ClientError);
    expect(error.status).toBe(0);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^Slack: reading recent messages of channel C123ABC456 failed: A request error occurred: socket hang up/);
  });

  it('pages through the history with the cursor Slack gives until the key is found', async () => {
    const first = { ...fixture('slack/conversations-history.json'), has_more: true, response_metadata: { next_cursor: 'bmV4dF90czoxNTEyMDg1ODYxMDAwNTQz' } };
    const scope = nock(API)
      .post('/api/conversations.history', (body: unknown) => historyRequest(body) && bodyObject(body)['cursor'] === undefined)
      .reply(200, first)
      .post('/api/conversations.history', (body: unknown) => historyRequest(body) && bodyObject(body)['cursor'] === 'bmV4dF90czoxNTEyMDg1ODYxMDAwNTQz')
      .reply(200, fixture('slack/conversations-history-with-metadata.json'));

    const found = await slack().postMessageOnce(message);

    expect(found.created).toBe(false);
    expect(scope.isDone()).toBe(true);
  });

  it('waits out a 429 for the Retry-After seconds, then posts', async () => {
    nock(API)
      .post('/api/conversations.history')
      .reply(429, fixture('slack/error-ratelimited.json'), { 'Retry-After': '1' })
      .post('/api/conversations.history')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(200, fixture('slack/chat-postMessage.json'));

    const started = Date.now();
    await expect(slack({ retries: 2, minDelayMs: 1, maxDelayMs: 4 }).postMessageOnce(message)).resolves.toMatchObject({ created: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries 5xx answers until one succeeds', async () => {
    nock(API)
      .post('/api/conversations.history')
      .reply(503, '')
      .post('/api/conversations.history')
      .reply(500, '')
      .post('/api/conversations.history')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage')
      .reply(200, fixture('slack/chat-postMessage.json'));

    await expect(slack({ retries: 2, minDelayMs: 1, maxDelayMs: 4 }).postMessageOnce(message)).resolves.toMatchObject({ created: true });
  });

  it('reports a 429 at once when retries are off', async () => {
    nock(API).post('/api/conversations.history').reply(429, fixture('slack/error-ratelimited.json'), { 'Retry-After': '30' });

    const error = (await slack({ retries: 0 }).postMessageOnce(message).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      'Slack: reading recent messages of channel C123ABC456 failed: 429 Too Many Requests: retry after 30 s — Slack is rate limiting the service; the engine retries the task later',
    );
    expect(error.retryable).toBe(true);
  });
});

describe('SlackClient.lookupUserByEmail', () => {
  const user = { ok: true, user: { id: 'W012A3CDE', team_id: 'T012AB3C4', name: 'spengler', deleted: false, real_name: 'Egon Spengler', profile: { email: 'spengler@ghostbusters.example.com' } } };

  it('answers the id and handle of the person with the address', async () => {
    nock(API)
      .post('/api/users.lookupByEmail', (body: unknown) => bodyObject(body)['email'] === 'spengler@ghostbusters.example.com')
      .reply(200, user);
    await expect(slack().lookupUserByEmail('spengler@ghostbusters.example.com')).resolves.toEqual({ id: 'W012A3CDE', name: 'spengler' });
  });

  it('answers null for nobody (users_not_found) and for a deactivated account', async () => {
    nock(API)
      .post('/api/users.lookupByEmail')
      .reply(200, { ok: false, error: 'users_not_found' })
      .post('/api/users.lookupByEmail')
      .reply(200, { ...user, user: { ...user.user, deleted: true } });
    await expect(slack().lookupUserByEmail('nobody@acme.test')).resolves.toBeNull();
    await expect(slack().lookupUserByEmail('spengler@ghostbusters.example.com')).resolves.toBeNull();
  });

  it('names the missing scope', async () => {
    nock(API).post('/api/users.lookupByEmail').reply(200, { ok: false, error: 'missing_scope', needed: 'users:read.email', provided: 'chat:write' });
    const error = (await slack().lookupUserByEmail('a@acme.test').catch((e: unknown) => e)) as ClientError;
    expect(error.message).toBe(
      'Slack: looking up the Slack user with e-mail a@acme.test failed: missing_scope (needed: users:read.email) — add the missing scope to the Slack app and reinstall it',
    );
  });
});

describe('SlackClient.postDirectMessageOnce', () => {
  it('opens the DM, looks in its history for the key, then posts there', async () => {
    const scope = nock(API)
      .post('/api/conversations.open', (body: unknown) => bodyObject(body)['users'] === 'W012A3CDE')
      .reply(200, { ok: true, no_op: true, already_open: true, channel: { id: 'D069C7QFK' } })
      .post('/api/conversations.history', (body: unknown) => bodyObject(body)['channel'] === 'D069C7QFK')
      .reply(200, lastPage('slack/conversations-history.json'))
      .post('/api/chat.postMessage', (body: unknown) => bodyObject(body)['channel'] === 'D069C7QFK')
      .reply(200, { ...fixture('slack/chat-postMessage.json'), channel: 'D069C7QFK' });

    const { channel: _channel, ...rest } = message;
    await expect(slack().postDirectMessageOnce({ ...rest, user: 'W012A3CDE' })).resolves.toEqual({ channel: 'D069C7QFK', ts: '1503435956.000247', created: true });
    expect(scope.isDone()).toBe(true);
  });
});

describe('SlackClient.updateMessage', () => {
  const update = {
    channel: 'C123ABC456',
    ts: '1401383885.000061',
    text: 'Approved by <@U0APPRV0001> at 13:06 UTC',
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved by <@U0APPRV0001> at 13:06 UTC' } }],
  } as const;

  it('changes the message with chat.update: channel, ts, text and blocks', async () => {
    let sent: Record<string, unknown> = {};
    nock(API, { reqheaders: { authorization: 'Bearer xoxb-test' } })
      .post('/api/chat.update', (body: unknown) => {
        sent = bodyObject(body);
        return true;
      })
      .reply(200, fixture('slack/chat-update.json'));

    await expect(slack().updateMessage(update)).resolves.toEqual({ channel: 'C123ABC456', ts: '1401383885.000061' });

    expect(sent['channel']).toBe('C123ABC456');
    expect(sent['ts']).toBe('1401383885.000061');
    expect(sent['text']).toBe(update.text);
    expect(JSON.parse(String(sent['blocks']))).toEqual(update.blocks);
    expect(sent).not.toHaveProperty('metadata');
  });

  it('leaves the blocks alone when none are given, and sends new metadata when given', async () => {
    let sent: Record<string, unknown> = {};
    nock(API)
      .post('/api/chat.update', (body: unknown) => {
        sent = bodyObject(body);
        return true;
      })
      .reply(200, fixture('slack/chat-update.json'));

    await slack().updateMessage({ channel: update.channel, ts: update.ts, text: update.text, metadata: { event_type: 'model_lifecycle', event_payload: { key: 'MLM-42/canary/1', decided: true } } });

    expect(sent).not.toHaveProperty('blocks');
    expect(JSON.parse(String(sent['metadata']))).toEqual({ event_type: 'model_lifecycle', event_payload: { key: 'MLM-42/canary/1', decided: true } });
  });

  it('retries a 429 after its Retry-After (the same update twice is one change)', async () => {
    const { retry, waits } = recordedRetry();
    nock(API)
      .post('/api/chat.update')
      .reply(429, fixture('slack/error-ratelimited.json'), { 'Retry-After': '0' })
      .post('/api/chat.update')
      .reply(200, fixture('slack/chat-update.json'));

    await expect(slack(retry).updateMessage(update)).resolves.toMatchObject({ ts: update.ts });
    expect(waits).toHaveLength(1);
  });

  it("names Slack's error and what to do", async () => {
    nock(API).post('/api/chat.update').reply(200, { ok: false, error: 'message_not_found' });

    const error = (await slack().updateMessage(update).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      'Slack: updating message 1401383885.000061 in channel C123ABC456 failed: message_not_found — the message to update is gone (deleted, or another channel); the lifecycle keeps its channel and ts in canaryGate',
    );
    expect(error.retryable).toBe(false);
  });
});

describe('SlackClient.postEphemeral', () => {
  it('posts a message only the person sees', async () => {
    let sent: Record<string, unknown> = {};
    nock(API)
      .post('/api/chat.postEphemeral', (body: unknown) => {
        sent = bodyObject(body);
        return true;
      })
      .reply(200, fixture('slack/chat-postEphemeral.json'));

    await slack().postEphemeral({ channel: 'C123ABC456', user: 'U0STRNG0001', text: 'This canary was already decided.' });

    expect(sent).toMatchObject({ channel: 'C123ABC456', user: 'U0STRNG0001', text: 'This canary was already decided.' });
  });
});

describe('SlackClient.respond', () => {
  const responseUrl = 'https://hooks.slack.test/actions/T0001/1234/abcd';

  it("answers through the click's response_url with an ephemeral note that leaves the original alone", async () => {
    let sent: unknown;
    nock('https://hooks.slack.test')
      .post('/actions/T0001/1234/abcd', (body: unknown) => {
        sent = body;
        return true;
      })
      .reply(200, { ok: true });

    await slack().respond(responseUrl, { text: 'Approve becomes available in 1 m 40 s, after stabilisation.' });

    expect(sent).toEqual({ response_type: 'ephemeral', replace_original: false, text: 'Approve becomes available in 1 m 40 s, after stabilisation.' });
  });

  it('retries a 5xx, and names an expired response_url', async () => {
    const { retry } = recordedRetry();
    nock('https://hooks.slack.test').post('/actions/T0001/1234/abcd').reply(503, '').post('/actions/T0001/1234/abcd').reply(200, { ok: true });
    await expect(slack(retry).respond(responseUrl, { text: 'x' })).resolves.toBeUndefined();

    nock('https://hooks.slack.test').post('/actions/T0001/1234/abcd').reply(404, 'no_response_url');
    const error = (await slack(retry).respond(responseUrl, { text: 'x' }).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toMatch(/^Slack: answering a click through its response_url failed: 404 Not Found.*the response_url expired/);
    expect(error.retryable).toBe(false);
  });
});

describe('SlackClient.openView', () => {
  const view: SlackView = {
    type: 'modal',
    callback_id: 'identify_your_modals',
    title: { type: 'plain_text', text: 'Quite a plain modal' },
    submit: { type: 'plain_text', text: 'Create' },
    blocks: [{ type: 'input', block_id: 'a_block_id', label: { type: 'plain_text', text: 'A simple label' }, element: { type: 'plain_text_input', action_id: 'an_action_id' } }],
  };

  it("opens the modal with the click's trigger id and answers the view's id", async () => {
    let sent: Record<string, unknown> = {};
    nock(API)
      .post('/api/views.open', (body: unknown) => {
        sent = bodyObject(body);
        return true;
      })
      .reply(200, fixture('slack/views-open.json'));

    await expect(slack().openView('12345.98765.abcd2358fdea', view)).resolves.toBe('VMHU10V25');

    expect(sent['trigger_id']).toBe('12345.98765.abcd2358fdea');
    expect(JSON.parse(String(sent['view']))).toEqual(view);
  });

  it('does not retry: a trigger id lives 3 seconds', async () => {
    nock(API).post('/api/views.open').reply(200, fixture('slack/error-expired-trigger-id.json'));

    const error = (await slack(recordedRetry().retry).openView('12345.98765.abcd2358fdea', view).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe('Slack: opening a form in Slack (views.open) failed: expired_trigger_id — the click is more than 3 seconds old; the person clicks again');
  });
});
