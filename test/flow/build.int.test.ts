import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import type { Service } from '../../src/service.ts';
import { pushExample } from '../http/github-examples.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { installWorld, issueCreated, nextIssueKey, sendGitHubWebhook, sendJiraWebhook, statusChanged, uninstallWorld, type World } from '../support/service.ts';
import { BUILD_JOB, startTrainingService, startTrainingWorld, type TrainingWorld } from '../support/training.ts';

/**
 * The build-and-test stage on the real engine: after a real training, the Jenkins stand-in
 * builds the inference service and archives the reports the real tools wrote
 * (test/fixtures/build-reports), which the lifecycle reads, judges and reports. A failure
 * waits for a signed GitHub push or the Ready for build status.
 */
const engine = engineClient();
let world: World;
let jenkins: TrainingWorld;
let service: Service;

beforeAll(async () => {
  world = await installWorld();
  jenkins = await startTrainingWorld();
  service = await startTrainingService(jenkins);
});

afterAll(async () => {
  await service?.stop();
  await jenkins?.stop();
  await uninstallWorld();
});

const repo = (key: string) => `acme-ml/churn-predictor-${key.toLowerCase()}`;

async function readyTicket(): Promise<{ key: string; instanceId: string }> {
  const key = nextIssueKey();
  world.jira.addIssue({
    key,
    summary: `Churn predictor ${key.toLowerCase()}`,
    status: 'Ready for training',
    components: ['search'],
    assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' },
  });
  await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));
  const instanceId = await waitFor(async () => (await engine.processInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key }))[0]?.id, { message: `lifecycle of ${key}` });
  return { key, instanceId };
}

async function reached(instanceId: string, activityId: string, timeoutMs = 120_000, times = 1): Promise<void> {
  await waitFor(async () => (await engine.historicActivities(instanceId)).filter((activity) => activity.activityId === activityId && activity.endTime !== null).length >= times, {
    timeoutMs,
    message: `${activityId} reached`,
  });
}

async function waitingForFix(instanceId: string, times = 1): Promise<void> {
  await waitFor(
    async () => {
      const activities = await engine.historicActivities(instanceId);
      return (
        activities.filter((activity) => activity.activityId === 'Task_MoveBackForBuild' && activity.endTime !== null).length >= times &&
        activities.some((activity) => activity.activityId === ElementIds.awaitRebuild && activity.endTime === null)
      );
    },
    { timeoutMs: 120_000, message: 'waiting for a fix' },
  );
}

const comments = (key: string, text: string) => world.jira.commentsContaining(key, text).map((comment) => JSON.stringify(comment.body));
const builds = (key: string) => jenkins.jenkins.builds(BUILD_JOB).filter((build) => build.parameters.JIRA_KEY === key);

/** The developer pushes a fix: a new head commit in GitHub, and GitHub's signed push delivery. */
function pushFix(key: string): Record<string, unknown> {
  const after = world.github.push(repo(key), 'ml_model/inference/inference.py', `# fixed ${Date.now()}\n`);
  const push = pushExample({ fullName: repo(key), ref: 'refs/heads/main', after }) as { repository: Record<string, unknown> };
  push.repository.default_branch = 'main';
  return push;
}

