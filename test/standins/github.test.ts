import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { GitHubClient } from '../../src/clients/github.ts';
import { parseModelToml } from '../../src/domain/model-toml.ts';
import { routeGitHubDelivery } from '../../src/http/github-route.ts';
import { createGitHubVerifier } from '../../src/http/verify-github.ts';
import { blobSha, GitHubStandIn, readTemplateDirectory, templatesFrom, type GitHubStandInEvent, type GitHubStandInOptions } from '../../standins/github.ts';
import branchFixture from '../fixtures/github/branch.json' with { type: 'json' };
import protectionFixture from '../fixtures/github/branch-protection.json' with { type: 'json' };
import contentFixture from '../fixtures/github/content-file.json' with { type: 'json' };
import commitFixture from '../fixtures/github/file-commit.json' with { type: 'json' };
import repositoryFixture from '../fixtures/github/repository.json' with { type: 'json' };
import topicsFixture from '../fixtures/github/topics.json' with { type: 'json' };

const TOKEN = 'ghp_standintoken';
const TEMPLATE = 'acme-ml/ml-model-template';
const SECRET = 'stand-in-webhook-secret';

let github: GitHubStandIn;
let baseUrl: string;
let client: GitHubClient;

async function startStandIn(options: Partial<GitHubStandInOptions> = {}): Promise<void> {
  await github?.stop();
  github = new GitHubStandIn({ token: TOKEN, templates: templatesFrom(TEMPLATE), webhookRetryDelayMs: 5, ...options });
  baseUrl = await github.start();
  client = new GitHubClient({ baseUrl, auth: { token: TOKEN }, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 }, freshRepositoryRetries: 8 });
}

