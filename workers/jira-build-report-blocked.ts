import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { buildBlockedComment } from '../src/domain/announcements.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { defineWorker } from '../src/runtime/worker.ts';

/** Tells the developer on the ticket why the inference build did not start; the same reason is commented once. */
export function createReportBuildBlocked(deps: { jira: Pick<JiraClient, 'addComment'> }) {
  return defineWorker({
    topic: Topics.reportBuildBlocked,
    description: 'Comments on the ticket why the inference build did not start (attempts used up)',
    input: z.object({ issueKey, buildBlockedReason: z.string().min(1).describe('Why the build did not start (the BPMN error message)') }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'build attempts used up',
        input: { issueKey: 'MLM-42', buildBlockedReason: 'This lifecycle has used all 10 inference builds (policy build.max_attempts).' },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const digest = createHash('sha256').update(ctx.input.buildBlockedReason).digest('hex').slice(0, 16);
      const comment = await deps.jira.addComment(ctx.input.issueKey, {
        idempotencyKey: `model-lifecycle:${ctx.input.issueKey}:build-blocked:${digest}`,
        document: buildBlockedComment(ctx.input.buildBlockedReason),
      });
      ctx.log.info({ commentId: comment.id, created: comment.created }, 'told the developer why the build did not start');
      return ctx.complete({});
    },
  });
}
