import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { GitHubClient } from '../../src/clients/github.ts';
import type { RetryOptions } from '../../src/clients/retry.ts';
import { fixture, recordedRetry, useNock } from './support.ts';

useNock();

const API = 'https://api.github.com';

function github(retry: RetryOptions = { retries: 0 }, extra: { freshRepositoryRetries?: number } = {}): GitHubClient {
  return new GitHubClient({ auth: { token: 'ghp_test' }, retry, ...extra });
}

const template = { owner: 'octocat', repo: 'ml-model-template' };
const createInput = { template, owner: 'octocat', name: 'Hello-World', description: 'This your first repo!', private: true };
const helloWorld = { fullName: 'octocat/Hello-World', htmlUrl: 'https://github.com/octocat/Hello-World', defaultBranch: 'master', private: false, description: 'This your first repo!' };

describe('GitHubClient.getRepo', () => {
  it('reads a repository with the token', async () => {
    nock(API, { reqheaders: { authorization: 'token ghp_test' } }).get('/repos/octocat/Hello-World').reply(200, fixture('github/repository.json'));
    await expect(github().getRepo('octocat', 'Hello-World')).resolves.toEqual(helloWorld);
  });

  it('answers null for a repository that does not exist', async () => {
    nock(API).get('/repos/octocat/nothing-here').reply(404, fixture('github/error-not-found.json'));
    await expect(github().getRepo('octocat', 'nothing-here')).resolves.toBeNull();
  });

  it('talks to GitHub Enterprise Server under its /api/v3 root', async () => {
    nock('https://ghe.example.com').get('/api/v3/repos/octocat/Hello-World').reply(200, fixture('github/repository.json'));
    const ghe = new GitHubClient({ baseUrl: 'https://ghe.example.com/api/v3/', auth: { token: 'ghp_test' }, retry: { retries: 0 } });
    await expect(ghe.getRepo('octocat', 'Hello-World')).resolves.toEqual(helloWorld);
  });

  it('authenticates as a GitHub App installation', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const scope = nock(API)
      .post('/app/installations/42/access_tokens')
      .matchHeader('authorization', /^bearer [\w-]+\.[\w-]+\.[\w-]+$/)
      .reply(201, fixture('github/installation-token.json'))
      .get('/repos/octocat/Hello-World')
      .matchHeader('authorization', 'token ghs_16C7e42F292c6912E7710c838347Ae178B4a')
      .reply(200, fixture('github/repository.json'));
    const app = new GitHubClient({ auth: { appId: 1, privateKey, installationId: 42 }, retry: { retries: 0 } });

    await expect(app.getRepo('octocat', 'Hello-World')).resolves.toEqual(helloWorld);
    expect(scope.isDone()).toBe(true);
  });
});

describe('GitHubClient.createRepoFromTemplate', () => {
  it('generates the repository from the template when it does not exist', async () => {
    const scope = nock(API)
      .get('/repos/octocat/Hello-World')
      .reply(404, fixture('github/error-not-found.json'))
      .post('/repos/octocat/ml-model-template/generate', {
        owner: 'octocat',
        name: 'Hello-World',
        description: 'This your first repo!',
        private: true,
        include_all_branches: false,
      })
      .reply(201, fixture('github/repository.json'));

    await expect(github().createRepoFromTemplate(createInput)).resolves.toEqual({ ...helloWorld, created: true });
    expect(scope.isDone()).toBe(true);
  });

  it('finds the repository on a rerun and generates nothing', async () => {
    nock(API).get('/repos/octocat/Hello-World').reply(200, fixture('github/repository.json'));
    await expect(github().createRepoFromTemplate(createInput)).resolves.toEqual({ ...helloWorld, created: false });
  });

  it('reads the repository when generating loses the race ("name already exists")', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World')
      .reply(404, fixture('github/error-not-found.json'))
      .post('/repos/octocat/ml-model-template/generate')
      .reply(422, fixture('github/error-template-name-exists.json'))
      .get('/repos/octocat/Hello-World')
      .reply(200, fixture('github/repository.json'));

    await expect(github().createRepoFromTemplate(createInput)).resolves.toEqual({ ...helloWorld, created: false });
  });

  it('says which template to check when the template cannot be read', async () => {
    nock(API)
      .get('/repos/acme-ml/churn-model')
      .reply(404, fixture('github/error-not-found.json'))
      .post('/repos/acme-ml/ml-model-template/generate')
      .reply(404, fixture('github/error-not-found.json'));

    const error = (await github()
      .createRepoFromTemplate({ template: { owner: 'acme-ml', repo: 'ml-model-template' }, owner: 'acme-ml', name: 'churn-model', description: '', private: true })
      .catch((e: unknown) => e)) as ClientError;

    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe(
      'GitHub: creating repository acme-ml/churn-model from template acme-ml/ml-model-template failed: 404 Not Found — check github.template in the policy file and that the token can read it',
    );
    expect(error.retryable).toBe(false);
  });
});

