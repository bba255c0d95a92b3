import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Metrics } from '../observability/metrics.ts';
import { InvalidTaskInputError, type AnyWorker, type Outcome, type TaskContext, type TaskInfo } from './worker.ts';

/**
 * What the engine binding must tell the engine after a handler ran. Engine-neutral: the
 * Camunda 7 binding maps it to complete / bpmnError / failure calls, a Zeebe binding to
 * completeJob / throwError / failJob.
 */
export type TaskResult =
  | { readonly kind: 'complete'; readonly variables: Record<string, unknown> }
  | { readonly kind: 'bpmnError'; readonly code: string; readonly message: string; readonly variables: Record<string, unknown> }
  | {
      readonly kind: 'failure';
      /** Short, operator-readable: shown as the incident message in Cockpit. */
      readonly message: string;
      /** Stack and cause chain, shown as the incident's details. */
      readonly details: string;
      /** False for failures no retry can fix (invalid input, a worker bug). */
      readonly retryable: boolean;
      /** For metrics: the error's name, e.g. `EngineError`, `InvalidTaskInputError`. */
      readonly failureClass: string;
    };

export interface ExecuteOptions {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly metrics: Metrics;
}

/** Names the problems of a zod error as `path: message; path: message`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Runs one task through a worker: validates its input, runs the handler, validates what it
 * returns, and classifies the result. Never throws: every path ends in a TaskResult.
 */
export async function executeTask(
  worker: AnyWorker,
  variables: Record<string, unknown>,
  task: TaskInfo,
  options: ExecuteOptions,
): Promise<TaskResult> {
  const started = performance.now();
  const result = await runWorker(worker, variables, task, options);
  const outcome = outcomeLabel(result);
  options.metrics.taskDuration.observe({ topic: worker.topic, outcome }, (performance.now() - started) / 1000);
  options.metrics.taskOutcomes.inc({ topic: worker.topic, outcome, failure_class: failureClass(result) });
  return result;
}

async function runWorker(worker: AnyWorker, variables: Record<string, unknown>, task: TaskInfo, options: ExecuteOptions): Promise<TaskResult> {
  const input = worker.input.safeParse(variables);
  if (!input.success) {
    const error = new InvalidTaskInputError(
      `${worker.topic}: the process variables are not what this step needs — ${describeZodError(input.error)}. ` +
        'Fix the variables in Cockpit (or the step that wrote them), then retry the incident.',
    );
    return failure(error, false);
  }

  const ctx: TaskContext<unknown, unknown, string> = {
    input: input.data,
    task,
    log: options.log,
    signal: options.signal,
    complete: (out) => ({ kind: 'complete', variables: out }),
    bpmnError: (code, message, vars) => ({ kind: 'bpmnError', code, message, ...(vars ? { variables: vars } : {}) }),
  };

  let outcome: Outcome<unknown, string>;
  try {
    outcome = await worker.run(ctx);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return failure(err, !(err instanceof InvalidTaskInputError));
  }

  if (outcome.kind === 'bpmnError') {
    if (!Object.hasOwn(worker.errors, outcome.code)) {
      return failure(new Error(`${worker.topic} raised BPMN error ${outcome.code}, which it does not declare (declared: ${Object.keys(worker.errors).join(', ') || 'none'})`), false);
    }
    return { kind: 'bpmnError', code: outcome.code, message: outcome.message, variables: outcome.variables ?? {} };
  }

  const output = worker.output.safeParse(outcome.variables);
  if (!output.success) {
    return failure(new Error(`${worker.topic} produced variables that break its own contract — ${describeZodError(output.error)}`), false);
  }
  return { kind: 'complete', variables: output.data as Record<string, unknown> };
}

function failure(error: Error, retryable: boolean): TaskResult {
  return {
    kind: 'failure',
    message: error.message,
    details: causeChain(error),
    retryable,
    failureClass: error.name || 'Error',
  };
}

function causeChain(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.stack ?? `${current.name}: ${current.message}`);
    current = current.cause;
  }
  return parts.join('\ncaused by: ');
}

function outcomeLabel(result: TaskResult): string {
  if (result.kind !== 'failure') return result.kind === 'complete' ? 'complete' : 'bpmn_error';
  return result.retryable ? 'failure' : 'invalid';
}

function failureClass(result: TaskResult): string {
  if (result.kind === 'bpmnError') return result.code;
  if (result.kind === 'failure') return result.failureClass;
  return 'none';
}

/** Exponential back-off: base, 2×base, 4×base … capped at max. `attempt` starts at 1. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
