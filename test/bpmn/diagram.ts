import type { ModdleElement } from 'moddle';
import { allElements, camundaAttr, camundaPrefix, parseBpmn } from '../../src/bpmn/read.ts';

export type Element = ModdleElement;

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A BPMN file read for its tests: the elements by type and id, and its diagram's shapes and edges. */
export async function loadDiagram(xml: string) {
  const { definitions, warnings } = await parseBpmn(xml);
  const elements = allElements(definitions);
  const prefix = camundaPrefix(definitions);
  const ofType = (type: string) => elements.filter((element) => element.$instanceOf(type));
  const byId = (id: string) => {
    const found = elements.find((element) => element.id === id && !element.$instanceOf('bpmndi:BPMNShape') && !element.$instanceOf('bpmndi:BPMNEdge'));
    if (!found) throw new Error(`no element ${id}`);
    return found;
  };
  const attr = (element: Element, name: string) => camundaAttr(element, name, prefix);
  const outgoing = (node: Element): Element[] => node.get('outgoing') ?? [];
  const incoming = (node: Element): Element[] => node.get('incoming') ?? [];
  const eventDefinitions = (event: Element): Element[] => event.get('eventDefinitions') ?? [];
  /** The `camunda:inputParameter`s of a task, name → text. */
  const inputParameters = (task: Element): Record<string, string> =>
    Object.fromEntries(
      elements
        .filter((element) => element.$type === `${prefix}:inputParameter` && element.$parent?.$parent?.$parent === task)
        .map((parameter) => [String(parameter.get('name')), String((parameter as { $body?: unknown }).$body ?? '').trim()]),
    );
  /** The generic `camunda:*` children of an element's extensionElements (camunda:in, camunda:out …), as attribute maps. */
  const extensions = (element: Element, name: string): Array<Record<string, string>> =>
    elements
      .filter((child) => child.$type === `${prefix}:${name}` && child.$parent?.$parent === element)
      .map((child) => Object.fromEntries(Object.entries(child as object).filter(([key]) => !key.startsWith('$')).map(([key, value]) => [key, String(value)])));
  const shapes = new Map<Element, Bounds>(ofType('bpmndi:BPMNShape').map((shape) => [shape.get('bpmnElement'), shape.get('bounds')]));
  const edges = new Map<Element, { x: number; y: number }[]>(ofType('bpmndi:BPMNEdge').map((edge) => [edge.get('bpmnElement'), edge.get('waypoint') ?? []]));

  /** Whether a waypoint lies on the outline of a shape: rectangle, diamond (gateway) or circle (event). */
  function onOutline(node: Element, point: { x: number; y: number }, tolerance = 1): boolean {
    const b = shapes.get(node);
    if (!b) return false;
    const [cx, cy, hw, hh] = [b.x + b.width / 2, b.y + b.height / 2, b.width / 2, b.height / 2];
    const [dx, dy] = [Math.abs(point.x - cx), Math.abs(point.y - cy)];
    if (node.$instanceOf('bpmn:Gateway')) return Math.abs(dx / hw + dy / hh - 1) * hw <= tolerance;
    if (node.$instanceOf('bpmn:Event')) return Math.abs(Math.hypot(dx, dy) - hw) <= tolerance;
    const onVertical = Math.abs(dx - hw) <= tolerance && dy <= hh + tolerance;
    const onHorizontal = Math.abs(dy - hh) <= tolerance && dx <= hw + tolerance;
    return onVertical || onHorizontal;
  }

  return { definitions, warnings, elements, prefix, ofType, byId, attr, outgoing, incoming, eventDefinitions, inputParameters, extensions, shapes, edges, onOutline };
}
