import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClientError } from '../../src/clients/errors.ts';
import { JiraClient } from '../../src/clients/jira.ts';
import type { Document } from '../../src/domain/document.ts';
import { routeJiraDelivery } from '../../src/http/jira-route.ts';
import { verifyJiraRequest } from '../../src/http/verify-jira.ts';
import { JiraStandIn, JiraStandInError, type JiraStandInChange, type JiraStandInOptions } from '../../standins/jira.ts';

// Strict schemas of Jira Cloud's answers, from Atlassian's published examples under
// test/fixtures/jira (see its SOURCES.md). Each fixture passes them, and so must the stand-in:
// a field Jira does not send fails the strict object.

const adf = z.strictObject({ type: z.literal('doc'), version: z.literal(1), content: z.array(z.unknown()) });
const user = z.strictObject({
  self: z.string(),
  accountId: z.string(),
  emailAddress: z.string().optional(),
  displayName: z.string(),
  active: z.boolean(),
  timeZone: z.string().optional(),
  accountType: z.string().optional(),
});
const property = z.strictObject({ key: z.string(), value: z.unknown() });
const comment = z.strictObject({
  author: user,
  body: adf,
  created: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/),
  id: z.string().regex(/^\d+$/),
  self: z.string(),
  updateAuthor: user,
  updated: z.string(),
  visibility: z.strictObject({ identifier: z.string(), type: z.string(), value: z.string() }).optional(),
  properties: z.array(property).optional(),
});
const commentsPage = z.strictObject({ comments: z.array(comment), maxResults: z.number().int(), startAt: z.number().int(), total: z.number().int() });
const commentList = z.strictObject({ isLast: z.boolean(), maxResults: z.number().int(), startAt: z.number().int(), total: z.number().int(), values: z.array(comment) });
const category = z.strictObject({ self: z.string(), id: z.number().int(), key: z.string(), colorName: z.string(), name: z.string().optional() });
const status = z.strictObject({ self: z.string(), description: z.string(), iconUrl: z.string(), name: z.string(), id: z.string(), statusCategory: category });
const transitions = z.strictObject({
  transitions: z.array(
    z.strictObject({
      fields: z.record(z.string(), z.unknown()).optional(),
      hasScreen: z.boolean(),
      id: z.string(),
      isAvailable: z.boolean().optional(),
      isConditional: z.boolean().optional(),
      isGlobal: z.boolean().optional(),
      isInitial: z.boolean().optional(),
      name: z.string(),
      to: z.strictObject({ ...status.shape, statusCategory: category }),
    }),
  ),
});
const component = z.strictObject({ self: z.string(), id: z.string(), name: z.string() });
const issueFields = z.looseObject({
  summary: z.string(),
  status,
  issuetype: z.strictObject({
    self: z.string(),
    id: z.string(),
    description: z.string(),
    iconUrl: z.string(),
    name: z.string(),
    subtask: z.boolean(),
    avatarId: z.number().optional(),
    hierarchyLevel: z.number().optional(),
  }),
  project: z.strictObject({ self: z.string(), id: z.string(), key: z.string(), name: z.string(), projectTypeKey: z.string(), simplified: z.boolean() }),
  assignee: user.nullable(),
  reporter: user.nullable(),
  creator: user.nullable(),
  components: z.array(component),
  labels: z.array(z.string()),
  created: z.string(),
  updated: z.string(),
  description: adf.nullable(),
});
const issue = z.strictObject({ expand: z.string(), id: z.string(), self: z.string(), key: z.string(), fields: issueFields });
const issueStatus = z.strictObject({ expand: z.string(), id: z.string(), self: z.string(), key: z.string(), fields: z.strictObject({ status }) });
const remoteLinkCreated = z.strictObject({ id: z.number().int(), self: z.string() });
const errorCollection = z.strictObject({ errorMessages: z.array(z.string()), errors: z.record(z.string(), z.string()) });
const changelogItem = z.strictObject({
  field: z.string(),
  fieldtype: z.string(),
  from: z.string().nullable(),
  fromString: z.string().nullable(),
  to: z.string().nullable(),
  toString: z.string().nullable(),
});
const deliveryUser = z.strictObject({
  self: z.string(),
  name: z.string().optional(),
  key: z.string().optional(),
  accountId: z.string().optional(),
  displayName: z.string(),
  active: z.boolean(),
  timeZone: z.string().optional(),
});
const delivery = z.looseObject({
  timestamp: z.number(),
  webhookEvent: z.enum(['jira:issue_created', 'jira:issue_updated']),
  issue_event_type_name: z.string(),
  user: deliveryUser,
  issue: z.looseObject({
    id: z.string(),
    self: z.string(),
    key: z.string(),
    fields: z.looseObject({
      summary: z.string(),
      issuetype: z.looseObject({ name: z.string() }),
      project: z.looseObject({ key: z.string() }),
      status: z.looseObject({ name: z.string(), id: z.string() }),
      components: z.array(z.unknown()),
      created: z.string(),
    }),
  }),
  changelog: z.strictObject({ id: z.union([z.string(), z.number()]), items: z.array(changelogItem) }).optional(),
});

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/jira/${name}`, import.meta.url), 'utf8')) as unknown;
}

describe('the schemas accept what Jira answers', () => {
  it.each([
    ['cloud/issue.json', issue.extend({ fields: issueFields.extend({ description: adf.nullable() }) })],
    ['cloud/issue-status.json', issueStatus],
    ['cloud/comments.json', commentsPage],
    ['cloud/comments-without-properties.json', commentsPage],
    ['cloud/comment-list.json', commentList],
    ['cloud/comment-created.json', comment],
    ['cloud/remotelink-created.json', remoteLinkCreated],
    ['cloud/error-issue-not-found.json', errorCollection],
    ['webhooks/issue_created.json', delivery],
    ['webhooks/issue_updated_status.json', delivery],
  ] as const)('%s', (name, schema) => {
    // The recorded issue's reporter etc. lack self-less fields; its components, labels and users fit as they are.
    expect(schema.safeParse(fixture(name)).error).toBeUndefined();
  });

  it('cloud/transitions.json, whose second transition lacks a category name', () => {
    expect(transitions.safeParse(fixture('cloud/transitions.json')).error).toBeUndefined();
  });
});

const EMAIL = 'lifecycle-robot@acme.test';
const TOKEN = 'jira-api-token';
const STATUSES = ['Backlog', 'Research', 'Ready for training', 'Ready for build'];
const SECRET = 'webhook-secret';
const MIA = { accountId: 'a1', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' };
const CAROL = { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Carol Danvers', emailAddress: 'carol@acme.test' };
const DAVE = { accountId: '5b10a0effa615349cb016cd8', displayName: 'Dave Lister', emailAddress: 'dave@acme.test' };
const routing = { project: 'MLM', issueType: 'Model', statusRoles: { research: 'Research', ready_for_training: 'Ready for training' } };
const noSleep = { retries: 2, sleep: async () => {} };

const doc = (text: string): Document => ({ blocks: [{ type: 'heading', text }, { type: 'paragraph', content: ['Repository: ', { text: 'acme-ml/churn', href: 'https://github.com/acme-ml/churn' }] }] });

let jira: JiraStandIn;
let base: string;

async function start(options: Partial<JiraStandInOptions> = {}): Promise<void> {
  await jira?.stop();
  jira = new JiraStandIn({ statuses: STATUSES, email: EMAIL, apiToken: TOKEN, webhookRetry: { minDelayMs: 5, maxDelayMs: 20 }, ...options });
  base = await jira.start();
}

function client(auth: { email: string; apiToken: string } = { email: EMAIL, apiToken: TOKEN }): JiraClient {
  return new JiraClient({ api: 'cloud', baseUrl: base, auth, retry: noSleep });
}

async function get(path: string, authorization = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: authorization, Accept: 'application/json' } });
  return { status: response.status, body: await response.json() };
}

beforeEach(async () => {
  await start();
  jira.addIssue({ key: 'MLM-7', summary: 'Churn predictor', status: 'Backlog', components: ['search'], assignee: MIA });
});
afterEach(() => jira.stop());

describe('JiraStandIn answers the real JiraClient in Jira Cloud shapes', () => {
  it('serves the issue and its status as GET /issue answers them', async () => {
    const view = await client().getIssue('MLM-7');
    expect(view).toMatchObject({ key: 'MLM-7', summary: 'Churn predictor', status: 'Backlog', issueType: 'Model', projectKey: 'MLM', components: ['search'], labels: [] });
    expect(view.assignee).toEqual({ accountId: 'a1', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' });
    expect(view.reporter?.displayName).toBe('Mia Krystof');
    expect(await client().getStatus('MLM-7')).toBe('Backlog');

    const full = issue.parse((await get('/rest/api/3/issue/MLM-7')).body);
    expect(full.fields.status.statusCategory.key).toBe('new');
    expect(full.fields.components).toEqual([{ self: `${base}/rest/api/3/component/10000`, id: '10000', name: 'search' }]);
    const narrow = issueStatus.parse((await get('/rest/api/3/issue/MLM-7?fields=status')).body);
    expect(narrow.fields.status.name).toBe('Backlog');
    // By id too, as Jira accepts.
    expect((await get(`/rest/api/3/issue/${full.id}?fields=summary`)).body).toMatchObject({ key: 'MLM-7', fields: { summary: 'Churn predictor' } });
  });

  it('answers an unknown issue with the ErrorCollection 404, which the client reports', async () => {
    const answer = await get('/rest/api/3/issue/MLM-404');
    expect(answer.status).toBe(404);
    expect(errorCollection.parse(answer.body).errorMessages).toEqual(['Issue does not exist or you do not have permission to see it.']);
    const error = await client().getIssue('MLM-404').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).status).toBe(404);
  });

  it('adds a comment once per idempotency key, the key kept as an entity property', async () => {
    const first = await client().addComment('MLM-7', { idempotencyKey: 'MLM-7:repository:1', document: doc('[Success] REPOSITORY') });
    const second = await client().addComment('MLM-7', { idempotencyKey: 'MLM-7:repository:1', document: doc('[Success] REPOSITORY') });
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    expect(jira.comments.get('MLM-7')).toHaveLength(1);
    expect(jira.commentsContaining('MLM-7', '[Success] REPOSITORY')[0]?.properties).toEqual([{ key: 'model-lifecycle.idempotency', value: { key: 'MLM-7:repository:1' } }]);
    // Cloud leaves properties out of the issue's comment list, so the client reads them through comment/list.
    expect(jira.requests.filter((request) => request.startsWith('POST /rest/api/3/comment/list'))).toHaveLength(1);

    const page = commentsPage.parse((await get('/rest/api/3/issue/MLM-7/comment?expand=properties')).body);
    expect(page.comments[0]?.properties).toBeUndefined();
    expect(page.comments[0]?.body.content[0]).toMatchObject({ type: 'heading' });
    expect(page.comments[0]?.author).toMatchObject({ emailAddress: EMAIL });
    await client().addComment('MLM-7', { idempotencyKey: 'MLM-7:other:1', document: doc('other') });
    const newest = commentsPage.parse((await get('/rest/api/3/issue/MLM-7/comment?orderBy=-created&maxResults=1')).body);
    expect(newest).toMatchObject({ total: 2, maxResults: 1, startAt: 0 });
    expect(JSON.stringify(newest.comments[0]?.body)).toContain('other');
  });

  it('keeps one comment when the answer to the post is lost: the client looks again and finds it', async () => {
    jira.onNextRequest({ method: 'POST', path: /^\/rest\/api\/3\/issue\/MLM-7\/comment$/ }, 'drop-answer');
    const added = await client().addComment('MLM-7', { idempotencyKey: 'MLM-7:train:1', document: doc('[Success] TRAIN_RESULT') });
    expect(jira.comments.get('MLM-7')).toHaveLength(1);
    expect(added.id).toBe(jira.comments.get('MLM-7')?.[0]?.id);
    expect(jira.requests.filter((request) => request === 'POST /rest/api/3/issue/MLM-7/comment')).toHaveLength(1);
  });

  it('answers the comment post with the published Comment shape; a body that is not ADF is refused', async () => {
    const response = await fetch(`${base}/rest/api/3/issue/MLM-7/comment`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body: 'wiki *markup*' }),
    });
    expect(response.status).toBe(400);
    expect(errorCollection.parse(await response.json()).errors).toEqual({ comment: 'Comment body is not valid!' });
    expect(jira.comments.get('MLM-7')).toBeUndefined();
  });

  it('moves the issue through a transition it offers, and not again once there', async () => {
    const offered = transitions.parse((await get('/rest/api/3/issue/MLM-7/transitions')).body);
    expect(offered.transitions.map((transition) => [transition.id, transition.to.name])).toEqual([
      ['21', 'Research'],
      ['31', 'Ready for training'],
      ['41', 'Ready for build'],
    ]);
    expect(await client().transitionTo('MLM-7', 'research')).toEqual({ from: 'Backlog', to: 'Research', changed: true });
    expect(await client().transitionTo('MLM-7', 'Research')).toEqual({ from: 'Research', to: 'Research', changed: false });
    expect(jira.transitions).toEqual([{ key: 'MLM-7', to: 'Research' }]);
    expect(jira.issues.get('MLM-7')?.status).toBe('Research');

    // A transition id not offered from the current status is Jira's 400.
    const stale = await fetch(`${base}/rest/api/3/issue/MLM-7/transitions`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ transition: { id: '21' } }),
    });
    expect(stale.status).toBe(400);
    expect(await stale.json()).toEqual({ errorMessages: ["Transition id '21' is not valid for this issue."], errors: {} });
  });

  it('names the reachable statuses when no transition leads to the asked one', async () => {
    const error = await client().transitionTo('MLM-7', 'Done').catch((caught: unknown) => caught);
    expect(String(error)).toContain('statuses reachable now: Research, Ready for training, Ready for build');
  });

  it('creates a remote link once per globalId and updates it after', async () => {
    const link = { globalId: 'model-lifecycle:MLM-7:repository', url: 'https://github.com/acme-ml/churn', title: 'acme-ml/churn' };
    await client().upsertRemoteLink('MLM-7', link);
    await client().upsertRemoteLink('MLM-7', { ...link, title: 'acme-ml/churn (renamed)' });
    expect([...(jira.remoteLinks.get('MLM-7')?.entries() ?? [])]).toEqual([[link.globalId, { id: 10_000, url: link.url, title: 'acme-ml/churn (renamed)' }]]);
    const listed = await get('/rest/api/3/issue/MLM-7/remotelink');
    expect(listed.body).toMatchObject([{ id: 10_000, globalId: link.globalId, object: { url: link.url } }]);
  });

  it('answers 201 to a new link and 200 to an update, in the published shape', async () => {
    const post = () =>
      fetch(`${base}/rest/api/3/issue/MLM-7/remotelink`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ globalId: 'g', object: { url: 'https://x.test', title: 'x' } }),
      });
    const created = await post();
    expect(created.status).toBe(201);
    expect(remoteLinkCreated.parse(await created.json())).toEqual({ id: 10_000, self: `${base}/rest/api/3/issue/MLM-7/remotelink/10000` });
    expect((await post()).status).toBe(200);
  });

  it('refuses missing or wrong credentials with 401', async () => {
    expect((await get('/rest/api/3/issue/MLM-7', '')).status).toBe(401);
    expect((await get('/rest/api/3/issue/MLM-7', `Basic ${Buffer.from(`${EMAIL}:wrong`).toString('base64')}`)).status).toBe(401);
    expect((await get('/rest/api/3/issue/MLM-7', `Bearer ${TOKEN}`)).status).toBe(401);
    const error = await client({ email: EMAIL, apiToken: 'wrong' }).getStatus('MLM-7').catch((caught: unknown) => caught);
    expect((error as ClientError).status).toBe(401);
  });

  it('injects faults: a 429 with Retry-After is retried by the client', async () => {
    jira.onNextRequest({ method: 'GET', path: /\/issue\/MLM-7$/ }, { status: 429, headers: { 'Retry-After': '0' } });
    expect(await client().getStatus('MLM-7')).toBe('Backlog');
    expect(jira.requests.filter((request) => request === 'GET /rest/api/3/issue/MLM-7')).toHaveLength(2);
  });
});

/** A webhook receiver on loopback: answers each delivery with the next planned status (then 200), or drops it. */
class Receiver {
  readonly received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  readonly plan: Array<number | 'drop'> = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = this.plan.shift() ?? 200;
      if (next === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(next, { 'Content-Type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/jira`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  json(index: number): Record<string, unknown> {
    return JSON.parse(this.received[index]?.body ?? 'null') as Record<string, unknown>;
  }
}

