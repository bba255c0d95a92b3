import { z } from 'zod';
import { Messages, PROCESS_KEY, StatusRoles } from '../bpmn/contract.ts';
import { isIsoDuration } from '../domain/duration.ts';
import { issueKey, ticketCreatedAt } from '../domain/lifecycle-variables.ts';

/** The BPMN contract as the HTTP ingress uses it; the names come from `src/bpmn/contract.ts`. */

/** Process definition key of the lifecycle; the business key is the Jira issue key. */
export const LIFECYCLE_PROCESS_KEY = PROCESS_KEY;

/** Message correlated for every `jira:issue_updated` of a model ticket. */
export const TICKET_UPDATED_MESSAGE = Messages.ticketUpdated;

/** Message correlated when a ticket moves to the status a policy role names, e.g. `jira-status:ready_for_training`. */
export function statusMessage(role: string): string {
  return Messages.statusReached(role);
}

/**
 * Status roles whose message (`jira-status:<role>`) the BPMN waits for. A move to any other
 * status sends only {@link TICKET_UPDATED_MESSAGE}: nothing would catch the status message.
 */
export const AWAITED_STATUS_ROLES: readonly string[] = [StatusRoles.readyForTraining, StatusRoles.readyForBuild];

/** The variables a lifecycle starts with. Parsed before every start so a bad config fails here, not in a worker. */
export const lifecycleStartVariables = z.object({
  issueKey,
  ticketCreatedAt,
  researchServerEnabled: z.boolean().describe('Whether a JupyterHub research server is started for the developer'),
  statusReconcileInterval: z
    .string()
    .refine(isIsoDuration, 'expected an ISO-8601 duration such as PT5M')
    .describe('How often the process re-reads the Jira status in case a webhook was lost (ISO-8601 duration)'),
  startSettle: z
    .string()
    .refine(isIsoDuration, 'expected an ISO-8601 duration such as PT5S')
    .describe('How long a new lifecycle that sees no earlier one for its ticket waits (a BPMN timer) before it looks again (ISO-8601 duration)'),
});
export type LifecycleStartVariables = z.infer<typeof lifecycleStartVariables>;
