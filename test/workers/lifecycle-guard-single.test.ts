import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { executeTask } from '../../src/runtime/execute.ts';
import type { TaskInfo } from '../../src/runtime/worker.ts';
import { createGuardSingleLifecycle } from '../../workers/lifecycle-guard-single.ts';

const parsed = parsePolicy(readFileSync('config/policy.example.toml', 'utf8'), 'policy.example.toml');
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const policy = parsed.policy;

/** A historic process instance as the engine's REST API describes it. */
const instance = (id: string, startTime: string) => ({ id, businessKey: 'MLM-1', processDefinitionKey: 'model-lifecycle', startTime, endTime: null, state: 'ACTIVE' });
type Instance = ReturnType<typeof instance>;
const first = instance('x-started-first', '2026-11-28T10:00:00.100+0000');
const second = instance('y-started-second', '2026-11-28T10:00:00.300+0000');

/** Runs the guard as the instance `self`, the engine answering the history queries in turn. */
async function guard(self: string, answers: Instance[][]) {
  const sleeps: number[] = [];
  const queries: unknown[] = [];
  const engine = {
    historicProcessInstances: async (query: unknown) => {
      queries.push(query);
      return answers[Math.min(queries.length - 1, answers.length - 1)]!;
    },
  };
  const worker = createGuardSingleLifecycle({ engine, policy, sleep: async (ms) => void sleeps.push(ms) });
  const task: TaskInfo = { id: 't', topic: worker.topic, businessKey: 'MLM-1', processInstanceId: self, activityId: 'Task_GuardSingleLifecycle', attempt: 1 };
  const result = await executeTask(worker, { issueKey: 'MLM-1' }, task, {
    log: createLogger({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    signal: new AbortController().signal,
  });
  return { result, sleeps, queries };
}

describe('lifecycle:guard:single', () => {
  it('goes on when it is still the only lifecycle after the settle time', async () => {
    const { result, sleeps, queries } = await guard(first.id, [[first], [first]]);
    expect(result).toEqual({ kind: 'complete', variables: { isDuplicate: false, duplicateOf: null } });
    expect(sleeps).toEqual([5_000]);
    expect(queries).toEqual([
      { processDefinitionKey: 'model-lifecycle', businessKey: 'MLM-1' },
      { processDefinitionKey: 'model-lifecycle', businessKey: 'MLM-1' },
    ]);
  });

  it('ends at once, without waiting, when an earlier lifecycle is visible', async () => {
    const { result, sleeps } = await guard(second.id, [[first, second]]);
    expect(result).toEqual({ kind: 'complete', variables: { isDuplicate: true, duplicateOf: first.id } });
    expect(sleeps).toEqual([]);
  });

  it('yields to a lifecycle that started earlier but committed later (replicas racing)', async () => {
    // y committed first and saw only itself; x, which started first, became visible while y settled.
    const { result } = await guard(second.id, [[second], [first, second]]);
    expect(result).toEqual({ kind: 'complete', variables: { isDuplicate: true, duplicateOf: first.id } });
  });
});