describe('GitHubClient.putFile', () => {
  const file = { owner: 'octocat', repo: 'Hello-World', path: 'model.toml', content: '[model]\nmodel_name = "churn"\n', message: 'Fill in model.toml' };
  const encoded = Buffer.from(file.content, 'utf8').toString('base64');
  const current = (text: string) => ({ ...fixture('github/content-file.json'), content: Buffer.from(text, 'utf8').toString('base64') });

  it('creates a file that is not there yet', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml', { message: 'Fill in model.toml', content: encoded })
      .reply(201, fixture('github/file-commit.json'));

    await expect(github().putFile(file)).resolves.toEqual({ changed: true });
  });

  it('skips a file whose content is already the same', async () => {
    nock(API).get('/repos/octocat/Hello-World/contents/model.toml').reply(200, current(file.content));
    await expect(github().putFile(file)).resolves.toEqual({ changed: false });
  });

  it('updates a different file with its current sha, on the given branch', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .query({ ref: 'main' })
      .reply(200, current('[model]\n'))
      .put('/repos/octocat/Hello-World/contents/model.toml', {
        message: 'Fill in model.toml',
        content: encoded,
        sha: '3d21ec53a331a6f037a91c368710b99387d012c1',
        branch: 'main',
      })
      .reply(200, fixture('github/file-commit.json'));

    await expect(github().putFile({ ...file, branch: 'main' })).resolves.toEqual({ changed: true });
  });

  it('waits while a repository just generated from a template is still empty', async () => {
    const { retry, waits } = recordedRetry({ retries: 0 });
    nock(API)
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml')
      .reply(409, fixture('github/error-repository-empty.json'))
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml')
      .reply(201, fixture('github/file-commit.json'));

    await expect(github(retry).putFile(file)).resolves.toEqual({ changed: true });
    expect(waits).toEqual([1]);
  });

  it('reads the file again when the template copy lands between the read and the write (422 "sha" wasn\'t supplied)', async () => {
    const { retry, waits } = recordedRetry({ retries: 0 });
    const scope = nock(API)
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml', (body: Record<string, unknown>) => body.sha === undefined)
      .reply(422, fixture('github/error-sha-not-supplied.json'))
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(200, current('[model]\n'))
      .put('/repos/octocat/Hello-World/contents/model.toml', { message: 'Fill in model.toml', content: encoded, sha: '3d21ec53a331a6f037a91c368710b99387d012c1' })
      .reply(200, fixture('github/file-commit.json'));

    await expect(github(retry).putFile(file)).resolves.toEqual({ changed: true });
    expect(waits).toEqual([1]);
    expect(scope.isDone()).toBe(true);
  });

  it('gives up on a repository that stays empty, saying so', async () => {
    const { retry, waits } = recordedRetry({ retries: 0 });
    nock(API)
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .times(2)
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml')
      .times(2)
      .reply(409, fixture('github/error-repository-empty.json'));

    const error = (await github(retry, { freshRepositoryRetries: 1 }).putFile(file).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      'GitHub: writing octocat/Hello-World:model.toml failed: 409 Conflict: Git Repository is empty. — the repository is still empty or the branch moved meanwhile; the engine retries the task',
    );
    expect(waits).toEqual([1]);
  });
});

