import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { executeTask, retryDelayMs } from '../../src/runtime/execute.ts';
import { InvalidTaskInputError, defineWorker, type TaskInfo } from '../../src/runtime/worker.ts';

const task: TaskInfo = { id: 't1', topic: 'test:step', businessKey: 'MLM-1', processInstanceId: 'p1', activityId: 'Task_1', attempt: 1 };
const log = createLogger({ level: 'silent' });

function setup() {
  const metrics = createMetrics({ defaultMetrics: false });
  return { metrics, options: { log, metrics, signal: new AbortController().signal } };
}

const worker = defineWorker({
  topic: 'test:step',
  description: 'doubles a number, refuses 13',
  input: z.object({ n: z.number().int() }),
  output: z.object({ doubled: z.number() }),
  errors: { UNLUCKY: 'the number is 13' },
  examples: [],
  async run(ctx) {
    if (ctx.input.n === 13) return ctx.bpmnError('UNLUCKY', '13 is unlucky');
    if (ctx.input.n < 0) throw new Error('upstream said 503');
    if (ctx.input.n === 99) return ctx.complete({ doubled: 'many' as unknown as number });
    return ctx.complete({ doubled: ctx.input.n * 2 });
  },
});

describe('executeTask', () => {
  it('completes with the validated output and counts the outcome', async () => {
    const { metrics, options } = setup();
    const result = await executeTask(worker, { n: 21, unrelated: 'x' }, task, options);
    expect(result).toEqual({ kind: 'complete', variables: { doubled: 42 } });
    const counted = await metrics.taskOutcomes.get();
    expect(counted.values).toEqual([expect.objectContaining({ value: 1, labels: { topic: 'test:step', outcome: 'complete', failure_class: 'none' } })]);
  });

  it('turns a declared business outcome into a BPMN error', async () => {
    const result = await executeTask(worker, { n: 13 }, task, setup().options);
    expect(result).toEqual({ kind: 'bpmnError', code: 'UNLUCKY', message: '13 is unlucky', variables: {} });
  });

  it('does not retry invalid input and names the bad variable', async () => {
    const result = await executeTask(worker, { n: 'seven' }, task, setup().options);
    expect(result).toMatchObject({ kind: 'failure', retryable: false, failureClass: 'InvalidTaskInputError' });
    expect(result.kind === 'failure' && result.message).toMatch(/test:step: .*n: /);
  });

  it('retries a thrown error and keeps its stack for the incident details', async () => {
    const result = await executeTask(worker, { n: -1 }, task, setup().options);
    expect(result).toMatchObject({ kind: 'failure', retryable: true, message: 'upstream said 503', failureClass: 'Error' });
    expect(result.kind === 'failure' && result.details).toContain('execute.test.ts');
  });

  it('does not retry a handler that throws InvalidTaskInputError', async () => {
    const refusing = defineWorker({ ...worker, async run() { throw new InvalidTaskInputError('no such team'); } });
    expect(await executeTask(refusing, { n: 1 }, task, setup().options)).toMatchObject({ kind: 'failure', retryable: false });
  });

  it('treats output that breaks the contract as a bug, not a retry', async () => {
    const result = await executeTask(worker, { n: 99 }, task, setup().options);
    expect(result).toMatchObject({ kind: 'failure', retryable: false });
    expect(result.kind === 'failure' && result.message).toContain('doubled');
  });

  it('refuses an error code the worker does not declare', async () => {
    const sneaky = defineWorker({ ...worker, errors: {} as Record<'UNLUCKY', string>, async run(ctx) { return ctx.bpmnError('UNLUCKY', 'x'); } });
    const result = await executeTask(sneaky, { n: 1 }, task, setup().options);
    expect(result).toMatchObject({ kind: 'failure', retryable: false });
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(attempt, 1_000, 5_000))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
