import { Client, Variables, type Task, type TaskService } from 'camunda-external-task-client-js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { EngineClient, EngineError, toTypedValues, type ExternalTask } from '../engine/camunda7/rest.ts';
import type { Metrics } from '../observability/metrics.ts';
import { executeTask, retryDelayMs, type TaskResult } from './execute.ts';
import type { AnyWorker, TaskInfo } from './worker.ts';

export interface Camunda7RuntimeOptions {
  /** e.g. http://localhost:8080/engine-rest */
  readonly baseUrl: string;
  readonly workerId: string;
  readonly username?: string;
  readonly password?: string;
  /** Handlers running at once; also the most tasks one poll locks. */
  readonly maxParallel: number;
  /** Long-poll length: an idle worker sends one fetch-and-lock per this many ms. */
  readonly longPollMs: number;
  /**
   * The lock (lease) every task is fetched with, and extended by while its handler runs. A worker
   * may ask for a shorter one, never a longer one: a long step is covered by extensions, so a
   * crash holds a task for at most this long even when nothing restarts.
   */
  readonly lockDurationMs: number;
  /**
   * How often a running handler's lock is extended; at most a third of the lock, 5 s by
   * default. A lock left unextended for longer than this plus 2 s belongs to a worker that is
   * gone: see {@link Camunda7RuntimeOptions.deadLockScanMs}.
   */
  readonly lockExtensionIntervalMs?: number;
  /**
   * How often the runtime looks for tasks on its topics whose locks stopped being extended
   * (their worker was killed) and releases them so they run again at once. It also looks at
   * startup, which is what recovers a crashed and restarted service within seconds. Default
   * 30 s; 0 looks at startup only.
   */
  readonly deadLockScanMs?: number;
  /** Technical retries before a task becomes an incident. */
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  /** Pause between polls after a failed poll grows from this up to 30 s while the engine is away. */
  readonly pollErrorBackoffMs?: number;
  /** Pause between successful polls; small, since the long poll already waits on the server. */
  readonly pollIntervalMs?: number;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export interface WorkerRuntime {
  /**
   * Stops fetching, lets the pending long poll return, and waits (up to `graceMs`, by default
   * the long-poll length plus 15 s) for every handler to report back.
   */
  stop(graceMs?: number): Promise<void>;
  /** Handlers running now. */
  active(): number;
}

const MAX_POLL_ERROR_BACKOFF_MS = 30_000;
export const DEFAULT_LOCK_EXTENSION_INTERVAL_MS = 5_000;
const DEFAULT_DEAD_LOCK_SCAN_MS = 30_000;
/** Slack on top of the extension interval before an unextended lock counts as abandoned (engine round trips under load). */
const EXTENSION_SLACK_MS = 2_000;
/** Camunda 7 truncates incident messages beyond this many characters. */
const MAX_ERROR_MESSAGE = 600;

/**
 * Binds engine-neutral worker definitions to Camunda 7 external tasks. One client long-polls
 * all topics; handlers run at most `maxParallel` at a time; failures are retried with back-off
 * and end as incidents.
 *
 * Crash recovery: every task is locked for a short lease that is extended every few seconds
 * while its handler runs, so a lock that stops moving belongs to a worker that died. At
 * startup and every `deadLockScanMs`, the runtime looks at the locks on its topics twice, an
 * extension interval apart, and releases those that did not move: the engine then wakes the
 * pending long polls and the task runs again at once (its effects look before they act).
 */
export function startCamunda7Workers(workers: readonly AnyWorker[], options: Camunda7RuntimeOptions): WorkerRuntime {
  const { log, metrics } = options;
  let stopping = false;
  // A long poll is never aborted: the engine would still count it as waiting and lock the next
  // new task to it, stranding that task until its lock expires. Shutdown waits for it instead.
  let pollInFlight = false;
  const runningTaskIds = new Set<string>();
  const engine = new EngineClient({ baseUrl: options.baseUrl, username: options.username, password: options.password });
  const pollInterval = options.pollIntervalMs ?? 20;
  const extensionIntervalMs = options.lockExtensionIntervalMs ?? DEFAULT_LOCK_EXTENSION_INTERVAL_MS;
  const topics = new Set(workers.map((worker) => worker.topic));
  const errorBackoffBase = options.pollErrorBackoffMs ?? 1_000;

  const client = new Client({
    baseUrl: options.baseUrl,
    workerId: options.workerId,
    maxTasks: options.maxParallel,
    maxParallelExecutions: options.maxParallel,
    asyncResponseTimeout: options.longPollMs,
    lockDuration: options.lockDurationMs,
    interval: pollInterval,
    autoPoll: false,
    interceptors: (config: Record<string, unknown>) => {
      const isFetch = typeof config.json === 'object' && config.json !== null && 'topics' in config.json;
      if (isFetch) pollInFlight = true;
      return {
        ...config,
        // A long poll the network dropped silently must not hang the worker forever.
        timeout: { request: isFetch ? options.longPollMs + 15_000 : 15_000 },
        ...(options.username ? { username: options.username, password: options.password ?? '' } : {}),
      };
    },
  });
  // The client logs through console by default; its events are logged here instead.
  let engineAway = false;
  client.on('poll:error', (error: Error) => {
    pollInFlight = false;
    if (stopping) return;
    metrics.pollErrors.inc({ engine: 'camunda7' });
    const next = engineAway ? Math.min(MAX_POLL_ERROR_BACKOFF_MS, client.options.interval * 2) : errorBackoffBase;
    client.options.interval = next;
    if (!engineAway) log.warn({ err: error.message, retryInMs: next }, 'fetch-and-lock failed; polling again with back-off until the engine answers');
    engineAway = true;
  });
  client.on('poll:success', () => {
    pollInFlight = false;
    if (engineAway) {
      log.info('engine answers again; polling resumed');
      // After the tasks of this poll have started (same tick), not before.
      setImmediate(() => void releaseStrandedTasks());
    }
    engineAway = false;
    client.options.interval = pollInterval;
  });

  /**
   * A long poll whose connection died still counts as waiting in the engine, which locks the
   * next new task to it: to this worker id, though no handler here runs it. Once polling works
   * again, such tasks are unlocked so they run now rather than when their lock expires.
   */
  async function releaseStrandedTasks(): Promise<void> {
    try {
      const stranded = (await engine.lockedExternalTasks(options.workerId)).filter((task) => !runningTaskIds.has(task.id));
      for (const task of stranded) await engine.unlockExternalTask(task.id);
      if (stranded.length > 0) log.warn({ tasks: stranded.map((task) => task.id) }, 'released tasks locked to a lost long poll');
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'could not look for tasks locked to a lost long poll; they run once their locks expire');
    }
  }

