import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { reviewPullRequest, reviewState, untoldChangeRequests } from '../src/domain/review.ts';
import { changesRequestedSlack } from '../src/domain/review-announcements.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleChangesRequestedState, exampleModelRequest, examplePullRequest } from './examples.ts';
import { reviewsTold } from './github-review-check.ts';
import { developerSlackId, reviewTicket } from './review-people.ts';
import { postToTeam } from './team-channel.ts';

/**
 * Tells the developer in Slack of each new "changes requested" review, once per review id (key
 * `model-lifecycle:<key>:review:changes:<id>`): a direct message when Slack knows the
 * developer's e-mail, else a message to the team channel that names them. Writes `reviewsTold`.
 */
export function createNotifyChangesRequested(deps: {
  slack: Pick<SlackClient, 'lookupUserByEmail' | 'postDirectMessageOnce' | 'postMessageOnce'>;
  jira: Pick<JiraClient, 'getIssue'>;
  policy: Policy;
  issueUrl: (key: string) => string;
}) {
  return defineWorker({
    topic: Topics.notifyChangesRequested,
    description: 'Tells the developer in Slack of each new review that requests changes',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      pullRequest: reviewPullRequest,
      reviewState,
      reviewsTold: reviewsTold.optional().describe('Ids of the "changes requested" reviews the developer was told of; absent: none'),
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({ reviewsTold }),
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
        outcome: { kind: 'complete', variables: { reviewsTold: [81] } },
      },
    ],
    async run(ctx) {
      const { issueKey: key, modelRequest } = ctx.input;
      const told = new Set(ctx.input.reviewsTold ?? []);
      const fresh = untoldChangeRequests({ issueKey: key, prUrl: ctx.input.pullRequest.url, state: ctx.input.reviewState, told: ctx.input.reviewsTold });
      if (fresh.length > 0) {
        const ticket = await reviewTicket(deps, { issueKey: key, modelName: modelRequest.modelName, prUrl: ctx.input.pullRequest.url });
        const developerId = await developerSlackId(deps, modelRequest.developer.emailAddress);
        for (const review of fresh) {
          const message = changesRequestedSlack({
            ...ticket,
            reviewer: review.reviewer,
            developer: { displayName: modelRequest.developer.displayName, slackUserId: developerId },
            reviewUrl: review.reviewUrl,
            comment: review.comment,
          });
          const { idempotencyKey } = review;
          const text = developerId ? message.text : `${modelRequest.developer.displayName}: ${message.text}`;
          const posted = developerId
            ? await deps.slack.postDirectMessageOnce({ user: developerId, idempotencyKey, text, blocks: message.blocks })
            : await postToTeam(deps, { team: modelRequest.team, idempotencyKey, message: { ...message, text }, ticketCreatedAt: ctx.input.ticketCreatedAt });
          told.add(review.id);
          ctx.log.info({ reviewId: review.id, channel: posted.channel, created: posted.created, direct: developerId !== null }, 'told the developer that changes were requested');
        }
      }
      return ctx.complete({ reviewsTold: [...told].sort((a, b) => a - b) });
    },
  });
}
