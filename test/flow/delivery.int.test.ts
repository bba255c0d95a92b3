import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import { MlflowClient } from '../../src/clients/mlflow.ts';
import { CANARY_REASON_ACTION, CANARY_REASON_BLOCK, CanaryActionIds } from '../../src/http/slack-canary.ts';
import type { Service } from '../../src/service.ts';
import type { SlackStandInSnapshotMessage } from '../../standins/slack.ts';
import { DEPLOY_JOB, deliveryReadyLifecycle, PEOPLE, startDeliveryService, startDeliveryWorld, type DeliveryWorld } from '../support/delivery.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { mlflowUrl } from '../support/mlflow-server.ts';
import { installWorld, nextIssueKey, testEnv, uninstallWorld, type World } from '../support/service.ts';

/**
 * The delivery stage on the real engine, from its start (the review's milestone) to the end:
 * the Jenkins stand-in's deploy job puts inference-service stand-ins on loopback and tells a
 * real Prometheus about them; the lifecycle probes staging, sends it the template's functional
 * requests, announces the canary in Slack and analyses it with real PromQL; the Slack stand-in
 * plays the people clicking, with payloads signed as Slack signs them. Windows are short
 * (test/fixtures/policy/flow.toml: window 10 s, reminder 15 s and deadline 30 s after it).
 */
// Each case waits out a canary's window (and one its deadline) on the real engine.
vi.setConfig({ testTimeout: 180_000 });

const engine = engineClient();
const CHANNEL = 'C0SEARCH001';
let world: World;
let delivery: DeliveryWorld;
let service: Service;
let mlflow: MlflowClient;

beforeAll(async () => {
  world = await installWorld();
  delivery = await startDeliveryWorld();
  service = await startDeliveryService(world, delivery);
  mlflow = new MlflowClient({ baseUrl: mlflowUrl(), retry: { retries: 0 } });
});

afterAll(async () => {
  await service?.stop();
  await delivery?.stop();
  await uninstallWorld();
});

async function reached(instanceId: string, activityId: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === activityId && activity.endTime !== null), {
    timeoutMs,
    message: `${activityId} reached`,
  });
}

async function waitingAt(instanceId: string, activityId: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === activityId && activity.endTime === null), {
    timeoutMs,
    message: `waiting at ${activityId}`,
  });
}

const comments = (key: string, text: string) => world.jira.commentsContaining(key, text).map((comment) => JSON.stringify(comment.body));

function canaryMessage(key: string): SlackStandInSnapshotMessage | undefined {
  const channel = world.slack.snapshot().channels.find((candidate) => candidate.id === CHANNEL);
  return channel?.messages.find((message) => message.metadata?.event_payload['key'] === `model-lifecycle:${key}:canary:1`);
}

async function announced(key: string): Promise<SlackStandInSnapshotMessage> {
  return waitFor(async () => canaryMessage(key), { timeoutMs: 90_000, message: `the canary message of ${key}` });
}

const messageText = (message: SlackStandInSnapshotMessage | undefined) => JSON.stringify(message?.blocks ?? []) + (message?.text ?? '');
const deployBuilds = (key: string) => delivery.jenkins.builds(DEPLOY_JOB).filter((build) => build.parameters.JIRA_KEY === key).map((build) => build.parameters.BUILD_KEY);
const lastEphemeral = (userId: string) => world.slack.ephemeralsFor(userId).at(-1)?.text ?? '';

/** Counts the in-place updates of one message. */
function updatesOf(ts: string): { count: () => number; stop: () => void } {
  let count = 0;
  const stop = world.slack.onChange((event) => {
    if (event.type === 'message.updated' && event.ts === ts) count += 1;
  });
  return { count: () => count, stop };
}

async function stageRecords(instanceId: string): Promise<string[]> {
  const records = (await engine.historicVariables(instanceId)).stageRecords as Array<{ stage: string; outcome: string; failureClass: string | null }>;
  return records.map((record) => `${record.stage}:${record.outcome}${record.failureClass ? `:${record.failureClass}` : ''}`);
}