const create = (name = 'iris-classifier') =>
  client.createRepoFromTemplate({
    template: { owner: 'acme-ml', repo: 'ml-model-template' },
    owner: 'acme-ml',
    name,
    description: `Iris classifier (MLM-1)`,
    private: true,
  });

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `token ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Every key of the documented example is in the answer, with a value of the same JSON type (recursively). */
function expectShapeOf(example: unknown, answer: unknown, where = '$'): void {
  const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
  if (kind(example) === 'null' || kind(answer) === 'null') return;
  expect(kind(answer), where).toBe(kind(example));
  if (Array.isArray(example) && Array.isArray(answer) && example.length > 0 && answer.length > 0) expectShapeOf(example[0], answer[0], `${where}[0]`);
  if (kind(example) === 'object') {
    for (const [key, value] of Object.entries(example as Record<string, unknown>)) {
      expect(answer, `${where}.${key}`).toHaveProperty([key]);
      expectShapeOf(value, (answer as Record<string, unknown>)[key], `${where}.${key}`);
    }
  }
}

beforeEach(async () => {
  await startStandIn();
});

afterEach(async () => {
  await github.stop();
});

describe('the GitHub client against the stand-in', () => {
  it('generates a repository from the template once, with the template files in one commit', async () => {
    const first = await create();
    const second = await create();

    expect(first).toMatchObject({ created: true, fullName: 'acme-ml/iris-classifier', defaultBranch: 'main', private: true, description: 'Iris classifier (MLM-1)' });
    expect(first.htmlUrl).toBe('https://github.com/acme-ml/iris-classifier');
    expect(second).toMatchObject({ created: false, fullName: 'acme-ml/iris-classifier' });
    expect(github.generated).toEqual(['acme-ml/iris-classifier']);
    const repo = github.repos.get('acme-ml/iris-classifier')!;
    expect(Object.fromEntries(repo.files)).toEqual(readTemplateDirectory());
    expect(repo.commits.map((commit) => commit.message)).toEqual(['Initial commit']);
    expect(repo.fromTemplate).toBe(TEMPLATE);
  });

  it('answers 404 for a template it does not have, and 422 for a name that is taken', async () => {
    await expect(
      client.createRepoFromTemplate({ template: { owner: 'acme-ml', repo: 'no-such-template' }, owner: 'acme-ml', name: 'x', description: '', private: true }),
    ).rejects.toMatchObject({ status: 404 });
    await create();
    const taken = await api('POST', `/repos/${TEMPLATE}/generate`, { owner: 'acme-ml', name: 'iris-classifier' });
    expect(taken).toMatchObject({ status: 422, body: { message: 'Could not clone: Name already exists on this account' } });
  });

  it('writes a file in one commit when it changes, and not at all when it is the same', async () => {
    await create();
    const input = { owner: 'acme-ml', repo: 'iris-classifier', path: 'model.toml', content: 'x = 1\n', message: 'model.toml from MLM-1' };

    expect(await client.putFile(input)).toEqual({ changed: true });
    expect(await client.putFile(input)).toEqual({ changed: false });
    expect(await client.putFile({ ...input, path: 'notes/new.md', content: '# new\n', message: 'a new file' })).toEqual({ changed: true });

    const repo = github.repos.get('acme-ml/iris-classifier')!;
    expect(repo.commits.map((commit) => commit.message)).toEqual(['Initial commit', 'model.toml from MLM-1', 'a new file']);
    expect(repo.files.get('model.toml')).toBe('x = 1\n');
    expect(github.requests.filter((request) => request.startsWith('PUT /repos/acme-ml/iris-classifier/contents/'))).toHaveLength(2);
  });

  it('keeps one commit when the answer to a write is lost: the client reads the file again', async () => {
    await create();
    github.onNextRequest({ method: 'PUT', path: /\/contents\/model\.toml$/ }, 'drop-answer');

    const result = await client.putFile({ owner: 'acme-ml', repo: 'iris-classifier', path: 'model.toml', content: 'y = 2\n', message: 'model.toml' });

    expect(result).toEqual({ changed: true });
    const repo = github.repos.get('acme-ml/iris-classifier')!;
    expect(repo.commits).toHaveLength(2);
    expect(github.requests.filter((request) => request === 'PUT /repos/acme-ml/iris-classifier/contents/model.toml')).toHaveLength(1);
  });

  it('refuses a write without the sha of the file it replaces, or with a stale one', async () => {
    await create();
    const put = (sha?: string) => api('PUT', '/repos/acme-ml/iris-classifier/contents/model.toml', { message: 'm', content: Buffer.from('z').toString('base64'), ...(sha ? { sha } : {}) });

    expect(await put()).toMatchObject({ status: 422, body: { message: 'Invalid request.\n\n"sha" wasn\'t supplied.' } });
    expect(await put('0'.repeat(40))).toMatchObject({ status: 409, body: { message: `model.toml does not match ${'0'.repeat(40)}` } });
    const current = github.repos.get('acme-ml/iris-classifier')!.files.get('model.toml')!;
    expect(await put(blobSha(current))).toMatchObject({ status: 200 });
  });

  it('waits out a template copy that has not landed, as on GitHub', async () => {
    await startStandIn({ templateCopyDelayMs: 40 });
    await create();
    expect(github.snapshot().repositories.find((repo) => repo.fullName === 'acme-ml/iris-classifier')?.copying).toBe(true);

    expect(await client.putFile({ owner: 'acme-ml', repo: 'iris-classifier', path: 'model.toml', content: 'a = 1\n', message: 'model.toml' })).toEqual({
      changed: true,
    });

    const repo = github.repos.get('acme-ml/iris-classifier')!;
    expect(repo.commits.map((commit) => commit.message)).toEqual(['Initial commit', 'model.toml']);
    expect(repo.files.get('ml_model/train/train.py')).toContain('mlflow');
  });

  it('sets topics, grants a team and protects the branch, each a keyed replace', async () => {
    await create();
    const repo = { owner: 'acme-ml', repo: 'iris-classifier' };

    await client.setTopics({ ...repo, topics: ['ml-model', 'team-search'] });
    await client.setTopics({ ...repo, topics: ['ml-model', 'team-search'] });
    await client.grantTeam({ org: 'acme-ml', teamSlug: 'search-ml', ...repo, permission: 'push' });
    await client.protectBranch({ ...repo, branch: 'main', requiredApprovals: 2, requiredStatusChecks: ['build'] });

    const state = github.repos.get('acme-ml/iris-classifier')!;
    expect(state.topics).toEqual(['ml-model', 'team-search']);
    expect(Object.fromEntries(state.teams)).toEqual({ 'search-ml': 'push' });
    expect(state.protection).toMatchObject({
      required_status_checks: { strict: true, contexts: ['build'] },
      required_pull_request_reviews: { required_approving_review_count: 2 },
    });
    await expect(client.setTopics({ ...repo, topics: ['Not A Topic'] })).rejects.toMatchObject({ status: 422 });
    await expect(client.protectBranch({ ...repo, branch: 'develop', requiredApprovals: 1, requiredStatusChecks: [] })).rejects.toMatchObject({ status: 404 });
  });

  it('gives the head of the default branch, and a file as it was at any commit', async () => {
    await create();
    const first = await client.branchHead('acme-ml', 'iris-classifier', 'main');
    const template = github.repos.get('acme-ml/iris-classifier')!.files.get('model.toml')!;
    const pushed = github.push('acme-ml/iris-classifier', 'model.toml', template.replace('recall.min = 0.9', 'recall.min = 0.95'));

    expect(first.sha).toBe(github.repos.get('acme-ml/iris-classifier')!.commits[0]!.sha);
    expect(await client.branchHead('acme-ml', 'iris-classifier', 'main')).toEqual({ sha: pushed });
    expect(await client.readFileAt('acme-ml', 'iris-classifier', 'model.toml', first.sha)).toBe(template);
    expect(await client.readFileAt('acme-ml', 'iris-classifier', 'model.toml', pushed)).toContain('recall.min = 0.95');
    expect(await client.readFileAt('acme-ml', 'iris-classifier', 'model.toml', pushed.slice(0, 7))).toContain('recall.min = 0.95');
    expect(await client.readFileAt('acme-ml', 'iris-classifier', 'model.toml', 'f'.repeat(40))).toBeNull();
    expect(await client.readFileAt('acme-ml', 'iris-classifier', 'no-such-file', pushed)).toBeNull();
    await expect(client.branchHead('acme-ml', 'iris-classifier', 'develop')).rejects.toMatchObject({ status: 404 });
    const parsed = parseModelToml((await client.readFileAt('acme-ml', 'iris-classifier', 'model.toml', first.sha))!);
    expect(parsed.ok).toBe(true);
  });

  it('lists a directory as GitHub does; the client refuses to read it as a file', async () => {
    await create();
    const listing = await api('GET', '/repos/acme-ml/iris-classifier/contents/ml_model');
    expect(listing.status).toBe(200);
    expect((listing.body as Array<{ name: string; type: string }>).map(({ name, type }) => `${type}:${name}`)).toEqual([
      'file:__init__.py',
      'dir:inference',
      'dir:shared',
      'dir:train',
    ]);
    await expect(client.readFileAt('acme-ml', 'iris-classifier', 'ml_model', 'main')).rejects.toBeInstanceOf(ClientError);
  });
});

describe('faults', () => {
  it('failNext answers the next matching requests with the error, without doing the work', async () => {
    await create();
    github.failNext(/^PUT \/repos\/acme-ml\/iris-classifier\/topics$/, 1, 403, { message: 'Resource not accessible by integration' });

    await expect(client.setTopics({ owner: 'acme-ml', repo: 'iris-classifier', topics: ['a'] })).rejects.toMatchObject({
      status: 403,
      vendorMessage: 'Resource not accessible by integration',
    });
    expect(github.repos.get('acme-ml/iris-classifier')!.topics).toEqual([]);
    await client.setTopics({ owner: 'acme-ml', repo: 'iris-classifier', topics: ['a'] });
    expect(github.repos.get('acme-ml/iris-classifier')!.topics).toEqual(['a']);
  });

  it('an injected 502 is retried by the client', async () => {
    await create();
    const reads = () => github.requests.filter((request) => request === 'GET /repos/acme-ml/iris-classifier').length;
    const before = reads();
    github.onNextRequest({ method: 'GET', path: /^\/repos\/acme-ml\/iris-classifier$/ }, { status: 502, body: { message: 'Server Error' } });

    expect(await client.getRepo('acme-ml', 'iris-classifier')).toMatchObject({ fullName: 'acme-ml/iris-classifier' });
    expect(reads() - before).toBe(2);
  });
});

describe('authentication', () => {
  it('takes the token as `token` or `Bearer`, and answers 401 otherwise', async () => {
    await create();
    expect((await api('GET', '/repos/acme-ml/iris-classifier')).status).toBe(200);
    const bearer = await fetch(`${baseUrl}/repos/acme-ml/iris-classifier`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect(await api('GET', '/repos/acme-ml/iris-classifier', undefined, null)).toEqual({
      status: 401,
      body: { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' },
    });
    expect(await api('GET', '/repos/acme-ml/iris-classifier', undefined, 'ghp_wrong')).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });

    const stranger = new GitHubClient({ baseUrl, auth: { token: 'ghp_wrong' }, retry: { retries: 0 } });
    await expect(stranger.getRepo('acme-ml', 'iris-classifier')).rejects.toMatchObject({ status: 401, vendorMessage: 'Bad credentials' });
  });
});

describe('answers in the shapes of GitHub’s REST docs', () => {
  it('repository, content, file commit, topics, branch and protection carry every field of the documented examples', async () => {
    await create();
    const repo = '/repos/acme-ml/iris-classifier';
    expectShapeOf(repositoryFixture, (await api('GET', repo)).body);
    const content = await api('GET', `${repo}/contents/model.toml?ref=main`);
    expectShapeOf(contentFixture, content.body);
    expect(Buffer.from((content.body as { content: string }).content, 'base64').toString('utf8')).toBe(readTemplateDirectory()['model.toml']);
    const current = github.repos.get('acme-ml/iris-classifier')!.files.get('model.toml')!;
    const written = await api('PUT', `${repo}/contents/model.toml`, { message: 'm', content: Buffer.from('b = 2\n').toString('base64'), sha: blobSha(current) });
    expectShapeOf(commitFixture, written.body);
    expectShapeOf(topicsFixture, (await api('PUT', `${repo}/topics`, { names: ['ml'] })).body);
    expectShapeOf(branchFixture, (await api('GET', `${repo}/branches/main`)).body);
    const protection = await api('PUT', `${repo}/branches/main/protection`, {
      required_status_checks: { strict: true, contexts: ['build'] },
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 2, dismiss_stale_reviews: true, require_code_owner_reviews: true },
      restrictions: null,
    });
    expectShapeOf(protectionFixture, protection.body);
    expect(await api('PUT', `${repo}/branches/main/protection`, { enforce_admins: true })).toMatchObject({ status: 422 });
    expect((await api('PUT', '/orgs/acme-ml/teams/search-ml/repos/acme-ml/iris-classifier', { permission: 'maintain' })).status).toBe(204);
  });
});

describe('webhooks', () => {
  let receiver: Server;
  let received: Array<{ headers: IncomingMessage['headers']; body: string }>;
  let answers: number[];

  beforeEach(async () => {
    received = [];
    answers = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(answers.shift() ?? 202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const receiverUrl = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`;

  it('delivers a signed push for a commit on the default branch, retried on 503', async () => {
    await create();
    github.registerWebhook({ url: receiverUrl(), secret: SECRET, events: ['push'] });
    answers = [503, 503];

    const before = github.repos.get('acme-ml/iris-classifier')!.commits.at(-1)!.sha;
    const after = github.push('acme-ml/iris-classifier', 'ml_model/inference/inference.py', '# fixed\n', 'Fix inference');
    await github.deliveriesSettled();

    expect(received).toHaveLength(3);
    const ids = new Set(received.map((delivery) => delivery.headers['x-github-delivery']));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const last = received.at(-1)!;
    expect(last.headers['x-github-event']).toBe('push');
    expect(last.headers['content-type']).toBe('application/json');
    const verify = createGitHubVerifier(SECRET);
    expect(await verify(Buffer.from(last.body), String(last.headers['x-hub-signature-256']))).toEqual({ ok: true });
    expect(await verify(Buffer.from(last.body), 'sha256=' + '0'.repeat(64))).toMatchObject({ ok: false });

    const payload = JSON.parse(last.body) as Record<string, unknown> & { repository: Record<string, unknown>; head_commit: Record<string, unknown> };
    expect(payload).toMatchObject({ ref: 'refs/heads/main', before, after, deleted: false, created: false });
    expect(payload.repository).toMatchObject({ full_name: 'acme-ml/iris-classifier', name: 'iris-classifier', default_branch: 'main', private: true });
    expect(payload.head_commit).toMatchObject({ id: after, message: 'Fix inference', modified: ['ml_model/inference/inference.py'] });
    expect(routeGitHubDelivery('push', payload)).toMatchObject({
      kind: 'correlate',
      correlationKeys: { repositoryFullName: 'acme-ml/iris-classifier' },
    });
    expect(github.deliveries).toMatchObject([{ id, event: 'push', state: 'delivered', attempts: [{ status: 503 }, { status: 503 }, { status: 202 }] }]);
  });

  it('gives up after a bounded number of tries, and a commit made through the API is delivered too', async () => {
    await startStandIn({ webhookRetries: 2, webhookRetryDelayMs: 1 });
    await create();
    github.registerWebhook({ url: receiverUrl(), secret: SECRET, events: ['push'] });
    answers = [500, 500, 500, 500];

    await client.putFile({ owner: 'acme-ml', repo: 'iris-classifier', path: 'model.toml', content: 'c = 3\n', message: 'model.toml' });
    await github.deliveriesSettled();

    expect(received).toHaveLength(3);
    expect(github.deliveries.map((delivery) => delivery.state)).toEqual(['failed']);
  });

  it('sends nothing to a webhook that is removed or not subscribed to push', async () => {
    await create();
    const remove = github.registerWebhook({ url: receiverUrl(), secret: SECRET, events: ['push'] });
    github.registerWebhook({ url: receiverUrl(), events: ['pull_request'] });
    remove();

    github.push('acme-ml/iris-classifier', 'README.md', '# changed\n');
    await github.deliveriesSettled();

    expect(received).toEqual([]);
  });
});

