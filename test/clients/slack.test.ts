import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { SlackClient } from '../../src/clients/slack.ts';
import type { RetryOptions } from '../../src/clients/retry.ts';
import { bodyObject, fixture, useNock } from './support.ts';

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

function historyRequest(body: unknown): boolean {
  const form = bodyObject(body);
  return form['channel'] === 'C123ABC456' && form['limit'] === '200' && form['include_all_metadata'] === 'true';
}

describe('SlackClient.postMessageOnce', () => {
  it('posts the message with the idempotency key as message metadata', async () => {
    let posted: Record<string, unknown> = {};
    const scope = nock(API, { reqheaders: { authorization: 'Bearer xoxb-test' } })
      .post('/api/conversations.history', historyRequest)
      .reply(200, fixture('slack/conversations-history.json'))
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
      .reply(200, fixture('slack/conversations-history.json'))
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

  it("puts Slack's error code and a fix in the message", async () => {
    nock(API)
      .post('/api/conversations.history')
      .reply(200, fixture('slack/conversations-history.json'))
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

  it('waits out a 429 for the Retry-After seconds, then posts', async () => {
    nock(API)
      .post('/api/conversations.history')
      .reply(429, fixture('slack/error-ratelimited.json'), { 'Retry-After': '1' })
      .post('/api/conversations.history')
      .reply(200, fixture('slack/conversations-history.json'))
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
      .reply(200, fixture('slack/conversations-history.json'))
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