describe('GitHubClient settings calls (PUT, idempotent by nature)', () => {
  it('replaces the topics', async () => {
    const scope = nock(API).put('/repos/octocat/Hello-World/topics', { names: ['ml-model', 'churn'] }).reply(200, fixture('github/topics.json'));
    await github().setTopics({ owner: 'octocat', repo: 'Hello-World', topics: ['ml-model', 'churn'] });
    expect(scope.isDone()).toBe(true);
  });

  it('grants a team a role on the repository', async () => {
    const scope = nock(API).put('/orgs/octocat/teams/justice-league/repos/octocat/Hello-World', { permission: 'push' }).reply(204);
    await github().grantTeam({ org: 'octocat', teamSlug: 'justice-league', owner: 'octocat', repo: 'Hello-World', permission: 'push' });
    expect(scope.isDone()).toBe(true);
  });

  it('protects a branch with reviews and required checks', async () => {
    const scope = nock(API)
      .put('/repos/octocat/Hello-World/branches/master/protection', {
        required_status_checks: { strict: true, contexts: ['continuous-integration/travis-ci'] },
        enforce_admins: false,
        required_pull_request_reviews: { required_approving_review_count: 2, dismiss_stale_reviews: true },
        restrictions: null,
      })
      .reply(200, fixture('github/branch-protection.json'));

    await github().protectBranch({
      owner: 'octocat',
      repo: 'Hello-World',
      branch: 'master',
      requiredApprovals: 2,
      requiredStatusChecks: ['continuous-integration/travis-ci'],
    });
    expect(scope.isDone()).toBe(true);
  });
});

describe('GitHubClient retries', () => {
  it('retries a 429, waiting what Retry-After asks', async () => {
    const { retry, waits } = recordedRetry();
    nock(API)
      .get('/repos/octocat/Hello-World')
      .reply(429, { message: 'API rate limit exceeded' }, { 'Retry-After': '3' })
      .get('/repos/octocat/Hello-World')
      .reply(200, fixture('github/repository.json'));

    await expect(github(retry).getRepo('octocat', 'Hello-World')).resolves.toEqual(helloWorld);
    expect(waits).toEqual([3_000]);
  });

  it('retries a secondary rate limit (403 with Retry-After)', async () => {
    const { retry, waits } = recordedRetry();
    nock(API)
      .put('/repos/octocat/Hello-World/topics')
      .reply(403, fixture('github/error-secondary-rate-limit.json'), { 'Retry-After': '60' })
      .put('/repos/octocat/Hello-World/topics')
      .reply(200, fixture('github/topics.json'));

    await github(retry).setTopics({ owner: 'octocat', repo: 'Hello-World', topics: ['api'] });
    expect(waits).toEqual([60_000]);
  });

  it('waits a minute on a secondary rate limit that names no wait', async () => {
    const { retry, waits } = recordedRetry();
    nock(API)
      .put('/repos/octocat/Hello-World/topics')
      .reply(403, fixture('github/error-secondary-rate-limit.json'))
      .put('/repos/octocat/Hello-World/topics')
      .reply(200, fixture('github/topics.json'));

    await github(retry).setTopics({ owner: 'octocat', repo: 'Hello-World', topics: ['api'] });
    expect(waits).toEqual([60_000]);
  });

  it('retries 5xx answers with back-off until one succeeds', async () => {
    const { retry, waits } = recordedRetry();
    nock(API)
      .get('/repos/octocat/Hello-World')
      .reply(502, '')
      .get('/repos/octocat/Hello-World')
      .reply(503, '')
      .get('/repos/octocat/Hello-World')
      .reply(200, fixture('github/repository.json'));

    await expect(github(retry).getRepo('octocat', 'Hello-World')).resolves.toEqual(helloWorld);
    expect(waits).toEqual([1, 2]);
  });

  it('does not retry a permission error', async () => {
    const { retry, waits } = recordedRetry();
    nock(API).put('/orgs/octocat/teams/justice-league/repos/octocat/Hello-World').reply(403, { message: 'Must have admin rights to Repository.' });

    const error = (await github(retry)
      .grantTeam({ org: 'octocat', teamSlug: 'justice-league', owner: 'octocat', repo: 'Hello-World', permission: 'push' })
      .catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      'GitHub: granting team octocat/justice-league push on octocat/Hello-World failed: 403 Forbidden: Must have admin rights to Repository. — the GitHub account used by the service lacks the permission for this',
    );
    expect(waits).toEqual([]);
  });
});

