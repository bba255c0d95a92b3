import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signJenkinsCallback } from '../../src/http/verify-jenkins.ts';
import { connectionRefused, ENGINE, isolateNetwork, notAwaited, optimisticLockingConflict, startApp, type RunningApp } from './support.ts';

const CALLBACK_SECRET = 'test-jenkins-callback-secret';
const MESSAGE = 'jenkins-build:finished';
const signedAt = 1_767_225_600; // 2026-01-01T00:00:00Z, the app's clock in these tests

const callback = {
  buildKey: 'MLM-42/train/1',
  jiraKey: 'MLM-42',
  buildUrl: 'https://jenkins.acme.test/job/ml/job/train-model/17/',
  result: 'SUCCESS',
  outputs: { mlflow_run_id: '5f1d2c9a8b7e4f60a1b2c3d4e5f60718' },
};
const body = JSON.stringify(callback);

interface Send {
  readonly body?: string;
  /** Sign with another secret, at another time, or not at all. */
  readonly sign?: false | { readonly secret?: string; readonly at?: number };
  readonly headers?: Record<string, string>;
}

/** POSTs a callback the way the Jenkinsfile's curl does. */
async function send(app: RunningApp, options: Send = {}) {
  const text = options.body ?? body;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.sign !== false) Object.assign(headers, signJenkinsCallback(options.sign?.secret ?? CALLBACK_SECRET, text, options.sign?.at ?? signedAt));
  Object.assign(headers, options.headers);
  const response = await fetch(`${app.url}/webhooks/jenkins`, { method: 'POST', headers, body: text });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: { 'retry-after': response.headers.get('retry-after') } };
}

/** `POST /message` as the engine must receive it: only the instance waiting for this build attempt, with the callback as a Json variable. */
function expectMessage(expected: { buildKey?: string; jiraKey?: string; buildCallback?: unknown } = {}) {
  const buildCallback = expected.buildCallback ?? callback;
  return nock(ENGINE).post('/message', (sent: Record<string, unknown>) => {
    const variables = sent.processVariables as Record<string, { value: unknown; type: string }>;
    const variable = variables.buildCallback;
    return (
      sent.messageName === MESSAGE &&
      sent.businessKey === (expected.jiraKey ?? 'MLM-42') &&
      JSON.stringify(sent.correlationKeys) === JSON.stringify({ buildKey: { value: expected.buildKey ?? 'MLM-42/train/1', type: 'String' } }) &&
      Object.keys(variables).join() === 'buildCallback' &&
      variable?.type === 'Json' &&
      JSON.stringify(JSON.parse(String(variable.value))) === JSON.stringify(buildCallback)
    );
  });
}

async function webhookCounts(app: RunningApp) {
  const { values } = await app.metrics.webhooks.get();
  return Object.fromEntries(values.filter((v) => v.labels.source === 'jenkins').map((v) => [String(v.labels.result), v.value]));
}

async function correlationCounts(app: RunningApp) {
  const { values } = await app.metrics.messageCorrelations.get();
  return Object.fromEntries(values.filter((v) => v.labels.message === MESSAGE).map((v) => [String(v.labels.result), v.value]));
}

function logLine(app: RunningApp, msg: string): Record<string, unknown> | undefined {
  return app.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);
}

let app: RunningApp;
let unexpected: string[];
const recordUnexpected = (req: { method?: string; url?: string }) => {
  if (String(req.url).startsWith(ENGINE)) unexpected.push(`${req.method} ${req.url}`);
};

beforeEach(async () => {
  isolateNetwork();
  unexpected = [];
  nock.emitter.on('no match', recordUnexpected);
  app = await startApp({ jenkins: { callbackSecret: CALLBACK_SECRET }, now: () => new Date(signedAt * 1_000) });
});

afterEach(async () => {
  nock.emitter.removeListener('no match', recordUnexpected);
  await app.close();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
  expect(unexpected).toEqual([]);
});

