import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/clients/github.ts';
import type { ReviewPullRequest } from '../../src/domain/review.ts';
import type { GitHubStandIn } from '../../standins/github.ts';
import { createCheckReview } from '../../workers/github-review-check.ts';
import { checkReviewVariables, reviewTimersPolicy, startReviewPullRequest } from '../support/github-review.ts';
import { completedVariables } from '../support/run-worker.ts';

/**
 * The check that sees the merge through the API writes the merge commit itself, as the merge
 * webhook does: the commit the delivery deploys must not depend on which of the two came first.
 */
const FULL_NAME = 'acme-ml/churn-predictor';
const policy = reviewTimersPolicy();

let github: GitHubStandIn;
let client: GitHubClient;
let pullRequest: ReviewPullRequest;

beforeAll(async () => {
  ({ github, client, pullRequest } = await startReviewPullRequest('ghp_mergetoken'));
});

afterAll(async () => {
  await github?.stop();
});

async function check(): Promise<Record<string, unknown>> {
  const worker = createCheckReview({ github: client, policy, now: () => new Date('2026-11-30T13:00:00.000Z') });
  return completedVariables(worker, checkReviewVariables(pullRequest), { activityId: 'Task_CheckReview' });
}

describe('github:review:check and the merge', () => {
  it('writes no merge while the pull request is open, and the merge commit GitHub made once it is merged', async () => {
    github.review(FULL_NAME, pullRequest.number, 'alice', 'APPROVED');
    const open = await check();
    expect(open.reviewDone).toBe(false);
    expect(open.mergedPr).toBeUndefined();

    github.mergePullRequest(FULL_NAME, pullRequest.number, 'alice');
    const merged = await check();
    const pull = await client.pullRequest('acme-ml', 'churn-predictor', pullRequest.number);
    expect(pull.mergeCommitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(merged).toMatchObject({ reviewDone: true, mergedPr: { number: pullRequest.number, mergeCommitSha: pull.mergeCommitSha, mergedAt: pull.mergedAt } });
  });
});
