import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '../../src/engine/camunda7/rest.ts';
import { correlateMessage, isNotAwaited, type CorrelateDeps } from '../../src/lifecycle/correlate.ts';
import { connectionRefused, ENGINE, notAwaited, optimisticLockingConflict } from '../http/support.ts';

const input = { messageName: 'jira-status:ready_for_training', businessKey: 'MLM-7' };
/** What Camunda 7.24 answers a correlation whose subscription a concurrent one consumed first. */
const lostRace = {
  type: 'ProcessEngineException',
  message: "Execution with id 'a1b2c3' does not have a subscription to a message event with name 'jira-status:ready_for_training': eventSubscriptions is empty",
  code: 0,
};
/** What Camunda 7.24 answers when the twin's correlation ended the waiting execution in between (seen with 20 deliveries at once). */
const endedInBetween = {
  type: 'NullPointerException',
  message: 'Cannot invoke "org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity.getProcessInstance()" because "execution" is null',
  code: null,
};
let sleeps: number[];
let deps: CorrelateDeps;

function message(variables: Record<string, { value: string; type: string }> = {}) {
  return nock(ENGINE).post('/message', { messageName: input.messageName, businessKey: 'MLM-7', processVariables: variables });
}

beforeEach(() => {
  nock.disableNetConnect();
  sleeps = [];
  deps = {
    engine: new EngineClient({ baseUrl: ENGINE, timeoutMs: 2_000 }),
    retry: {
      attempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
  };
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('correlateMessage', () => {
  it('answers correlated when the engine takes the message', async () => {
    message().reply(204);

    expect(await correlateMessage(deps, input)).toBe('correlated');
  });

  it('sends variables as typed process variables', async () => {
    message({ jiraStatus: { value: 'In Progress', type: 'String' } }).reply(204);

    expect(await correlateMessage(deps, { ...input, variables: { jiraStatus: 'In Progress' } })).toBe('correlated');
  });

  it('answers not_awaited when no execution waits for the message', async () => {
    message().reply(400, notAwaited(input.messageName));

    expect(await correlateMessage(deps, input)).toBe('not_awaited');
    expect(sleeps).toEqual([]);
  });

  it('looks again when a twin delivery took the subscription, then answers not_awaited (the twin delivered it)', async () => {
    message().reply(500, lostRace);
    message().reply(400, notAwaited(input.messageName));

    expect(await correlateMessage(deps, input)).toBe('not_awaited');
    expect(sleeps).toEqual([50]);
  });

  it('looks again when the twin ended the waiting execution in between, then answers not_awaited', async () => {
    message().reply(500, endedInBetween);
    message().reply(400, notAwaited(input.messageName));

    expect(await correlateMessage(deps, input)).toBe('not_awaited');
    expect(sleeps).toEqual([50]);
  });

  it('throws any other NullPointerException of the engine as the failure it is', async () => {
    message().reply(500, { type: 'NullPointerException', message: 'Cannot invoke "String.length()" because "name" is null', code: null });

    await expect(correlateMessage(deps, input)).rejects.toThrow(/NullPointerException|String\.length/);
  });

  it('answers not_awaited, not an engine failure, when every try lost the race', async () => {
    for (let i = 0; i < 4; i++) message().reply(500, lostRace);

    expect(await correlateMessage(deps, input)).toBe('not_awaited');
    expect(sleeps).toHaveLength(3);
  });

  it('retries an optimistic-locking conflict with jittered, growing back-off', async () => {
    message().reply(500, optimisticLockingConflict);
    message().reply(500, optimisticLockingConflict);
    message().reply(500, optimisticLockingConflict);
    message().reply(204);

    expect(await correlateMessage(deps, input)).toBe('correlated');
    // random() = 0.5 of min(250, 100·2^n): 50, 100, 125
    expect(sleeps).toEqual([50, 100, 125]);
  });

  it('throws the conflict once the attempts are spent', async () => {
    for (let i = 0; i < 4; i++) message().reply(500, optimisticLockingConflict);

    const error = await correlateMessage(deps, input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).optimisticLocking).toBe(true);
    expect(sleeps).toHaveLength(3);
  });

  it('throws other engine errors at once: 5xx, unreachable, several executions matching', async () => {
    message().reply(500, { type: 'ProcessEngineException', message: 'boom', code: 0 });
    await expect(correlateMessage(deps, input)).rejects.toMatchObject({ status: 500 });

    message().replyWithError(connectionRefused());
    await expect(correlateMessage(deps, input)).rejects.toMatchObject({ unreachable: true });

    message().reply(400, {
      type: 'RestException',
      message: "Cannot correlate message 'jira-status:ready_for_training': Cannot correlate a message with name 'jira-status:ready_for_training' to a single execution. 2 executions match the correlation keys",
      code: 0,
    });
    await expect(correlateMessage(deps, input)).rejects.toMatchObject({ status: 400 });
    expect(sleeps).toEqual([]);
  });
});

describe('isNotAwaited', () => {
  it('recognises only the engine 400 about no matching execution', () => {
    expect(isNotAwaited(new EngineError('… No process definition or execution matches the parameters', 400, 'RestException', 0))).toBe(true);
    expect(isNotAwaited(new EngineError('… No process definition or execution matches the parameters', 500, 'RestException', 0))).toBe(false);
    expect(isNotAwaited(new Error('No process definition or execution matches the parameters'))).toBe(false);
  });
});