describe('build and test', () => {
  it('builds the trained model once, reads the real reports and comments BUILD_RESULT and TESTING_RESULT with their figures', async () => {
    const { key, instanceId } = await readyTicket();
    await reached(instanceId, ElementIds.builtEnd);

    const [build, ...more] = builds(key);
    expect(more).toEqual([]);
    const registered = (await engine.historicVariables(instanceId)).trainingOutcome as { registered: { version: string } };
    expect(build!.parameters).toMatchObject({ REPOSITORY: repo(key), MODEL_VERSION: registered.registered.version, BUILD_KEY: `${key}/build/1`, ATTEMPT: '1' });

    const [buildComment] = comments(key, '[Success] BUILD_RESULT');
    expect(buildComment).toContain('registry.acme.test/ml/');
    const [testing, ...others] = comments(key, '[Success] TESTING_RESULT');
    expect(others).toEqual([]);
    // The figures of the green reports the tools wrote.
    expect(testing).toContain('98.4');
    expect(testing).toContain('100%');
    expect(testing).toContain('reports/coverage.xml');
    const records = (await engine.historicVariables(instanceId)).stageRecords as Array<{ stage: string; outcome: string }>;
    expect(records.map((record) => `${record.stage}:${record.outcome}`)).toEqual(['training:success', 'build:success', 'testing:success']);
  });

  it('classifies failed checks, hands the ticket back, and builds again once a signed push brings a fix', async () => {
    const { key, instanceId } = await readyTicket();
    jenkins.buildBehaviours.set(key, { scenario: 'red' });
    await waitingForFix(instanceId);

    const [buildComment] = comments(key, '[Failed] BUILD_RESULT');
    const [testing] = comments(key, '[Failed] TESTING_RESULT');
    expect(buildComment).toBeDefined();
    expect(testing).toContain('test_probability_at_the_threshold_means_churn');
    expect(testing).toContain('test_warm_start');
    expect(testing).toContain('explain.py');
    expect(testing).toContain('model_version');
    const outcome = (await engine.variables(instanceId)).buildOutcome as { failureClass: string };
    expect(outcome.failureClass).toBe('unit_tests');
    expect(world.jira.issues.get(key)?.status).toBe('Research');
    const metrics = await service.metrics.registry.getSingleMetricAsString('lifecycle_build_attempts_total');
    expect(metrics).toContain('failure_class="unit_tests"');

    // The fix: GitHub delivers the push twice; one build follows.
    jenkins.buildBehaviours.delete(key);
    const push = pushFix(key);
    const first = await sendGitHubWebhook(service, 'push', push, { deliveryId: `push-${key}` });
    expect(first).toMatchObject({ status: 200, body: { result: 'correlated' } });
    const again = await sendGitHubWebhook(service, 'push', push, { deliveryId: `push-${key}` });
    expect(again).toMatchObject({ status: 200, body: { result: 'duplicate' } });
    await reached(instanceId, ElementIds.builtEnd);
    expect(builds(key).map((build) => build.parameters.ATTEMPT)).toEqual(['1', '2']);
    expect(comments(key, '[Success] TESTING_RESULT')).toHaveLength(1);
  });

  it('names an infrastructure failure, and builds again when the ticket moves to Ready for build', async () => {
    const { key, instanceId } = await readyTicket();
    jenkins.buildBehaviours.set(key, {
      breakWith: ['Agent went offline during the build', 'ERROR: Connection was broken: java.nio.channels.ClosedChannelException'],
    });
    await waitingForFix(instanceId);
    const outcome = (await engine.variables(instanceId)).buildOutcome as { failureClass: string };
    expect(outcome.failureClass).toBe('infrastructure');
    expect(comments(key, '[ERROR] BUILD_RESULT')).toHaveLength(1);

    jenkins.buildBehaviours.delete(key);
    world.jira.issues.get(key)!.status = 'Ready for build';
    const moved = await sendJiraWebhook(service, statusChanged(key, 'Research', 'Ready for build'));
    expect(moved.body).toMatchObject({ result: 'correlated' });
    await reached(instanceId, ElementIds.builtEnd);
    expect(builds(key)).toHaveLength(2);
  });

  it('never claims a success it could not read: a truncated report is named unreadable', async () => {
    const { key, instanceId } = await readyTicket();
    jenkins.buildBehaviours.set(key, { truncate: ['coverage'], omit: ['diffCover'] });
    await waitingForFix(instanceId);
    const [testing] = comments(key, '[Failed] TESTING_RESULT');
    expect(testing).toMatch(/unreadable/i);
    expect(testing).toMatch(/coverage\.xml/);
    expect(testing).toMatch(/missing|not archived|no diff-cover/i);
    const outcome = (await engine.variables(instanceId)).buildOutcome as { outcome: string; failureClass: string };
    expect(outcome).toMatchObject({ outcome: 'failure', failureClass: 'unknown' });
  });
});