describe('GitHub writes whose answer is lost (a 504 after GitHub acted)', () => {
  const file = { owner: 'octocat', repo: 'Hello-World', path: 'model.toml', content: '[model]\nmodel_name = "churn"\n', message: 'Fill in model.toml' };
  const current = (text: string) => ({ ...fixture('github/content-file.json'), content: Buffer.from(text, 'utf8').toString('base64') });

  it('file commit: reads the file again instead of committing twice, and finishes when it is there', async () => {
    const { retry, waits } = recordedRetry();
    const commits: unknown[] = [];
    const scope = nock(API)
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml', (body) => commits.push(body) > 0)
      .reply(504, '')
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(200, current(file.content));

    await expect(github(retry).putFile(file)).resolves.toEqual({ changed: true });
    expect(commits).toHaveLength(1);
    expect(waits).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it('file commit: commits again when the lost attempt left no trace', async () => {
    const { retry } = recordedRetry();
    const scope = nock(API)
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml')
      .reply(502, '')
      .get('/repos/octocat/Hello-World/contents/model.toml')
      .reply(404, fixture('github/error-not-found.json'))
      .put('/repos/octocat/Hello-World/contents/model.toml')
      .reply(201, fixture('github/file-commit.json'));

    await expect(github(retry).putFile(file)).resolves.toEqual({ changed: true });
    expect(scope.isDone()).toBe(true);
  });

  it('topics: the retried PUT leaves the same topics', async () => {
    const { retry } = recordedRetry();
    const states: unknown[] = [];
    const scope = nock(API)
      .put('/repos/octocat/Hello-World/topics', (body) => states.push(body) > 0)
      .reply(504, '')
      .put('/repos/octocat/Hello-World/topics', (body) => states.push(body) > 0)
      .reply(200, fixture('github/topics.json'));

    await github(retry).setTopics({ owner: 'octocat', repo: 'Hello-World', topics: ['ml-model', 'churn'] });
    expect(new Set(states.map((state) => JSON.stringify(state)))).toEqual(new Set([JSON.stringify({ names: ['ml-model', 'churn'] })]));
    expect(scope.isDone()).toBe(true);
  });

  it('team access: the retried PUT grants the same role once more, no second grant', async () => {
    const { retry } = recordedRetry();
    const grants = new Map<string, unknown>();
    const path = '/orgs/octocat/teams/justice-league/repos/octocat/Hello-World';
    const scope = nock(API)
      .put(path, (body) => grants.set('justice-league', body) !== undefined)
      .reply(504, '')
      .put(path, (body) => grants.set('justice-league', body) !== undefined)
      .reply(204);

    await github(retry).grantTeam({ org: 'octocat', teamSlug: 'justice-league', owner: 'octocat', repo: 'Hello-World', permission: 'push' });
    expect([...grants]).toEqual([['justice-league', { permission: 'push' }]]);
    expect(scope.isDone()).toBe(true);
  });

  it('branch protection: the retried PUT replaces the rules with the same rules', async () => {
    const { retry } = recordedRetry();
    const rules: unknown[] = [];
    const path = '/repos/octocat/Hello-World/branches/master/protection';
    const scope = nock(API)
      .put(path, (body) => rules.push(body) > 0)
      .reply(504, '')
      .put(path, (body) => rules.push(body) > 0)
      .reply(200, fixture('github/branch-protection.json'));

    await github(retry).protectBranch({ owner: 'octocat', repo: 'Hello-World', branch: 'master', requiredApprovals: 2, requiredStatusChecks: [] });
    expect(rules).toHaveLength(2);
    expect(rules[1]).toEqual(rules[0]);
    expect(scope.isDone()).toBe(true);
  });
});