  /**
   * Releases the tasks on this runtime's topics whose locks nobody extends: their worker was
   * killed (SIGKILL, OOM, a lost node). Two looks an extension interval (plus slack) apart; a
   * lock that did not move in between is abandoned, since a live worker extends it every
   * interval. Releasing makes the engine wake the pending long polls, so the task runs again
   * within a poll instead of after its lock expires and the engine's 30 s re-check.
   */
  let scanTimer: NodeJS.Timeout | undefined;
  let scanWait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  async function releaseAbandonedLocks(): Promise<void> {
    try {
      const lockOf = (task: ExternalTask) => `${task.workerId ?? ''}@${task.lockExpirationTime ?? ''}`;
      const lockedHere = async () => (await engine.lockedExternalTasks()).filter((task) => topics.has(task.topicName) && !runningTaskIds.has(task.id));
      const look = async () => new Map((await lockedHere()).map((task) => [task.id, lockOf(task)] as const));
      const before = await look();
      if (before.size === 0 || stopping) return;
      await new Promise<void>((resolve) => {
        scanWait = { timer: setTimeout(resolve, extensionIntervalMs + EXTENSION_SLACK_MS), resolve };
      });
      scanWait = undefined;
      if (stopping) return;
      const after = await look();
      // Unchanged, or no longer locked at all (expired meanwhile, not fetched again): abandoned.
      const abandoned = [...before].filter(([id, lock]) => !after.has(id) || after.get(id) === lock);
      if (abandoned.length === 0) return;
      const deadWorkers = new Set(abandoned.map(([, lock]) => lock.slice(0, lock.lastIndexOf('@'))));
      const released = new Set<string>();
      const release = async (ids: readonly string[]) => {
        for (const id of ids) {
          if (runningTaskIds.has(id)) continue;
          try {
            await engine.unlockExternalTask(id);
            released.add(id);
          } catch (error) {
            // 404: completed meanwhile. Anything else: its lock expires on its own.
            if (!(error instanceof EngineError && error.status === 404)) throw error;
          }
        }
      };
      await release(abandoned.map(([id]) => id));
      // A killed worker also leaves its long poll pending in the engine, which serves it first:
      // a released task can land there again, locked to the dead worker. That poll is answered
      // once, so releasing such tasks again hands them to a live worker.
      for (let round = 0; round < 3 && !stopping; round++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const recaptured = (await lockedHere()).filter((task) => released.has(task.id) && deadWorkers.has(task.workerId ?? '')).map((task) => task.id);
        if (recaptured.length === 0) break;
        await release(recaptured);
      }
      if (released.size > 0) log.warn({ tasks: [...released], workers: [...deadWorkers] }, 'released tasks whose worker stopped extending their locks (a crashed worker); they run again now');
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'could not look for abandoned task locks; those tasks run once their locks expire');
    }
  }
  function scheduleScan(delayMs: number): void {
    if (stopping) return;
    scanTimer = setTimeout(() => {
      void releaseAbandonedLocks().finally(() => {
        if ((options.deadLockScanMs ?? DEFAULT_DEAD_LOCK_SCAN_MS) > 0) scheduleScan(options.deadLockScanMs ?? DEFAULT_DEAD_LOCK_SCAN_MS);
      });
    }, delayMs);
    scanTimer.unref();
  }

  for (const worker of workers) {
    // A worker may shorten the lease, never lengthen it: extensions cover a long step.
    const lockDuration = Math.min(worker.lockDurationMs ?? options.lockDurationMs, options.lockDurationMs);
    client.subscribe(
      worker.topic,
      { lockDuration, ...fetchedVariables(worker) },
      ({ task, taskService }: { task: Task; taskService: TaskService }) => handle(worker, task, taskService, lockDuration),
    );
  }
  client.start();
  scheduleScan(0);
  log.info(
    { topics: workers.map((w) => w.topic), maxParallel: options.maxParallel, longPollMs: options.longPollMs, lockDurationMs: options.lockDurationMs, lockExtensionIntervalMs: extensionIntervalMs },
    'workers polling Camunda 7',
  );

  async function handle(worker: AnyWorker, task: Task, taskService: TaskService, lockDuration: number): Promise<void> {
    const attempt = task.retries == null ? 1 : options.maxRetries - task.retries + 1;
    const info: TaskInfo = {
      id: task.id,
      topic: worker.topic,
      businessKey: task.businessKey ?? null,
      processInstanceId: task.processInstanceId,
      activityId: task.activityId,
      attempt,
    };
    const taskLog = log.child({ businessKey: info.businessKey, processInstanceId: info.processInstanceId, topic: info.topic, taskId: info.id, attempt });
    runningTaskIds.add(task.id);
    const lockLost = new AbortController();
    let lockedUntil = Date.now() + lockDuration;
    const heartbeat = setInterval(() => {
      if (lockLost.signal.aborted) return;
      taskService.extendLock(task, lockDuration).then(
        () => {
          lockedUntil = Date.now() + lockDuration;
        },
        (error: Error) => {
          const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
          // 4xx: the engine says the task is gone or locked by another worker. Otherwise (no
          // answer, 5xx) the next beat tries again, until the lock would have run out.
          if ((status !== undefined && status >= 400 && status < 500) || Date.now() >= lockedUntil) {
            taskLog.warn({ err: error.message, status }, 'lost the lock; another worker may take the task over');
            lockLost.abort(new Error('lock lost'));
          } else {
            taskLog.warn({ err: error.message, status }, 'could not extend the lock; trying again at the next beat');
          }
        },
      );
    }, lockExtensionEvery(lockDuration, extensionIntervalMs));

    let result: TaskResult;
    try {
      result = await executeTask(worker, task.variables.getAll() as Record<string, unknown>, info, {
        log: taskLog,
        signal: lockLost.signal,
        metrics,
      });
    } finally {
      clearInterval(heartbeat);
    }
    try {
      await report(result, task, taskService, taskLog);
    } finally {
      runningTaskIds.delete(task.id);
    }
  }

  async function report(result: TaskResult, task: Task, taskService: TaskService, taskLog: Logger): Promise<void> {
    try {
      switch (result.kind) {
        case 'complete': {
          await taskService.complete(task, typedVariables(result.variables));
          taskLog.info('task completed');
          return;
        }
        case 'bpmnError': {
          await taskService.handleBpmnError(task, result.code, result.message, typedVariables(result.variables));
          taskLog.info({ code: result.code, reason: result.message }, 'business error raised to the process');
          return;
        }
        case 'failure': {
          const retriesLeft = result.retryable ? Math.max(0, (task.retries ?? options.maxRetries) - 1) : 0;
          const attempt = task.retries == null ? 1 : options.maxRetries - task.retries + 1;
          const retryTimeout = retriesLeft > 0 ? retryDelayMs(attempt, options.retryBackoffMs, options.retryBackoffMaxMs) : 0;
          await taskService.handleFailure(task, {
            errorMessage: truncate(result.message, MAX_ERROR_MESSAGE),
            errorDetails: result.details,
            retries: retriesLeft,
            retryTimeout,
          });
          const fields = { err: result.message, failureClass: result.failureClass, retriesLeft, retryInMs: retryTimeout };
          if (retriesLeft === 0) taskLog.error(fields, 'task failed; an incident is open in Cockpit');
          else taskLog.warn(fields, 'task failed; the engine will retry it');
          return;
        }
      }
    } catch (error) {
      const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
      const type = (error as { type?: string }).type;
      if (status === undefined) {
        // Nothing answered: the engine is unreachable, so the lock expires and the task runs
        // again, which is safe because every effect is idempotent.
        taskLog.error({ err: (error as Error).message }, 'could not report the task result; it will run again when its lock expires');
        return;
      }
      // The engine answered but refused. Mostly a race it settles: a message or timer that
      // interrupts this task committed first (404; an optimistic-locking conflict when both commit
      // at once; a NullPointerException when the interrupting event removed the execution in
      // between), or the lock went to another worker. Look whether the task is gone before
      // deciding how loud to be.
      const exists = await engine.externalTaskExists(task.id ?? '').catch(() => true);
      const engineSettled = status === 404 || type === 'OptimisticLockingException' || (status === 400 && /locked by worker/i.test((error as Error).message));
      if (!exists) taskLog.info({ reason: type ?? `HTTP ${String(status)}` }, 'an event moved the process on while the task ran; its result was dropped, as the engine keeps one outcome');
      else if (engineSettled) taskLog.warn({ err: (error as Error).message }, 'the engine refused the task result (concurrent change or lock lost); the task runs again when its lock is released or expires');
      else taskLog.error({ err: (error as Error).message }, 'could not report the task result; it will run again when its lock expires');
    }
  }

  return {
    active: () => client.activeTasksCount,
    async stop(graceMs = options.longPollMs + 15_000) {
      stopping = true;
      clearTimeout(scanTimer);
      if (scanWait) {
        clearTimeout(scanWait.timer);
        scanWait.resolve();
      }
      client.stop();
      const deadline = Date.now() + graceMs;
      // Tasks the last long poll returns are locked to this worker already: run them too.
      while ((pollInFlight || client.activeTasksCount > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (client.activeTasksCount > 0) {
        log.warn({ running: client.activeTasksCount }, 'stopped before all handlers finished; their tasks run again once their locks expire');
      } else if (pollInFlight) {
        log.warn('stopped with a long poll still pending; a task it returns stays locked to this worker until its lock expires');
      } else {
        log.info('workers stopped');
      }
    },
  };
}

/** Extension period of a lock: every `intervalMs`, but at least three times per lock and at most once a second. */
export function lockExtensionEvery(lockDurationMs: number, intervalMs: number): number {
  return Math.max(1_000, Math.min(intervalMs, Math.floor(lockDurationMs / 3)));
}

/** Fetch only the variables a worker declares, when its input is an object schema. */
function fetchedVariables(worker: AnyWorker): { variables?: string[] } {
  return worker.input instanceof z.ZodObject ? { variables: Object.keys(worker.input.shape) } : {};
}

function typedVariables(values: Record<string, unknown>): Variables {
  return new Variables().setAllTyped(toTypedValues(values));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
