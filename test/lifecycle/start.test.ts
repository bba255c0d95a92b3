import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { EngineClient, EngineError } from '../../src/engine/camunda7/rest.ts';
import { KeyedMutex } from '../../src/lifecycle/keyed-mutex.ts';
import { startLifecycleOnce, type StartLifecycleDeps } from '../../src/lifecycle/start.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { connectionRefused, ENGINE, historicInstance, startedInstance } from '../http/support.ts';

const input = { issueKey: 'MLM-7', createdAt: '2026-01-05T09:30:00.000Z' };
let deps: StartLifecycleDeps;

function lookup(found: { running?: unknown[]; historic?: unknown[] } = {}) {
  return nock(ENGINE)
    .get('/process-instance')
    .query({ processDefinitionKey: 'model-lifecycle', businessKey: 'MLM-7' })
    .reply(200, found.running ?? [])
    .get('/history/process-instance')
    .query({ processDefinitionKey: 'model-lifecycle', processInstanceBusinessKey: 'MLM-7', sortBy: 'startTime', sortOrder: 'asc' })
    .reply(200, found.historic ?? []);
}

function start(id = 'pi-7') {
  return nock(ENGINE)
    .post('/process-definition/key/model-lifecycle/start', {
      businessKey: 'MLM-7',
      variables: {
        issueKey: { value: 'MLM-7', type: 'String' },
        ticketCreatedAt: { value: '2026-01-05T09:30:00.000Z', type: 'String' },
        researchServerEnabled: { value: false, type: 'Boolean' },
        statusReconcileInterval: { value: 'PT10M', type: 'String' },
        startSettle: { value: 'PT5S', type: 'String' },
      },
    })
    .delay(20)
    .reply(200, startedInstance(id, 'MLM-7'));
}

beforeEach(() => {
  nock.disableNetConnect();
  deps = {
    engine: new EngineClient({ baseUrl: ENGINE, timeoutMs: 2_000 }),
    metrics: createMetrics({ defaultMetrics: false }),
    locks: new KeyedMutex(),
    researchServerEnabled: false,
    statusReconcileInterval: 'PT10M',
    startSettle: 'PT5S',
  };
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('startLifecycleOnce', () => {
  it('starts model-lifecycle with the issue key as business key and the start variables', async () => {
    lookup();
    start();

    expect(await startLifecycleOnce(deps, input)).toEqual({ result: 'started', processInstanceId: 'pi-7' });
    expect((await deps.metrics.lifecyclesStarted.get()).values).toEqual([{ labels: { trigger: 'webhook' }, value: 1 }]);
  });

  it('answers duplicate with the running instance and starts nothing', async () => {
    lookup({ running: [startedInstance('pi-running', 'MLM-7')], historic: [historicInstance('pi-running', 'MLM-7', 'ACTIVE')] });

    expect(await startLifecycleOnce(deps, input)).toEqual({ result: 'duplicate', processInstanceId: 'pi-running' });
    expect((await deps.metrics.lifecyclesStarted.get()).values).toEqual([]);
  });

  it('answers duplicate for a finished or cancelled lifecycle too', async () => {
    lookup({ historic: [historicInstance('pi-cancelled', 'MLM-7', 'EXTERNALLY_TERMINATED')] });

    expect(await startLifecycleOnce(deps, input)).toEqual({ result: 'duplicate', processInstanceId: 'pi-cancelled' });
  });

  it('lets only one of two concurrent calls for a ticket start it', async () => {
    // A stateful fake: a look finds the instance only once the start has been answered.
    // Without the per-ticket mutex both looks run first, both find nothing, and the second
    // start has no interceptor.
    let starts = 0;
    nock(ENGINE)
      .get('/process-instance')
      .query(true)
      .times(2)
      .reply(200, () => (starts > 0 ? [startedInstance('pi-7', 'MLM-7')] : []));
    nock(ENGINE).get('/history/process-instance').query(true).times(2).reply(200, []);
    nock(ENGINE)
      .post('/process-definition/key/model-lifecycle/start')
      .delay(20)
      .reply(200, () => {
        starts++;
        return startedInstance('pi-7', 'MLM-7');
      });

    const results = await Promise.all([startLifecycleOnce(deps, input), startLifecycleOnce(deps, input)]);

    expect(results).toEqual([
      { result: 'started', processInstanceId: 'pi-7' },
      { result: 'duplicate', processInstanceId: 'pi-7' },
    ]);
    expect(starts).toBe(1);
    expect(deps.locks.size).toBe(0);
  });

  it('does not make different tickets wait for each other', async () => {
    let finishFirst!: () => void;
    const first = deps.locks.run('MLM-1', () => new Promise<void>((resolve) => (finishFirst = resolve)));
    lookup();
    start();

    expect(await startLifecycleOnce(deps, input)).toEqual({ result: 'started', processInstanceId: 'pi-7' });
    finishFirst();
    await first;
  });

  it('refuses bad start variables before calling the engine', async () => {
    await expect(startLifecycleOnce({ ...deps, statusReconcileInterval: '5 minutes' }, input)).rejects.toBeInstanceOf(ZodError);
    await expect(startLifecycleOnce(deps, { ...input, createdAt: 'yesterday' })).rejects.toBeInstanceOf(ZodError);
  });

  it('throws the EngineError when the engine is unreachable, and releases the ticket', async () => {
    nock(ENGINE).get('/process-instance').query(true).replyWithError(connectionRefused());
    nock(ENGINE).get('/history/process-instance').query(true).replyWithError(connectionRefused());

    const error = await startLifecycleOnce(deps, input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).unreachable).toBe(true);
    expect(deps.locks.size).toBe(0);
  });
});