describe('JiraStandIn sends webhooks like Jira Cloud', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = new Receiver();
    jira.registerWebhook({ url: await receiver.start(), secret: SECRET });
  });
  afterEach(() => receiver.stop());

  it('creates an issue with the next key and sends jira:issue_created, signed, that the service routes to a start', async () => {
    const created = jira.createIssue({ summary: 'Fraud scorer', components: ['search'], assignee: MIA });
    expect(created.key).toBe('MLM-8');
    expect(jira.createIssue({ summary: 'Other', project: 'OPS' }).key).toBe('OPS-1');
    await jira.settled();
    expect(receiver.received).toHaveLength(2);

    const [first] = receiver.received;
    const body = Buffer.from(first!.body);
    expect(verifyJiraRequest({ secret: SECRET }, { rawBody: body, signature: String(first!.headers['x-hub-signature']) })).toEqual({ ok: true, method: 'signature' });
    expect(verifyJiraRequest({ secret: 'another' }, { rawBody: body, signature: String(first!.headers['x-hub-signature']) }).ok).toBe(false);
    expect(first!.headers['x-atlassian-webhook-identifier']).toMatch(/^[0-9a-f-]{36}$/);
    expect(first!.headers['x-atlassian-webhook-retry']).toBeUndefined();

    const payload = delivery.parse(receiver.json(0));
    expect(payload).toMatchObject({ webhookEvent: 'jira:issue_created', issue_event_type_name: 'issue_created', issue: { key: 'MLM-8', fields: { summary: 'Fraud scorer', issuetype: { name: 'Model' }, project: { key: 'MLM' }, status: { name: 'Backlog' } } } });
    expect(routeJiraDelivery(payload, routing, () => new Date())).toMatchObject({ kind: 'start', issueKey: 'MLM-8' });
    expect(routeJiraDelivery(receiver.json(1), routing, () => new Date())).toMatchObject({ kind: 'ignore', reason: 'project' });
    expect(jira.deliveries.map((sent) => [sent.event, sent.issueKey, sent.attempts, sent.state])).toEqual([
      ['jira:issue_created', 'MLM-8', [200], 'delivered'],
      ['jira:issue_created', 'OPS-1', [200], 'delivered'],
    ]);
  });

  it('sends jira:issue_updated with a status changelog when a person moves the issue', async () => {
    jira.moveStatus('MLM-7', 'ready for training');
    await jira.settled();
    const payload = delivery.parse(receiver.json(0));
    expect(payload.issue_event_type_name).toBe('issue_generic');
    expect(payload.changelog?.items).toEqual([{ field: 'status', fieldtype: 'jira', from: '10000', fromString: 'Backlog', to: '10002', toString: 'Ready for training' }]);
    expect(routeJiraDelivery(payload, routing, () => new Date())).toMatchObject({ kind: 'correlate', issueKey: 'MLM-7', status: { name: 'Ready for training', role: 'ready_for_training' } });
    // A person's move is no REST transition.
    expect(jira.transitions).toEqual([]);
    expect(() => jira.moveStatus('MLM-7', 'Ready for training')).toThrow(JiraStandInError);
    expect(() => jira.moveStatus('MLM-7', 'Done')).toThrow(/not a status of the workflow/);
    expect(() => jira.moveStatus('MLM-99', 'Research')).toThrow(/no issue MLM-99/);
  });

  it('sends jira:issue_updated with one changelog item per edited field, and nothing for no change', async () => {
    expect(jira.editIssue('MLM-7', { summary: 'Churn predictor v2', components: ['search', 'ranking'], fields: { customfield_10050: 'churn' } })).toEqual(['summary', 'Component', 'customfield_10050']);
    expect(jira.editIssue('MLM-7', { summary: 'Churn predictor v2' })).toEqual([]);
    await jira.settled();
    expect(receiver.received).toHaveLength(1);
    const payload = delivery.parse(receiver.json(0));
    expect(payload.changelog?.items).toEqual([
      { field: 'summary', fieldtype: 'jira', from: null, fromString: 'Churn predictor', to: null, toString: 'Churn predictor v2' },
      { field: 'Component', fieldtype: 'jira', from: null, fromString: null, to: '10001', toString: 'ranking' },
      { field: 'customfield_10050', fieldtype: 'custom', from: null, fromString: null, to: null, toString: 'churn' },
    ]);
    expect(routeJiraDelivery(payload, routing, () => new Date())).toMatchObject({ kind: 'correlate', messages: ['jira-ticket:updated'] });
    expect((await client().getIssue('MLM-7')).fields.customfield_10050).toBe('churn');
  });

  it('sends jira:issue_updated for a transition made over REST too, as Jira does', async () => {
    await client().transitionTo('MLM-7', 'Research');
    await jira.settled();
    expect(delivery.parse(receiver.json(0)).changelog?.items[0]).toMatchObject({ field: 'status', toString: 'Research' });
    expect(delivery.parse(receiver.json(0)).user.displayName).toBe('Model lifecycle robot');
  });

  it('sets user-picker fields over REST for the real client, with one changelog item per changed field', async () => {
    await start({ users: [CAROL, DAVE], editableFields: ['customfield_10200', 'customfield_10201'] });
    jira.addIssue({ key: 'MLM-7', summary: 'Churn predictor', status: 'Backlog', components: ['search'], assignee: MIA });
    jira.registerWebhook({ url: receiver.url, secret: SECRET });
    const [carol] = await client().findUsersByEmail('carol@acme.test');
    expect(carol).toEqual({ accountId: CAROL.accountId, displayName: 'Carol Danvers', emailAddress: 'carol@acme.test' });
    await expect(client().findUsersByEmail('nobody@acme.test')).resolves.toEqual([]);

    await client().setUserFields('MLM-7', { customfield_10200: [{ accountId: CAROL.accountId }, { accountId: DAVE.accountId }], customfield_10201: [{ accountId: CAROL.accountId }] });
    // The same PUT again (a lost answer repeated) changes nothing and sends nothing.
    jira.onNextRequest({ method: 'PUT', path: /^\/rest\/api\/3\/issue\/MLM-7$/ }, 'drop-answer');
    await client().setUserFields('MLM-7', { customfield_10201: [{ accountId: CAROL.accountId }] });
    await jira.settled();

    expect(receiver.received).toHaveLength(1);
    const payload = delivery.parse(receiver.json(0));
    expect(payload.user.displayName).toBe('Model lifecycle robot');
    expect(payload.changelog?.items).toEqual([
      { field: 'customfield_10200', fieldtype: 'custom', from: null, fromString: null, to: `[${CAROL.accountId}, ${DAVE.accountId}]`, toString: 'Carol Danvers, Dave Lister' },
      { field: 'customfield_10201', fieldtype: 'custom', from: null, fromString: null, to: `[${CAROL.accountId}]`, toString: 'Carol Danvers' },
    ]);
    const fields = (await client().getIssue('MLM-7')).fields;
    expect(fields['customfield_10200']).toMatchObject([{ accountId: CAROL.accountId, displayName: 'Carol Danvers' }, { accountId: DAVE.accountId }]);
    expect(jira.snapshot().issues[0]?.fields['customfield_10201']).toMatchObject([{ accountId: CAROL.accountId }]);

    await client().setUserFields('MLM-7', { customfield_10201: [] });
    expect((await client().getIssue('MLM-7')).fields['customfield_10201']).toBeNull();

    const offScreen = (await client().setUserFields('MLM-7', { customfield_10300: [{ accountId: CAROL.accountId }] }).catch((caught: unknown) => caught)) as ClientError;
    expect(offScreen.message).toContain("customfield_10300: Field 'customfield_10300' cannot be set. It is not on the appropriate screen, or unknown. — add customfield_10300 to the edit screen");
    const stranger = (await client().setUserFields('MLM-7', { customfield_10200: [{ accountId: 'nobody' }] }).catch((caught: unknown) => caught)) as ClientError;
    expect(stranger.message).toContain('customfield_10200 refused the users given');
  });

  it('retries a 503 and a lost answer with the same identifier and a retry count, then stops', async () => {
    receiver.plan.push(503, 'drop');
    jira.moveStatus('MLM-7', 'Research');
    await jira.settled();
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((sent) => sent.headers['x-atlassian-webhook-identifier']));
    expect(ids.size).toBe(1);
    expect(receiver.received.map((sent) => sent.headers['x-atlassian-webhook-retry'])).toEqual([undefined, '1', '2']);
    expect(new Set(receiver.received.map((sent) => sent.body)).size).toBe(1);
    expect(jira.deliveries[0]).toMatchObject({ attempts: [503, 0, 200], state: 'delivered' });
  });

  it('gives up after 5 retries, and never retries a 4xx other than 408/409/425/429', async () => {
    receiver.plan.push(500, 500, 500, 500, 500, 500, 500, 401);
    jira.moveStatus('MLM-7', 'Research');
    await jira.settled();
    expect(jira.deliveries[0]).toMatchObject({ attempts: [500, 500, 500, 500, 500, 500], state: 'failed' });
    jira.moveStatus('MLM-7', 'Backlog');
    await jira.settled();
    expect(receiver.received).toHaveLength(8);
    expect(jira.deliveries[1]).toMatchObject({ attempts: [500, 401], state: 'delivered' });
  });

  it('sends comment_created only to hooks that ask for it, and nothing once unregistered', async () => {
    const comments = new Receiver();
    const unregister = jira.registerWebhook({ url: await comments.start(), secret: SECRET, events: ['comment_created'] });
    try {
      await client().addComment('MLM-7', { idempotencyKey: 'k', document: doc('hello') });
      await jira.settled();
      expect(receiver.received).toHaveLength(0);
      expect(comments.json(0)).toMatchObject({ webhookEvent: 'comment_created', issue: { key: 'MLM-7' }, comment: { id: '10000' } });
      unregister();
      await client().addComment('MLM-7', { idempotencyKey: 'k2', document: doc('again') });
      await jira.settled();
      expect(comments.received).toHaveLength(1);
    } finally {
      await comments.stop();
    }
  });
});

