import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/clients/github.ts';
import type { ReviewPullRequest } from '../../src/domain/review.ts';
import type { GitHubStandIn } from '../../standins/github.ts';
import { createCheckReview } from '../../workers/github-review-check.ts';
import { checkReviewVariables, reviewTimersPolicy, startReviewPullRequest } from '../support/github-review.ts';
import { completedVariables } from '../support/run-worker.ts';

/**
 * The check reviews only the commit the build tested: an approval of another commit does not
 * count, and a pull request whose head moved past the built commit, open or merged, is
 * `reviewNewCommits` with its head. The GitHub stand-in answers at the wire, through the real
 * client; its release branch is not protected here, so GitHub dismisses nothing.
 */
const FULL_NAME = 'acme-ml/churn-predictor';
const policy = reviewTimersPolicy();

let github: GitHubStandIn;
let client: GitHubClient;
let pullRequest: ReviewPullRequest;

beforeAll(async () => {
  ({ github, client, pullRequest } = await startReviewPullRequest('ghp_newcommitstoken'));
});

afterAll(async () => {
  await github?.stop();
});

async function check(buildCommit: string): Promise<Record<string, unknown>> {
  const worker = createCheckReview({ github: client, policy, now: () => new Date('2026-11-30T13:00:00.000Z') });
  return completedVariables(worker, checkReviewVariables(pullRequest, buildCommit), { activityId: 'Task_CheckReview' });
}

describe('github:review:check and new commits', () => {
  it('sees a push past the built commit, counts only approvals of the built commit, and sees a merge at a head never built', async () => {
    const built = pullRequest.headSha;
    const approval = github.review(FULL_NAME, pullRequest.number, 'alice', 'APPROVED');
    expect(approval.commitId).toBe(built);
    expect(await check(built)).toMatchObject({ reviewNewCommits: false, reviewHeadSha: built, reviewState: { requiredApproved: true, approvedBy: ['alice'], staleApprovals: [] } });

    // The developer pushes: the pull request's head moves on, alice's approval is of the commit built before.
    const pushed = github.push(FULL_NAME, 'ml_model/inference/inference.py', 'def predict(x):\n    return x\n', 'Faster predict', { author: 'abe' });
    const moved = await check(built);
    expect(moved).toMatchObject({ reviewNewCommits: true, reviewHeadSha: pushed, reviewDone: false, reviewChangesToTell: false, reviewState: { requiredApproved: true } });

    // Once the new head is built, the old approval is stale and alice is asked again; carol's review of the new head counts.
    github.review(FULL_NAME, pullRequest.number, 'carol', 'CHANGES_REQUESTED', 'Add a test for predict.');
    const rebuilt = await check(pushed);
    expect(rebuilt).toMatchObject({
      reviewNewCommits: false,
      reviewHeadSha: pushed,
      reviewDone: false,
      reviewChangesToTell: true,
      reviewState: { requiredApproved: false, approvedBy: [], staleApprovals: [{ login: 'alice', commitId: built }], pending: ['alice'] },
    });

    // Merged at the head that was built, without the required approval of it: not done, nothing new to build.
    github.mergePullRequest(FULL_NAME, pullRequest.number, 'abe');
    expect(await check(pushed)).toMatchObject({ reviewNewCommits: false, reviewDone: false, reviewState: { merged: true, requiredApproved: false } });
    // Merged at a head the lifecycle never built (its build was of the commit before): build it first.
    expect(await check(built)).toMatchObject({ reviewNewCommits: true, reviewHeadSha: pushed, reviewDone: false, reviewState: { merged: true } });
  });
});
