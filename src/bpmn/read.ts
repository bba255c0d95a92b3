import { createRequire } from 'node:module';
import type { ModdleElement } from 'moddle';
import type { BpmnDefinitions } from 'bpmn-moddle/types';

/**
 * Reading BPMN files for tests and the linter. Kept apart from contract.ts so the running
 * service never loads bpmn-moddle (a development dependency).
 */

/** What a BPMN file asks of the code around it; each list is sorted and free of duplicates. */
export interface BpmnContract {
  /** Topics of the external service tasks. */
  readonly topics: string[];
  /** Names of the messages that catch events, boundary events and receive tasks wait for. */
  readonly messages: string[];
  /** Error codes that error events catch. */
  readonly errorCodes: string[];
  /** Timer definitions (durations, dates or cycles) as written, e.g. `${statusReconcileInterval}`. */
  readonly timers: string[];
  /** Per topic, the error codes that boundary events on its tasks catch (a worker may raise only these). */
  readonly caughtByTopic: Record<string, string[]>;
}

/** A parsed BPMN file: the moddle tree and the warnings the parser reported (unknown elements, broken references). */
export interface ParsedBpmn {
  readonly definitions: ModdleElement<BpmnDefinitions>;
  readonly warnings: readonly Error[];
}

const CAMUNDA_NS = 'http://camunda.org/schema/1.0/bpmn';

interface BpmnModdleParser {
  fromXML(xml: string): Promise<{ rootElement: ModdleElement<BpmnDefinitions>; warnings: Error[] }>;
}

// bpmn-moddle ships types for the model (`bpmn-moddle/types`) but none for its entry point,
// so the class is loaded untyped and given the one method used here.
const { BpmnModdle } = createRequire(import.meta.url)('bpmn-moddle') as { BpmnModdle: new () => BpmnModdleParser };

/** Parses BPMN 2.0 XML. Camunda extension attributes stay in `$attrs` (no camunda moddle package is installed). */
export async function parseBpmn(xml: string): Promise<ParsedBpmn> {
  const { rootElement, warnings } = await new BpmnModdle().fromXML(xml);
  return { definitions: rootElement, warnings };
}

/** Any element of the moddle tree, walked structurally. */
type Element = ModdleElement;

/** Every element of the tree below `root`, in document order, including `root`. */
export function allElements(root: Element): Element[] {
  const seen = new Set<unknown>();
  const found: Element[] = [];
  const visit = (element: Element): void => {
    if (seen.has(element)) return;
    seen.add(element);
    found.push(element);
    const values: unknown[] = [];
    // Elements of unknown packages (camunda:inputOutput…) are generic: no descriptor properties, only $children.
    for (const property of element.$descriptor.properties ?? []) {
      // References (sourceRef, messageRef, bpmnElement…) point elsewhere in the tree; follow containment only.
      if (!property.isReference) values.push(element.get(property.name));
    }
    values.push((element as { $children?: unknown }).$children);
    for (const value of values) {
      for (const child of Array.isArray(value) ? value : [value]) {
        if (isModdleElement(child)) visit(child);
      }
    }
  };
  visit(root);
  return found;
}

function isModdleElement(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && '$instanceOf' in value && typeof value.$instanceOf === 'function';
}

/** The prefix the document binds to the Camunda namespace (`camunda` unless the file chose otherwise). */
export function camundaPrefix(definitions: Element): string {
  for (const [name, value] of Object.entries(definitions.$attrs)) {
    if (name.startsWith('xmlns:') && value === CAMUNDA_NS) return name.slice('xmlns:'.length);
  }
  return 'camunda';
}

/** A `camunda:*` extension attribute of an element, e.g. `camundaAttr(task, 'topic', prefix)`. */
export function camundaAttr(element: Element, name: string, prefix: string): string | undefined {
  const value: unknown = element.$attrs[`${prefix}:${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** Reads what a BPMN file needs from the code: topics, messages, error codes and timers. */
export async function readBpmnContract(xml: string): Promise<BpmnContract> {
  const { definitions } = await parseBpmn(xml);
  const prefix = camundaPrefix(definitions);
  const topics = new Set<string>();
  const messages = new Set<string>();
  const errorCodes = new Set<string>();
  const timers = new Set<string>();
  const caught = new Map<string, Set<string>>();

  for (const element of allElements(definitions)) {
    if (element.$instanceOf('bpmn:BoundaryEvent')) {
      const host = element.get('attachedToRef');
      const topic = host ? camundaAttr(host, 'topic', prefix) : undefined;
      for (const definition of element.get('eventDefinitions') ?? []) {
        const code: unknown = definition.$instanceOf('bpmn:ErrorEventDefinition') ? definition.get('errorRef')?.errorCode : undefined;
        if (topic && typeof code === 'string') caught.set(topic, (caught.get(topic) ?? new Set()).add(code));
      }
    }
    if (element.$instanceOf('bpmn:ServiceTask') || element.$instanceOf('bpmn:SendTask')) {
      const topic = camundaAttr(element, 'topic', prefix);
      if (camundaAttr(element, 'type', prefix) === 'external' && topic) topics.add(topic);
    } else if (element.$instanceOf('bpmn:MessageEventDefinition') || element.$instanceOf('bpmn:ReceiveTask')) {
      const name: unknown = element.get('messageRef')?.name;
      if (typeof name === 'string') messages.add(name);
    } else if (element.$instanceOf('bpmn:ErrorEventDefinition')) {
      const code: unknown = element.get('errorRef')?.errorCode;
      if (typeof code === 'string') errorCodes.add(code);
    } else if (element.$instanceOf('bpmn:TimerEventDefinition')) {
      for (const kind of ['timeDuration', 'timeDate', 'timeCycle']) {
        const body: unknown = element.get(kind)?.body;
        if (typeof body === 'string') timers.add(body.trim());
      }
    }
  }

  const sorted = (values: Set<string>) => [...values].sort();
  const caughtByTopic = Object.fromEntries([...caught].sort(([a], [b]) => a.localeCompare(b)).map(([topic, codes]) => [topic, sorted(codes)]));
  return { topics: sorted(topics), messages: sorted(messages), errorCodes: sorted(errorCodes), timers: sorted(timers), caughtByTopic };
}