describe('JiraStandIn for a page', () => {
  it('emits a change for every state change and gives a JSON snapshot', async () => {
    const changes: JiraStandInChange[] = [];
    const unsubscribe = jira.onChange((change) => changes.push(change));
    const key = jira.createIssue({ summary: 'Fraud scorer', components: ['search'] }).key;
    await client().addComment(key, { idempotencyKey: 'k', document: doc('[Success] REPOSITORY') });
    await client().transitionTo(key, 'Research');
    await client().upsertRemoteLink(key, { globalId: 'g', url: 'https://github.com/acme-ml/fraud', title: 'acme-ml/fraud' });
    jira.moveStatus(key, 'Ready for training');
    jira.editIssue(key, { assignee: MIA });
    unsubscribe();
    jira.moveStatus(key, 'Research');
    expect(changes).toEqual([
      { type: 'issue-created', key },
      { type: 'comment-added', key, commentId: '10000' },
      { type: 'transitioned', key, from: 'Backlog', to: 'Research', by: 'api' },
      { type: 'remote-link', key, globalId: 'g', created: true },
      { type: 'transitioned', key, from: 'Research', to: 'Ready for training', by: 'person' },
      { type: 'issue-updated', key, fields: ['assignee'] },
    ]);

    const snapshot = jira.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.statuses).toEqual(STATUSES);
    expect(snapshot.issues.find((entry) => entry.key === key)).toMatchObject({
      summary: 'Fraud scorer',
      status: 'Research',
      issueType: 'Model',
      assignee: MIA,
      components: ['search'],
      comments: [{ id: '10000', author: 'Model lifecycle robot', body: { type: 'doc', version: 1 } }],
      remoteLinks: [{ globalId: 'g', url: 'https://github.com/acme-ml/fraud', title: 'acme-ml/fraud' }],
    });
    expect(new Date(snapshot.issues[1]!.comments[0]!.created).getTime()).toBeGreaterThan(0);
  });

  it('calls onComment as each comment is stored', async () => {
    const seen: string[] = [];
    jira.onComment = (key, stored) => seen.push(`${key}:${stored.id}`);
    await client().addComment('MLM-7', { idempotencyKey: 'k', document: doc('x') });
    expect(seen).toEqual(['MLM-7:10000']);
  });

  it('lets the tests change an issue in place', async () => {
    jira.issues.get('MLM-7')!.status = 'Ready for training';
    jira.issues.get('MLM-7')!.components = ['ranking'];
    expect(await client().getStatus('MLM-7')).toBe('Ready for training');
    expect((await client().getIssue('MLM-7')).components).toEqual(['ranking']);
  });
});
