import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { nextReviewClosing, reviewAssignment, reviewClosedFacts, reviewClosedSlack, reviewPullRequest } from '../src/domain/review.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleModelRequest, examplePullRequest } from './examples.ts';
import { reviewClosings } from './jira-review-report-closed.ts';
import { developerSlackId } from './review-people.ts';
import { postToTeam } from './team-channel.ts';

/**
 * Tells the team channel, mentioning the developer when Slack knows their e-mail, that the
 * review pull request was closed without merging and that reopening it continues the review.
 * Once per closing (key `model-lifecycle:<key>:review:closed:<pr>:<closing>`). Writes
 * `reviewClosings` and `reviewClosedTold`, so the checks that follow while the pull request
 * stays closed tell nothing more.
 */
export function createNotifyReviewClosed(deps: { slack: Pick<SlackClient, 'lookupUserByEmail' | 'postMessageOnce'>; policy: Policy; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.notifyReviewClosed,
    description: 'Tells the team channel that the review pull request was closed without merging, and how to continue',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      reviewClosings: reviewClosings.optional().describe('Closings told so far; absent: none'),
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({
      reviewClosings,
      reviewClosedTold: z.boolean().describe('True: the developer was told of this closing'),
    }),
    errors: {},
    examples: [
      {
        title: 'the pull request was closed without merging',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment },
        outcome: { kind: 'complete', variables: { reviewClosings: 1, reviewClosedTold: true } },
      },
    ],
    async run(ctx) {
      const { issueKey: key, modelRequest, pullRequest } = ctx.input;
      const { closing, idempotencyKey } = nextReviewClosing({ issueKey: key, prNumber: pullRequest.number, told: ctx.input.reviewClosings });
      const developerId = await developerSlackId(deps, modelRequest.developer.emailAddress);
      const message = reviewClosedSlack(
        reviewClosedFacts({ issueKey: key, issueUrl: deps.issueUrl(key), modelRequest, pullRequest, assignment: ctx.input.reviewAssignment, developerSlackUserId: developerId }),
      );
      const posted = await postToTeam(deps, { team: modelRequest.team, idempotencyKey, message, ticketCreatedAt: ctx.input.ticketCreatedAt });
      ctx.log.info({ prNumber: pullRequest.number, closing, channel: posted.channel, created: posted.created, mentioned: developerId !== null }, 'told the team that the review pull request was closed');
      return ctx.complete({ reviewClosings: closing, reviewClosedTold: true });
    },
  });
}
