import type { Logger } from 'pino';
import type { z } from 'zod';

/**
 * How a task ends. Every path through a handler returns one of these (or throws): the
 * return type makes a handler that "logs and carries on" impossible to write.
 *
 * - `complete`: the step did its work; `variables` are written back to the process.
 * - `bpmnError`: an expected business outcome (metric below threshold, invalid request…),
 *   caught by an error boundary event in the BPMN with the same `code`.
 * - a thrown error: a technical failure; the runtime retries it with back-off and, once the
 *   retries are spent, it becomes an incident an operator can retry in Cockpit.
 */
export type Outcome<Out, Code extends string> =
  | { readonly kind: 'complete'; readonly variables: Out }
  | {
      readonly kind: 'bpmnError';
      readonly code: Code;
      readonly message: string;
      readonly variables?: Record<string, unknown>;
    };

/** What the engine tells a handler about the task it is running. */
export interface TaskInfo {
  readonly id: string;
  readonly topic: string;
  /** The Jira issue key the lifecycle belongs to. */
  readonly businessKey: string | null;
  readonly processInstanceId: string;
  readonly activityId: string;
  /** 1 on the first try, 2 on the first retry, and so on. */
  readonly attempt: number;
}

/** Everything per task: input, logger, abort signal and the outcome helpers. */
export interface TaskContext<In, Out, Code extends string> {
  readonly input: In;
  readonly task: TaskInfo;
  /** A pino child bound to businessKey, processInstanceId and topic. */
  readonly log: Logger;
  /** Aborted when the task's lock is lost or the worker is shutting down hard. */
  readonly signal: AbortSignal;
  complete(variables: Out): Outcome<Out, Code>;
  bpmnError(code: Code, message: string, variables?: Record<string, unknown>): Outcome<Out, Code>;
}

/** An executable example: the input a step reads and the outcome it must produce. */
export interface WorkerExample<In, Out, Code extends string> {
  readonly title: string;
  readonly input: In;
  readonly outcome: { readonly kind: 'complete'; readonly variables: Out } | { readonly kind: 'bpmnError'; readonly code: Code };
}

/**
 * One step of the lifecycle, independent of the engine that runs it (Camunda 7 external
 * tasks today; the same definition can be bound to Zeebe job workers).
 */
export interface WorkerDefinition<
  InSchema extends z.ZodType = z.ZodType,
  OutSchema extends z.ZodType = z.ZodType,
  Code extends string = string,
> {
  /** Topic in the BPMN, e.g. `github:repo:create`. */
  readonly topic: string;
  readonly description: string;
  /** Process variables the step reads. Only these are fetched from the engine. */
  readonly input: InSchema;
  /** Process variables the step writes on completion. */
  readonly output: OutSchema;
  /** BPMN error codes the step may raise, each with what it means. Declared in the BPMN too. */
  readonly errors: Readonly<Record<Code, string>>;
  readonly examples: ReadonlyArray<WorkerExample<z.input<InSchema>, z.input<OutSchema>, Code>>;
  /**
   * A shorter lock than the runtime's for this step. The runtime never locks longer than its
   * own `lockDurationMs` (a crashed worker's task must come free quickly) and extends the lock
   * while the handler runs, so a long step needs no long lock.
   */
  readonly lockDurationMs?: number;
  run(ctx: TaskContext<z.output<InSchema>, z.input<OutSchema>, Code>): Promise<Outcome<z.input<OutSchema>, Code>>;
}

/** A worker of any shape, as the runtime holds them in a list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorker = WorkerDefinition<any, any, string>;

/**
 * Declares a step. Only an identity function: it exists so TypeScript infers the schema and
 * error-code types from one object literal.
 */
export function defineWorker<InSchema extends z.ZodType, OutSchema extends z.ZodType, Code extends string = never>(
  definition: WorkerDefinition<InSchema, OutSchema, Code>,
): WorkerDefinition<InSchema, OutSchema, Code> {
  return definition;
}

/**
 * Raised by input validation: the variables a task was given cannot be right on any retry,
 * so the runtime does not retry it and opens an incident at once.
 */
export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInputError';
}
