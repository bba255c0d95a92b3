import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import { MlflowClient } from '../../src/clients/mlflow.ts';
import { CanaryActionIds } from '../../src/http/slack-canary.ts';
import type { Service } from '../../src/service.ts';
import { DEPLOY_JOB, PEOPLE, pushFunctionalCases, startDeliveryWorld, type DeliveryWorld } from '../support/delivery.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { DEVELOPER, reviewPull, seedReviewPeople } from '../support/review.ts';
import { installWorld, issueCreated, nextIssueKey, sendJiraWebhook, startTestService, statusChanged, uninstallWorld, type World } from '../support/service.ts';
import { BUILD_JOB, startTrainingWorld, TRAIN_JOB, type TrainingWorld } from '../support/training.ts';

/**
 * One model from its Jira ticket to production, through every stage, on the real engine: the
 * ticket is created, the repository made from the template, research until the developer moves
 * the ticket to Ready for training; Jenkins (the stand-in) trains with the template's real
 * train.py against the real MLflow, builds and tests the inference service; two reviewers are
 * asked and the required one approves, the pull request is merged; staging is deployed,
 * probed and sent the functional requests; the canary is analysed on a real Prometheus and a
 * maintainer approves it in Slack after the window; the version becomes MLflow's champion and
 * the ticket is Done.
 */
vi.setConfig({ testTimeout: 420_000 });

const engine = engineClient();
let world: World;
let training: TrainingWorld;
let delivery: DeliveryWorld;
let service: Service;

beforeAll(async () => {
  world = await installWorld();
  training = await startTrainingWorld();
  delivery = await startDeliveryWorld({ jenkins: training.jenkins, jenkinsUrl: training.jenkinsUrl });
  service = await startTestService({
    POLICY_FILE: 'test/fixtures/policy/whole-lifecycle.toml',
    JENKINS_URL: training.jenkinsUrl,
    JENKINS_USER: 'model-lifecycle',
    JENKINS_API_TOKEN: 'jenkins-api-token',
    MLFLOW_TRACKING_URI: training.mlflowUrl,
    PROMETHEUS_URL: delivery.prometheus.url,
  });
  world.slack.interactivityUrl = `${service.url}/slack/events`;
  seedReviewPeople(world, service.url);
});

afterAll(async () => {
  await service?.stop();
  await delivery?.stop();
  await training?.stop();
  await uninstallWorld();
});

async function reached(instanceId: string, activityId: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === activityId && activity.endTime !== null), {
    timeoutMs,
    message: `${activityId} reached`,
  });
}

const comments = (key: string, text: string) => world.jira.commentsContaining(key, text);

describe('the whole lifecycle', () => {
  it('takes one ticket from creation to Done through every stage', async () => {
    const key = nextIssueKey();
    const summary = `Churn model ${key.toLowerCase()}`;
    world.jira.addIssue({ key, summary, status: 'Backlog', components: ['search'], assignee: { ...DEVELOPER } });
    expect((await sendJiraWebhook(service, issueCreated(key, summary))).status).toBe(200);
    const instanceId = await waitFor(async () => (await engine.processInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key }))[0]?.id, { message: `lifecycle of ${key}` });

    // Repository and research.
    await waitFor(async () => world.jira.issues.get(key)?.status === 'Research', { timeoutMs: 60_000, message: 'the ticket in Research' });
    const fullName = `acme-ml/churn-model-${key.toLowerCase()}`;
    expect(world.github.repos.has(fullName)).toBe(true);
    // Research: the developer adds the functional cases of the template's service.
    pushFunctionalCases(world, fullName);

    // The developer is ready, once the lifecycle waits for it: training and the build follow.
    await waitFor(async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === ElementIds.awaitReady && activity.endTime === null), {
      timeoutMs: 60_000,
      message: 'the wait for Ready for training',
    });
    world.jira.issues.get(key)!.status = 'Ready for training';
    expect((await sendJiraWebhook(service, statusChanged(key, 'Research', 'Ready for training'))).body).toMatchObject({ result: 'correlated' });
    await reached(instanceId, ElementIds.builtEnd, 240_000);
    expect(comments(key, '[Success] TRAIN_RESULT')).toHaveLength(1);
    expect(comments(key, '[Success] TESTING_RESULT')).toHaveLength(1);

    // Review: the required reviewer approves and the pull request is merged.
    const pull = await reviewPull(world, fullName);
    world.github.review(fullName, pull.number, 'alice', 'APPROVED');
    world.github.mergePullRequest(fullName, pull.number, 'alice');
    await reached(instanceId, ElementIds.reviewed, 60_000);

    // Staging, then the canary: Approve after the window.
    await reached(instanceId, ElementIds.reportStaging, 90_000);
    expect(world.jira.commentsContaining(key, '[Success] STAGING_RESULT')).toHaveLength(1);
    const message = await waitFor(
      async () => world.slack.snapshot().channels.flatMap((channel) => channel.messages).find((candidate) => candidate.metadata?.event_payload['key'] === `model-lifecycle:${key}:canary:1`),
      { timeoutMs: 90_000, message: 'the canary message' },
    );
    await waitFor(async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === ElementIds.awaitCanaryDecision && activity.endTime === null), {
      timeoutMs: 60_000,
      message: 'Approve available',
    });
    expect((await world.slack.click(message.ts, CanaryActionIds.approve, PEOPLE.alice)).status).toBe(200);
    await reached(instanceId, ElementIds.deliveredEnd, 90_000);

    // Every stage left its record, the version is the champion, the ticket is Done.
    const variables = await engine.historicVariables(instanceId);
    const records = variables.stageRecords as Array<{ stage: string; outcome: string }>;
    expect(records.map((record) => `${record.stage}:${record.outcome}`)).toEqual([
      'training:success',
      'build:success',
      'testing:success',
      'review:success',
      'staging:success',
      'canary:success',
    ]);
    const registered = (variables.trainingOutcome as { registered: { name: string; version: string } }).registered;
    const mlflow = new MlflowClient({ baseUrl: training.mlflowUrl, retry: { retries: 0 } });
    expect((await mlflow.versionByAlias(registered.name, 'champion'))?.version).toBe(registered.version);
    expect(world.jira.issues.get(key)?.status).toBe('Done');
    const [ended] = await engine.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key });
    expect(ended?.state).toBe('COMPLETED');
    const jobs = (job: string) => training.jenkins.builds(job).filter((build) => build.parameters.JIRA_KEY === key).map((build) => build.parameters.BUILD_KEY);
    expect(jobs(TRAIN_JOB)).toEqual([`${key}/train/1`]);
    expect(jobs(BUILD_JOB)).toEqual([`${key}/build/1`]);
    expect(jobs(DEPLOY_JOB)).toEqual([`${key}/staging/1`, `${key}/canary/1`, `${key}/promote/1`]);
    expect(delivery.deployments.get(registered.name, 'stable')?.modelVersion).toBe(registered.version);
  });
});
