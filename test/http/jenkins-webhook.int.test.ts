import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messages } from '../../src/bpmn/contract.ts';
import { createApp } from '../../src/http/app.ts';
import { signJenkinsCallback } from '../../src/http/verify-jenkins.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { engineClient, uniqueKey } from '../support/engine.ts';

/**
 * The Jenkins callback on a real engine: `correlationKeys: { buildKey }` picks the one
 * instance waiting for that build attempt among instances of the same business key.
 */
describe('POST /webhooks/jenkins on a real engine', () => {
  const client = engineClient();
  const secret = 'int-test-jenkins-callback-secret';
  const processKey = uniqueKey('jenkins_callback').replace(/-/g, '_');
  const jiraKey = `MLM-${Date.now() % 1_000_000_000}`;
  const buildKeys = { first: `${jiraKey}/train/1`, second: `${jiraKey}/train/2`, unknown: `${jiraKey}/train/3` };
  const instances: Record<'first' | 'second', string> = { first: '', second: '' };
  let server: Server;
  let url: string;

  // Waits for the callback, then holds at a user task so the instance and its variables stay inspectable.
  const bpmn = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="Definitions_${processKey}" targetNamespace="http://model-lifecycle/test">
  <bpmn:message id="Message_BuildFinished" name="${Messages.jenkinsBuildFinished}" />
  <bpmn:process id="${processKey}" name="Jenkins callback test" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="Start"><bpmn:outgoing>ToWait</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="ToWait" sourceRef="Start" targetRef="AwaitBuild" />
    <bpmn:intermediateCatchEvent id="AwaitBuild" name="Build finished">
      <bpmn:incoming>ToWait</bpmn:incoming><bpmn:outgoing>ToHold</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="Message_BuildFinished" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="ToHold" sourceRef="AwaitBuild" targetRef="Hold" />
    <bpmn:userTask id="Hold" name="Hold"><bpmn:incoming>ToHold</bpmn:incoming><bpmn:outgoing>ToEnd</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="ToEnd" sourceRef="Hold" targetRef="End" />
    <bpmn:endEvent id="End"><bpmn:incoming>ToEnd</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
`;

  const callbackFor = (buildKey: string) =>
    JSON.stringify({ buildKey, jiraKey, buildUrl: 'https://jenkins.acme.test/job/ml/job/train-model/17/', result: 'SUCCESS', outputs: { mlflow_run_id: 'run-17' } });

  async function send(body: string, headers = signJenkinsCallback(secret, body, Math.floor(Date.now() / 1_000))) {
    const response = await fetch(`${url}/webhooks/jenkins`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Whether the instance still waits at the message catch event. */
  async function waitsForBuild(processInstanceId: string): Promise<boolean> {
    const activities = await client.historicActivities(processInstanceId);
    return activities.some((a) => a.activityId === 'AwaitBuild' && a.endTime === null);
  }

  beforeAll(async () => {
    await client.deploy(`${processKey}-deployment`, [{ name: `${processKey}.bpmn`, content: bpmn }]);
    for (const which of ['first', 'second'] as const) {
      const started = await client.startProcess(processKey, { businessKey: jiraKey, variables: { buildKey: buildKeys[which] } });
      instances[which] = started.id;
    }

    const app = createApp({
      engine: client,
      metrics: createMetrics({ defaultMetrics: false }),
      log: createLogger({ level: 'silent' }),
      jira: { project: 'MLM', issueType: 'Model', statusRoles: {} },
      jenkins: { callbackSecret: secret },
      lifecycle: { researchServerEnabled: false, statusReconcileInterval: 'PT5M', startSettle: 'PT5S' },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const id of Object.values(instances)) if (id) await client.deleteProcessInstance(id).catch(() => undefined);
  });

  it('refuses a forged callback with 401, and both instances still wait', async () => {
    const body = callbackFor(buildKeys.first);

    const response = await send(body, signJenkinsCallback('not-the-secret', body, Math.floor(Date.now() / 1_000)));

    expect(response).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await waitsForBuild(instances.first)).toBe(true);
    expect(await waitsForBuild(instances.second)).toBe(true);
  });

  it('correlates a signed callback to exactly the instance waiting for its build key, with buildCallback', async () => {
    const response = await send(callbackFor(buildKeys.first));

    expect(response).toEqual({ status: 200, body: { result: 'correlated', buildKey: buildKeys.first } });
    expect(await waitsForBuild(instances.first)).toBe(false);
    expect(await client.variables(instances.first)).toMatchObject({
      buildKey: buildKeys.first,
      buildCallback: { buildKey: buildKeys.first, jiraKey, result: 'SUCCESS', outputs: { mlflow_run_id: 'run-17' } },
    });
    expect(await waitsForBuild(instances.second)).toBe(true);
    expect(await client.variables(instances.second)).not.toHaveProperty('buildCallback');
  });

  it('answers 202 not_awaited for a build key nothing waits for, or an attempt whose wait has ended', async () => {
    expect(await send(callbackFor(buildKeys.unknown))).toEqual({ status: 202, body: { result: 'not_awaited', buildKey: buildKeys.unknown } });
    // Signed anew (a minute back, so not the signature already spent): a resend, not a replay; its wait is over.
    expect(await send(callbackFor(buildKeys.first), signJenkinsCallback(secret, callbackFor(buildKeys.first), Math.floor(Date.now() / 1_000) - 60))).toEqual({
      status: 202,
      body: { result: 'not_awaited', buildKey: buildKeys.first },
    });
    expect(await waitsForBuild(instances.second)).toBe(true);
  });
});
