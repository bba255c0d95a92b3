import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import { signJenkinsCallback } from '../../src/http/verify-jenkins.ts';
import type { Service } from '../../src/service.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { installWorld, issueCreated, JENKINS_CALLBACK_SECRET, nextIssueKey, sendJiraWebhook, statusChanged, uninstallWorld, type World } from '../support/service.ts';
import { startTrainingService, startTrainingWorld, TRAIN_JOB, type TrainingWorld } from '../support/training.ts';

/**
 * The training stage on the real engine: the Jenkins stand-in runs the model template's real
 * train.py against a real MLflow server, the callback is signed as the Jenkinsfile signs it,
 * and the metric gate reads real numbers. Jira, GitHub and Slack are loopback stand-ins.
 */
const engine = engineClient();
let world: World;
let training: TrainingWorld;
let service: Service;

beforeAll(async () => {
  world = await installWorld();
  training = await startTrainingWorld();
  service = await startTrainingService(training);
});

afterAll(async () => {
  await service?.stop();
  await training?.stop();
  await uninstallWorld();
});

const modelName = (key: string) => `churn-predictor-${key.toLowerCase()}`;
const repo = (key: string) => `acme-ml/${modelName(key)}`;

/** A model ticket the developer has already moved to Ready for training: the lifecycle runs straight into training. */
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
  const instanceId = await waitFor(async () => (await engine.processInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key }))[0]?.id, {
    message: `lifecycle of ${key}`,
  });
  return { key, instanceId };
}

async function activityIds(instanceId: string): Promise<string[]> {
  return (await engine.historicActivities(instanceId)).map((activity) => activity.activityId);
}

async function waitUntilEnded(instanceId: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await activityIds(instanceId)).includes(ElementIds.trained), { timeoutMs, message: 'lifecycle trained' });
}

/** Waits until the lifecycle is back at the wait for Ready for training after `attempts` training reports. */
async function waitUntilBackInResearch(key: string, instanceId: string, reports: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const activities = await engine.historicActivities(instanceId);
      const moves = activities.filter((activity) => activity.activityId === 'Task_MoveBackToResearch' && activity.endTime !== null).length;
      const waiting = activities.some((activity) => activity.activityId === ElementIds.awaitReady && activity.endTime === null);
      return moves >= reports && waiting && world.jira.issues.get(key)?.status === 'Research';
    },
    { timeoutMs, message: `${key} back in Research` },
  );
}

/** The training stage's records (the build stage that follows adds its own). */
function trainingRecords(records: unknown): Array<{ stage: string }> {
  return (records as Array<{ stage: string }>).filter((record) => record.stage === 'training');
}

function comments(key: string, text: string): string[] {
  return world.jira.commentsContaining(key, text).map((comment) => JSON.stringify(comment.body));
}

function slackOf(key: string, attempt: number) {
  return world.slack.messages.filter((message) => message.metadata?.event_payload.key === `model-lifecycle:${key}:train-result:${attempt}`);
}

