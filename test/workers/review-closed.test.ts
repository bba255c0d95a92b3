import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/clients/github.ts';
import type { ReviewPullRequest } from '../../src/domain/review.ts';
import type { AnyWorker } from '../../src/runtime/worker.ts';
import type { GitHubStandIn } from '../../standins/github.ts';
import { createCheckReview } from '../../workers/github-review-check.ts';
import { checkReviewVariables, reviewTimersPolicy, startReviewPullRequest } from '../support/github-review.ts';
import { completedVariables } from '../support/run-worker.ts';

/**
 * The check at the wait's entry sees a pull request closed without merging as it is now: to be
 * told once per closing, nobody chased while it stays closed, and the review as before once it
 * is reopened. The GitHub stand-in answers at the wire, through the real client.
 */
const TOKEN = 'ghp_closedtoken';
const FULL_NAME = 'acme-ml/churn-predictor';
const NOW = new Date('2026-11-30T13:00:00.000Z');
const policy = reviewTimersPolicy();

let github: GitHubStandIn;
let client: GitHubClient;
let pullRequest: ReviewPullRequest;

beforeAll(async () => {
  ({ github, client, pullRequest } = await startReviewPullRequest(TOKEN));
});

afterAll(async () => {
  await github?.stop();
});

async function check(worker: AnyWorker, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return completedVariables(worker, { ...checkReviewVariables(pullRequest), ...extra }, { activityId: 'Task_CheckReview' });
}

describe('github:review:check with a pull request closed without merging', () => {
  it('tells a closing once, chases nobody while closed, and reviews as before once reopened', async () => {
    const worker = createCheckReview({ github: client, policy, now: () => NOW });
    github.review(FULL_NAME, pullRequest.number, 'carol', 'APPROVED');
    // dave, not asked, requests changes; alice, the required reviewer, has not reviewed yet.
    github.review(FULL_NAME, pullRequest.number, 'dave', 'CHANGES_REQUESTED', 'Please pin scikit-learn.');

    const open = await check(worker);
    expect(open).toMatchObject({ reviewClosedToTell: false, reviewClosedTold: false, reviewChangesToTell: true, reviewState: { closed: false } });

    github.closePullRequest(FULL_NAME, pullRequest.number, 'abe');
    const closed = await check(worker);
    // The closing comes first; the requested changes wait until the pull request is open again.
    expect(closed).toMatchObject({ reviewDone: false, reviewClosedToTell: true, reviewClosedTold: false, reviewChangesToTell: false, reviewState: { closed: true, merged: false, approvedBy: ['carol'] } });
    const aYearAhead = NOW.getTime() + 364 * 24 * 3_600_000;
    expect(Date.parse(closed.reviewRemindAt as string)).toBeGreaterThan(aYearAhead);
    expect(Date.parse(closed.reviewReassignAt as string)).toBeGreaterThan(aYearAhead);
    // Once told, the checks while it stays closed tell nothing more.
    expect(await check(worker, { reviewClosedTold: true })).toMatchObject({ reviewClosedToTell: false, reviewClosedTold: true });

    github.reopenPullRequest(FULL_NAME, pullRequest.number, 'abe');
    const reopened = await check(worker, { reviewClosedTold: true });
    // Open again: a later closing is told again, the reviews still count, and alice, late, is chased from her request.
    expect(reopened).toMatchObject({ reviewClosedToTell: false, reviewClosedTold: false, reviewChangesToTell: true, reviewState: { closed: false, approvedBy: ['carol'] } });
    expect(Date.parse(reopened.reviewRemindAt as string)).toBeLessThan(NOW.getTime());
  });
});
