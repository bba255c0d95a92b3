import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { isoDurationVariable, issueKey } from '../src/domain/lifecycle-variables.ts';
import { noReviewerComment, reviewPullRequest } from '../src/domain/review.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { examplePullRequest } from './examples.ts';

export const reviewBlockedReason = z.string().min(1).describe('Why nobody can review (the NO_ELIGIBLE_REVIEWER message): who was left out and why');

/**
 * Comments on the ticket that nobody can review and why (who was left out, and what to change),
 * once per reason (key `model-lifecycle:<key>:review:<pull request>:blocked:<digest>`): the re-checks that
 * find the same reason say nothing new.
 */
export function createReportNoReviewer(deps: { jira: Pick<JiraClient, 'addComment'> }) {
  return defineWorker({
    topic: Topics.reportNoReviewer,
    description: 'Comments on the ticket why nobody can be asked to review, once per reason',
    input: z.object({
      issueKey,
      reviewBlockedReason,
      pullRequest: reviewPullRequest.optional().describe('The review pull request'),
      statusReconcileInterval: isoDurationVariable.describe('How often the lifecycle tries again'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'the only maintainer is away',
        input: {
          issueKey: 'MLM-42',
          reviewBlockedReason: 'No maintainer can review: team search in the policy lists alice; alice is unavailable from 2026-11-23 to 2026-12-04. Add another maintainer to team search in the policy, or wait until one is available.',
          pullRequest: examplePullRequest,
          statusReconcileInterval: 'PT30M',
        },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, reviewBlockedReason: reason } = ctx.input;
      const digest = createHash('sha256').update(reason).digest('hex').slice(0, 16);
      const comment = await deps.jira.addComment(key, {
        idempotencyKey: `model-lifecycle:${key}:review:${ctx.input.pullRequest?.number ?? 'none'}:blocked:${digest}`,
        document: noReviewerComment({ reason, prUrl: ctx.input.pullRequest?.url ?? null, retryEvery: ctx.input.statusReconcileInterval, issueKey: key }),
      });
      ctx.log.info({ commentId: comment.id, created: comment.created }, 'told the ticket that nobody can review');
      return ctx.complete({});
    },
  });
}
