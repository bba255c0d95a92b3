import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { GitHubClient, latestReviewByUser } from '../../src/clients/github.ts';
import { parseModelToml } from '../../src/domain/model-toml.ts';
import { routeGitHubDelivery } from '../../src/http/github-route.ts';
import { createGitHubVerifier } from '../../src/http/verify-github.ts';
import { blobSha, GitHubStandIn, readTemplateDirectory, templatesFrom, type GitHubStandInEvent, type GitHubStandInOptions } from '../../standins/github.ts';
import branchFixture from '../fixtures/github/branch.json' with { type: 'json' };
import collaboratorItemsFixture from '../fixtures/github/collaborator-items.json' with { type: 'json' };
import commitItemsFixture from '../fixtures/github/commit-items.json' with { type: 'json' };
import gitRefFixture from '../fixtures/github/git-ref.json' with { type: 'json' };
import issueSearchFixture from '../fixtures/github/issue-search-result.json' with { type: 'json' };
import reviewItemsFixture from '../fixtures/github/pull-request-review-items.json' with { type: 'json' };
import pullRequestItemsFixture from '../fixtures/github/pull-request-simple-items.json' with { type: 'json' };
import pullRequestFixture from '../fixtures/github/pull-request.json' with { type: 'json' };
import simpleUserItemsFixture from '../fixtures/github/simple-user-items.json' with { type: 'json' };
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

