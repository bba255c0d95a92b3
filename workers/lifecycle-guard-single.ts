import { z } from 'zod';
import { PROCESS_KEY, Topics } from '../src/bpmn/contract.ts';
import { pickSurvivor } from '../src/domain/single-lifecycle.ts';
import type { EngineClient } from '../src/engine/camunda7/rest.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { defineWorker } from '../src/runtime/worker.ts';

/**
 * The webhook starts at most one lifecycle per ticket in one replica; this step makes it
 * exactly one across replicas: when two deliveries raced past the webhook's check, every
 * instance but the survivor ends here, before any side effect.
 */
export function createGuardSingleLifecycle(deps: { engine: EngineClient }) {
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
      const instances = await deps.engine.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: ctx.input.issueKey });
      const survivor = pickSurvivor(instances);
      if (!survivor || survivor.id === ctx.task.processInstanceId) return ctx.complete({ isDuplicate: false, duplicateOf: null });
      ctx.log.warn({ survivor: survivor.id }, 'another lifecycle already owns this ticket; ending this one');
      return ctx.complete({ isDuplicate: true, duplicateOf: survivor.id });
    },
  });
}
