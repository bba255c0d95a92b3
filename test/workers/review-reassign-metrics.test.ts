import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/clients/github.ts';
import type { ReviewAssignment, ReviewPullRequest, ReviewState } from '../../src/domain/review.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { GitHubStandIn } from '../../standins/github.ts';
import { exampleAssignment, exampleModelRequest } from '../../workers/examples.ts';
import { createReassignReviewers } from '../../workers/github-review-reassign.ts';
import { reviewRepository, reviewTimersPolicy, startReviewPullRequest } from '../support/github-review.ts';
import { runWorker } from '../support/run-worker.ts';

/**
 * The replacement of a silent reviewer can run twice: the engine hands the task out again when
 * the first run's GitHub calls succeeded but its completion was lost. The rerun chooses the same
 * person, changes nothing on GitHub, and lifecycle_review_reassignments_total counts the
 * replacement once. The GitHub stand-in answers at the wire, through the real client.
 */
const TOKEN = 'ghp_reassigntoken';
const policy = reviewTimersPolicy();

let github: GitHubStandIn;
let client: GitHubClient;
let pullRequest: ReviewPullRequest;

beforeAll(async () => {
  ({ github, client, pullRequest } = await startReviewPullRequest(TOKEN));
  github.setUser('abe', { email: exampleModelRequest.developer.emailAddress ?? null });
  for (const login of ['alice', 'bert', 'carol', 'dave']) github.setUser(login, { email: `${login}@acme.test` });
});

afterAll(async () => {
  await github?.stop();
});

describe('github:review:reassign', () => {
  it('counts a replacement once when the task runs again after its GitHub calls succeeded', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const worker = createReassignReviewers({ github: client, policy, metrics, now: () => new Date('2026-11-30T13:00:00.000Z') });
    // Both reviewers were asked an hour ago and never reviewed: past reviewers.reassign_after (8 s).
    const assignment: ReviewAssignment = exampleAssignment;
    const state: ReviewState = { requiredApproved: false, merged: false, mergedAt: null, approvedAt: null, approvedBy: [], changesRequested: [], pending: ['alice', 'carol'], firstReviewAt: {} };
    const variables = { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, pullRequest, reviewAssignment: assignment, reviewState: state };

    const results = [];
    for (let run = 0; run < 2; run++) {
      const result = await runWorker(worker, variables, { activityId: 'Task_ReassignReviewers', metrics });
      expect(result.kind).toBe('complete');
      results.push(result.kind === 'complete' ? (result.variables.reviewAssignment as ReviewAssignment) : null);
    }

    // The same people both times, and on GitHub the requests moved once.
    const [firstRun, rerun] = results;
    expect(firstRun!.reviewers.map((reviewer) => `${reviewer.role}:${reviewer.login}`)).toEqual(['required:bert', 'second:dave']);
    expect(rerun!.reviewers.map((reviewer) => reviewer.login)).toEqual(firstRun!.reviewers.map((reviewer) => reviewer.login));
    const pull = await client.pullRequest('acme-ml', 'churn-predictor', pullRequest.number);
    expect([...pull.requestedReviewers].sort()).toEqual(['bert', 'dave']);
    const counted = (await metrics.registry.getMetricsAsJSON()).find((metric) => metric.name === 'lifecycle_review_reassignments_total')!.values;
    expect(Object.fromEntries(counted.map((value) => [value.labels.role, value.value]))).toEqual({ required: 1, second: 1 });
  });

  it('replaces nobody while the pull request is closed without merging', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const worker = createReassignReviewers({ github: client, policy, metrics, now: () => new Date('2026-11-30T13:00:00.000Z') });
    const state: ReviewState = { requiredApproved: false, merged: false, closed: true, mergedAt: null, approvedAt: null, approvedBy: [], changesRequested: [], pending: ['alice', 'carol'], firstReviewAt: {} };
    const variables = { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: reviewRepository, pullRequest, reviewAssignment: exampleAssignment, reviewState: state };
    const requestsBefore = github.requests.length;
    const result = await runWorker(worker, variables, { activityId: 'Task_ReassignReviewers', metrics });
    expect(result).toMatchObject({ kind: 'complete', variables: { reviewAssignment: exampleAssignment } });
    expect(github.requests.length).toBe(requestsBefore);
    expect((await metrics.registry.getMetricsAsJSON()).find((metric) => metric.name === 'lifecycle_review_reassignments_total')!.values).toEqual([]);
  });
});