describe('POST /webhooks/jenkins: correlation', () => {
  it('correlates jenkins-build:finished to the instance waiting for the build key, with the callback as buildCallback', async () => {
    expectMessage().reply(204);

    const response = await send(app);

    expect(response).toMatchObject({ status: 200, body: { result: 'correlated', buildKey: 'MLM-42/train/1' } });
    expect(await webhookCounts(app)).toEqual({ correlated: 1 });
    expect(await correlationCounts(app)).toEqual({ correlated: 1 });
    expect(logLine(app, 'jenkins callback handled')).toMatchObject({
      level: 'info',
      source: 'jenkins',
      businessKey: 'MLM-42',
      buildKey: 'MLM-42/train/1',
      buildResult: 'SUCCESS',
      result: 'correlated',
    });
  });

  it('keeps the secret and the signature out of the logs', async () => {
    expectMessage().reply(204);
    const signature = signJenkinsCallback(CALLBACK_SECRET, body, signedAt)['x-lifecycle-signature'];

    await send(app);
    await send(app); // a replay, refused and logged

    const logs = app.logLines.join('\n');
    expect(logs).not.toContain(CALLBACK_SECRET);
    expect(logs).not.toContain(signature.slice('sha256='.length));
  });

  it('accepts a callback without outputs and drops fields it does not know', async () => {
    const { outputs: _outputs, ...withoutOutputs } = callback;
    expectMessage({ buildCallback: withoutOutputs }).reply(204);

    const response = await send(app, { body: JSON.stringify({ ...withoutOutputs, queueId: 1234 }) });

    expect(response.status).toBe(200);
  });

  it('drops an output named __proto__ rather than pass it on', async () => {
    expectMessage({ buildCallback: { ...callback, outputs: { mlflow_run_id: 'r1' } } }).reply(204);
    const outputs = JSON.parse('{"__proto__":{"polluted":"yes"},"mlflow_run_id":"r1"}') as unknown;

    const response = await send(app, { body: JSON.stringify({ ...callback, outputs }) });

    expect(response.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 202 not_awaited when no instance waits for this build attempt, logged at info and counted', async () => {
    expectMessage().reply(400, notAwaited(MESSAGE));

    const response = await send(app);

    expect(response).toMatchObject({ status: 202, body: { result: 'not_awaited', buildKey: 'MLM-42/train/1' } });
    expect(await webhookCounts(app)).toEqual({ not_awaited: 1 });
    expect(await correlationCounts(app)).toEqual({ not_awaited: 1 });
    expect(logLine(app, 'jenkins callback handled')).toMatchObject({ level: 'info', businessKey: 'MLM-42', buildKey: 'MLM-42/train/1', result: 'not_awaited' });
  });

  it('retries an optimistic-locking conflict and then correlates', async () => {
    expectMessage().reply(500, optimisticLockingConflict);
    expectMessage().reply(204);

    const response = await send(app);

    expect(response.status).toBe(200);
  });

  it('answers 503 with Retry-After when the engine is unreachable, and takes the retry of the same signed request', async () => {
    expectMessage().replyWithError(connectionRefused());

    const down = await send(app);

    expect(down).toEqual({ status: 503, body: { error: 'engine_unavailable' }, headers: { 'retry-after': '30' } });
    expect(await webhookCounts(app)).toEqual({ engine_unavailable: 1 });
    expect(await correlationCounts(app)).toEqual({});

    expectMessage().reply(204);
    const retry = await send(app);
    expect(retry.status).toBe(200);
  });

  it('answers 503 on an engine 500 that is not a locking conflict', async () => {
    expectMessage().reply(500, { type: 'ProcessEngineException', message: 'database is gone', code: 0 });

    const response = await send(app);

    expect(response.status).toBe(503);
  });
});

describe('POST /webhooks/jenkins: authentication', () => {
  it.each([
    ['a forged signature', { sign: false, headers: { 'x-lifecycle-timestamp': String(signedAt), 'x-lifecycle-signature': `sha256=${'0'.repeat(64)}` } }],
    ['a signature with another secret', { sign: { secret: 'not-the-secret' } }],
    ['no signature at all', { sign: false }],
    ['a timestamp but no signature', { sign: false, headers: { 'x-lifecycle-timestamp': String(signedAt) } }],
    ['a callback signed 6 minutes ago', { sign: { at: signedAt - 360 } }],
    ['a callback signed 6 minutes ahead', { sign: { at: signedAt + 360 } }],
    ['a body changed after signing', { body: body.replace('SUCCESS', 'FAILURE'), headers: signJenkinsCallback(CALLBACK_SECRET, body, signedAt) }],
  ] satisfies Array<[string, Send]>)('refuses %s with 401 and never calls the engine', async (_title, options) => {
    const response = await send(app, options);

    expect(response).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(await webhookCounts(app)).toEqual({ unauthorized: 1 });
    expect(await correlationCounts(app)).toEqual({});
  });

  it('refuses a replay of a handled callback with 401', async () => {
    expectMessage().reply(204);

    const first = await send(app);
    const replay = await send(app);

    expect(first.status).toBe(200);
    expect(replay).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(await webhookCounts(app)).toEqual({ correlated: 1, unauthorized: 1 });
    expect(logLine(app, 'jenkins callback refused: not authenticated')).toMatchObject({ level: 'warn', reason: 'replayed' });
  });

  it('refuses every callback when no secret is configured', async () => {
    await app.close();
    app = await startApp({ now: () => new Date(signedAt * 1_000) });

    const response = await send(app);

    expect(response.status).toBe(401);
    expect(logLine(app, 'jenkins callback refused: not authenticated')).toMatchObject({ reason: 'not_configured' });
  });
});

describe('POST /webhooks/jenkins: validation', () => {
  it.each([
    ['jiraKey', { ...callback, jiraKey: 'MLM-43' }],
    ['jiraKey', { ...callback, jiraKey: undefined }],
    ['buildKey', { ...callback, buildKey: 'MLM-42/train' }],
    ['buildKey', { ...callback, buildKey: 'MLM-42/train/0' }],
    ['buildUrl', { ...callback, buildUrl: 'javascript:alert(1)' }],
    ['result', { ...callback, result: 'success' }],
    ['outputs.mlflow_run_id', { ...callback, outputs: { mlflow_run_id: 42 } }],
    ['outputs', { ...callback, outputs: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`key${i}`, 'v'])) }],
    ['body', []],
  ])('answers 400 naming %s, and correlates nothing', async (field, value) => {
    const response = await send(app, { body: JSON.stringify(value) });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_payload', field });
    expect(await webhookCounts(app)).toEqual({ invalid: 1 });
  });

  it('answers 400 naming the body when it is not JSON, and the same again for the same signed request', async () => {
    const first = await send(app, { body: 'result=SUCCESS' });
    const again = await send(app, { body: 'result=SUCCESS' });

    expect(first.body).toMatchObject({ error: 'invalid_payload', field: 'body' });
    expect(again.status).toBe(400);
  });

  it('answers 413 to a body over 64 kB, counted as invalid', async () => {
    const response = await send(app, { body: JSON.stringify({ ...callback, padding: 'x'.repeat(70_000) }) });

    expect(response).toMatchObject({ status: 413, body: { error: 'entity.too.large' } });
    expect(await webhookCounts(app)).toEqual({ invalid: 1 });
  });
});
