import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKeyOf, ElementIds } from '../../src/bpmn/contract.ts';
import type { ReviewAssignment } from '../../src/domain/review.ts';
import type { StageRecord } from '../../src/domain/stage-record.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { reviewPull, startAtReview, startReviewWorld, waitingForReview } from '../support/review.ts';
import { nextIssueKey, type World } from '../support/service.ts';
import { BUILD_JOB, type TrainingWorld } from '../support/training.ts';

/**
 * A second review after a failed delivery, on the real engine: the first staging deploy fails,
 * the developer pushes a fix, the lifecycle builds it and reviews it on a new pull request. The
 * second review is told on the ticket and in Slack as the first was (its comments and messages
 * are keyed by pull request, not once per lifecycle), and its REVIEW_RESULT is a second review
 * attempt in the stage records.
 */
const engine = engineClient();
let world: World;
let jenkins: TrainingWorld;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ world, jenkins, stop } = await startReviewWorld({
    pushes: true,
    // The first staging deploy of a lifecycle fails; later ones run until the test ends them.
    deploys: (jenkins) =>
      jenkins.defineJob('ml/deploy-inference', async (build) => {
        if (build.parameters.BUILD_KEY?.endsWith('/staging/1')) {
          build.log('Error: UPGRADE FAILED: timed out waiting for the condition');
          return 'FAILURE';
        }
        return new Promise((resolve) => build.signal.addEventListener('abort', () => resolve('ABORTED'), { once: true }));
      }),
  }));
});

afterAll(async () => {
  await stop?.();
});

const comments = (key: string, text: string) => world.jira.commentsContaining(key, text).map((comment) => JSON.stringify(comment.body));
const deploysOf = (key: string) => jenkins.jenkins.builds('ml/deploy-inference').filter((build) => build.parameters.JIRA_KEY === key).map((build) => build.parameters.BUILD_KEY);

async function waitingAt(instanceId: string, activityId: string, count = 1): Promise<void> {
  await waitFor(async () => (await engine.historicActivities(instanceId)).filter((activity) => activity.activityId === activityId && activity.endTime === null).length >= count, {
    timeoutMs: 90_000,
    message: `waiting at ${activityId}`,
  });
}

async function approveAndMerge(fullName: string, number: number, login: string): Promise<void> {
  world.github.review(fullName, number, login, 'APPROVED');
  await world.github.deliveriesSettled();
  world.github.mergePullRequest(fullName, number, 'abe');
  await world.github.deliveriesSettled();
}

describe('a second review after a failed delivery', () => {
  it('reviews the fix on a new pull request, tells the ticket and the reviewers again, and records a second review attempt', async () => {
    const key = nextIssueKey();
    const { instanceId, fullName } = await startAtReview(world, { key });
    const first = await reviewPull(world, fullName);
    await waitingForReview(instanceId);
    const firstAssignment = (await engine.variables(instanceId)).reviewAssignment as ReviewAssignment;
    const required = firstAssignment.reviewers.find((reviewer) => reviewer.role === 'required')!.login;
    await approveAndMerge(fullName, first.number, required);

    // Staging fails: back to the developer, who pushes a fix.
    await waitingAt(instanceId, ElementIds.awaitRebuild);
    expect(comments(key, '[Failed] STAGING_RESULT')).toHaveLength(1);
    const fix = world.github.push(fullName, 'ml_model/inference/inference.py', 'def predict(x):\n    return [x]\n', 'Fix the answer shape', { author: 'abe' });
    await world.github.deliveriesSettled();
    await waitFor(() => jenkins.jenkins.builds(BUILD_JOB).find((build) => build.parameters.BUILD_KEY === buildKeyOf(key, 'build', 2)), { timeoutMs: 60_000, message: 'build attempt 2' });

    // The second review, on a new pull request at the fix.
    const second = await waitFor(() => world.github.repos.get(fullName)?.pulls?.find((pull) => pull.number !== first.number && pull.state === 'open' && pull.requestedReviewers.length > 0), {
      timeoutMs: 120_000,
      message: 'the second review pull request',
    });
    await waitingForReview(instanceId, 1);
    const secondAssignment = await waitFor(async () => {
      const variables = await engine.variables(instanceId);
      const assignment = variables.reviewAssignment as ReviewAssignment | undefined;
      return assignment?.prNumber === second.number && variables.buildCommit === fix ? assignment : undefined;
    }, { message: 'the second assignment' });
    await waitFor(() => comments(key, '[Started] REVIEW').length === 2, { message: 'the second "reviewers chosen" comment' });
    const [, chosenAgain] = comments(key, '[Started] REVIEW');
    expect(chosenAgain).toContain(`/pull/${second.number}`);

    const secondRequired = secondAssignment.reviewers.find((reviewer) => reviewer.role === 'required')!.login;
    await approveAndMerge(fullName, second.number, secondRequired);
    await waitFor(async () => (await engine.historicActivities(instanceId)).filter((activity) => activity.activityId === ElementIds.reviewed && activity.endTime !== null).length === 2, {
      timeoutMs: 60_000,
      message: 'the second review ended',
    });
    await waitFor(() => deploysOf(key).includes(buildKeyOf(key, 'staging', 2)), { timeoutMs: 60_000, message: 'the second staging deploy' });

    const results = comments(key, '[Success] REVIEW_RESULT');
    expect(results).toHaveLength(2);
    expect(results[1]).toContain(`#${second.number}`);
    const records = (await engine.variables(instanceId)).stageRecords as StageRecord[];
    const reviews = records.filter((record) => record.stage === 'review');
    expect(reviews.map((record) => record.attempt)).toEqual([1, 2]);
    expect(reviews.map((record) => record.links[0]?.url)).toEqual([expect.stringMatching(new RegExp(`/pull/${first.number}$`)), expect.stringMatching(new RegExp(`/pull/${second.number}$`))]);
    expect(await engine.incidents(instanceId)).toEqual([]);
    await engine.deleteProcessInstance(instanceId);
  });
});