describe('for a page', () => {
  it('emits every change and gives a JSON snapshot', async () => {
    const events: GitHubStandInEvent[] = [];
    const unsubscribe = github.onChange((event) => events.push(event));
    await create();
    await client.setTopics({ owner: 'acme-ml', repo: 'iris-classifier', topics: ['ml-model'] });
    await client.grantTeam({ org: 'acme-ml', teamSlug: 'search-ml', owner: 'acme-ml', repo: 'iris-classifier', permission: 'push' });
    await client.protectBranch({ owner: 'acme-ml', repo: 'iris-classifier', branch: 'main', requiredApprovals: 1, requiredStatusChecks: [] });
    github.push('acme-ml/iris-classifier', 'model.toml', 'changed = true\n');
    unsubscribe();
    github.push('acme-ml/iris-classifier', 'model.toml', 'changed = false\n');

    expect(events.map((event) => event.type)).toEqual(['repository', 'commit', 'topics', 'team', 'protection', 'commit']);
    expect(events.at(-1)).toMatchObject({ type: 'commit', repository: 'acme-ml/iris-classifier', paths: ['model.toml'] });

    const snapshot = github.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    const repo = snapshot.repositories.find((candidate) => candidate.fullName === 'acme-ml/iris-classifier');
    expect(repo).toMatchObject({
      description: 'Iris classifier (MLM-1)',
      template: TEMPLATE,
      topics: ['ml-model'],
      teams: { 'search-ml': 'push' },
      protection: { required_pull_request_reviews: { required_approving_review_count: 1 } },
    });
    expect(repo?.files['model.toml']).toBe('changed = false\n');
    expect(repo?.commits.map((commit) => commit.message)).toEqual(['Initial commit', 'Update model.toml', 'Update model.toml']);
    expect(repo?.commits[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(snapshot.repositories.find((candidate) => candidate.fullName === TEMPLATE)).toMatchObject({ isTemplate: true });
  });
});

describe('without templates', () => {
  it('generates from any template a repository with a README', async () => {
    await startStandIn({ templates: undefined });
    await create();
    expect(Object.fromEntries(github.repos.get('acme-ml/iris-classifier')!.files)).toEqual({ 'README.md': '# model template\n' });
  });
});
