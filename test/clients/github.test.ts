import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { GitHubClient, latestReviewByUser } from '../../src/clients/github.ts';
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

describe('GitHubClient review calls', () => {
  const SHA = 'aa218f56b14c9653891f9e74264a383fa43fefbd';
  const HEAD = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
  const prInput = { owner: 'octocat', repo: 'Hello-World', head: 'new-topic', base: 'master', title: 'Amazing new feature', body: 'Please pull these awesome changes in!' };
  const openPr = { number: 1347, htmlUrl: 'https://github.com/octocat/Hello-World/pull/1347', headSha: HEAD, state: 'open', merged: false };
  const unmerged = <T extends Record<string, unknown>>(pull: T) => ({ ...pull, merged_at: null, closed_at: null });

  it('ensureBranch: finds the branch and creates nothing', async () => {
    nock(API).get('/repos/octocat/Hello-World/git/ref/heads%2FfeatureA').reply(200, fixture('github/git-ref.json'));
    await expect(github().ensureBranch('octocat', 'Hello-World', 'featureA', HEAD)).resolves.toEqual({ sha: SHA, created: false });
  });

  it('ensureBranch: creates a missing branch at the commit given', async () => {
    const scope = nock(API)
      .get('/repos/octocat/Hello-World/git/ref/heads%2FfeatureA')
      .reply(404, fixture('github/error-not-found.json'))
      .post('/repos/octocat/Hello-World/git/refs', { ref: 'refs/heads/featureA', sha: SHA })
      .reply(201, fixture('github/git-ref.json'));
    await expect(github().ensureBranch('octocat', 'Hello-World', 'featureA', SHA)).resolves.toEqual({ sha: SHA, created: true });
    expect(scope.isDone()).toBe(true);
  });

  it('ensureBranch: reads the branch again when creating it loses the race ("Reference already exists")', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World/git/ref/heads%2FfeatureA')
      .reply(404, fixture('github/error-not-found.json'))
      .post('/repos/octocat/Hello-World/git/refs')
      .reply(422, fixture('github/error-reference-exists.json'))
      .get('/repos/octocat/Hello-World/git/ref/heads%2FfeatureA')
      .reply(200, fixture('github/git-ref.json'));
    await expect(github().ensureBranch('octocat', 'Hello-World', 'featureA', HEAD)).resolves.toEqual({ sha: SHA, created: false });
  });

  it('ensureBranch: an unknown commit is an operator-readable failure', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World/git/ref/heads%2Frelease')
      .reply(404, fixture('github/error-not-found.json'))
      .post('/repos/octocat/Hello-World/git/refs')
      .reply(422, { message: 'Object does not exist', documentation_url: 'https://docs.github.com/rest/git/refs#create-a-reference', status: '422' });
    const error = (await github().ensureBranch('octocat', 'Hello-World', 'release', HEAD).catch((e: unknown) => e)) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toContain('GitHub: creating branch release of octocat/Hello-World at 6dcb09b5b578 failed: 422');
    expect(error.message).toContain('Object does not exist');
    expect(error.message).toContain('github.release_branch');
  });

  it('findOrOpenPullRequest: finds the open pull request of head and base', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World/pulls')
      .query({ head: 'octocat:new-topic', base: 'master', state: 'open', per_page: '100' })
      .reply(200, fixture<unknown[]>('github/pull-request-simple-items.json').map((pull) => unmerged(pull as Record<string, unknown>)));
    await expect(github().findOrOpenPullRequest(prInput)).resolves.toEqual({ ...openPr, created: false });
  });

  it('findOrOpenPullRequest: opens one when none is open', async () => {
    const scope = nock(API)
      .get('/repos/octocat/Hello-World/pulls')
      .query(true)
      .reply(200, [])
      .post('/repos/octocat/Hello-World/pulls', { head: 'new-topic', base: 'master', title: 'Amazing new feature', body: 'Please pull these awesome changes in!' })
      .reply(201, unmerged(fixture('github/pull-request.json')));
    await expect(github().findOrOpenPullRequest(prInput)).resolves.toEqual({ ...openPr, created: true });
    expect(scope.isDone()).toBe(true);
  });

  it('findOrOpenPullRequest: lists again when opening loses the race ("A pull request already exists")', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World/pulls')
      .query(true)
      .reply(200, [])
      .post('/repos/octocat/Hello-World/pulls')
      .reply(422, fixture('github/error-pull-request-exists.json'))
      .get('/repos/octocat/Hello-World/pulls')
      .query(true)
      .reply(200, fixture<unknown[]>('github/pull-request-simple-items.json').map((pull) => unmerged(pull as Record<string, unknown>)));
    await expect(github().findOrOpenPullRequest(prInput)).resolves.toEqual({ ...openPr, created: false });
  });

  it('findOrOpenPullRequest: a lost answer to the create is not resent blindly', async () => {
    const { retry, waits } = recordedRetry();
    nock(API).get('/repos/octocat/Hello-World/pulls').query(true).reply(200, []).post('/repos/octocat/Hello-World/pulls').reply(504, '');
    const error = (await github(retry).findOrOpenPullRequest(prInput).catch((e: unknown) => e)) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.retryable).toBe(true);
    expect(waits).toEqual([]);
  });

  it('findOrOpenPullRequest: nothing to merge is an operator-readable failure', async () => {
    nock(API)
      .get('/repos/octocat/Hello-World/pulls')
      .query(true)
      .reply(200, [])
      .post('/repos/octocat/Hello-World/pulls')
      .reply(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'No commits between master and new-topic' }], status: '422' });
    const error = (await github().findOrOpenPullRequest(prInput).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toContain('opening the pull request new-topic → master in octocat/Hello-World failed: 422');
    expect(error.message).toContain('No commits between master and new-topic');
  });

  it('pullRequest: state, merge, head, author and the reviewers still requested', async () => {
    nock(API).get('/repos/octocat/Hello-World/pulls/1347').reply(200, fixture('github/pull-request.json'));
    await expect(github().pullRequest('octocat', 'Hello-World', 1347)).resolves.toEqual({
      ...openPr,
      mergedAt: '2011-01-26T19:01:12Z',
      mergeCommitSha: 'e5bd3914e2e596debea16f433f57875b5b90bcd6',
      headRef: 'new-topic',
      baseRef: 'master',
      author: 'octocat',
      requestedReviewers: ['other_user'],
      requestedTeams: ['justice-league'],
    });
  });

  it('pullRequest: a missing pull request names itself', async () => {
    nock(API).get('/repos/octocat/Hello-World/pulls/9').reply(404, fixture('github/error-not-found.json'));
    const error = (await github().pullRequest('octocat', 'Hello-World', 9).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toContain('reading pull request #9 of octocat/Hello-World failed: 404');
    expect(error.message).toContain('pull request #9 does not exist in octocat/Hello-World');
  });

  it('pullRequestReviews: every review with its user, state, time and commit', async () => {
    nock(API).get('/repos/octocat/Hello-World/pulls/12/reviews').query({ per_page: '100' }).reply(200, fixture('github/pull-request-review-items.json'));
    await expect(github().pullRequestReviews('octocat', 'Hello-World', 12)).resolves.toEqual([
      { id: 80, login: 'octocat', state: 'APPROVED', submittedAt: '2019-11-17T17:43:43Z', commitId: 'ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091', body: 'Here is the body for the review.' },
    ]);
  });

  it('latestReviewByUser: the latest approving or blocking review decides; comments do not withdraw an approval', () => {
    const review = (id: number, login: string, state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING', at: string | null) => ({
      id,
      login,
      state,
      submittedAt: at,
      commitId: null,
      body: '',
    });
    const latest = latestReviewByUser([
      review(1, 'alice', 'CHANGES_REQUESTED', '2026-01-01T10:00:00Z'),
      review(2, 'alice', 'APPROVED', '2026-01-01T11:00:00Z'),
      review(3, 'Alice', 'COMMENTED', '2026-01-01T12:00:00Z'),
      review(4, 'bob', 'APPROVED', '2026-01-01T10:00:00Z'),
      review(5, 'bob', 'DISMISSED', '2026-01-01T11:00:00Z'),
      review(6, 'carol', 'PENDING', null),
    ]);
    expect(Object.fromEntries([...latest].map(([login, r]) => [login, r.state]))).toEqual({ alice: 'APPROVED', bob: 'DISMISSED' });
  });

  it('pullRequestCommitAuthors: the logins of the commit authors and committers, once each', async () => {
    nock(API).get('/repos/octocat/Hello-World/pulls/1347/commits').query({ per_page: '100' }).reply(200, fixture('github/commit-items.json'));
    await expect(github().pullRequestCommitAuthors('octocat', 'Hello-World', 1347)).resolves.toEqual(['octocat']);
  });

  it('requestReviewers and removeRequestedReviewers send the logins; an empty list sends nothing', async () => {
    const scope = nock(API)
      .post('/repos/octocat/Hello-World/pulls/1347/requested_reviewers', { reviewers: ['other_user'] })
      .reply(201, fixture('github/pull-request.json'))
      .delete('/repos/octocat/Hello-World/pulls/1347/requested_reviewers', { reviewers: ['other_user'] })
      .reply(200, fixture('github/pull-request.json'));
    await github().requestReviewers('octocat', 'Hello-World', 1347, ['other_user']);
    await github().removeRequestedReviewers('octocat', 'Hello-World', 1347, ['other_user']);
    await github().requestReviewers('octocat', 'Hello-World', 1347, []);
    expect(scope.isDone()).toBe(true);
  });

  it('requestReviewers: a reviewer who is no collaborator is an operator-readable failure', async () => {
    nock(API)
      .post('/repos/octocat/Hello-World/pulls/1347/requested_reviewers')
      .reply(422, { message: 'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the octocat/Hello-World repository.', status: '422' });
    const error = (await github().requestReviewers('octocat', 'Hello-World', 1347, ['mallory']).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toContain('requesting reviews from mallory on pull request #1347 of octocat/Hello-World failed: 422');
    expect(error.message).toContain('must be a collaborator');
  });

  it('openReviewLoad: three counts per login from the search API', async () => {
    const counts = new Map([
      ['is:pr is:open review-requested:octocat org:acme-ml', 2],
      ['is:pr review-requested:octocat org:acme-ml created:>=2026-10-31', 1],
      ['is:pr reviewed-by:octocat org:acme-ml created:>=2026-10-31', 4],
    ]);
    const scope = nock(API);
    for (const [q, count] of counts) {
      scope.get('/search/issues').query({ q, sort: 'created', order: 'desc', per_page: '1' }).reply(200, { ...fixture('github/issue-search-result.json'), total_count: count });
    }
    await expect(github().openReviewLoad('acme-ml', ['octocat'], '2026-10-31T08:00:00Z')).resolves.toEqual([
      { login: 'octocat', open: 2, recentRequested: 1, recentReviewed: 4, lastRequestedAt: '2009-07-12T20:10:41Z' },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('openReviewLoad: waits out the search rate limit (x-ratelimit-reset) and goes on', async () => {
    const { retry, waits } = recordedRetry({ maxDelayMs: 120_000 });
    nock(API)
      .get('/search/issues')
      .query(true)
      .reply(403, { message: 'API rate limit exceeded for user ID 1.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 30) })
      .get('/search/issues')
      .query(true)
      .times(3)
      .reply(200, fixture('github/issue-search-result.json'));
    await expect(github(retry).openReviewLoad('acme-ml', ['octocat'], '2026-10-31')).resolves.toEqual([
      { login: 'octocat', open: 280, recentRequested: 280, recentReviewed: 280, lastRequestedAt: '2009-07-12T20:10:41Z' },
    ]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(1000);
  });

  it('teamMembers and repositoryMaintainers: logins; collaborators below maintain are left out', async () => {
    const admin = { ...fixture<Array<Record<string, unknown>>>('github/collaborator-items.json')[0], login: 'hubot', permissions: { pull: true, triage: true, push: true, maintain: true, admin: true }, role_name: 'admin' };
    nock(API)
      .get('/orgs/acme-ml/teams/justice-league/members')
      .query({ per_page: '100' })
      .reply(200, fixture('github/simple-user-items.json'))
      .get('/repos/octocat/Hello-World/collaborators')
      .query({ permission: 'maintain', per_page: '100' })
      .reply(200, [...fixture<unknown[]>('github/collaborator-items.json'), admin]);
    await expect(github().teamMembers('acme-ml', 'justice-league')).resolves.toEqual(['octocat']);
    await expect(github().repositoryMaintainers('octocat', 'Hello-World')).resolves.toEqual(['hubot']);
  });

  it('teamMembers: an unknown team names the policy key', async () => {
    nock(API).get('/orgs/acme-ml/teams/nobody/members').query(true).reply(404, fixture('github/error-not-found.json'));
    const error = (await github().teamMembers('acme-ml', 'nobody').catch((e: unknown) => e)) as ClientError;
    expect(error.message).toContain('listing the members of team acme-ml/nobody failed: 404');
    expect(error.message).toContain('teams[].github_team');
  });
});
