import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKeyOf, ElementIds } from '../../src/bpmn/contract.ts';
import type { ReviewAssignment, ReviewPullRequest, ReviewState } from '../../src/domain/review.ts';
import type { Service } from '../../src/service.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { endAfterReview, reviewChecks, reviewPull, startAtReview, startReviewWorld, waitingForReview } from '../support/review.ts';
import { nextIssueKey, sendGitHubWebhook, type World } from '../support/service.ts';
import { BUILD_JOB, type TrainingWorld } from '../support/training.ts';

/**
 * New commits during the review, on the real engine against the GitHub, Jira, Slack and Jenkins
 * stand-ins: the review starts after build attempt 1 at commit A, the developer pushes B (the
 * GitHub stand-in delivers the signed push), and the lifecycle builds and tests B before the
 * review goes on, on the same pull request with the same reviewers; only an approval of B and
 * the merge at B move it on to the delivery of what was built.
 */
const engine = engineClient();
let world: World;
let jenkins: TrainingWorld;
let service: Service;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ world, jenkins, service, stop } = await startReviewWorld({ pushes: true }));
});

afterAll(async () => {
  await stop?.();
});

const SLACK_IDS: Record<string, string> = { alice: 'U0ALICE0001', bert: 'U0BERT00001', carol: 'U0CAROL0001', dave: 'U0DAVE00001' };
const comments = (key: string, text: string) => world.jira.commentsContaining(key, text).map((comment) => JSON.stringify(comment.body));
const dmsAbout = (login: string, key: string) =>
  world.slack
    .snapshot()
    .dms.filter((dm) => dm.user === SLACK_IDS[login])
    .flatMap((dm) => dm.messages)
    .filter((message) => message.text.includes(key));
const reviewerRequests = (fullName: string, number: number) => world.github.requests.filter((request) => request === `POST /repos/${fullName}/pulls/${number}/requested_reviewers`);
const lastDelivery = (event: string, fullName: string) => [...world.github.deliveries].reverse().find((delivery) => delivery.event === event && delivery.repository === fullName)!;
const buildsOf = (key: string) => jenkins.jenkins.builds(BUILD_JOB).filter((build) => build.parameters.JIRA_KEY === key);

async function ended(instanceId: string, activityId: string): Promise<number> {
  return (await engine.historicActivities(instanceId)).filter((activity) => activity.activityId === activityId && activity.endTime !== null).length;
}

