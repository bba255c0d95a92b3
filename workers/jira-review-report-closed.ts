import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { nextReviewClosing, reviewAssignment, reviewClosedComment, reviewClosedFacts, reviewPullRequest } from '../src/domain/review.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleModelRequest, examplePullRequest } from './examples.ts';

/** How many closings of the review pull request the developer was told of; the next closing is number `reviewClosings + 1`. */
export const reviewClosings = z.number().int().min(0).describe('How many closings without merge of the review pull request the developer was told of');

/**
 * Comments `[Closed] REVIEW` on the ticket when the review pull request was closed without
 * merging: reopen it to continue, the lifecycle waits. Once per closing (key
 * `model-lifecycle:<key>:review:closed:<pr>:<closing>`), so a retried task or a duplicated
 * webhook comments nothing more, and a second closing after a reopening is told again.
 */
export function createReportReviewClosed(deps: { jira: Pick<JiraClient, 'addComment'>; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.reportReviewClosed,
    description: 'Comments on the ticket that the review pull request was closed without merging, and how to continue',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      reviewClosings: reviewClosings.optional().describe('Closings told so far; absent: none'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'the pull request was closed without merging',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, pullRequest } = ctx.input;
      const { closing, idempotencyKey } = nextReviewClosing({ issueKey: key, prNumber: pullRequest.number, told: ctx.input.reviewClosings });
      const comment = await deps.jira.addComment(key, {
        idempotencyKey,
        document: reviewClosedComment(
          reviewClosedFacts({ issueKey: key, issueUrl: deps.issueUrl(key), modelRequest: ctx.input.modelRequest, pullRequest, assignment: ctx.input.reviewAssignment }),
        ),
      });
      ctx.log.info({ prNumber: pullRequest.number, closing, commentId: comment.id, created: comment.created }, 'told the ticket that the review pull request was closed');
      return ctx.complete({});
    },
  });
}