describe('review: the release branch, its pull request, reviewers and merge', () => {
  const REPO = 'acme-ml/iris-classifier';
  const open = () =>
    client.findOrOpenPullRequest({ owner: 'acme-ml', repo: 'iris-classifier', head: 'main', base: 'release', title: 'Release iris-classifier (MLM-1)', body: 'Review of the trained model' });

  /** A repository with a release branch at its first commit and a developer's commit on main. */
  async function repositoryWithRelease(): Promise<{ first: string; head: string }> {
    await create();
    const first = github.repos.get(REPO)!.commits[0]!.sha;
    await client.ensureBranch('acme-ml', 'iris-classifier', 'release', first);
    const head = github.push(REPO, 'model.toml', '[model]\nmodel_name = "iris"\n', 'Tune the model', { author: 'alice' });
    return { first, head };
  }

  it('ensureBranch creates the release branch from the first commit once; the branch reads at that commit', async () => {
    await create();
    github.push(REPO, 'model.toml', 'changed = true\n');
    const first = github.repos.get(REPO)!.commits[0]!.sha;

    await expect(client.ensureBranch('acme-ml', 'iris-classifier', 'release', first)).resolves.toEqual({ sha: first, created: true });
    await expect(client.ensureBranch('acme-ml', 'iris-classifier', 'release', 'f'.repeat(40))).resolves.toEqual({ sha: first, created: false });
    await expect(client.branchHead('acme-ml', 'iris-classifier', 'release')).resolves.toEqual({ sha: first });
    await expect(client.readFileAt('acme-ml', 'iris-classifier', 'model.toml', 'release')).resolves.toBe(readTemplateDirectory()['model.toml'] ?? null);
    expect((await api('POST', `/repos/${REPO}/git/refs`, { ref: 'refs/heads/release', sha: first })).body).toMatchObject({ message: 'Reference already exists' });
    const unknown = await client.ensureBranch('acme-ml', 'iris-classifier', 'other', 'e'.repeat(40)).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(ClientError);
    expect(String(unknown)).toContain('Object does not exist');
  });

  it('firstCommit finds the root of a branch through the Link header of the commit list, for one page or many', async () => {
    await create();
    const first = github.repos.get(REPO)!.commits[0]!.sha;
    await expect(client.firstCommit('acme-ml', 'iris-classifier', 'main')).resolves.toEqual({ sha: first });
    for (let index = 0; index < 3; index += 1) github.push(REPO, 'notes.md', `note ${index}\n`);
    await expect(client.firstCommit('acme-ml', 'iris-classifier', 'main')).resolves.toEqual({ sha: first });
    const page = await fetch(`${baseUrl}/repos/${REPO}/commits?sha=main&per_page=1`, { headers: { authorization: `token ${TOKEN}` } });
    expect(page.headers.get('link')).toMatch(/page=2>; rel="next", <[^>]*page=4>; rel="last"/);
    expect(((await page.json()) as Array<{ sha: string }>)[0]!.sha).toBe(github.repos.get(REPO)!.commits.at(-1)!.sha);
    await expect(client.firstCommit('acme-ml', 'iris-classifier', 'nope')).rejects.toThrow(/No commit found/);
  });

  it('userEmail gives the public e-mail of a GitHub account, null when it shows none or does not exist', async () => {
    github.setUser('alice', { email: 'alice@acme.test', name: 'Alice' });
    github.setUser('erin', { email: null });
    await expect(client.userEmail('Alice')).resolves.toBe('alice@acme.test');
    await expect(client.userEmail('erin')).resolves.toBeNull();
    await expect(client.userEmail('nobody')).resolves.toBeNull();
  });

  it('findOrOpenPullRequest opens main → release once; nothing to merge is refused', async () => {
    await create();
    const first = github.repos.get(REPO)!.commits[0]!.sha;
    await client.ensureBranch('acme-ml', 'iris-classifier', 'release', first);
    const empty = await open().catch((error: unknown) => error);
    expect(String(empty)).toContain('No commits between release and main');

    const head = github.push(REPO, 'model.toml', 'changed = true\n');
    const opened = await open();
    expect(opened).toEqual({ number: 1, htmlUrl: `https://github.com/${REPO}/pull/1`, headSha: head, state: 'open', merged: false, created: true });
    await expect(open()).resolves.toEqual({ ...opened, created: false });
    const raced = await api('POST', `/repos/${REPO}/pulls`, { title: 'again', head: 'acme-ml:main', base: 'release' });
    expect(raced).toMatchObject({ status: 422, body: { errors: [{ message: 'A pull request already exists for acme-ml:main.' }] } });
  });

  it('requests reviewers, records reviews on the head commit and lists the commit authors', async () => {
    const { head } = await repositoryWithRelease();
    const { number } = await open();
    await client.requestReviewers('acme-ml', 'iris-classifier', number, ['carol', 'dave']);
    await client.requestReviewers('acme-ml', 'iris-classifier', number, ['carol']);
    await client.removeRequestedReviewers('acme-ml', 'iris-classifier', number, ['dave']);
    await expect(client.pullRequest('acme-ml', 'iris-classifier', number)).resolves.toMatchObject({
      number,
      state: 'open',
      merged: false,
      headRef: 'main',
      baseRef: 'release',
      headSha: head,
      author: 'model-lifecycle-bot',
      requestedReviewers: ['carol'],
    });

    github.review(REPO, number, 'carol', 'CHANGES_REQUESTED', 'Pin the seed');
    github.review(REPO, number, 'carol', 'APPROVED');
    const reviews = await client.pullRequestReviews('acme-ml', 'iris-classifier', number);
    expect(reviews.map((review) => [review.login, review.state, review.commitId, review.body])).toEqual([
      ['carol', 'CHANGES_REQUESTED', head, 'Pin the seed'],
      ['carol', 'APPROVED', head, ''],
    ]);
    expect(latestReviewByUser(reviews).get('carol')?.state).toBe('APPROVED');
    expect((await client.pullRequest('acme-ml', 'iris-classifier', number)).requestedReviewers).toEqual([]);
    await expect(client.pullRequestCommitAuthors('acme-ml', 'iris-classifier', number)).resolves.toEqual(['alice']);
    expect(() => github.review(REPO, number, 'model-lifecycle-bot', 'APPROVED')).toThrow('Can not approve your own pull request');
  });

  it('refuses a review request for the author or for someone who is no collaborator', async () => {
    await repositoryWithRelease();
    const { number } = await open();
    github.setCollaborator(REPO, 'carol', 'write');
    await expect(client.requestReviewers('acme-ml', 'iris-classifier', number, ['model-lifecycle-bot'])).rejects.toThrow('Review cannot be requested from pull request author.');
    await expect(client.requestReviewers('acme-ml', 'iris-classifier', number, ['mallory'])).rejects.toThrow('must be a collaborator');
    await expect(client.requestReviewers('acme-ml', 'iris-classifier', number, ['carol'])).resolves.toBeUndefined();
  });

  it('counts review load through the search API and lists team members and maintainers', async () => {
    await repositoryWithRelease();
    const { number } = await open();
    await client.requestReviewers('acme-ml', 'iris-classifier', number, ['carol', 'dave']);
    github.review(REPO, number, 'dave', 'APPROVED');
    const today = new Date().toISOString().slice(0, 10);

    const createdAt = github.repos.get(REPO)!.pulls![0]!.createdAt;
    await expect(client.openReviewLoad('acme-ml', ['carol', 'dave', 'erin'], today)).resolves.toEqual([
      { login: 'carol', open: 1, recentRequested: 1, recentReviewed: 0, lastRequestedAt: createdAt },
      { login: 'dave', open: 0, recentRequested: 0, recentReviewed: 1, lastRequestedAt: createdAt },
      { login: 'erin', open: 0, recentRequested: 0, recentReviewed: 0, lastRequestedAt: null },
    ]);
    await expect(client.openReviewLoad('other-org', ['carol'], '2000-01-01')).resolves.toEqual([
      { login: 'carol', open: 0, recentRequested: 0, recentReviewed: 0, lastRequestedAt: null },
    ]);

    github.setTeamMembers('acme-ml', 'search-ml', ['alice', 'bob']);
    github.setCollaborator(REPO, 'alice', 'write');
    github.setCollaborator(REPO, 'bob', 'maintain');
    github.setCollaborator(REPO, 'carol', 'admin');
    await expect(client.teamMembers('acme-ml', 'search-ml')).resolves.toEqual(['alice', 'bob']);
    await expect(client.teamMembers('acme-ml', 'nobody')).rejects.toThrow('teams[].github_team');
    await expect(client.repositoryMaintainers('acme-ml', 'iris-classifier')).resolves.toEqual(['bob', 'carol']);
  });

  it('merges through PUT /pulls/{n}/merge: the release branch moves and the pull request reads merged', async () => {
    const { first, head } = await repositoryWithRelease();
    const { number } = await open();
    expect((await api('PUT', `/repos/${REPO}/pulls/${number}/merge`, { sha: first })).status).toBe(409);

    const merged = await api('PUT', `/repos/${REPO}/pulls/${number}/merge`, { sha: head });
    expect(merged).toMatchObject({ status: 200, body: { merged: true, message: 'Pull Request successfully merged' } });
    const mergeSha = (merged.body as { sha: string }).sha;
    await expect(client.branchHead('acme-ml', 'iris-classifier', 'release')).resolves.toEqual({ sha: mergeSha });
    await expect(client.readFileAt('acme-ml', 'iris-classifier', 'model.toml', 'release')).resolves.toBe('[model]\nmodel_name = "iris"\n');
    await expect(client.pullRequest('acme-ml', 'iris-classifier', number)).resolves.toMatchObject({ state: 'closed', merged: true, mergeCommitSha: mergeSha, headSha: head });
    expect((await api('PUT', `/repos/${REPO}/pulls/${number}/merge`, {})).status).toBe(405);
    // A new pull request can be opened for the next change.
    github.push(REPO, 'README.md', '# next\n');
    await expect(open()).resolves.toMatchObject({ number: 2, created: true });
  });

  it('answers in the shapes of the REST docs examples', async () => {
    const { first } = await repositoryWithRelease();
    const { number } = await open();
    await client.requestReviewers('acme-ml', 'iris-classifier', number, ['carol']);
    github.review(REPO, number, 'carol', 'APPROVED');
    github.setCollaborator(REPO, 'carol', 'maintain');
    github.setTeamMembers('acme-ml', 'search-ml', ['alice']);
    const shapes: Array<[string, unknown]> = [
      [`/repos/${REPO}/git/ref/heads%2Frelease`, gitRefFixture],
      [`/repos/${REPO}/pulls/${number}`, pullRequestFixture],
      [`/repos/${REPO}/pulls?state=open`, pullRequestItemsFixture],
      [`/repos/${REPO}/pulls/${number}/reviews`, reviewItemsFixture],
      [`/repos/${REPO}/pulls/${number}/commits`, commitItemsFixture],
      [`/search/issues?q=${encodeURIComponent('is:pr review-requested:carol org:acme-ml')}`, issueSearchFixture],
      [`/search/issues?q=${encodeURIComponent('is:pr reviewed-by:carol')}`, issueSearchFixture],
      [`/repos/${REPO}/collaborators?permission=maintain`, collaboratorItemsFixture],
      [`/orgs/acme-ml/teams/search-ml/members`, simpleUserItemsFixture],
    ];
    for (const [path, example] of shapes) {
      const answer = await api('GET', path);
      expect(answer.status, path).toBe(200);
      expectShapeOf(example, answer.body, path);
    }
    expect((await api('GET', `/repos/${REPO}/git/ref/heads%2Frelease`)).body).toMatchObject({ object: { sha: first } });
  });

  it('sends signed pull_request and pull_request_review deliveries that route to github:pr-review and github:pr-merged', async () => {
    const received: Array<{ event: string; signature: string; body: string }> = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ event: String(req.headers['x-github-event']), signature: String(req.headers['x-hub-signature-256']), body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      github.registerWebhook({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`, secret: SECRET, events: ['pull_request', 'pull_request_review'] });
      await repositoryWithRelease();
      const { number } = await open();
      const review = github.review(REPO, number, 'carol', 'APPROVED', 'Looks good');
      const mergeSha = github.mergePullRequest(REPO, number, 'carol');
      await github.deliveriesSettled();

      expect(received.map((delivery) => delivery.event)).toEqual(['pull_request', 'pull_request_review', 'pull_request']);
      const verify = createGitHubVerifier(SECRET);
      for (const delivery of received) expect(await verify(Buffer.from(delivery.body), delivery.signature)).toEqual({ ok: true });
      const [opened, reviewed, closed] = received.map((delivery) => JSON.parse(delivery.body) as Record<string, unknown>);

      expect(opened).toMatchObject({ action: 'opened', number, pull_request: { head: { ref: 'main' }, base: { ref: 'release' } }, repository: { full_name: REPO } });
      expect(routeGitHubDelivery('pull_request', opened)).toMatchObject({ kind: 'ignore', reason: 'action_not_handled' });
      expect(reviewed).toMatchObject({ action: 'submitted', review: { state: 'approved', user: { login: 'carol' }, body: 'Looks good' }, sender: { login: 'carol' } });
      expect(routeGitHubDelivery('pull_request_review', reviewed)).toEqual({
        kind: 'correlate',
        event: 'pull_request_review',
        messageName: 'github:pr-review',
        repositoryFullName: REPO,
        correlationKeys: { repositoryFullName: REPO },
        variables: { review: { login: 'carol', state: 'APPROVED', submittedAt: review.submittedAt, prNumber: number } },
      });
      expect(closed).toMatchObject({ action: 'closed', pull_request: { merged: true, merge_commit_sha: mergeSha, merged_by: { login: 'carol' } } });
      expect(routeGitHubDelivery('pull_request', closed)).toMatchObject({
        kind: 'correlate',
        messageName: 'github:pr-merged',
        variables: { mergedPr: { number, mergeCommitSha: mergeSha } },
      });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('gives the pull requests in the snapshot and emits their changes', async () => {
    const events: GitHubStandInEvent[] = [];
    github.onChange((event) => events.push(event));
    await repositoryWithRelease();
    const { number } = await open();
    await client.requestReviewers('acme-ml', 'iris-classifier', number, ['carol', 'dave']);
    github.review(REPO, number, 'carol', 'APPROVED');

    expect(events.map((event) => event.type)).toEqual(['repository', 'commit', 'branch', 'commit', 'pull_request', 'pull_request', 'review']);
    const snapshot = github.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    const repo = snapshot.repositories.find((candidate) => candidate.fullName === REPO);
    expect(repo?.branches).toEqual({ release: github.repos.get(REPO)!.commits[0]!.sha });
    expect(repo?.pullRequests).toEqual([
      {
        number,
        title: 'Release iris-classifier (MLM-1)',
        htmlUrl: `https://github.com/${REPO}/pull/${number}`,
        head: 'main',
        base: 'release',
        user: 'model-lifecycle-bot',
        state: 'open',
        merged: false,
        mergedAt: null,
        requestedReviewers: ['dave'],
        reviews: [{ login: 'carol', state: 'APPROVED', submittedAt: expect.any(String) as unknown as string, body: '' }],
      },
    ]);
  });

  it('pushes to another branch, with a push delivery of that branch that routing ignores', async () => {
    const { first } = await repositoryWithRelease();
    const sha = github.push(REPO, 'HOTFIX.md', 'fix\n', 'Hotfix on release', { branch: 'release' });
    await expect(client.branchHead('acme-ml', 'iris-classifier', 'release')).resolves.toEqual({ sha });
    await expect(client.readFileAt('acme-ml', 'iris-classifier', 'HOTFIX.md', 'release')).resolves.toBe('fix\n');
    await expect(client.readFileAt('acme-ml', 'iris-classifier', 'HOTFIX.md', 'main')).resolves.toBeNull();
    expect(github.repos.get(REPO)!.branches!.get('release')!.map((commit) => commit.sha)).toEqual([first, sha]);
    expect(() => github.push(REPO, 'x', 'y', 'z', { branch: 'nope' })).toThrow('no branch nope');
  });
});
