import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '../../src/engine/camunda7/rest.ts';
import { correlateMessageToAll, type CorrelateAllDeps } from '../../src/lifecycle/correlate.ts';
import { connectionRefused, ENGINE, optimisticLockingConflict } from '../http/support.ts';

const input = { messageName: 'github:push', correlationKeys: { repositoryFullName: 'acme-ml/churn-model' }, variables: { pushedCommit: 'a'.repeat(40) } };
/** The body `EngineClient.correlateAll` sends: every matching execution, no business key, results listed. */
const sent = {
  messageName: 'github:push',
  correlationKeys: { repositoryFullName: { value: 'acme-ml/churn-model', type: 'String' } },
  processVariables: { pushedCommit: { value: 'a'.repeat(40), type: 'String' } },
  all: true,
  resultEnabled: true,
};
const lostRace = {
  type: 'ProcessEngineException',
  message: "Execution with id 'a1b2c3' does not have a subscription to a message event with name 'github:push': eventSubscriptions is empty",
  code: 0,
};
const execution = (id: string) => ({ resultType: 'Execution', execution: { id, processInstanceId: `pi-${id}`, ended: false, tenantId: null }, processInstance: null });
let sleeps: number[];
let deps: CorrelateAllDeps;

beforeEach(() => {
  nock.disableNetConnect();
  sleeps = [];
  deps = {
    engine: new EngineClient({ baseUrl: ENGINE, timeoutMs: 2_000 }),
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 250, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
  };
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('correlateMessageToAll', () => {
  it('is correlated with the number of executions that received the message', async () => {
    nock(ENGINE).post('/message', sent).reply(200, [execution('e1'), execution('e2')]);

    expect(await correlateMessageToAll(deps, input)).toEqual({ result: 'correlated', count: 2 });
  });

  it('is not_awaited when the engine lists none', async () => {
    nock(ENGINE).post('/message', sent).reply(200, []);

    expect(await correlateMessageToAll(deps, input)).toEqual({ result: 'not_awaited', count: 0 });
  });

  it('sends the business key when one is given', async () => {
    nock(ENGINE).post('/message', { ...sent, businessKey: 'MLM-7' }).reply(200, [execution('e1')]);

    expect(await correlateMessageToAll(deps, { ...input, businessKey: 'MLM-7' })).toEqual({ result: 'correlated', count: 1 });
  });

  it('retries an optimistic-locking conflict with back-off, then correlates', async () => {
    nock(ENGINE).post('/message', sent).reply(500, optimisticLockingConflict);
    nock(ENGINE).post('/message', sent).reply(200, [execution('e1')]);

    expect(await correlateMessageToAll(deps, input)).toEqual({ result: 'correlated', count: 1 });
    expect(sleeps).toEqual([50]);
  });

  it('is not_awaited when a concurrent correlation kept taking the subscription', async () => {
    nock(ENGINE).post('/message', sent).times(3).reply(500, lostRace);

    expect(await correlateMessageToAll(deps, input)).toEqual({ result: 'not_awaited', count: 0 });
    expect(sleeps).toEqual([50, 100]);
  });

  it('throws an unreachable engine as it is', async () => {
    nock(ENGINE).post('/message', sent).replyWithError(connectionRefused());

    const error = await correlateMessageToAll(deps, input).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).unreachable).toBe(true);
  });
});
