import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { requestInvalidComment } from '../src/domain/announcements.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { defineWorker } from '../src/runtime/worker.ts';

/** Comments on the ticket with every problem that stops the repository from being created. */
export function createReportInvalidRequest(deps: { jira: JiraClient }) {
  return defineWorker({
    topic: Topics.reportInvalidRequest,
    description: 'Tells the developer on the ticket what the model request is missing',
    input: z.object({
      issueKey,
      requestProblems: z.string().min(1).describe('Problems found in the ticket, one per line (the BPMN error message)'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'missing team',
        input: { issueKey: 'MLM-7', requestProblems: 'The ticket has no team: set the Team field to one of: search, pricing.' },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const problems = ctx.input.requestProblems.split('\n').filter((line) => line.trim().length > 0);
      // The same problems reported again (timer re-check, retry) leave one comment; new ones a new comment.
      const digest = createHash('sha256').update(ctx.input.requestProblems).digest('hex').slice(0, 16);
      const result = await deps.jira.addComment(ctx.input.issueKey, {
        idempotencyKey: `model-lifecycle:${ctx.input.issueKey}:request-invalid:${digest}`,
        document: requestInvalidComment(problems),
      });
      ctx.log.info({ commentId: result.id, created: result.created }, 'reported the invalid request on the ticket');
      return ctx.complete({});
    },
  });
}
