import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectionRefused,
  deliver,
  ENGINE,
  fixture,
  fixtureJson,
  historicInstance,
  isolateNetwork,
  notAwaited,
  optimisticLockingConflict,
  startApp,
  startedInstance,
  TOKEN,
  webhookCount,
  type RunningApp,
} from './support.ts';

const created = fixture('issue_created'); // BUG-15, project BUG, type Bug, created 2013-03-27T16:53:58.301+0000
const statusMove = fixture('issue_updated_status'); // TEST-1, project ABC, type Task, To Do → In Progress
const atlassianExample = fixture('issue_updated_atlassian_example'); // JRA-20002, no issue details

const lookupQuery = (businessKey: string) => ({ processDefinitionKey: 'model-lifecycle', businessKey });
const historyQuery = (businessKey: string) => ({
  processDefinitionKey: 'model-lifecycle',
  processInstanceBusinessKey: businessKey,
  sortBy: 'startTime',
  sortOrder: 'asc',
});

function expectLookup(businessKey: string, found: { running?: unknown[]; historic?: unknown[] } = {}) {
  return nock(ENGINE)
    .get('/process-instance')
    .query(lookupQuery(businessKey))
    .reply(200, found.running ?? [])
    .get('/history/process-instance')
    .query(historyQuery(businessKey))
    .reply(200, found.historic ?? []);
}

function expectStart(options: { delayMs?: number } = {}) {
  return nock(ENGINE)
    .post('/process-definition/key/model-lifecycle/start', {
      businessKey: 'BUG-15',
      variables: {
        issueKey: { value: 'BUG-15', type: 'String' },
        ticketCreatedAt: { value: '2013-03-27T16:53:58.301Z', type: 'String' },
        researchServerEnabled: { value: true, type: 'Boolean' },
        statusReconcileInterval: { value: 'PT5M', type: 'String' },
        startSettle: { value: 'PT5S', type: 'String' },
      },
    })
    .delay(options.delayMs ?? 0)
    .reply(200, startedInstance('pi-1', 'BUG-15'));
}

function expectMessage(messageName: string, businessKey: string) {
  return nock(ENGINE).post('/message', { messageName, businessKey, processVariables: {} });
}

let app: RunningApp;
let unexpected: string[];
// Any engine request without an interceptor; loopback requests to the app also raise "no match".
const recordUnexpected = (req: { method?: string; url?: string }) => {
  if (String(req.url).startsWith(ENGINE)) unexpected.push(`${req.method} ${req.url}`);
};