async function mlflowVersions(name: string): Promise<Array<{ version: string; run_id: string; tags?: Array<{ key: string; value: string }>; aliases?: string[] }>> {
  const response = await fetch(`${training.mlflowUrl}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name='${name}'`)}`);
  const body = (await response.json()) as { model_versions?: Array<{ version: string; run_id: string; tags?: Array<{ key: string; value: string }>; aliases?: string[] }> };
  return body.model_versions ?? [];
}

describe('training', () => {
  it('trains once with the right parameters, gates the real run, registers one candidate version and reports it on the ticket and in Slack', async () => {
    const { key, instanceId } = await readyTicket();
    await waitUntilEnded(instanceId, 90_000);

    const builds = training.jenkins.builds(TRAIN_JOB).filter((build) => build.parameters.JIRA_KEY === key);
    expect(builds).toHaveLength(1);
    const [build] = builds;
    const head = world.github.repos.get(repo(key))!.commits.at(-1)!.sha;
    expect(build!.parameters).toMatchObject({
      REPOSITORY: repo(key),
      GIT_COMMIT: head,
      MODEL_NAME: modelName(key),
      MODEL_VERSION: '1',
      JIRA_KEY: key,
      ATTEMPT: '1',
      BUILD_KEY: `${key}/train/1`,
      TRAINER_IMAGE: 'registry.acme.test/ml/trainer-cpu:3.11',
      CALLBACK_URL: `${service.url}/webhooks/jenkins`,
    });
    expect(build!.result).toBe('SUCCESS');
    expect(training.callbacks.filter((callback) => callback.body.jiraKey === key).map((callback) => callback.status)).toEqual([200]);

    const versions = await mlflowVersions(modelName(key));
    expect(versions).toHaveLength(1);
    const tags = Object.fromEntries((versions[0]!.tags ?? []).map((tag) => [tag.key, tag.value]));
    expect(tags).toMatchObject({ jira_key: key, git_commit: head, build_key: `${key}/train/1`, jenkins_build: build!.url });
    const alias = await fetch(`${training.mlflowUrl}/api/2.0/mlflow/registered-models/alias?name=${modelName(key)}&alias=candidate`).then((response) => response.json());
    expect(alias).toMatchObject({ model_version: { version: versions[0]!.version } });

    const variables = await engine.historicVariables(instanceId);
    const outcome = variables.trainingOutcome as { run: { runId: string; metrics: Record<string, number> }; gate: { passed: boolean } };
    expect(outcome.gate.passed).toBe(true);
    expect(versions[0]!.run_id).toBe(outcome.run.runId);
    expect(outcome.run.metrics.recall).toBeGreaterThanOrEqual(0.9);

    const [success, ...more] = comments(key, '[Success] TRAIN_RESULT');
    expect(more).toEqual([]);
    expect(success).toContain('recall');
    expect(success).toContain('≥ 0.9');
    expect(success).toContain(`#/experiments/`);
    expect(success).toContain(`${modelName(key)}/versions/1`);
    expect(success).toContain(build!.url);
    expect(slackOf(key, 1)).toHaveLength(1);
    const slack = slackOf(key, 1)[0]!;
    expect(slack.text).toContain(`Train succeeded! Model: ${modelName(key)} v1, Branch: main, Train metrics: recall`);
    expect(JSON.stringify(slack.blocks)).toContain('Open job in Jenkins');
    expect(JSON.stringify(slack.blocks)).toContain('Open run in MLflow');

    expect(trainingRecords(variables.stageRecords)).toMatchObject([{ stage: 'training', attempt: 1, outcome: 'success', failureClass: null }]);
    const metrics = await service.metrics.registry.getSingleMetricAsString('lifecycle_training_attempts_total');
    expect(metrics).toMatch(/outcome="success",failure_class="none"} [1-9]/);
  });

  it('fails a recall below recall.min, registers nothing, hands the ticket back, and trains again as attempt 2', async () => {
    const { key, instanceId } = await readyTicket();
    training.behaviours.set(key, { underfit: true });
    await waitUntilBackInResearch(key, instanceId, 1, 90_000);

    const [failure, ...more] = comments(key, '[Failed] TRAIN_RESULT');
    expect(more).toEqual([]);
    expect(failure).toMatch(/recall 0\.7\d* is below the minimum 0\.9 by 0\.1\d*/);
    expect(await mlflowVersions(modelName(key))).toEqual([]);
    expect(slackOf(key, 1)[0]?.text).toMatch(/^Train failed/);
    expect(world.jira.transitions.filter((transition) => transition.key === key).at(-1)).toEqual({ key, to: 'Research' });

    // The developer improves the model and moves the ticket again.
    training.behaviours.delete(key);
    world.jira.issues.get(key)!.status = 'Ready for training';
    await sendJiraWebhook(service, statusChanged(key, 'Research', 'Ready for training'));
    await waitUntilEnded(instanceId, 90_000);

    const builds = training.jenkins.builds(TRAIN_JOB).filter((build) => build.parameters.JIRA_KEY === key);
    expect(builds.map((build) => build.parameters.ATTEMPT)).toEqual(['1', '2']);
    expect(comments(key, '[Success] TRAIN_RESULT')).toHaveLength(1);
    const versions = await mlflowVersions(modelName(key));
    expect(versions).toHaveLength(1);
    expect(versions[0]!.tags).toContainEqual({ key: 'build_key', value: `${key}/train/2` });
    const records = trainingRecords((await engine.historicVariables(instanceId)).stageRecords);
    expect(records).toMatchObject([
      { stage: 'training', attempt: 1, outcome: 'failure', failureClass: 'metric_gate' },
      { stage: 'training', attempt: 2, outcome: 'success' },
    ]);
  });

  it('reports a failed build with its failing stage and the end of its console', async () => {
    const { key, instanceId } = await readyTicket();
    training.behaviours.set(key, { failStage: 'Train' });
    await waitUntilBackInResearch(key, instanceId, 1, 60_000);

    const [failure] = comments(key, '[Failed] TRAIN_RESULT');
    expect(failure).toContain('failed in stage Train');
    expect(failure).toContain("KeyError: 'churn_label'");
    expect(trainingRecords((await engine.historicVariables(instanceId)).stageRecords)).toMatchObject([{ stage: 'training', attempt: 1, outcome: 'failure', failureClass: 'build_failed' }]);
  });

  it('finds the end of a build whose callback never came by polling it', async () => {
    const { key, instanceId } = await readyTicket();
    training.behaviours.set(key, { noCallback: true });
    await waitUntilEnded(instanceId, 90_000);
    expect(training.callbacks.filter((callback) => callback.body.jiraKey === key)).toEqual([]);
    expect(comments(key, '[Success] TRAIN_RESULT')).toHaveLength(1);
  });

  it('reports a build that logged no MLflow run', async () => {
    const { key, instanceId } = await readyTicket();
    training.behaviours.set(key, { noRun: true });
    await waitUntilBackInResearch(key, instanceId, 1, 60_000);
    const [failure] = comments(key, '[Failed] TRAIN_RESULT');
    expect(failure).toContain(`left no MLflow run tagged with build key ${key}/train/1`);
  });

  it('tells the developer every problem of an invalid model.toml, starts no build, and trains once it is fixed', async () => {
    const key = nextIssueKey();
    world.jira.addIssue({ key, summary: `Churn predictor ${key.toLowerCase()}`, status: 'Backlog', components: ['search'], assignee: { accountId: 'a1', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' } });
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));
    const instanceId = await waitFor(async () => (await engine.processInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key }))[0]?.id, { message: 'lifecycle' });
    await waitFor(async () => (await activityIds(instanceId)).includes('Task_NotifyTeam'), { message: 'repository ready' });

    // The developer breaks model.toml, then moves the ticket.
    const good = world.github.repos.get(repo(key))!.files.get('model.toml')!;
    world.github.push(repo(key), 'model.toml', good.replace('recall.min = 0.9', 'recall.min = "0.9"').replace(/cpus_number = \d+/, 'cpus_number = 0'));
    world.jira.issues.get(key)!.status = 'Ready for training';
    await sendJiraWebhook(service, statusChanged(key, 'Research', 'Ready for training'));
    await waitUntilBackInResearch(key, instanceId, 1, 30_000);

    const [config, ...more] = comments(key, '[Failed] MODEL_CONFIG');
    expect(more).toEqual([]);
    expect(config).toContain('train_metrics.recall.min');
    expect(config).toContain('train_resources.cpus_number');
    expect(training.jenkins.builds(TRAIN_JOB).filter((build) => build.parameters.JIRA_KEY === key)).toEqual([]);

    world.github.push(repo(key), 'model.toml', good);
    world.jira.issues.get(key)!.status = 'Ready for training';
    await sendJiraWebhook(service, statusChanged(key, 'Research', 'Ready for training'));
    await waitUntilEnded(instanceId, 90_000);
    // The config failure started no attempt: the first build is attempt 1.
    expect(training.jenkins.builds(TRAIN_JOB).filter((build) => build.parameters.JIRA_KEY === key).map((build) => build.parameters.ATTEMPT)).toEqual(['1']);
  });
});

