import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/clients/github.ts';
import type { ReviewAssignment, ReviewPullRequest } from '../../src/domain/review.ts';
import type { GitHubStandIn } from '../../standins/github.ts';
import { exampleAssignment, exampleModelRequest } from '../../workers/examples.ts';
import { createAssignReviewers } from '../../workers/github-review-assign.ts';
import { createOpenReviewPullRequest } from '../../workers/github-review-open-pr.ts';
import { reviewRepository, reviewTimersPolicy, startReviewPullRequest } from '../support/github-review.ts';
import { completedVariables } from '../support/run-worker.ts';

/**
 * The review resumes after new commits were built: github:review:open-pr protects the release
 * branch and keeps the same pull request (open, or merged at the commit just built), and
 * github:review:assign asks the same reviewers again on GitHub without choosing anew. The
 * GitHub stand-in answers at the wire, through the real client.
 */
const FULL_NAME = 'acme-ml/churn-predictor';
const policy = reviewTimersPolicy();

let github: GitHubStandIn;
let client: GitHubClient;
let pullRequest: ReviewPullRequest;

beforeAll(async () => {
  ({ github, client, pullRequest } = await startReviewPullRequest('ghp_resumetoken'));
});

afterAll(async () => {
  await github?.stop();
});

describe('the review resumed after new commits', () => {
  const openPr = () => createOpenReviewPullRequest({ github: client, policy, issueUrl: (key) => `https://jira.test/browse/${key}` });
  const assign = () => createAssignReviewers({ github: client, policy, now: () => new Date('2026-12-02T10:00:00.000Z') });
  const assignment: ReviewAssignment = { ...exampleAssignment, prNumber: 0 };

  it('keeps the open pull request at its new head, protects the release branch, and asks the same reviewers again', async () => {
    // The first round finds the pull request open and protects the release branch.
    const first = await completedVariables(openPr(), { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, buildCommit: pullRequest.headSha });
    expect(first.pullRequest).toEqual({ ...pullRequest, created: false, releaseBranchCreated: false });
    github.review(FULL_NAME, pullRequest.number, 'alice', 'APPROVED');
    const pushed = github.push(FULL_NAME, 'ml_model/inference/inference.py', 'def predict(x):\n    return x\n', 'Faster predict', { author: 'abe' });
    const opened = await completedVariables(openPr(), { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, buildCommit: pushed, pullRequest });
    expect(opened.pullRequest).toEqual({ ...pullRequest, headSha: pushed });
    const release = github.snapshot().repositories.find((candidate) => candidate.fullName === FULL_NAME)!.branchProtection.release;
    expect(release).toMatchObject({ required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true } });
    // GitHub dismissed alice's approval of the commit built before.
    expect((await client.pullRequestReviews('acme-ml', 'churn-predictor', pullRequest.number)).map((review) => review.state)).toEqual(['DISMISSED']);

    const requests = () => github.requests.filter((request) => request === `POST /repos/${FULL_NAME}/pulls/${pullRequest.number}/requested_reviewers`).length;
    const before = requests();
    const mine = { ...assignment, prNumber: pullRequest.number, version: 2, replaced: [{ login: 'bert', role: 'required' as const, email: null, by: 'alice', reason: 'late', at: '2026-12-01T09:00:00.000Z', version: 2 }] };
    const kept = (await completedVariables(assign(), { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, pullRequest: opened.pullRequest, reviewAssignment: mine })).reviewAssignment as ReviewAssignment;
    expect(requests()).toBe(before + 1);
    expect((await client.pullRequest('acme-ml', 'churn-predictor', pullRequest.number)).requestedReviewers.toSorted()).toEqual(['alice', 'carol']);
    expect(kept).toMatchObject({ version: 2, prNumber: pullRequest.number, requestedAt: mine.requestedAt, replaced: mine.replaced });
    expect(kept.reviewers.map((reviewer) => [reviewer.login, reviewer.requestedAt, reviewer.firstRequestedAt])).toEqual([
      ['alice', '2026-12-02T10:00:00.000Z', mine.reviewers[0]!.requestedAt],
      ['carol', '2026-12-02T10:00:00.000Z', mine.reviewers[1]!.requestedAt],
    ]);

    // Merged at the head that was built: the same pull request is kept, not an empty one opened, and nobody is requested on it.
    github.review(FULL_NAME, pullRequest.number, 'carol', 'APPROVED');
    github.mergePullRequest(FULL_NAME, pullRequest.number, 'abe');
    const again = await completedVariables(openPr(), { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, buildCommit: pushed, pullRequest: opened.pullRequest });
    expect(again.pullRequest).toEqual({ ...pullRequest, headSha: pushed });
    const requested = requests();
    await completedVariables(assign(), { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, pullRequest: again.pullRequest, reviewAssignment: kept });
    expect(requests()).toBe(requested);
  });

  it('opens a new pull request when the earlier one was merged at another head: what came after it is reviewed anew', async () => {
    const later = github.push(FULL_NAME, 'ml_model/inference/inference.py', 'def predict(x):\n    return 2 * x\n', 'Double predict', { author: 'abe' });
    const merged = { ...pullRequest, headSha: later };
    const opened = (await completedVariables(openPr(), { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, buildCommit: later, pullRequest: merged })).pullRequest as ReviewPullRequest;
    expect(opened.number).not.toBe(pullRequest.number);
    expect(opened).toMatchObject({ headSha: later, created: true, head: 'main', base: 'release' });
  });
});
