import { z } from 'zod';
import { issueKey } from '../domain/lifecycle-variables.ts';

/*
 * The BPMN contract as far as the HTTP ingress needs it. `src/bpmn/contract.ts` is being
 * written concurrently; until it exists these strings are defined here. Once it lands,
 * re-export its constants from this module so there is one source of truth.
 */

/** Process definition key of the lifecycle; the business key is the Jira issue key. */
export const LIFECYCLE_PROCESS_KEY = 'model-lifecycle';

/** Message correlated for every `jira:issue_updated` of a model ticket. */
export const TICKET_UPDATED_MESSAGE = 'jira-ticket:updated';

/** Message correlated when a ticket moves to the status a policy role names, e.g. `jira-status:ready_for_training`. */
export function statusMessage(role: string): string {
  return `jira-status:${role}`;
}

/** ISO-8601 duration such as `PT5M` or `P1DT2H`, the form Camunda timer definitions accept. */
const isoDuration = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** The variables a lifecycle starts with. Parsed before every start so a bad config fails here, not in a worker. */
export const lifecycleStartVariables = z.object({
  issueKey,
  ticketCreatedAt: z.iso.datetime({ offset: true }).describe('When the Jira ticket was created (ISO-8601 instant)'),
  researchServerEnabled: z.boolean().describe('Whether a JupyterHub research server is started for the developer'),
  statusReconcileInterval: z
    .string()
    .regex(isoDuration, 'expected an ISO-8601 duration such as PT5M')
    .describe('How often the process re-reads the Jira status in case a webhook was lost (ISO-8601 duration)'),
});
export type LifecycleStartVariables = z.infer<typeof lifecycleStartVariables>;