beforeEach(async () => {
  isolateNetwork();
  unexpected = [];
  nock.emitter.on('no match', recordUnexpected);
  app = await startApp();
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

describe('POST /webhooks/jira: issue created', () => {
  it('starts one lifecycle for a signed jira:issue_created of the model project and type', async () => {
    expectLookup('BUG-15');
    expectStart();

    const response = await deliver(app, { body: created, id: 'd-1' });

    expect(response).toEqual({ status: 200, body: { result: 'started', issueKey: 'BUG-15', processInstanceId: 'pi-1' } });
    expect(await webhookCount(app.metrics, 'started')).toBe(1);
    expect((await app.metrics.lifecyclesStarted.get()).values).toEqual([{ labels: { trigger: 'webhook' }, value: 1 }]);
    const line = app.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'jira delivery handled');
    expect(line).toMatchObject({ businessKey: 'BUG-15', deliveryId: 'd-1', result: 'started', webhookEvent: 'jira:issue_created' });
  });

  it('answers a redelivery of the same delivery id as a duplicate without touching the engine', async () => {
    expectLookup('BUG-15');
    expectStart();

    const first = await deliver(app, { body: created, id: 'd-1' });
    const second = await deliver(app, { body: created, id: 'd-1', headers: { 'x-atlassian-webhook-retry': '1' } });

    expect(first.body.result).toBe('started');
    expect(second).toEqual({
      status: 200,
      body: { result: 'duplicate', reason: 'delivery', deliveryId: 'd-1', first: first.body },
    });
    expect(await webhookCount(app.metrics, 'duplicate')).toBe(1);
  });

  it('shares one in-flight start between concurrent deliveries of one id', async () => {
    expectLookup('BUG-15');
    expectStart({ delayMs: 50 });

    const responses = await Promise.all([deliver(app, { body: created, id: 'd-1' }), deliver(app, { body: created, id: 'd-1' })]);

    expect(responses.map((r) => r.body.result).sort()).toEqual(['duplicate', 'started']);
  });

  it('starts once when two different deliveries for one ticket arrive together', async () => {
    // Stateful: a look finds the instance once the start was answered. The per-ticket mutex
    // puts the second look after the first start; without it the second start would be unexpected.
    let starts = 0;
    nock(ENGINE)
      .get('/process-instance')
      .query(lookupQuery('BUG-15'))
      .times(2)
      .reply(200, () => (starts > 0 ? [startedInstance('pi-1', 'BUG-15')] : []));
    nock(ENGINE).get('/history/process-instance').query(historyQuery('BUG-15')).times(2).reply(200, []);
    expectStart({ delayMs: 50 }).on('replied', () => starts++);

    const responses = await Promise.all([deliver(app, { body: created, id: 'd-1' }), deliver(app, { body: created, id: 'd-2' })]);

    expect(responses.map((r) => r.body).sort((a, b) => String(a.result).localeCompare(String(b.result)))).toEqual([
      { result: 'duplicate', reason: 'lifecycle_exists', issueKey: 'BUG-15', processInstanceId: 'pi-1' },
      { result: 'started', issueKey: 'BUG-15', processInstanceId: 'pi-1' },
    ]);
  });

  it('answers duplicate with the existing instance when the ticket already had a lifecycle', async () => {
    expectLookup('BUG-15', { historic: [historicInstance('pi-old', 'BUG-15')] });

    const response = await deliver(app, { body: created, id: 'd-1' });

    expect(response).toEqual({
      status: 200,
      body: { result: 'duplicate', reason: 'lifecycle_exists', issueKey: 'BUG-15', processInstanceId: 'pi-old' },
    });
    expect(await webhookCount(app.metrics, 'duplicate')).toBe(1);
    expect((await app.metrics.lifecyclesStarted.get()).values).toEqual([]);
  });

  it('answers 503 when the engine is down and processes the retry of the same delivery', async () => {
    nock(ENGINE).get('/process-instance').query(true).replyWithError(connectionRefused());
    nock(ENGINE).get('/history/process-instance').query(true).replyWithError(connectionRefused());

    const down = await deliver(app, { body: created, id: 'd-1' });
    expect(down).toEqual({ status: 503, body: { error: 'engine_unavailable' } });
    expect(await webhookCount(app.metrics, 'engine_unavailable')).toBe(1);
    nock.cleanAll();

    expectLookup('BUG-15');
    expectStart();
    const retry = await deliver(app, { body: created, id: 'd-1', headers: { 'x-atlassian-webhook-retry': '1' } });
    expect(retry.body.result).toBe('started');
  });

  it('answers 503 on an engine 500 so Jira retries', async () => {
    expectLookup('BUG-15');
    nock(ENGINE).post('/process-definition/key/model-lifecycle/start').reply(500, { type: 'ProcessEngineException', message: 'database is gone', code: 0 });

    const response = await deliver(app, { body: created, id: 'd-1' });

    expect(response.status).toBe(503);
  });
});

describe('POST /webhooks/jira: authentication', () => {
  it('refuses a forged signature with 401 and never calls the engine', async () => {
    const response = await deliver(app, { body: created, id: 'd-1', signature: `sha256=${'0'.repeat(64)}` });

    expect(response).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await webhookCount(app.metrics, 'unauthorized')).toBe(1);
  });

  it('refuses a body altered after signing', async () => {
    const signedFor = (await import('../../src/http/verify-jira.ts')).signJiraBody('test-webhook-secret', created);
    const response = await deliver(app, { body: created.replace('BUG-15', 'BUG-16'), signature: signedFor });

    expect(response.status).toBe(401);
  });

  it('refuses a delivery without any signature', async () => {
    const response = await deliver(app, { body: created, id: 'd-1', signature: false });

    expect(response.status).toBe(401);
  });

  it('refuses every delivery when neither a secret nor a token is configured', async () => {
    await app.close();
    app = await startApp({ jira: { webhookSecret: undefined, webhookToken: undefined } });

    const response = await deliver(app, { body: created, id: 'd-1' });

    expect(response.status).toBe(401);
  });

  describe('with the shared token (senders that cannot sign)', () => {
    beforeEach(async () => {
      await app.close();
      app = await startApp({ jira: { webhookSecret: 'test-webhook-secret', webhookToken: TOKEN } });
    });

    it('accepts Authorization: Bearer <token> (Jira Automation "Send web request")', async () => {
      expectLookup('BUG-15');
      expectStart();

      const response = await deliver(app, { body: created, signature: false, headers: { authorization: `Bearer ${TOKEN}` } });

      expect(response.body.result).toBe('started');
    });

    it('accepts ?token=<token> and keeps it out of the logs', async () => {
      expectLookup('BUG-15');
      expectStart();

      const response = await deliver(app, { body: created, signature: false, query: `?token=${TOKEN}` });

      expect(response.body.result).toBe('started');
      expect(app.logLines.join('\n')).not.toContain(TOKEN);
    });

    it('still accepts the signature when both are configured', async () => {
      expectLookup('BUG-15');
      expectStart();

      const response = await deliver(app, { body: created });

      expect(response.body.result).toBe('started');
    });

    it('refuses a wrong token', async () => {
      const response = await deliver(app, { body: created, signature: false, headers: { authorization: 'Bearer not-the-token' } });

      expect(response.status).toBe(401);
      expect(app.logLines.join('\n')).not.toContain('not-the-token');
    });
  });
});