describe('delivery: staging', () => {
  it('deploys to staging, finds it healthy, passes every functional case, and reports STAGING_RESULT', async () => {
    const key = nextIssueKey();
    const { instanceId, modelName } = await deliveryReadyLifecycle(world, key);
    await reached(instanceId, ElementIds.reportStaging);
    const [staging, ...more] = comments(key, '[Success] STAGING_RESULT');
    expect(more).toEqual([]);
    expect(staging).toContain('v1_predict/test_request_01');
    expect(staging).toContain('/v1/predict');
    expect(staging).toContain('passed');
    expect(staging).toMatch(/Healthy: 2 good answers in a row/);
    const stagingUrl = delivery.deployments.get(modelName, 'staging')?.url;
    expect(stagingUrl).toBeDefined();
    expect(staging).toContain(stagingUrl);
    expect(deployBuilds(key)).toContain(`${key}/staging/1`);
    expect(await stageRecords(instanceId)).toContain('staging:success');
    // The lifecycle goes on to the canary.
    await announced(key);
  });

  it('fails staging on a mismatching answer, shows the diff, and hands the ticket back to the developer', async () => {
    const key = nextIssueKey();
    delivery.deployBehaviours.set(`${key}/staging`, { service: { wrongField: { path: 'predictions.1.species', value: 'setosa' } } });
    const { instanceId } = await deliveryReadyLifecycle(world, key);
    await waitingAt(instanceId, ElementIds.awaitRebuild);
    const [failed] = comments(key, '[Failed] STAGING_RESULT');
    expect(failed).toBeDefined();
    expect(failed).toContain('v1_predict/test_request_01');
    expect(failed).toContain('differs');
    expect(failed).toMatch(/species/);
    expect(failed).toMatch(/versicolor/);
    expect(failed).toMatch(/setosa/);
    expect(world.jira.issues.get(key)?.status).toBe('Research');
    expect(deployBuilds(key)).toEqual([`${key}/staging/1`]);
    expect(await stageRecords(instanceId)).toContain('staging:failure:functional_mismatch');
    expect(await service.metrics.registry.getSingleMetricAsString('lifecycle_staging_checks_total')).toMatch(/check="functional",result="fail"/);
  });
});

