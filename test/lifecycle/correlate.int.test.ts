import { afterEach, describe, expect, it } from 'vitest';
import { deliver, fixture, startApp, webhookCount, type RunningApp } from '../http/support.ts';
import { engineClient, uniqueKey, waitFor } from '../support/engine.ts';

/**
 * The same `jira:issue_updated` (status → the ready-for-training role) delivered 20 times at
 * once, on the real engine: one delivery correlates, every other one lost the race to its twin
 * and answers 200 not_awaited: no 503, no warning.
 */
const engine = engineClient();
let app: RunningApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('racing duplicate status deliveries', () => {
  it('correlates once and answers every delivery 200', async () => {
    const key = uniqueKey('race').replace(/[^a-z0-9]/gi, '_');
    // TEST-1 (the fixture's issue) waits for jira-status:ready_for_training, as a lifecycle does.
    await engine.deploy(key, [
      {
        name: `${key}.bpmn`,
        content: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d-${key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${key}" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="ready"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:messageEventDefinition messageRef="m" /></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ready" />
    <bpmn:sequenceFlow id="f2" sourceRef="ready" targetRef="end" />
  </bpmn:process>
  <bpmn:message id="m" name="jira-status:ready_for_training" />
</bpmn:definitions>`,
      },
    ]);
    const instance = await engine.startProcess(key, { businessKey: 'TEST-1', variables: {} });
    app = await startApp({ engine, jira: { project: 'ABC', issueType: 'Task' } });
    const body = fixture('issue_updated_status');

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver(app!, { body, id: `${key}-${i}` })));

    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(answers.filter((answer) => answer.body.result === 'correlated')).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.result === 'not_awaited')).toHaveLength(19);
    expect(await webhookCount(app.metrics, 'engine_unavailable')).toBe(0);
    const statusCounts = (await app.metrics.messageCorrelations.get()).values.filter((v) => v.labels.message === 'jira-status:ready_for_training');
    expect(Object.fromEntries(statusCounts.map((v) => [v.labels.result, v.value]))).toEqual({ correlated: 1, not_awaited: 19 });
    const lines = app.logLines.map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
    await waitFor(async () => (await engine.historicActivities(instance.id)).filter((a) => a.activityId === 'ready' && a.endTime !== null).length === 1);
  });
});
