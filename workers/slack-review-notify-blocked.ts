import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import { findTeam, type Policy } from '../src/config/policy.ts';
import { issueKey, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { noReviewerSlack, reviewPullRequest } from '../src/domain/review.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, examplePullRequest } from './examples.ts';
import { reviewBlockedReason } from './jira-review-report-blocked.ts';

/**
 * Tells the ML platform team (`reviewers.platform_channel`, else the model team's channel) that
 * a pull request has nobody to review it and why, once per reason.
 */
export function createNotifyNoReviewer(deps: { slack: Pick<SlackClient, 'postMessageOnce'>; policy: Policy; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.notifyNoReviewer,
    description: 'Tells the platform channel in Slack that nobody can review a model, once per reason',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      reviewBlockedReason,
      pullRequest: reviewPullRequest.optional().describe('The review pull request'),
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'the only maintainer is away',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, reviewBlockedReason: 'No maintainer can review: alice is unavailable.', pullRequest: examplePullRequest },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, modelRequest, reviewBlockedReason: reason } = ctx.input;
      const channel = deps.policy.reviewers.platform_channel ?? findTeam(deps.policy, modelRequest.team)?.slack_channel;
      if (!channel) throw new InvalidTaskInputError(`team "${modelRequest.team}" is no longer in [[teams]] of the policy file and reviewers.platform_channel is not set; set one and retry the incident`);
      const digest = createHash('sha256').update(reason).digest('hex').slice(0, 16);
      const message = noReviewerSlack({ issueKey: key, issueUrl: deps.issueUrl(key), modelName: modelRequest.modelName, reason, prUrl: ctx.input.pullRequest?.url ?? null });
      const posted = await deps.slack.postMessageOnce({
        channel,
        idempotencyKey: `model-lifecycle:${key}:review:${ctx.input.pullRequest?.number ?? 'none'}:blocked:${digest}`,
        text: message.text,
        blocks: message.blocks,
        ...(ctx.input.ticketCreatedAt === undefined ? {} : { notBefore: new Date(Date.parse(ctx.input.ticketCreatedAt) - 3_600_000) }),
      });
      ctx.log.info({ channel, ts: posted.ts, created: posted.created }, 'told the platform channel that nobody can review');
      return ctx.complete({});
    },
  });
}