describe('review with new commits', () => {
  it('builds and tests a commit pushed during the review, asks the same reviewers again on the same pull request, and delivers only what was approved and built', async () => {
    const key = nextIssueKey();
    const { instanceId, fullName } = await startAtReview(world, { key });
    const pull = await reviewPull(world, fullName);
    await waitingForReview(instanceId);
    const first = await engine.variables(instanceId);
    const built = first.buildCommit as string;
    expect((first.pullRequest as ReviewPullRequest).headSha).toBe(built);
    const assignment = first.reviewAssignment as ReviewAssignment;
    const required = assignment.reviewers.find((reviewer) => reviewer.role === 'required')!.login;
    const second = assignment.reviewers.find((reviewer) => reviewer.role === 'second')!.login;
    // The release branch is protected: one approval, stale approvals dismissed.
    const protection = world.github.snapshot().repositories.find((repository) => repository.fullName === fullName)!.branchProtection.release;
    expect(protection).toMatchObject({ required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true } });

    // The required reviewer approves A.
    const approvalOfA = world.github.review(fullName, pull.number, required, 'APPROVED');
    expect(approvalOfA.commitId).toBe(built);
    await world.github.deliveriesSettled();
    await waitingForReview(instanceId, 2);
    expect((await engine.variables(instanceId)).reviewState).toMatchObject({ requiredApproved: true, merged: false });

    // The developer pushes B; GitHub dismisses the approval of A and delivers the signed push.
    const pushed = world.github.push(fullName, 'ml_model/inference/inference.py', 'def predict(x):\n    return x\n', 'Faster predict', { author: 'abe' });
    await world.github.deliveriesSettled();
    const push = lastDelivery('push', fullName);
    expect(push.attempts.at(-1)?.status).toBe(200);

    // Build attempt 2 at B, then the review resumes.
    const rebuild = await waitFor(() => buildsOf(key).find((build) => build.parameters.BUILD_KEY === buildKeyOf(key, 'build', 2)), { timeoutMs: 60_000, message: 'build attempt 2' });
    expect(rebuild.parameters).toMatchObject({ GIT_COMMIT: pushed, ATTEMPT: '2' });
    await waitFor(async () => (await ended(instanceId, ElementIds.builtEnd)) >= 1, { timeoutMs: 120_000, message: 'attempt 2 built and tested' });
    const checksBeforeBuild = await waitFor(async () => {
      const activities = await engine.historicActivities(instanceId);
      const builtAt = activities.find((activity) => activity.activityId === ElementIds.builtEnd && activity.endTime !== null)?.endTime;
      const waiting = activities.some((activity) => activity.activityId === ElementIds.awaitReview && activity.endTime === null);
      const checkedAfter = activities.some((activity) => activity.activityId === ElementIds.checkReview && activity.endTime !== null && builtAt && activity.startTime >= builtAt);
      return waiting && checkedAfter ? activities.filter((activity) => activity.activityId === ElementIds.checkReview && activity.endTime !== null).length : false;
    }, { timeoutMs: 60_000, message: 'the review resumed after attempt 2' });
    expect(buildsOf(key)).toHaveLength(1);
    expect(comments(key, '[Success] BUILD_RESULT')).toHaveLength(1);

    const resumed = await engine.variables(instanceId);
    expect(resumed).toMatchObject({ buildAttempt: 2, buildCommit: pushed, buildOutcome: { commit: pushed, outcome: 'success' } });
    // The same pull request, now at B; no second pull request was opened.
    expect(resumed.pullRequest).toMatchObject({ number: pull.number, headSha: pushed });
    expect(world.github.repos.get(fullName)!.pulls!.map((candidate) => candidate.number)).toEqual([pull.number]);
    // The same reviewers, asked again on GitHub, the timers counting from the new request.
    const again = resumed.reviewAssignment as ReviewAssignment;
    expect(again).toMatchObject({ version: 1, prNumber: pull.number, requestedAt: assignment.requestedAt, replaced: [] });
    expect(again.reviewers.map((reviewer) => reviewer.login)).toEqual([required, second]);
    for (const [index, reviewer] of again.reviewers.entries()) {
      expect(reviewer.firstRequestedAt).toBe(assignment.reviewers[index]!.requestedAt);
      expect(Date.parse(reviewer.requestedAt)).toBeGreaterThan(Date.parse(assignment.reviewers[index]!.requestedAt));
    }
    expect(reviewerRequests(fullName, pull.number)).toHaveLength(2);
    expect(world.github.repos.get(fullName)!.pulls![0]!.requestedReviewers.toSorted()).toEqual([required, second].toSorted());
    // The approval of A does not count: GitHub dismissed it, and the lifecycle waits for the required reviewer on B.
    const state = resumed.reviewState as ReviewState;
    expect(state).toMatchObject({ requiredApproved: false, approvedBy: [], merged: false });
    expect(state.pending.toSorted()).toEqual([required, second].toSorted());
    expect(world.github.repos.get(fullName)!.pulls![0]!.reviews.map((review) => `${review.login}:${review.state}:${review.commitId}`)).toEqual([`${required}:DISMISSED:${built}`]);

    // Told once: one "new commits" comment naming B, no second "chosen" comment, one message each about the new commits.
    const [told, ...moreTold] = comments(key, '[New commits] REVIEW');
    expect(moreTold).toEqual([]);
    expect(told).toContain(`now at ${pushed.slice(0, 7)}; the build tested ${built.slice(0, 7)}`);
    expect(comments(key, '[Started] REVIEW')).toHaveLength(1);
    for (const login of [required, second]) {
      const messages = dmsAbout(login, key);
      expect(messages.filter((message) => message.text.startsWith('New commits in')), login).toHaveLength(1);
      expect(messages.filter((message) => message.text.startsWith('You were chosen')), login).toHaveLength(1);
    }

    // GitHub delivers the push again: the same delivery id is a duplicate; a new id wakes the wait, which reads and finds nothing new.
    expect(await sendGitHubWebhook(service, 'push', JSON.parse(push.body), { deliveryId: push.id })).toMatchObject({ status: 200, body: { result: 'duplicate' } });
    expect(await sendGitHubWebhook(service, 'push', JSON.parse(push.body))).toMatchObject({ status: 200, body: { result: 'correlated', pushedCommit: pushed } });
    await waitingForReview(instanceId, checksBeforeBuild + 1);
    expect(buildsOf(key)).toHaveLength(1);
    expect(comments(key, '[New commits] REVIEW')).toHaveLength(1);
    expect(reviewerRequests(fullName, pull.number)).toHaveLength(2);
    for (const login of [required, second]) expect(dmsAbout(login, key).filter((message) => message.text.startsWith('New commits in'))).toHaveLength(1);

    // Without an approval of B, GitHub refuses the merge: the approval of A cannot promote B.
    expect(() => world.github.mergePullRequest(fullName, pull.number, 'abe')).toThrow('405 At least 1 approving review is required');
    const checks = await reviewChecks(instanceId);
    expect(await ended(instanceId, ElementIds.reviewed)).toBe(0);

    // The required reviewer approves B, someone merges: the lifecycle moves on and delivers what was built.
    expect(world.github.review(fullName, pull.number, required, 'APPROVED').commitId).toBe(pushed);
    await world.github.deliveriesSettled();
    await waitingForReview(instanceId, checks + 1);
    world.github.mergePullRequest(fullName, pull.number, 'abe');
    await waitFor(async () => (await ended(instanceId, ElementIds.reviewed)) === 1, { timeoutMs: 60_000, message: 'reviewed and merged' });
    const merged = world.github.repos.get(fullName)!.pulls![0]!;
    expect(merged.mergedCommits?.at(-1)?.sha).toBe(pushed);
    const [result, ...moreResults] = comments(key, '[Success] REVIEW_RESULT');
    expect(moreResults).toEqual([]);
    expect(result).toContain(required);
    const delivered = await endAfterReview(jenkins.jenkins, { key, instanceId });
    expect(delivered).toMatchObject({ buildCommit: pushed, mergedPr: { number: pull.number, mergeCommitSha: merged.mergeCommitSha }, deliveryCommit: merged.mergeCommitSha });
    // The merge commit on the release branch holds exactly the files of B, and the image deployed is the one built from B.
    const mergeCommit = world.github.repos.get(fullName)!.branches!.get('release')!.at(-1)!;
    const builtB = world.github.repos.get(fullName)!.commits.find((commit) => commit.sha === pushed)!;
    expect(mergeCommit.sha).toBe(merged.mergeCommitSha);
    expect(Object.fromEntries(mergeCommit.files)).toEqual(Object.fromEntries(builtB.files));
    const staging = jenkins.jenkins.builds('ml/deploy-inference').find((build) => build.parameters.BUILD_KEY === buildKeyOf(key, 'staging', 1))!;
    expect(staging.parameters).toMatchObject({ GIT_COMMIT: merged.mergeCommitSha, IMAGE: (delivered.buildOutcome as { image: string }).image });
    expect(staging.parameters.IMAGE).toContain(pushed.slice(0, 12));
  });
});
