import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { deriveModelRequest, modelRequestSchema } from '../src/domain/model-request.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest } from './examples.ts';

/**
 * Reads the ticket as it is now (not as the webhook saw it) and turns it into a model
 * request with a rendered, validated model.toml. A ticket that cannot make a valid request
 * is a business outcome: the developer is told what to fix.
 */
export function createReadTicket(deps: { jira: JiraClient; policy: Policy }) {
  return defineWorker({
    topic: Topics.readTicket,
    description: 'Reads the Jira ticket and derives the model request and its model.toml',
    input: z.object({ issueKey }),
    output: z.object({ modelRequest: modelRequestSchema }),
    errors: { [ErrorCodes.modelRequestInvalid]: 'The ticket lacks or has invalid model fields; the message lists each problem' },
    examples: [
      { title: 'a complete ticket', input: { issueKey: 'MLM-42' }, outcome: { kind: 'complete', variables: { modelRequest: exampleModelRequest } } },
      {
        title: 'ticket without a team',
        input: { issueKey: 'MLM-7' },
        outcome: { kind: 'bpmnError', code: ErrorCodes.modelRequestInvalid },
      },
    ],
    async run(ctx) {
      const issue = await deps.jira.getIssue(ctx.input.issueKey);
      const derived = deriveModelRequest(issue, deps.policy);
      if (!derived.ok) {
        ctx.log.info({ problems: derived.problems }, 'model request on the ticket is invalid');
        return ctx.bpmnError(ErrorCodes.modelRequestInvalid, derived.problems.join('\n'));
      }
      return ctx.complete({ modelRequest: derived.request });
    },
  });
}
