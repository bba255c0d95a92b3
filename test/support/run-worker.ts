import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';
import { executeTask, type TaskResult } from '../../src/runtime/execute.ts';
import type { AnyWorker, TaskInfo } from '../../src/runtime/worker.ts';

/** Where the task of {@link runWorker} stands, and which metrics the runtime records it in. */
export interface RunWorkerOptions {
  /** The lifecycle's issue key; MLM-42 unless given. */
  readonly businessKey?: string;
  /** `p` unless given. */
  readonly processInstanceId?: string;
  /** `a` unless given. */
  readonly activityId?: string;
  /** Fresh metrics without the default process metrics unless given. */
  readonly metrics?: Metrics;
}

/**
 * Runs one task through a worker as the runtime does (first attempt, a silent logger, a signal
 * never aborted) and returns what the runtime would tell the engine.
 */
export function runWorker(worker: AnyWorker, variables: Record<string, unknown>, options: RunWorkerOptions = {}): Promise<TaskResult> {
  const task: TaskInfo = {
    id: 't',
    topic: worker.topic,
    businessKey: options.businessKey ?? 'MLM-42',
    processInstanceId: options.processInstanceId ?? 'p',
    activityId: options.activityId ?? 'a',
    attempt: 1,
  };
  return executeTask(worker, variables, task, {
    log: createLogger({ level: 'silent' }),
    metrics: options.metrics ?? createMetrics({ defaultMetrics: false }),
    signal: new AbortController().signal,
  });
}

/**
 * Runs one task through a worker like {@link runWorker} and returns the variables it completed
 * with; throws, naming the topic and the result, when it ended any other way.
 */
export async function completedVariables(worker: AnyWorker, variables: Record<string, unknown>, options: RunWorkerOptions = {}): Promise<Record<string, unknown>> {
  const result = await runWorker(worker, variables, options);
  if (result.kind !== 'complete') throw new Error(`${worker.topic} did not complete: ${JSON.stringify(result)}`);
  return result.variables;
}
