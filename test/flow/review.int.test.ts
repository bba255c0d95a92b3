import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElementIds, Messages, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import type { Service } from '../../src/service.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { DEVELOPER, endAfterReview, JIRA_ACCOUNTS, reviewChecks, reviewPull, startAtReview, startReviewWorld, waitingForReview } from '../support/review.ts';
import { issueCreated, nextIssueKey, sendGitHubWebhook, sendJiraWebhook, type World } from '../support/service.ts';
import type { TrainingWorld } from '../support/training.ts';

/**
 * The review stage on the real engine, against the GitHub, Jira and Slack stand-ins: the
 * GitHub stand-in's reviews and merges reach the service as signed webhooks. One lifecycle
 * comes from a real green build; the others start right before the review (test/support/review.ts).
 * Each reviewed lifecycle is followed into the delivery's first deploy, then ended.
 */
const engine = engineClient();
let world: World;
let jenkins: TrainingWorld;
let service: Service;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ world, jenkins, service, stop } = await startReviewWorld());
});

afterAll(async () => {
  await stop?.();
});

async function reached(instanceId: string, activityId: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === activityId && activity.endTime !== null), {
    timeoutMs,
    message: `${activityId} reached`,
  });
}

const comments = (key: string, text: string) => world.jira.commentsContaining(key, text).map((comment) => JSON.stringify(comment.body));
const dmsTo = (user: string) => world.slack.snapshot().dms.filter((dm) => dm.user === user).flatMap((dm) => dm.messages);
const dmsAbout = (user: string, key: string) => dmsTo(user).filter((message) => message.text.includes(key));
const channel = (id: string) => world.slack.snapshot().channels.find((candidate) => candidate.id === id)?.messages ?? [];
const reviewerRequests = (fullName: string, number: number) => world.github.requests.filter((request) => request === `POST /repos/${fullName}/pulls/${number}/requested_reviewers`);
const lastDelivery = (event: string, fullName: string) => [...world.github.deliveries].reverse().find((delivery) => delivery.event === event && delivery.repository === fullName)!;