describe('delivery: the canary', () => {
  it('refuses an early and an unauthorised click, then promotes on Approve: one update, champion alias, ticket Done, lifecycle ended', async () => {
    const key = nextIssueKey();
    const { instanceId, modelName, version } = await deliveryReadyLifecycle(world, key);
    const message = await announced(key);
    expect(messageText(message)).toContain('Service deployed in canary mode');
    expect(messageText(message)).toContain('Approve becomes available in 10 s, after stabilisation');
    expect(messageText(message)).toContain('/#/process-instance/');
    expect(messageText(message)).toContain('grafana');

    // Too early: refused with the time left, nothing changes.
    expect((await world.slack.click(message.ts, CanaryActionIds.approve, PEOPLE.alice)).status).toBe(200);
    await waitFor(async () => /Approve becomes available in \d+ s/.test(lastEphemeral(PEOPLE.alice)), { message: 'the early click answered' });
    // Not a decider: refused, nothing changes.
    expect((await world.slack.click(message.ts, CanaryActionIds.approve, PEOPLE.stranger)).status).toBe(200);
    await waitFor(async () => /maintainers and the platform's approvers/.test(lastEphemeral(PEOPLE.stranger)), { message: 'the outsider answered' });

    await waitingAt(instanceId, ElementIds.awaitCanaryDecision);
    await waitFor(async () => messageText(canaryMessage(key)).includes('Approve is available'), { message: 'Approve live' });
    expect(messageText(canaryMessage(key))).toMatch(/Canary analysis:/);

    // A double click: both reach the service, one decides.
    const updates = updatesOf(message.ts);
    const clicks = await Promise.all([world.slack.click(message.ts, CanaryActionIds.approve, PEOPLE.alice), world.slack.click(message.ts, CanaryActionIds.approve, PEOPLE.alice)]);
    expect(clicks.map((click) => click.status)).toEqual([200, 200]);
    await reached(instanceId, ElementIds.deliveredEnd);
    await waitFor(async () => /already decided/i.test(lastEphemeral(PEOPLE.alice)), { message: 'the second click answered' });
    updates.stop();
    expect(await service.metrics.registry.getSingleMetricAsString('lifecycle_canary_clicks_total')).toMatch(/action="approve",result="accepted"} 1\b/);

    expect(updates.count()).toBe(1);
    expect(messageText(canaryMessage(key))).toContain(`Approved by <@${PEOPLE.alice}>`);
    expect((await mlflow.versionByAlias(modelName, 'champion'))?.version).toBe(version);
    expect(world.jira.issues.get(key)?.status).toBe('Done');
    expect(comments(key, '[Success] CANARY_RESULT')).toHaveLength(1);
    expect(deployBuilds(key)).toEqual([`${key}/staging/1`, `${key}/canary/1`, `${key}/promote/1`]);
    expect(delivery.deployments.get(modelName, 'stable')?.modelVersion).toBe(version);
    expect(delivery.deployments.get(modelName, 'canary')).toBeUndefined();
    const [ended] = await engine.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key });
    expect(ended?.state).toBe('COMPLETED');
    expect(await stageRecords(instanceId)).toEqual(['staging:success', 'canary:success']);
    expect(await service.metrics.registry.getSingleMetricAsString('lifecycle_canary_decisions_total')).toMatch(/outcome="approved"/);
  });

  it('rolls back on Reject with the reason, and hands the ticket back to the developer', async () => {
    const key = nextIssueKey();
    const { instanceId, modelName } = await deliveryReadyLifecycle(world, key);
    const message = await announced(key);
    // Reject is open during the window, through the Why? form.
    expect((await world.slack.click(message.ts, CanaryActionIds.reject, PEOPLE.carol)).status).toBe(200);
    const form = await waitFor(async () => world.slack.views.find((view) => view.user === PEOPLE.carol && view.state === 'open'), { message: 'the reject form' });
    expect((await world.slack.submitView(form.id, { [CANARY_REASON_BLOCK]: { [CANARY_REASON_ACTION]: 'p99 latency doubled on the canary' } })).status).toBe(200);

    await waitingAt(instanceId, ElementIds.awaitRebuild);
    expect(deployBuilds(key)).toEqual([`${key}/staging/1`, `${key}/canary/1`, `${key}/rollback/1`]);
    expect(delivery.deployments.get(modelName, 'canary')).toBeUndefined();
    expect(messageText(canaryMessage(key))).toContain(`Rejected by <@${PEOPLE.carol}>`);
    const [failed] = comments(key, '[Failed] CANARY_RESULT');
    expect(failed).toContain('p99 latency doubled on the canary');
    expect(world.jira.issues.get(key)?.status).toBe('Research');
    expect(await stageRecords(instanceId)).toEqual(['staging:success', 'canary:failure:rejected']);
  });

  it('rolls back by itself when the canary error ratio is raised, naming the query and the value', async () => {
    const key = nextIssueKey();
    const modelName = `churn-predictor-${key.toLowerCase()}`;
    await delivery.deployments.deploy({ service: modelName, slot: 'stable', modelVersion: '0' });
    await delivery.prometheus.setTargets(delivery.deployments.targets());
    delivery.deployBehaviours.set(`${key}/canary`, { service: { errorRatio: 0.5 } });
    const { instanceId } = await deliveryReadyLifecycle(world, key);
    await waitingAt(instanceId, ElementIds.awaitRebuild, 120_000);
    const [failed] = comments(key, '[Failed] CANARY_RESULT');
    expect(failed).toContain('error-ratio');
    expect(failed).toMatch(/was 0\.[45]\d*/);
    expect(messageText(canaryMessage(key))).toContain('Rolled back automatically');
    expect(deployBuilds(key)).toContain(`${key}/rollback/1`);
    expect(await stageRecords(instanceId)).toEqual(['staging:success', 'canary:failure:analysis_failed']);
    expect(await service.metrics.registry.getSingleMetricAsString('lifecycle_canary_automatic_rollbacks_total')).toMatch(/reason="analysis_failed"/);
  });

  it('calls an analysis without data inconclusive, reminds the deciders, then rolls back at the deadline', async () => {
    const key = nextIssueKey();
    delivery.deployBehaviours.set(`${key}/canary`, { service: { requestsPerSecond: 0 } });
    const { instanceId } = await deliveryReadyLifecycle(world, key);
    await announced(key);
    await waitingAt(instanceId, ElementIds.awaitCanaryDecision);
    await waitFor(async () => messageText(canaryMessage(key)).includes('Approve is available'), { message: 'Approve live' });
    expect(messageText(canaryMessage(key))).toContain('inconclusive');
    expect(messageText(canaryMessage(key))).not.toMatch(/Canary analysis:\*? passed/);
    // Nobody decides: the reminder, then the rollback.
    const reminder = await waitFor(
      async () => world.slack.snapshot().channels.find((channel) => channel.id === CHANNEL)?.messages.find((m) => m.metadata?.event_payload['key'] === `model-lifecycle:${key}:canary-reminder:1`),
      { timeoutMs: 60_000, message: 'the reminder' },
    );
    expect(reminder.text).toContain('waits for Approve or Reject');
    await waitingAt(instanceId, ElementIds.awaitRebuild, 90_000);
    const [failed] = comments(key, '[Failed] CANARY_RESULT');
    expect(failed).toContain('Nobody approved or rejected the canary by the decision deadline');
    expect(await stageRecords(instanceId)).toEqual(['staging:success', 'canary:failure:no_decision']);
  });

  it('rolls back when the canary deployment itself fails, before anyone is asked', async () => {
    const key = nextIssueKey();
    delivery.deployBehaviours.set(`${key}/canary`, { breakWith: ['Error: UPGRADE FAILED: timed out waiting for the condition'] });
    const { instanceId } = await deliveryReadyLifecycle(world, key);
    await waitingAt(instanceId, ElementIds.awaitRebuild);
    const [failed] = comments(key, '[Failed] CANARY_RESULT');
    expect(failed).toMatch(/The canary deploy build ended FAILURE in stage \\"Deploy\\"/);
    expect(canaryMessage(key)).toBeUndefined();
    expect(deployBuilds(key)).toEqual([`${key}/staging/1`, `${key}/canary/1`, `${key}/rollback/1`]);
    expect(await stageRecords(instanceId)).toEqual(['staging:success', 'canary:failure:deploy_failed']);
  });

  it('rolls back when the promote build fails after Approve: no champion alias, the message and the ticket say so', async () => {
    const key = nextIssueKey();
    delivery.deployBehaviours.set(`${key}/promote`, { breakWith: ['Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress'] });
    const { instanceId, modelName } = await deliveryReadyLifecycle(world, key);
    const message = await announced(key);
    await waitingAt(instanceId, ElementIds.awaitCanaryDecision);
    await waitFor(async () => messageText(canaryMessage(key)).includes('Approve is available'), { message: 'Approve live' });
    expect((await world.slack.click(message.ts, CanaryActionIds.approve, PEOPLE.alice)).status).toBe(200);

    await waitingAt(instanceId, ElementIds.awaitRebuild);
    expect(deployBuilds(key)).toEqual([`${key}/staging/1`, `${key}/canary/1`, `${key}/promote/1`, `${key}/rollback/1`]);
    expect(await mlflow.versionByAlias(modelName, 'champion')).toBeNull();
    expect(delivery.deployments.get(modelName, 'canary')).toBeUndefined();
    const [failed] = comments(key, '[Failed] CANARY_RESULT');
    expect(failed).toMatch(/promote deploy build ended FAILURE/);
    expect(comments(key, '[Success] CANARY_RESULT')).toEqual([]);
    expect(messageText(canaryMessage(key))).not.toContain('Approved by');
    expect(world.jira.issues.get(key)?.status).toBe('Research');
    expect(await stageRecords(instanceId)).toEqual(['staging:success', 'canary:failure:deploy_failed']);
    expect(await engine.incidents(instanceId)).toEqual([]);
  });

  it('refuses a forged Slack request with 401', async () => {
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [] }))}`;
    const response = await fetch(`${service.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=forged' },
      body,
    });
    expect(response.status).toBe(401);
    expect(testEnv.SLACK_SIGNING_SECRET).toBeTruthy();
  });
});
