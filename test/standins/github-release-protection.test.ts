import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/clients/github.ts';
import type { ReviewPullRequest } from '../../src/domain/review.ts';
import { routeGitHubDelivery } from '../../src/http/github-route.ts';
import type { GitHubStandIn } from '../../standins/github.ts';
import { startReviewPullRequest } from '../support/github-review.ts';

/**
 * The GitHub stand-in protects a branch other than the default one as GitHub does: the review
 * pull request into a protected release branch merges only with the approvals the rules ask
 * for, and with `dismiss_stale_reviews` a push to its head branch dismisses the approvals of
 * earlier commits (state DISMISSED, a `pull_request_review` `dismissed` delivery).
 */
const FULL_NAME = 'acme-ml/churn-predictor';

let github: GitHubStandIn;
let client: GitHubClient;
let pullRequest: ReviewPullRequest;
let receiver: Server;
const received: Array<{ event: string; body: unknown }> = [];

beforeAll(async () => {
  ({ github, client, pullRequest } = await startReviewPullRequest('ghp_protectiontoken'));
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ event: String(req.headers['x-github-event']), body: JSON.parse(text) as unknown });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  github.registerWebhook({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, events: ['pull_request_review'] });
});

afterAll(async () => {
  await github?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('GitHub stand-in: a protected release branch', () => {
  it('stores the rules, refuses a merge without the approval, and dismisses approvals of earlier commits on a push', async () => {
    await client.protectBranch({ owner: 'acme-ml', repo: 'churn-predictor', branch: 'release', requiredApprovals: 1, requiredStatusChecks: [] });
    const repository = github.snapshot().repositories.find((candidate) => candidate.fullName === FULL_NAME)!;
    expect(repository.protection).toBeNull();
    expect(repository.branchProtection.release).toMatchObject({ required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true } });
    const branch = await fetch(`${github.baseUrl}/repos/${FULL_NAME}/branches/release`, { headers: { authorization: 'token ghp_protectiontoken' } });
    expect(await branch.json()).toMatchObject({ name: 'release', protected: true });

    expect(() => github.mergePullRequest(FULL_NAME, pullRequest.number, 'abe')).toThrow('405 At least 1 approving review is required by reviewers with write access.');

    const first = github.review(FULL_NAME, pullRequest.number, 'alice', 'APPROVED');
    const pushed = github.push(FULL_NAME, 'ml_model/inference/inference.py', 'def predict(x):\n    return x\n', 'Faster predict', { author: 'abe' });
    await github.deliveriesSettled();
    const reviews = await client.pullRequestReviews('acme-ml', 'churn-predictor', pullRequest.number);
    expect(reviews.map(({ login, state, commitId }) => ({ login, state, commitId }))).toEqual([{ login: 'alice', state: 'DISMISSED', commitId: first.commitId }]);
    const dismissed = received.find((delivery) => (delivery.body as { action?: string }).action === 'dismissed');
    expect(dismissed?.body).toMatchObject({ action: 'dismissed', review: { id: first.id, state: 'dismissed', commit_id: first.commitId }, sender: { login: 'abe' } });
    // The service has nothing to do with a dismissal: it reads the reviews at its check.
    expect(routeGitHubDelivery('pull_request_review', dismissed!.body)).toMatchObject({ kind: 'ignore', reason: 'action_not_handled' });
    expect(() => github.mergePullRequest(FULL_NAME, pullRequest.number, 'abe')).toThrow('405 At least 1 approving review');

    // An approval of the new head merges, at that head.
    expect(github.review(FULL_NAME, pullRequest.number, 'carol', 'APPROVED').commitId).toBe(pushed);
    github.mergePullRequest(FULL_NAME, pullRequest.number, 'abe');
    expect((await client.pullRequest('acme-ml', 'churn-predictor', pullRequest.number)).headSha).toBe(pushed);
  });
});
