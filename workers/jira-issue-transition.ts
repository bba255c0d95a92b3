import { z } from 'zod';
import { StatusRoleOrder, Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, statusRole } from '../src/domain/lifecycle-variables.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { statusName } from './jira-status-check.ts';

/**
 * Moves the ticket to the status of a role. A ticket already there, or already at the status of
 * a later role ({@link StatusRoleOrder}), is left alone: the lifecycle never moves a ticket back
 * on its own. Only a task that sets `moveBack` (a failed stage handing the ticket back to the
 * developer) moves it to an earlier status.
 */
export function createTransitionIssue(deps: { jira: JiraClient; policy: Policy }) {
  return defineWorker({
    topic: Topics.transitionIssue,
    description: 'Moves the Jira ticket to the status the BPMN names by role',
    input: z.object({
      issueKey,
      targetStatusRole: statusRole,
      moveBack: z.boolean().optional().describe('True when the ticket is handed back to an earlier status (a failed stage); default false'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      { title: 'to research', input: { issueKey: 'MLM-1', targetStatusRole: 'research' }, outcome: { kind: 'complete', variables: {} } },
      { title: 'back to research after a failed training', input: { issueKey: 'MLM-1', targetStatusRole: 'research', moveBack: true }, outcome: { kind: 'complete', variables: {} } },
    ],
    async run(ctx) {
      const target = statusName(deps.policy, ctx.input.targetStatusRole);
      const position = StatusRoleOrder.indexOf(ctx.input.targetStatusRole);
      const laterRoles = position < 0 || ctx.input.moveBack ? [] : StatusRoleOrder.slice(position + 1);
      const leaveIn = laterRoles.flatMap((role) => (deps.policy.jira.statuses as Record<string, string | undefined>)[role] ?? []);
      const moved = await deps.jira.transitionTo(ctx.input.issueKey, target, { leaveIn });
      ctx.log.info(moved, moved.changed ? 'moved the ticket' : 'the ticket already had the status');
      return ctx.complete({});
    },
  });
}
