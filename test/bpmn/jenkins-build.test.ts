import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JENKINS_BUILD_BPMN_FILE, JENKINS_BUILD_PROCESS_KEY, JenkinsBuildElementIds, Messages, Topics } from '../../src/bpmn/contract.ts';
import { readBpmnContract } from '../../src/bpmn/read.ts';
import { lintBpmn } from '../../scripts/lint-bpmn.ts';
import { loadDiagram, type Element } from './diagram.ts';

/** The shared "wait for a Jenkins build" process every stage calls. */
const xml = readFileSync(JENKINS_BUILD_BPMN_FILE, 'utf8');
const { warnings, ofType, byId, attr, outgoing, eventDefinitions, shapes, edges, onOutline } = await loadDiagram(xml);

describe('bpmn/jenkins-build.bpmn', () => {
  it('parses and lints clean', async () => {
    expect(warnings.map((warning) => warning.message)).toEqual([]);
    expect(await lintBpmn(xml)).toEqual([]);
  });

  it('is one executable process with a history time to live', () => {
    const [process, ...others] = ofType('bpmn:Process');
    expect(others).toEqual([]);
    expect(process?.id).toBe(JENKINS_BUILD_PROCESS_KEY);
    expect(process?.get('isExecutable')).toBe(true);
    expect(attr(process!, 'historyTimeToLive')).toBe('P180D');
  });

  it('runs its steps as external tasks on the jenkins-build topics', async () => {
    const topics = Object.fromEntries(ofType('bpmn:ServiceTask').map((task) => [task.id, attr(task, 'topic')]));
    expect(topics).toEqual({
      Task_TriggerBuild: Topics.triggerBuild,
      Task_CheckBuild: Topics.checkBuild,
      Task_AbortBuild: Topics.abortBuild,
      Task_CollectBuild: Topics.collectBuild,
    });
    for (const task of ofType('bpmn:ServiceTask')) expect(attr(task, 'type'), task.id).toBe('external');
    expect((await readBpmnContract(xml)).topics).toEqual([Topics.abortBuild, Topics.checkBuild, Topics.collectBuild, Topics.triggerBuild]);
  });

  it('ends the wait on the callback, even while the build is being checked, or on the poll timer', () => {
    const waitsFor = (id: string) => eventDefinitions(byId(id)).map((definition) => definition.get('messageRef')?.name);
    expect(waitsFor('Event_BuildCallback')).toEqual([Messages.jenkinsBuildFinished]);
    expect(waitsFor('BoundaryEvent_CallbackWhileChecking')).toEqual([Messages.jenkinsBuildFinished]);
    expect(byId('BoundaryEvent_CallbackWhileChecking').get('attachedToRef').id).toBe('Task_CheckBuild');
    const gateway = byId(JenkinsBuildElementIds.awaitBuild);
    expect(gateway.$type).toBe('bpmn:EventBasedGateway');
    expect(outgoing(gateway).map((flow) => (flow.get('targetRef') as Element).id).sort()).toEqual(['Event_BuildCallback', 'Event_PollBuild']);
    // The poll loops back to the check, which begins the wait too.
    expect(outgoing(byId('Event_PollBuild')).map((flow) => flow.get('targetRef').id)).toEqual(['Gateway_CheckBuildJoin']);
    expect(byId('Flow_BuildEnded').get('conditionExpression').body).toBe('${buildEnded}');
  });

  it('aborts a build past its timeout, then reads how it ended like any other', async () => {
    const timeout = byId('BoundaryEvent_BuildTimeout');
    expect(timeout.get('attachedToRef').id).toBe('SubProcess_AwaitBuild');
    expect(timeout.get('cancelActivity')).not.toBe(false);
    expect(outgoing(timeout).map((flow) => flow.get('targetRef').id)).toEqual([JenkinsBuildElementIds.abortBuild]);
    expect(outgoing(byId(JenkinsBuildElementIds.abortBuild)).map((flow) => flow.get('targetRef').id)).toEqual(['Gateway_CollectJoin']);
    expect((await readBpmnContract(xml)).timers).toEqual(['${buildPollInterval}', '${buildTimeout}']);
  });

  it('draws every element, every flow from outline to outline, and boundary events on their hosts', () => {
    for (const node of ofType('bpmn:FlowNode')) expect(shapes.get(node), node.id).toBeDefined();
    for (const flow of ofType('bpmn:SequenceFlow')) {
      const waypoints = edges.get(flow) ?? [];
      expect(waypoints.length, flow.id).toBeGreaterThanOrEqual(2);
      expect(onOutline(flow.get('sourceRef'), waypoints[0]!), `${flow.id} starts on its source`).toBe(true);
      expect(onOutline(flow.get('targetRef'), waypoints.at(-1)!), `${flow.id} ends on its target`).toBe(true);
    }
    for (const event of ofType('bpmn:BoundaryEvent')) {
      const b = shapes.get(event)!;
      expect(onOutline(event.get('attachedToRef'), { x: b.x + b.width / 2, y: b.y + b.height / 2 }), event.id).toBe(true);
    }
  });

  it('knows every element id the contract names', () => {
    for (const id of Object.values(JenkinsBuildElementIds)) expect(() => byId(id)).not.toThrow();
  });
});
