import { afterAll, describe, expect, it } from 'vitest';
import { engineClient, engineRestUrl, uniqueKey, waitFor } from '../support/engine.ts';

/**
 * The engine behind the integration tests is a real Camunda 7.24: it parses and deploys
 * BPMN, filters duplicate deployments, runs jobs and hands out external tasks.
 */
describe('local Camunda 7 engine', () => {
  const client = engineClient();
  const processKey = uniqueKey('engine_smoke').replace(/-/g, '_');
  const deploymentName = `${processKey}-deployment`;
  const topic = `test:${processKey}`;
  const startedInstances: string[] = [];

  // No historyTimeToLive on purpose: the engine's default from application.yaml applies.
  // asyncBefore makes the job executor carry the token to the external task.
  const bpmn = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="Definitions_${processKey}" targetNamespace="http://model-lifecycle/test">
  <bpmn:process id="${processKey}" name="Engine smoke test" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>ToWork</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="ToWork" sourceRef="Start" targetRef="Work" />
    <bpmn:serviceTask id="Work" name="Do the work" camunda:type="external" camunda:topic="${topic}" camunda:asyncBefore="true">
      <bpmn:incoming>ToWork</bpmn:incoming><bpmn:outgoing>ToEnd</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="ToEnd" sourceRef="Work" targetRef="End" />
    <bpmn:endEvent id="End"><bpmn:incoming>ToEnd</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
`;
  const files = [{ name: `${processKey}.bpmn`, content: bpmn }];

  afterAll(async () => {
    for (const id of startedInstances) await client.deleteProcessInstance(id).catch(() => undefined);
  });

  it('reports version 7.24', async () => {
    expect(await client.version()).toMatch(/^7\.24\.\d+/);
  });

  it('deploys BPMN, starts an instance with a business key and offers its external task', async () => {
    const deployed = await client.deploy(deploymentName, files);
    expect(deployed.changed).toBe(true);

    const businessKey = uniqueKey('MLM');
    const instance = await client.startProcess(processKey, { businessKey, variables: { modelName: 'smoke', attempt: 1 } });
    startedInstances.push(instance.id);
    expect(instance.businessKey).toBe(businessKey);

    const [task] = await waitFor(
      async () => {
        const tasks = await client.externalTasks(instance.id);
        return tasks.length > 0 && tasks;
      },
      { timeoutMs: 30_000, message: 'the job executor to create the external task' },
    );
    expect(task).toMatchObject({ topicName: topic, activityId: 'Work', processInstanceId: instance.id, workerId: null });

    const found = await client.processInstances({ processDefinitionKey: processKey, businessKey });
    expect(found.map((p) => p.id)).toEqual([instance.id]);
    expect(await client.variables(instance.id)).toMatchObject({ modelName: 'smoke', attempt: 1 });
  });

  it('creates no new version when the same file is deployed again', async () => {
    const again = await client.deploy(deploymentName, files);
    expect(again.changed).toBe(false);

    const response = await fetch(`${engineRestUrl()}/process-definition?key=${processKey}`);
    const definitions = (await response.json()) as Array<{ version: number }>;
    expect(definitions.map((d) => d.version)).toEqual([1]);
  });

  it('serves Cockpit', async () => {
    const origin = engineRestUrl().replace(/\/engine-rest$/, '');
    const response = await fetch(`${origin}/camunda/app/cockpit/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<html');
  });
});