describe('POST /webhooks/jira: validation and routing', () => {
  it('answers 400 naming the bad field', async () => {
    const body = fixtureJson('issue_created');
    (body.issue as Record<string, unknown>).key = 'not a key';

    const response = await deliver(app, { body: JSON.stringify(body), id: 'd-1' });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_payload', field: 'issue.key' });
    expect(await webhookCount(app.metrics, 'invalid')).toBe(1);
  });

  it('answers 400 naming the body when it is not JSON', async () => {
    const response = await deliver(app, { body: 'webhookEvent=jira:issue_created' });

    expect(response.body).toMatchObject({ error: 'invalid_payload', field: 'body' });
  });

  it('answers 400 when a created issue does not name its type', async () => {
    const body = fixtureJson('issue_created');
    delete ((body.issue as Record<string, unknown>).fields as Record<string, unknown>).issuetype;

    const response = await deliver(app, { body: JSON.stringify(body) });

    expect(response.body).toMatchObject({ error: 'invalid_payload', field: 'issue.fields.issuetype.name' });
  });

  it('ignores tickets of another project and counts them', async () => {
    await app.close();
    app = await startApp({ jira: { project: 'MLM', issueType: 'Model' } });

    const response = await deliver(app, { body: created, id: 'd-1' });

    expect(response).toEqual({ status: 200, body: { result: 'ignored', reason: 'project', issueKey: 'BUG-15' } });
    expect(await webhookCount(app.metrics, 'ignored')).toBe(1);
  });

  it('ignores events other than issue created and updated', async () => {
    const body = { ...fixtureJson('issue_updated_atlassian_example'), webhookEvent: 'jira:issue_deleted' };

    const response = await deliver(app, { body: JSON.stringify(body) });

    expect(response).toEqual({ status: 200, body: { result: 'ignored', reason: 'event' } });
  });

  it('answers 413 to a body over the limit', async () => {
    await app.close();
    app = await startApp({ http: { bodyLimit: 1_000 } });

    const response = await deliver(app, { body: created });

    expect(response).toEqual({ status: 413, body: { error: 'entity.too.large' } });
    expect(await webhookCount(app.metrics, 'invalid')).toBe(1);
  });
});