describe('review', () => {
  it('after a green build chooses two reviewers as the policy says, asks each once, and moves on only when the required reviewer approved and the pull request is merged', async () => {
    const key = nextIssueKey();
    world.jira.addIssue({ key, summary: 'Create new model', status: 'Ready for training', components: ['search'], assignee: { ...DEVELOPER } });
    await sendJiraWebhook(service, issueCreated(key, 'Create new model'));
    const instanceId = await waitFor(async () => (await engine.processInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key }))[0]?.id, { message: `lifecycle of ${key}` });
    const fullName = `acme-ml/create-new-model`;
    await reached(instanceId, ElementIds.builtEnd, 180_000);
    const pull = await reviewPull(world, fullName);
    await waitingForReview(instanceId);

    // abe is the developer (his GitHub e-mail is the assignee's) and sorts first, yet is never chosen.
    expect(pull.requestedReviewers.sort()).toEqual(['alice', 'carol']);
    expect(reviewerRequests(fullName, pull.number)).toHaveLength(1);
    const assignment = (await engine.variables(instanceId)).reviewAssignment as { reviewers: Array<{ login: string; role: string; reason: string }> };
    expect(assignment.reviewers.map(({ login, role }) => `${role}:${login}`)).toEqual(['required:alice', 'second:carol']);
    expect(assignment.reviewers[0]!.reason).toMatch(/^maintainer of team search \(from the policy\), 0 open reviews/);
    expect(assignment.reviewers[1]!.reason).toMatch(/^from the ML reviewer pool, /);

    // The ticket: both fields set, one comment naming who and why.
    const fields = world.jira.issues.get(key)!.fields!;
    expect((fields.customfield_10200 as Array<{ accountId: string }>).map((user) => user.accountId)).toEqual([JIRA_ACCOUNTS.alice, JIRA_ACCOUNTS.carol]);
    expect((fields.customfield_10201 as Array<{ accountId: string }>).map((user) => user.accountId)).toEqual([JIRA_ACCOUNTS.alice]);
    const [started, ...moreStarted] = comments(key, '[Started] REVIEW');
    expect(moreStarted).toEqual([]);
    expect(started).toContain('maintainer of team search');
    // One direct message each, with the three buttons.
    for (const user of ['U0ALICE0001', 'U0CAROL0001']) {
      const [dm, ...more] = dmsAbout(user, key);
      expect(more, user).toEqual([]);
      expect(dm!.text).toBe(`You were chosen as reviewer of ${key} [create-new-model] Create new model. Developer: @${DEVELOPER.displayName}`);
      expect(JSON.stringify(dm!.blocks)).toContain('PR in create-new-model');
      expect(JSON.stringify(dm!.blocks)).toContain('Task in Jira');
      expect(JSON.stringify(dm!.blocks)).toContain('Dashboard in Jira');
    }

    // The second reviewer's approval alone does not move the lifecycle.
    const before = await reviewChecks(instanceId);
    world.github.review(fullName, pull.number, 'carol', 'APPROVED', 'Looks good to me');
    await world.github.deliveriesSettled();
    await waitingForReview(instanceId, before + 1);
    expect(lastDelivery('pull_request_review', fullName).attempts.at(-1)?.status).toBe(200);

    // The required reviewer approves, someone merges: the lifecycle moves on.
    world.github.review(fullName, pull.number, 'alice', 'APPROVED');
    world.github.mergePullRequest(fullName, pull.number, 'alice');
    await reached(instanceId, ElementIds.reviewed, 60_000);
    const [result, ...moreResults] = comments(key, '[Success] REVIEW_RESULT');
    expect(moreResults).toEqual([]);
    expect(result).toContain('alice');
    const records = (await engine.historicVariables(instanceId)).stageRecords as Array<{ stage: string; outcome: string }>;
    expect(records.map((record) => `${record.stage}:${record.outcome}`)).toEqual(['training:success', 'build:success', 'testing:success', 'review:success']);
    expect(reviewerRequests(fullName, pull.number)).toHaveLength(1);
    const metrics = await service.metrics.registry.metrics();
    expect(metrics).toMatch(/lifecycle_review_pickup_seconds_count \d/);
    expect(metrics).toContain('lifecycle_review_duration_seconds_count{phase="approval"} 1');
    expect(metrics).toContain('lifecycle_review_duration_seconds_count{phase="merge"} 1');
    await endAfterReview(jenkins.jenkins, { key, instanceId });
  });

  it('never asks a committer of the pull request, tells the developer of requested changes once, and ignores duplicated webhooks', async () => {
    const key = nextIssueKey();
    // carol committed to the model, so the second reviewer is dave.
    const { instanceId, fullName } = await startAtReview(world, { key, commitsBy: ['carol'] });
    const pull = await reviewPull(world, fullName);
    await waitingForReview(instanceId);
    // The required reviewer is the least loaded of team search's maintainers other than abe.
    const required = pull.requestedReviewers.find((login) => login !== 'dave')!;
    expect(pull.requestedReviewers.sort()).toEqual([required, 'dave'].sort());
    expect(['alice', 'bert']).toContain(required);

    // The required reviewer asks for changes; GitHub delivers the review twice (same delivery id), then once more as a redelivery.
    world.github.review(fullName, pull.number, required, 'CHANGES_REQUESTED', 'Please pin scikit-learn.');
    await world.github.deliveriesSettled();
    const delivery = lastDelivery('pull_request_review', fullName);
    const again = await sendGitHubWebhook(service, 'pull_request_review', JSON.parse(delivery.body), { deliveryId: delivery.id });
    expect(again).toMatchObject({ status: 200, body: { result: 'duplicate' } });
    await sendGitHubWebhook(service, 'pull_request_review', JSON.parse(delivery.body));
    await waitFor(() => comments(key, '[Changes requested] REVIEW').length > 0, { message: 'changes requested on the ticket' });
    await waitingForReview(instanceId, 3);
    expect(comments(key, '[Changes requested] REVIEW')).toHaveLength(1);
    expect(comments(key, '[Changes requested] REVIEW')[0]).toContain('Please pin scikit-learn.');
    // Slack does not know the developer's e-mail: the team channel names them, once.
    const told = channel('C0SEARCH001').filter((message) => message.text.includes(key) && message.text.includes('requested changes'));
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain(DEVELOPER.displayName);
    expect(reviewerRequests(fullName, pull.number)).toHaveLength(1);
    expect(dmsAbout(required === 'alice' ? 'U0ALICE0001' : 'U0BERT00001', key)).toHaveLength(1);

    // The approval and the merge, the merge's webhook sent twice.
    world.github.review(fullName, pull.number, required, 'APPROVED');
    world.github.mergePullRequest(fullName, pull.number, 'developer');
    await reached(instanceId, ElementIds.reviewed, 60_000);
    await world.github.deliveriesSettled();
    const merged = lastDelivery('pull_request', fullName);
    const twice = await sendGitHubWebhook(service, 'pull_request', JSON.parse(merged.body), { deliveryId: merged.id });
    expect(twice).toMatchObject({ status: 200, body: { result: 'duplicate' } });
    expect(comments(key, '[Success] REVIEW_RESULT')).toHaveLength(1);
    await endAfterReview(jenkins.jenkins, { key, instanceId });
  });

  it('counts an approval given before the lifecycle waited for it', async () => {
    const key = nextIssueKey();
    const name = `churn-predictor-${key.toLowerCase()}`;
    // Both maintainers who may be asked approve the pull request the moment it is open, before anyone is asked.
    const early = world.github.onChange((event) => {
      if (event.type === 'pull_request' && event.action === 'opened' && event.repository === `acme-ml/${name}`) {
        for (const login of ['alice', 'bert']) world.github.review(event.repository, event.number, login, 'APPROVED', 'Approved before the lifecycle asked');
      }
    });
    try {
      const { instanceId, fullName } = await startAtReview(world, { key });
      const pull = await reviewPull(world, fullName);
      await waitingForReview(instanceId);
      const state = (await engine.variables(instanceId)).reviewState as { requiredApproved: boolean; merged: boolean };
      expect(state).toMatchObject({ requiredApproved: true, merged: false });
      world.github.mergePullRequest(fullName, pull.number, 'developer');
      await reached(instanceId, ElementIds.reviewed, 60_000);
      await endAfterReview(jenkins.jenkins, { key, instanceId });
    } finally {
      early();
    }
  });

  it('with nobody eligible comments why and tells the platform channel, waits without incidents, and chooses again when an operator asks', async () => {
    const key = nextIssueKey();
    // Team fraud's only maintainer is the developer, and the repository has no other maintainer yet.
    const { instanceId, fullName } = await startAtReview(world, { key, team: 'fraud' });
    await waitFor(
      async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === ElementIds.awaitReviewerChange && activity.endTime === null),
      { timeoutMs: 60_000, message: 'waiting for someone to review' },
    );
    const [blocked, ...more] = comments(key, '[Blocked] REVIEW');
    expect(more).toEqual([]);
    expect(blocked).toContain('abe is the developer or committed to the pull request');
    expect(blocked).toContain('review:retry');
    const platform = channel('C0PLATFORM1').filter((message) => message.text.includes(key));
    expect(platform).toHaveLength(1);
    expect(platform[0]!.text).toContain('Nobody can review');
    expect(await engine.incidents(instanceId)).toEqual([]);
    const [pull] = world.github.repos.get(fullName)!.pulls!;
    expect(pull!.requestedReviewers).toEqual([]);

    // erin becomes a maintainer of the repository; an operator asks the lifecycle to choose again.
    // (With collaborators set, the GitHub stand-in accepts review requests only for them.)
    world.github.setCollaborator(fullName, 'erin', 'maintain');
    for (const login of ['carol', 'dave']) world.github.setCollaborator(fullName, login, 'write');
    await engine.correlate({ messageName: Messages.reviewRetry, businessKey: key });
    await waitingForReview(instanceId);
    const [required, second] = ((await engine.variables(instanceId)).reviewAssignment as { reviewers: Array<{ login: string }> }).reviewers.map((reviewer) => reviewer.login);
    expect(required).toBe('erin');
    expect(['carol', 'dave']).toContain(second);
    expect(world.github.repos.get(fullName)!.pulls![0]!.requestedReviewers.sort()).toEqual(['erin', second!].sort());
    // erin cannot be reached in Slack or found in Jira: the comment and the team channel say so.
    const [started] = comments(key, '[Started] REVIEW');
    expect(started).toContain('erin has no e-mail in the directory');
    const unreachable = channel('C0FRAUD0001').filter((message) => message.text.includes(key));
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]!.text).toContain('erin');
    expect(await engine.incidents(instanceId)).toEqual([]);
  });

  it('tells the developer once when the pull request is closed without merging, waits, and goes on with the same reviewers once it is reopened', async () => {
    const key = nextIssueKey();
    const { instanceId, fullName } = await startAtReview(world, { key });
    const pull = await reviewPull(world, fullName);
    await waitingForReview(instanceId);
    const reviewers = ((await engine.variables(instanceId)).reviewAssignment as { reviewers: Array<{ login: string; role: string }> }).reviewers;
    const required = reviewers.find((reviewer) => reviewer.role === 'required')!.login;
    const second = reviewers.find((reviewer) => reviewer.role === 'second')!.login;
    const closedInChannel = () => channel('C0SEARCH001').filter((message) => message.text.includes(key) && message.text.includes('closed without merging'));

    // The second reviewer approves, then the developer closes the pull request without merging.
    world.github.review(fullName, pull.number, second, 'APPROVED');
    await world.github.deliveriesSettled();
    await waitingForReview(instanceId, 2);
    const beforeClose = await reviewChecks(instanceId);
    world.github.closePullRequest(fullName, pull.number, 'abe');
    await world.github.deliveriesSettled();
    const closed = lastDelivery('pull_request', fullName);
    expect(closed.attempts.at(-1)?.status).toBe(200);
    // Read again on the message, told, read once more: the lifecycle waits.
    await waitingForReview(instanceId, beforeClose + 2);
    const [comment, ...moreComments] = comments(key, '[Closed] REVIEW');
    expect(moreComments).toEqual([]);
    expect(comment).toContain(`pull request #${pull.number}`);
    expect(comment).toContain('reopens it to continue the review; the lifecycle waits');
    const [told, ...moreTold] = closedInChannel();
    expect(moreTold).toEqual([]);
    expect(told!.text).toBe(`${DEVELOPER.displayName}: the review pull request #${pull.number} of ${key} [churn-predictor] was closed without merging. Reopen it to continue the review; the lifecycle waits.`);
    const whileClosed = await engine.variables(instanceId);
    expect(whileClosed.reviewState).toMatchObject({ closed: true, merged: false, approvedBy: [second] });
    // Nobody is chased while it is closed: both timers a year ahead.
    expect(Date.parse(whileClosed.reviewRemindAt as string)).toBeGreaterThan(Date.now() + 300 * 24 * 3_600_000);
    expect(Date.parse(whileClosed.reviewReassignAt as string)).toBeGreaterThan(Date.now() + 300 * 24 * 3_600_000);

    // GitHub delivers the closing again: the same delivery id is a duplicate; a new id is read and says nothing more.
    expect(await sendGitHubWebhook(service, 'pull_request', JSON.parse(closed.body), { deliveryId: closed.id })).toMatchObject({ status: 200, body: { result: 'duplicate' } });
    expect(await sendGitHubWebhook(service, 'pull_request', JSON.parse(closed.body))).toMatchObject({ status: 200, body: { result: 'correlated', changedPr: { number: pull.number, action: 'closed' } } });
    await waitingForReview(instanceId, beforeClose + 3);
    expect(comments(key, '[Closed] REVIEW')).toHaveLength(1);
    expect(closedInChannel()).toHaveLength(1);

    // Reopened: the same reviewers, the earlier approval still counts, and the review goes on to the end.
    world.github.reopenPullRequest(fullName, pull.number, 'abe');
    await world.github.deliveriesSettled();
    expect(lastDelivery('pull_request', fullName).attempts.at(-1)?.status).toBe(200);
    await waitingForReview(instanceId, beforeClose + 4);
    expect((await engine.variables(instanceId)).reviewState).toMatchObject({ closed: false, approvedBy: [second] });
    expect(((await engine.variables(instanceId)).reviewAssignment as { version: number }).version).toBe(1);
    world.github.review(fullName, pull.number, required, 'APPROVED');
    world.github.mergePullRequest(fullName, pull.number, 'abe');
    await reached(instanceId, ElementIds.reviewed, 60_000);
    expect(comments(key, '[Success] REVIEW_RESULT')).toHaveLength(1);
    expect(comments(key, '[Closed] REVIEW')).toHaveLength(1);
    expect(closedInChannel()).toHaveLength(1);
    expect(reviewerRequests(fullName, pull.number)).toHaveLength(1);
    await endAfterReview(jenkins.jenkins, { key, instanceId });
  });

  it('refuses a forged GitHub webhook', async () => {
    const body = JSON.stringify({ action: 'submitted' });
    const response = await fetch(`${service.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request_review', 'x-github-delivery': `forged-${Date.now()}`, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      body,
    });
    expect(response.status).toBe(401);
  });
});
