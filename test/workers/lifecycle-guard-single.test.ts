import { describe, expect, it } from 'vitest';
import { createGuardSingleLifecycle } from '../../workers/lifecycle-guard-single.ts';
import { runWorker } from '../support/run-worker.ts';

/** A historic process instance as the engine's REST API describes it. */
const instance = (id: string, startTime: string) => ({ id, businessKey: 'MLM-1', processDefinitionKey: 'model-lifecycle', startTime, endTime: null, state: 'ACTIVE' });
type Instance = ReturnType<typeof instance>;
const first = instance('x-started-first', '2026-11-28T10:00:00.100+0000');
const second = instance('y-started-second', '2026-11-28T10:00:00.300+0000');

/** Runs one look of the guard as the instance `self`, the engine answering the history query with `visible`. */
async function look(self: string, visible: Instance[], variables: Record<string, unknown> = {}) {
  const queries: unknown[] = [];
  const engine = {
    historicProcessInstances: async (query: unknown) => {
      queries.push(query);
      return visible;
    },
  };
  const worker = createGuardSingleLifecycle({ engine });
  const started = performance.now();
  const result = await runWorker(worker, { issueKey: 'MLM-1', ...variables }, { businessKey: 'MLM-1', processInstanceId: self, activityId: 'Task_GuardSingleLifecycle' });
  return { result, queries, elapsedMs: performance.now() - started };
}

describe('lifecycle:guard:single', () => {
  it('asks the BPMN to wait and look again when it sees itself first, without waiting itself', async () => {
    const { result, queries, elapsedMs } = await look(first.id, [first]);
    expect(result).toEqual({ kind: 'complete', variables: { isDuplicate: false, duplicateOf: null, lookAgain: true } });
    expect(queries).toEqual([{ processDefinitionKey: 'model-lifecycle', businessKey: 'MLM-1' }]);
    // The settle wait is a BPMN timer: the handler returns at once and frees its slot.
    expect(elapsedMs).toBeLessThan(500);
  });

  it('goes on after the settle wait when it is still the only lifecycle', async () => {
    const { result } = await look(first.id, [first], { lookAgain: true });
    expect(result).toEqual({ kind: 'complete', variables: { isDuplicate: false, duplicateOf: null, lookAgain: false } });
  });

  it('ends at once, without a settle wait, when an earlier lifecycle is visible', async () => {
    const { result } = await look(second.id, [first, second]);
    expect(result).toEqual({ kind: 'complete', variables: { isDuplicate: true, duplicateOf: first.id, lookAgain: false } });
  });

  it('yields after the settle wait to a lifecycle that started earlier but committed later (replicas racing)', async () => {
    // y committed first and saw only itself; x, which started first, became visible while y's timer ran.
    const firstLook = await look(second.id, [second]);
    expect(firstLook.result).toMatchObject({ variables: { isDuplicate: false, lookAgain: true } });
    const secondLook = await look(second.id, [first, second], { lookAgain: true });
    expect(secondLook.result).toEqual({ kind: 'complete', variables: { isDuplicate: true, duplicateOf: first.id, lookAgain: false } });
  });
});