describe('POST /webhooks/jira: issue updated', () => {
  beforeEach(async () => {
    await app.close();
    app = await startApp({ jira: { project: 'ABC', issueType: 'Task' } });
  });

  it('correlates jira-status:<role> for a status move, then jira-ticket:updated', async () => {
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(204);
    expectMessage('jira-ticket:updated', 'TEST-1').reply(204);

    const response = await deliver(app, { body: statusMove, id: 'd-2' });

    expect(response).toEqual({
      status: 200,
      body: {
        result: 'correlated',
        issueKey: 'TEST-1',
        status: { name: 'In Progress', role: 'ready_for_training' },
        messages: [
          { name: 'jira-status:ready_for_training', result: 'correlated' },
          { name: 'jira-ticket:updated', result: 'correlated' },
        ],
      },
    });
    expect(await webhookCount(app.metrics, 'correlated')).toBe(1);
  });

  it('answers 200 not_awaited when nothing waits for the status message, and counts it', async () => {
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(400, notAwaited('jira-status:ready_for_training'));
    expectMessage('jira-ticket:updated', 'TEST-1').reply(400, notAwaited('jira-ticket:updated'));

    const response = await deliver(app, { body: statusMove, id: 'd-2' });

    expect(response.status).toBe(200);
    expect(response.body.result).toBe('not_awaited');
    expect(await webhookCount(app.metrics, 'not_awaited')).toBe(1);
    const line = app.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'jira delivery handled');
    // Normal traffic (an early or late event), not a warning.
    expect(line).toMatchObject({ level: 'info', businessKey: 'TEST-1', result: 'not_awaited' });
  });

  it('answers 200 not_awaited, not 503, to a delivery whose twin took the subscription first, and counts it as not_awaited', async () => {
    const lostRace = { type: 'ProcessEngineException', message: "Execution with id 'e-1' does not have a subscription to a message event with name 'jira-status:ready_for_training': eventSubscriptions is empty" };
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(500, lostRace);
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(400, notAwaited('jira-status:ready_for_training'));
    expectMessage('jira-ticket:updated', 'TEST-1').reply(400, notAwaited('jira-ticket:updated'));

    const response = await deliver(app, { body: statusMove, id: 'd-race' });

    expect(response.status).toBe(200);
    expect(response.body.result).toBe('not_awaited');
    expect(await webhookCount(app.metrics, 'not_awaited')).toBe(1);
    expect(await webhookCount(app.metrics, 'engine_unavailable')).toBe(0);
    const counted = (await app.metrics.messageCorrelations.get()).values.find((v) => v.labels.message === 'jira-status:ready_for_training');
    expect(counted?.labels.result).toBe('not_awaited');
    const lines = app.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('answers correlated when anything waited, counting each message by its result', async () => {
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(400, notAwaited('jira-status:ready_for_training'));
    expectMessage('jira-ticket:updated', 'TEST-1').reply(204);

    const response = await deliver(app, { body: statusMove, id: 'd-3' });

    expect(response.body.result).toBe('correlated');
    const counts = (await app.metrics.messageCorrelations.get()).values.map((value) => [value.labels.message, value.labels.result, value.value]);
    expect(counts).toEqual([
      ['jira-status:ready_for_training', 'not_awaited', 1],
      ['jira-ticket:updated', 'correlated', 1],
    ]);
  });

  it('retries an optimistic-locking conflict and then correlates', async () => {
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(500, optimisticLockingConflict);
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(204);
    expectMessage('jira-ticket:updated', 'TEST-1').reply(204);

    const response = await deliver(app, { body: statusMove, id: 'd-2' });

    expect(response.body.result).toBe('correlated');
  });

  it('correlates only jira-ticket:updated when the status maps to no role', async () => {
    await app.close();
    app = await startApp({ jira: { project: 'ABC', issueType: 'Task', statusRoles: { ready_for_training: 'Ready for training' } } });
    expectMessage('jira-ticket:updated', 'TEST-1').reply(204);

    const response = await deliver(app, { body: statusMove });

    expect(response.body).toEqual({
      result: 'correlated',
      issueKey: 'TEST-1',
      status: { name: 'In Progress' },
      messages: [{ name: 'jira-ticket:updated', result: 'correlated' }],
    });
  });

  it("routes Atlassian's documented example (no issue details) by its key prefix", async () => {
    await app.close();
    app = await startApp({ jira: { project: 'JRA', issueType: 'New Feature' } });
    expectMessage('jira-ticket:updated', 'JRA-20002').reply(204);

    const response = await deliver(app, { body: atlassianExample });

    expect(response.body).toEqual({ result: 'correlated', issueKey: 'JRA-20002', messages: [{ name: 'jira-ticket:updated', result: 'correlated' }] });
  });

  it('answers 503 on an engine 500 that is not a locking conflict, and forgets the delivery', async () => {
    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(500, { type: 'ProcessEngineException', message: 'boom', code: 0 });

    const response = await deliver(app, { body: statusMove, id: 'd-2' });
    expect(response.status).toBe(503);

    expectMessage('jira-status:ready_for_training', 'TEST-1').reply(204);
    expectMessage('jira-ticket:updated', 'TEST-1').reply(204);
    const retry = await deliver(app, { body: statusMove, id: 'd-2' });
    expect(retry.body.result).toBe('correlated');
  });
});