describe('training when things go wrong', () => {
  it('starts one build, registers once and reports once when the answer to the trigger is lost', async () => {
    const { key, instanceId } = await readyTicket();
    training.jenkins.onNextRequest({ method: 'POST', path: /\/job\/ml\/job\/train-model\/buildWithParameters/ }, 'drop-answer');
    await waitUntilEnded(instanceId, 90_000);

    expect(training.jenkins.builds(TRAIN_JOB).filter((build) => build.parameters.JIRA_KEY === key)).toHaveLength(1);
    expect(await mlflowVersions(modelName(key))).toHaveLength(1);
    expect(comments(key, '[Success] TRAIN_RESULT')).toHaveLength(1);
    expect(slackOf(key, 1)).toHaveLength(1);
  });

  it('retries while Jenkins is unreachable, opens an incident, and goes on once an operator retries', async () => {
    const { key, instanceId } = await readyTicket();
    for (let i = 0; i < 20; i++) {
      training.jenkins.onNextRequest({ method: 'POST', path: /\/job\/ml\/job\/train-model\/buildWithParameters/ }, { status: 503, body: 'Jenkins is restarting' });
    }
    const called = await waitFor(async () => (await engine.processInstances({ processDefinitionKey: 'jenkins-build', businessKey: key }))[0]?.id, { message: 'build sub-process' });
    const incident = await waitFor(async () => (await engine.incidents(called))[0], { timeoutMs: 45_000, message: 'Jenkins incident' });
    expect(incident).toMatchObject({ activityId: 'Task_TriggerBuild' });
    expect(incident.incidentMessage).toMatch(/Jenkins/);
    expect(incident.incidentMessage).toMatch(/503/);

    // Jenkins is back; the operator retries the incident in Cockpit.
    training.jenkins.clearFaults();
    const [task] = await engine.externalTasks(called);
    await engine.setExternalTaskRetries(task!.id, 1);
    await waitUntilEnded(instanceId, 90_000);
    expect(training.jenkins.builds(TRAIN_JOB).filter((build) => build.parameters.JIRA_KEY === key)).toHaveLength(1);
  });

  it('refuses forged, stale, unsigned and replayed callbacks without correlating anything', async () => {
    const { key, instanceId } = await readyTicket();
    training.behaviours.set(key, { hangMs: 5_000, noCallback: true });
    await waitFor(async () => training.jenkins.builds(TRAIN_JOB).some((build) => build.parameters.JIRA_KEY === key && build.building), { message: 'build running' });
    const build = training.jenkins.builds(TRAIN_JOB).find((candidate) => candidate.parameters.JIRA_KEY === key)!;
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${service.url}/webhooks/jenkins`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((response) => response.status);

    const body = JSON.stringify({ buildKey: `${key}/train/1`, jiraKey: key, buildUrl: build.url, result: 'FAILURE' });
    const now = Math.floor(Date.now() / 1000);
    expect(await post(body, signJenkinsCallback('not-the-secret', body, now))).toBe(401);
    expect(await post(body, signJenkinsCallback(JENKINS_CALLBACK_SECRET, body, now - 600))).toBe(401);
    expect(await post(body, {})).toBe(401);
    // A stale attempt is answered 202 and correlates nothing; the same request again is a replay.
    const stale = JSON.stringify({ buildKey: `${key}/train/9`, jiraKey: key, buildUrl: build.url, result: 'FAILURE' });
    const signed = signJenkinsCallback(JENKINS_CALLBACK_SECRET, stale, now);
    expect(await post(stale, signed)).toBe(202);
    expect(await post(stale, signed)).toBe(401);

    // None of them ended the wait: the build's real end (found by polling) does, and it trained.
    expect((await engine.historicActivities(instanceId)).some((activity) => activity.activityId === ElementIds.trainingBuild && activity.endTime === null)).toBe(true);
    await waitUntilEnded(instanceId, 60_000);
    expect(comments(key, '[Success] TRAIN_RESULT')).toHaveLength(1);
  });
});
