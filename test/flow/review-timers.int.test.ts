import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElementIds } from '../../src/bpmn/contract.ts';
import type { Service } from '../../src/service.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { JenkinsStandIn } from '../../standins/jenkins.ts';
import { endAfterReview, holdDeploys, REVIEW_TIMERS_POLICY, reviewPull, seedReviewPeople, startAtReview } from '../support/review.ts';
import { installWorld, nextIssueKey, startTestService, testEnv, uninstallWorld, type World } from '../support/service.ts';

/**
 * The review's reminder and replacement on the real engine, with the short working-time
 * periods of test/fixtures/policy/review-timers.toml: a reviewer silent for 3 s is reminded,
 * and again 3 s later; silent for 8 s, replaced by the next candidate, and everyone is told.
 * A Jenkins stand-in takes the delivery's first deploy after the review (held, never deployed).
 */
const engine = engineClient();
let world: World;
let jenkins: JenkinsStandIn;
let service: Service;

beforeAll(async () => {
  world = await installWorld();
  jenkins = new JenkinsStandIn({ user: testEnv.JENKINS_USER, apiToken: testEnv.JENKINS_API_TOKEN });
  holdDeploys(jenkins);
  service = await startTestService({ POLICY_FILE: REVIEW_TIMERS_POLICY, JENKINS_URL: await jenkins.start() });
  seedReviewPeople(world, service.url);
});

afterAll(async () => {
  await service?.stop();
  await jenkins?.stop();
  await uninstallWorld();
});

const dmsTo = (user: string, key: string) =>
  world.slack
    .snapshot()
    .dms.filter((dm) => dm.user === user)
    .flatMap((dm) => dm.messages)
    .filter((message) => message.text.includes(key));
const comments = (key: string, text: string) => world.jira.commentsContaining(key, text).map((comment) => JSON.stringify(comment.body));

describe('review timers', () => {
  it('reminds a silent reviewer once per period, then replaces both silent reviewers by the next candidates and tells everyone', async () => {
    const key = nextIssueKey();
    const { instanceId, fullName } = await startAtReview(world, { key });
    const pull = await reviewPull(world, fullName);
    expect(pull.requestedReviewers.sort()).toEqual(['alice', 'carol']);

    // Reminders: the first after 3 s of silence, the next 3 s after it, each sent once.
    const reminders = (user: string) => dmsTo(user, key).filter((message) => message.text.startsWith('Reminder'));
    await waitFor(() => reminders('U0ALICE0001').length >= 1 && reminders('U0CAROL0001').length >= 1, { timeoutMs: 15_000, message: 'the first reminders' });
    expect(reminders('U0ALICE0001')[0]!.text).toMatch(new RegExp(`^Reminder: ${key} \\[churn-predictor\\] Create new model has waited \\d+ s for your review`));

    // Replacement after 8 s: alice by bert (the next maintainer of team search), carol by dave.
    await waitFor(() => world.github.repos.get(fullName)!.pulls![0]!.requestedReviewers.sort().join() === 'bert,dave', { timeoutMs: 20_000, message: 'the replacements on GitHub' });
    await waitFor(() => comments(key, '[Changed] REVIEW').length > 0, { timeoutMs: 10_000, message: 'the replacement comment' });
    const [changed, ...moreChanged] = comments(key, '[Changed] REVIEW');
    expect(moreChanged).toEqual([]);
    expect(changed).toContain('replaces');
    expect(changed).toContain('reassign_after');
    for (const user of ['U0ALICE0001', 'U0CAROL0001']) {
      const texts = reminders(user).map((message) => message.text.replace(/has waited \d+ s/, ''));
      expect(new Set(texts).size, `${user} reminded once per period`).toBe(texts.length);
      expect(texts.length, user).toBeLessThanOrEqual(2);
    }
    await waitFor(() => dmsTo('U0BERT00001', key).some((message) => message.text.startsWith('You were chosen')) && dmsTo('U0ALICE0001', key).some((message) => message.text.startsWith('You are no longer asked')), {
      timeoutMs: 10_000,
      message: 'the new reviewer and the replaced one told',
    });
    expect(dmsTo('U0DAVE00001', key).filter((message) => message.text.startsWith('You were chosen'))).toHaveLength(1);
    expect(dmsTo('U0CAROL0001', key).filter((message) => message.text.startsWith('You are no longer asked'))).toHaveLength(1);
    const fields = world.jira.issues.get(key)!.fields!;
    expect((fields.customfield_10201 as Array<{ accountId: string }>).map((user) => user.accountId)).toHaveLength(1);
    const metrics = await service.metrics.registry.metrics();
    expect(metrics).toContain('lifecycle_review_reassignments_total{role="required"} 1');
    expect(metrics).toContain('lifecycle_review_reassignments_total{role="second"} 1');
    expect(metrics).toMatch(/lifecycle_review_reminders_total\{role="required"\} [12]/);

    // bert approves, the pull request is merged: the stage ends with the replacement on record.
    world.github.review(fullName, pull.number, 'bert', 'APPROVED');
    world.github.mergePullRequest(fullName, pull.number, 'developer');
    await waitFor(async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === ElementIds.reviewed), { timeoutMs: 30_000, message: 'reviewed' });
    expect(comments(key, '[Success] REVIEW_RESULT')[0]).toContain('bert replaced alice');
    await endAfterReview(jenkins, { key, instanceId });
  });
});
