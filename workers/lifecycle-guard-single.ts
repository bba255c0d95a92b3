import { z } from 'zod';
import { PROCESS_KEY, Topics } from '../src/bpmn/contract.ts';
import { pickSurvivor } from '../src/domain/single-lifecycle.ts';
import { parseIsoDuration } from '../src/domain/duration.ts';
import type { Policy } from '../src/config/policy.ts';
import type { EngineClient } from '../src/engine/camunda7/rest.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { defineWorker } from '../src/runtime/worker.ts';

/**
 * The webhook starts at most one lifecycle per ticket in one replica; this step makes it
 * exactly one across replicas: when two deliveries raced past the webhook's check, every
 * instance but the survivor ends here, before any side effect.
 *
 * An instance that sees itself as the survivor waits `timings.start_settle` and looks again
 * before it goes on: a start that began earlier (and so wins) but committed later becomes
 * visible meanwhile. Without the second look both would go on, each having seen itself first.
 */
export function createGuardSingleLifecycle(deps: { engine: Pick<EngineClient, 'historicProcessInstances'>; policy: Policy; sleep?: (ms: number) => Promise<void> }) {
  const settleMs = parseIsoDuration(deps.policy.timings.start_settle) ?? 5_000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return defineWorker({
    topic: Topics.guardSingle,
    description: 'Ends this lifecycle when an earlier one exists for the same Jira ticket',
    input: z.object({ issueKey }),
    output: z.object({
      isDuplicate: z.boolean().describe('True when an earlier lifecycle owns this ticket'),
      duplicateOf: z.string().nullable().describe('Process instance id of that earlier lifecycle'),
    }),
    errors: {},
    examples: [
      { title: 'first lifecycle of MLM-1', input: { issueKey: 'MLM-1' }, outcome: { kind: 'complete', variables: { isDuplicate: false, duplicateOf: null } } },
      { title: 'second delivery of MLM-1', input: { issueKey: 'MLM-1' }, outcome: { kind: 'complete', variables: { isDuplicate: true, duplicateOf: 'earlier-instance-id' } } },
    ],
    async run(ctx) {
      const survivor = async () =>
        pickSurvivor(await deps.engine.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: ctx.input.issueKey }));
      let owner = await survivor();
      if (!owner || owner.id === ctx.task.processInstanceId) {
        await sleep(settleMs);
        owner = await survivor();
      }
      if (!owner || owner.id === ctx.task.processInstanceId) return ctx.complete({ isDuplicate: false, duplicateOf: null });
      ctx.log.warn({ survivor: owner.id }, 'another lifecycle already owns this ticket; ending this one');
      return ctx.complete({ isDuplicate: true, duplicateOf: owner.id });
    },
  });
}
