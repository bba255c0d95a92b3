import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, statusRole } from '../src/domain/lifecycle-variables.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';

/**
 * Looks at the ticket's current status when a wait begins (and on each re-check timer), so a
 * status change whose webhook came before the wait, or never came, is not lost.
 */
export function createCheckStatus(deps: { jira: JiraClient; policy: Policy }) {
  return defineWorker({
    topic: Topics.checkStatus,
    description: 'Tells whether the ticket already has the status the process is about to wait for',
    input: z.object({ issueKey, awaitedStatusRole: statusRole }),
    output: z.object({
      statusReached: z.boolean().describe('True when the ticket already has the awaited status'),
      jiraStatus: z.string().describe('The status the ticket has now'),
    }),
    errors: {},
    examples: [
      {
        title: 'still in research',
        input: { issueKey: 'MLM-1', awaitedStatusRole: 'ready_for_training' },
        outcome: { kind: 'complete', variables: { statusReached: false, jiraStatus: 'Research' } },
      },
    ],
    async run(ctx) {
      const awaited = statusName(deps.policy, ctx.input.awaitedStatusRole);
      const current = await deps.jira.getStatus(ctx.input.issueKey);
      const statusReached = current.localeCompare(awaited, undefined, { sensitivity: 'accent' }) === 0;
      ctx.log.info({ current, awaited, statusReached }, 'checked the ticket status');
      return ctx.complete({ statusReached, jiraStatus: current });
    },
  });
}

/** The Jira status name of a role, or an error an operator can act on. */
export function statusName(policy: Policy, role: string): string {
  const name = (policy.jira.statuses as Record<string, string | undefined>)[role];
  if (!name) {
    throw new InvalidTaskInputError(
      `status role "${role}" is not in [jira.statuses] of the policy file (known: ${Object.keys(policy.jira.statuses).join(', ')}); add it and retry the incident`,
    );
  }
  return name;
}
