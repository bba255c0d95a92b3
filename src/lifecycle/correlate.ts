import type { Logger } from 'pino';
import { EngineError, type EngineClient } from '../engine/camunda7/rest.ts';

/** How optimistic-locking conflicts are retried. Tests pass `sleep` and `random` to run instantly. */
export interface CorrelationRetry {
  /** Tries in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const defaultCorrelationRetry: CorrelationRetry = { attempts: 5, baseDelayMs: 50, maxDelayMs: 1_000 };

export interface CorrelateDeps {
  readonly engine: Pick<EngineClient, 'correlate'>;
  readonly log?: Logger;
  readonly retry?: CorrelationRetry;
}

export interface CorrelateInput {
  readonly messageName: string;
  readonly businessKey: string;
  readonly variables?: Record<string, unknown>;
  /** Process variables the receiving instance must have, e.g. `{ buildKey }`; passed to the engine as `correlationKeys`. */
  readonly correlationKeys?: Record<string, unknown>;
}

/**
 * `correlated`: an execution waiting for the message received it.
 * `not_awaited`: nothing waits for it right now (the ticket has no lifecycle, or the lifecycle
 * is elsewhere). Not an error, but not nothing either: the caller logs and counts it.
 */
export type CorrelationResult = 'correlated' | 'not_awaited';

/**
 * Delivers a message to the lifecycle of `businessKey`.
 *
 * - An optimistic-locking conflict (the instance changed concurrently) is retried with
 *   full-jitter exponential back-off, `retry.attempts` tries in all, then thrown.
 * - The engine's 400 "no process definition or execution matches" is `not_awaited`.
 * - A correlation that lost its subscription to a concurrent one ({@link isLostRace}: the same
 *   status delivered twice at once) looks again like a conflict; when its tries are spent it is
 *   `not_awaited` too, since its twin delivered the message.
 * - Anything else (unreachable, 5xx, another 400 such as several executions matching) is
 *   thrown as the `EngineError` it is.
 */
export async function correlateMessage(deps: CorrelateDeps, input: CorrelateInput): Promise<CorrelationResult> {
  const retry = deps.retry ?? defaultCorrelationRetry;
  const random = retry.random ?? Math.random;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.engine.correlate(input);
      return 'correlated';
    } catch (error) {
      if (isNotAwaited(error)) return 'not_awaited';
      const raced = isLostRace(error);
      if (!(error instanceof EngineError && (error.optimisticLocking || raced)) || attempt >= retry.attempts) {
        if (raced) return 'not_awaited';
        throw error;
      }
      const delay = Math.round(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      deps.log?.debug(
        { messageName: input.messageName, businessKey: input.businessKey, attempt, delay },
        raced ? 'a concurrent correlation took the subscription; looking again' : 'optimistic-locking conflict; retrying correlation',
      );
      await sleep(delay);
    }
  }
}

/**
 * The engine's answer when no execution waits for a message: 400 with a
 * `MismatchingMessageCorrelationException` message such as "Cannot correlate message 'x': No
 * process definition or execution matches the parameters". The REST API reports it as a
 * `RestException`, so the message text is the only distinguishing mark.
 */
export function isNotAwaited(error: unknown): boolean {
  return (
    error instanceof EngineError &&
    error.status === 400 &&
    /no process definition or execution matches|no matching (?:process definition|execution)/i.test(error.message)
  );
}

/**
 * The engine's answers when the correlation found the waiting execution and a concurrent one
 * (the same status delivered twice at once) consumed the subscription before this one could:
 * - 500 "Execution with id 'x' does not have a subscription to a message event with name 'y':
 *   eventSubscriptions is empty";
 * - 500 `NullPointerException` "Cannot invoke \"…ExecutionEntity.getProcessInstance()\" because
 *   \"execution\" is null" (Camunda 7.24): the twin's correlation ended the execution in between.
 * Not an engine failure: a lost race. Looked at again, the correlation finds nothing waiting.
 */
export function isLostRace(error: unknown): boolean {
  return (
    error instanceof EngineError &&
    error.status >= 500 &&
    (/does not have a subscription to a message event/i.test(error.message) || (error.type === 'NullPointerException' && /ExecutionEntity\.getProcessInstance\(\).*"execution" is null/.test(error.message)))
  );
}

export interface CorrelateAllDeps {
  readonly engine: Pick<EngineClient, 'correlateAll'>;
  readonly log?: Logger;
  readonly retry?: CorrelationRetry;
}

export interface CorrelateAllInput {
  readonly messageName: string;
  /** Process variables every receiving instance must have, e.g. `{ repositoryFullName }`; the engine's `correlationKeys`. */
  readonly correlationKeys: Record<string, unknown>;
  /** Only instances of this lifecycle; left out, the correlation keys alone pick them. */
  readonly businessKey?: string;
  readonly variables?: Record<string, unknown>;
}

/**
 * Delivers a message to **every** execution waiting for it whose instance matches the
 * correlation keys, with or without a business key (an event that identifies its lifecycles by
 * a variable, such as a push to a repository). `count` is how many received it.
 *
 * Retried like {@link correlateMessage}: the engine delivers to all of them in one transaction,
 * so an optimistic-locking conflict delivered to none and the whole correlation is tried again.
 * A correlation that lost a subscription to a concurrent one ({@link isLostRace}) looks again
 * too, and once its tries are spent is `not_awaited`. Anything else is thrown.
 */
export async function correlateMessageToAll(deps: CorrelateAllDeps, input: CorrelateAllInput): Promise<{ result: CorrelationResult; count: number }> {
  const retry = deps.retry ?? defaultCorrelationRetry;
  const random = retry.random ?? Math.random;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      const count = await deps.engine.correlateAll(input);
      return { result: count > 0 ? 'correlated' : 'not_awaited', count };
    } catch (error) {
      if (isNotAwaited(error)) return { result: 'not_awaited', count: 0 };
      const raced = isLostRace(error);
      if (!(error instanceof EngineError && (error.optimisticLocking || raced)) || attempt >= retry.attempts) {
        if (raced) return { result: 'not_awaited', count: 0 };
        throw error;
      }
      const delay = Math.round(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      deps.log?.debug(
        { messageName: input.messageName, correlationKeys: input.correlationKeys, attempt, delay },
        raced ? 'a concurrent correlation took a subscription; looking again' : 'optimistic-locking conflict; retrying correlation',
      );
      await sleep(delay);
    }
  }
}
