import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { EngineClient } from '../../src/engine/camunda7/rest.ts';

/** The one process the webhook int tests deploy: wait at a message catch event, then hold at a user task. */
export interface AwaitMessageProcess {
  readonly processKey: string;
  /** The process's name, as Cockpit shows it. */
  readonly processName: string;
  /** The BPMN message's name: a `Messages` value of src/bpmn/contract.ts. */
  readonly messageName: string;
  /** Id of the message catch event, which {@link waitsAt} looks for. */
  readonly catchId: string;
  readonly catchName: string;
}

/**
 * A process that waits for one message and then holds at a user task, so the instance and its
 * variables stay inspectable after the correlation.
 */
export function awaitMessageBpmn(process: AwaitMessageProcess): string {
  const { processKey, catchId } = process;
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="Definitions_${processKey}" targetNamespace="http://model-lifecycle/test">
  <bpmn:message id="Message_${catchId}" name="${process.messageName}" />
  <bpmn:process id="${processKey}" name="${process.processName}" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="Start"><bpmn:outgoing>ToWait</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="ToWait" sourceRef="Start" targetRef="${catchId}" />
    <bpmn:intermediateCatchEvent id="${catchId}" name="${process.catchName}">
      <bpmn:incoming>ToWait</bpmn:incoming><bpmn:outgoing>ToHold</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="Message_${catchId}" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="ToHold" sourceRef="${catchId}" targetRef="Hold" />
    <bpmn:userTask id="Hold" name="Hold"><bpmn:incoming>ToHold</bpmn:incoming><bpmn:outgoing>ToEnd</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="ToEnd" sourceRef="Hold" targetRef="End" />
    <bpmn:endEvent id="End"><bpmn:incoming>ToEnd</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
`;
}

/** Whether the instance still waits at the activity `activityId`. */
export async function waitsAt(engine: EngineClient, processInstanceId: string, activityId: string): Promise<boolean> {
  const activities = await engine.historicActivities(processInstanceId);
  return activities.some((a) => a.activityId === activityId && a.endTime === null);
}

/** Serves `app` on a free loopback port. */
export async function listenOnLoopback(app: Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes a server {@link listenOnLoopback} started; nothing when it never started. */
export function closeServer(server: Server | undefined): Promise<void> {
  return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
