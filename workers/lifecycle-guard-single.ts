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
 *
 * An instance that sees itself as the survivor on its first look answers `lookAgain`: the BPMN
 * waits `startSettle` on a timer and brings it back here for a second, final look. A start that
 * began earlier (and so wins) but committed later becomes visible meanwhile. Without the second
 * look both would go on, each having seen itself first. The wait is the engine's: no handler
 * sleeps, so a burst of new tickets never queues behind it.
 */
export function createGuardSingleLifecycle(deps: { engine: Pick<EngineClient, 'historicProcessInstances'> }) {
  return defineWorker({
    topic: Topics.guardSingle,
    description: 'Ends this lifecycle when an earlier one exists for the same Jira ticket; asks the BPMN to wait and look again when none is visible yet',
    input: z.object({
      issueKey,
      lookAgain: z
        .boolean()
        .optional()
        .describe('Written by the first look; true when this look comes back from the settle timer, and so is the last'),
    }),
    output: z.object({
      isDuplicate: z.boolean().describe('True when an earlier lifecycle owns this ticket'),
      duplicateOf: z.string().nullable().describe('Process instance id of that earlier lifecycle'),
      lookAgain: z.boolean().describe('True after a first look that saw no earlier lifecycle: the BPMN waits startSettle, then this step looks again'),
    }),
    errors: {},
    examples: [
      {
        title: 'first look at MLM-1, no earlier lifecycle yet',
        input: { issueKey: 'MLM-1' },
        outcome: { kind: 'complete', variables: { isDuplicate: false, duplicateOf: null, lookAgain: true } },
      },
      {
        title: 'second delivery of MLM-1',
        input: { issueKey: 'MLM-1' },
        outcome: { kind: 'complete', variables: { isDuplicate: true, duplicateOf: 'earlier-instance-id', lookAgain: false } },
      },
      {
        title: 'look after the settle wait, still the first',
        input: { issueKey: 'MLM-1', lookAgain: true },
        outcome: { kind: 'complete', variables: { isDuplicate: false, duplicateOf: null, lookAgain: false } },
      },
    ],
    async run(ctx) {
      const owner = pickSurvivor(await deps.engine.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: ctx.input.issueKey }));
      if (owner && owner.id !== ctx.task.processInstanceId) {
        ctx.log.warn({ survivor: owner.id }, 'another lifecycle already owns this ticket; ending this one');
        return ctx.complete({ isDuplicate: true, duplicateOf: owner.id, lookAgain: false });
      }
      // The first look that sees no earlier lifecycle cannot decide yet: the engine waits, then asks again.
      return ctx.complete({ isDuplicate: false, duplicateOf: null, lookAgain: ctx.input.lookAgain !== true });
    },
  });
}
