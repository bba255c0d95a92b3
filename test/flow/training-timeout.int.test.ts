import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import type { Service } from '../../src/service.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import { installWorld, issueCreated, nextIssueKey, sendJiraWebhook, uninstallWorld, type World } from '../support/service.ts';
import { startTrainingService, startTrainingWorld, TRAIN_JOB, type TrainingWorld } from '../support/training.ts';

/**
 * A training build that runs past the policy's timeout (8 s here): the lifecycle aborts it in
 * Jenkins, reports it as timed out and hands the ticket back. Its own service, since the
 * timeout is policy.
 */
const engine = engineClient();
let world: World;
let training: TrainingWorld;
let service: Service;

beforeAll(async () => {
  world = await installWorld();
  training = await startTrainingWorld();
  service = await startTrainingService(training, { POLICY_FILE: 'test/fixtures/policy/flow-training-timeout.toml' });
});

afterAll(async () => {
  await service?.stop();
  await training?.stop();
  await uninstallWorld();
});

describe('a training build past its timeout', () => {
  it('is aborted in Jenkins and reported as timed out, and the ticket goes back to Research', async () => {
    const key = nextIssueKey();
    world.jira.addIssue({ key, summary: `Churn predictor ${key.toLowerCase()}`, status: 'Ready for training', components: ['search'], assignee: { accountId: 'a1', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' } });
    training.behaviours.set(key, { hangMs: 120_000 });
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));
    const instanceId = await waitFor(async () => (await engine.processInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key }))[0]?.id, { message: 'lifecycle' });

    await waitFor(
      async () => (await engine.historicActivities(instanceId)).some((activity) => activity.activityId === ElementIds.awaitReady && activity.endTime === null) && world.jira.issues.get(key)?.status === 'Research',
      { timeoutMs: 60_000, message: 'ticket back in Research' },
    );
    const [build] = training.jenkins.builds(TRAIN_JOB).filter((candidate) => candidate.parameters.JIRA_KEY === key);
    expect(build).toMatchObject({ building: false, result: 'ABORTED' });
    const [comment, ...more] = world.jira.commentsContaining(key, '[Failed] TRAIN_RESULT').map((c) => JSON.stringify(c.body));
    expect(more).toEqual([]);
    expect(comment).toContain('ran longer than 8 s and was aborted');
    const outcome = (await engine.variables(instanceId)).trainingOutcome as { failureClass: string; build: { result: string } };
    expect(outcome).toMatchObject({ failureClass: 'build_timeout', build: { result: 'TIMED_OUT' } });
  });
});
