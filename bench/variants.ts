import { Client, type Task, type TaskService } from 'camunda-external-task-client-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../src/observability/logger.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { startCamunda7Workers } from '../src/runtime/camunda7.ts';
import { defineWorker } from '../src/runtime/worker.ts';

/**
 * The two things compared: (a) the bare camunda-external-task-client-js Client with a handler
 * that only completes, and (b) our runtime with a zod-validated worker, a pino line per task
 * and prom-client metrics. Both get the same client settings.
 */
export type Variant = 'bare' | 'ours';

export interface ClientSettings {
  /** maxTasks and maxParallelExecutions of the client (our runtime sets both from maxParallel). */
  readonly maxParallel: number;
  /** asyncResponseTimeout of fetch-and-lock. */
  readonly longPollMs: number;
  readonly lockDurationMs: number;
  /** Pause between polls (the client's `interval`); our runtime's default is 20 ms. */
  readonly pollIntervalMs: number;
}

/** The bench's work per task; gets the process instance the task belongs to. */
export type BenchWork = (processInstanceId: string) => Promise<void> | void;

export interface RunningWorker {
  stop(): Promise<void>;
}

export interface OursDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** The variables every bench instance starts with; the worker of (b) validates them. */
export const benchInput = z.object({
  i: z.number().int().describe('Sequence number of the instance within its batch'),
  payload: z.string().describe('Filler text, so a task carries a realistic amount of data'),
});

/** Starts polling `topic` at once; `deps` (logger and metrics) are what (b) needs on top. */
export function startWorker(
  variant: Variant,
  restUrl: string,
  topic: string,
  settings: ClientSettings,
  work: BenchWork,
  deps: OursDeps | undefined,
): RunningWorker {
  if (variant === 'bare') return startBare(restUrl, topic, settings, work);
  if (!deps) throw new Error('our runtime needs a logger and metrics');
  return startOurs(restUrl, topic, settings, work, deps);
}

function startBare(restUrl: string, topic: string, settings: ClientSettings, work: BenchWork): RunningWorker {
  const client = new Client({
    baseUrl: restUrl,
    workerId: `bench-bare-${process.pid}`,
    maxTasks: settings.maxParallel,
    maxParallelExecutions: settings.maxParallel,
    asyncResponseTimeout: settings.longPollMs,
    lockDuration: settings.lockDurationMs,
    interval: settings.pollIntervalMs,
    autoPoll: false,
  });
  client.subscribe(topic, { lockDuration: settings.lockDurationMs }, async ({ task, taskService }: { task: Task; taskService: TaskService }) => {
    await work(task.processInstanceId);
    await taskService.complete(task);
  });
  client.start();
  return {
    async stop() {
      // Like our runtime, the pending long poll is left to end on its own (its topic gets no more tasks).
      client.stop();
      while (client.activeTasksCount > 0) await sleep(10);
    },
  };
}

function startOurs(restUrl: string, topic: string, settings: ClientSettings, work: BenchWork, deps: OursDeps): RunningWorker {
  const worker = defineWorker({
    topic,
    description: 'Benchmark step: reads two variables, does the bench work, completes with nothing.',
    input: benchInput,
    output: z.object({}),
    errors: {},
    examples: [{ title: 'completes', input: { i: 1, payload: 'x' }, outcome: { kind: 'complete', variables: {} } }],
    async run(ctx) {
      await work(ctx.task.processInstanceId);
      return ctx.complete({});
    },
  });
  const runtime = startCamunda7Workers([worker], {
    baseUrl: restUrl,
    workerId: `bench-ours-${process.pid}`,
    maxParallel: settings.maxParallel,
    longPollMs: settings.longPollMs,
    lockDurationMs: settings.lockDurationMs,
    pollIntervalMs: settings.pollIntervalMs,
    maxRetries: 3,
    retryBackoffMs: 1_000,
    retryBackoffMaxMs: 10_000,
    log: deps.log,
    metrics: deps.metrics,
  });
  return {
    async stop() {
      // No grace: stop() would otherwise wait up to longPollMs for the pending long poll, which
      // is never aborted (see camunda7.ts) and, on this run-unique topic, can return nothing.
      // It logs a warning about that poll; then the handlers still running are waited for here.
      await runtime.stop(0);
      while (runtime.active() > 0) await sleep(10);
    },
  };
}
