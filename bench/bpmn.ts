/**
 * The benchmark's process: start → one external task → end. One definition per scenario and
 * variant, each with its own topic, so tasks of one measurement never reach another's worker.
 */
export interface BenchProcess {
  /** Process definition key. */
  readonly key: string;
  readonly topic: string;
}

export function benchProcessXml({ key, topic }: BenchProcess): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="defs_${key}" targetNamespace="https://model-lifecycle/bench">
  <bpmn:process id="${key}" name="bench ${escapeXml(topic)}" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start">
      <bpmn:outgoing>toTask</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="toTask" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task" name="bench task" camunda:type="external" camunda:topic="${escapeXml(topic)}">
      <bpmn:incoming>toTask</bpmn:incoming>
      <bpmn:outgoing>toEnd</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end">
      <bpmn:incoming>toEnd</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
