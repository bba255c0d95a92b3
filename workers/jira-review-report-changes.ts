import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { reviewPullRequest, reviewState, untoldChangeRequests } from '../src/domain/review.ts';
import { changesRequestedComment } from '../src/domain/review-announcements.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleChangesRequestedState, exampleModelRequest, examplePullRequest } from './examples.ts';
import { reviewsTold } from './github-review-check.ts';

/** Comments each "changes requested" review the developer was not told of, once per review id (key `model-lifecycle:<key>:review:changes:<id>`). */
export function createReportChangesRequested(deps: { jira: Pick<JiraClient, 'addComment'>; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.reportChangesRequested,
    description: 'Comments on the ticket each new review that requests changes, with its words',
    input: z.object({ issueKey, modelRequest: modelRequestSchema, pullRequest: reviewPullRequest, reviewState, reviewsTold: reviewsTold.optional().describe('Ids of the "changes requested" reviews the developer was told of; absent: none') }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'carol requested changes',
        input: {
          issueKey: 'MLM-42',
          modelRequest: exampleModelRequest,
          pullRequest: examplePullRequest,
          reviewState: exampleChangesRequestedState,
        },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, pullRequest, modelRequest } = ctx.input;
      for (const review of untoldChangeRequests({ issueKey: key, prUrl: pullRequest.url, state: ctx.input.reviewState, told: ctx.input.reviewsTold })) {
        const comment = await deps.jira.addComment(key, {
          idempotencyKey: review.idempotencyKey,
          document: changesRequestedComment({
            issueKey: key,
            summary: '',
            modelName: modelRequest.modelName,
            prUrl: pullRequest.url,
            issueUrl: deps.issueUrl(key),
            reviewer: review.reviewer,
            developer: { displayName: modelRequest.developer.displayName },
            reviewUrl: review.reviewUrl,
            comment: review.comment,
          }),
        });
        ctx.log.info({ reviewId: review.id, reviewer: review.reviewer.githubLogin, commentId: comment.id, created: comment.created }, 'told the ticket that changes were requested');
      }
      return ctx.complete({});
    },
  });
}
