import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { reviewAssignment, reviewerReplacedSlack, reviewPullRequest, unreachableSlack } from '../src/domain/review.ts';
import { reviewerChosenSlack } from '../src/domain/review-announcements.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleModelRequest, examplePullRequest } from './examples.ts';
import { developerSlackId, reviewTicket, slackReach } from './review-people.ts';
import { postToTeam } from './team-channel.ts';

/**
 * Sends each chosen reviewer "You were chosen as reviewer of MLM-42 [model] …" with the buttons
 * PR in <model>, Task in Jira and Dashboard in Jira, once per person and request (key
 * `model-lifecycle:<key>:review:chosen:<login>:<first request>`; the same reviewers asked again
 * after new commits are not told again), and each reviewer replaced in
 * this assignment version a message that someone took over. Someone the robot cannot find in
 * Slack is named, with the fix, in one message to the team's channel.
 */
export function createNotifyReviewers(deps: {
  slack: Pick<SlackClient, 'lookupUserByEmail' | 'postDirectMessageOnce' | 'postMessageOnce'>;
  jira: Pick<JiraClient, 'getIssue'>;
  policy: Policy;
  issueUrl: (key: string) => string;
}) {
  return defineWorker({
    topic: Topics.notifyReviewers,
    description: 'Sends each chosen (and each replaced) reviewer a Slack direct message once; names who cannot be reached in the team channel',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'alice and carol told',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, reviewAssignment: assignment, modelRequest } = ctx.input;
      const ticket = await reviewTicket(deps, { issueKey: key, modelName: modelRequest.modelName, prUrl: ctx.input.pullRequest.url });
      const developer = { displayName: modelRequest.developer.displayName, slackUserId: await developerSlackId(deps, modelRequest.developer.emailAddress) };
      const notBefore = ctx.input.ticketCreatedAt === undefined ? {} : { notBefore: new Date(Date.parse(ctx.input.ticketCreatedAt) - 3_600_000) };
      const problems: string[] = [];
      let sent = 0;
      for (const reviewer of assignment.reviewers) {
        const reach = await slackReach(deps, reviewer.login, reviewer.email);
        if ('problem' in reach) {
          problems.push(reach.problem);
          continue;
        }
        const reason = reviewer.role === 'required' ? `${reviewer.reason} — your approval is required` : reviewer.reason;
        const message = reviewerChosenSlack({ ...ticket, developer, reason });
        const dm = await deps.slack.postDirectMessageOnce({ user: reach.userId, idempotencyKey: `model-lifecycle:${key}:review:chosen:${reviewer.login}:${reviewer.firstRequestedAt ?? reviewer.requestedAt}`, text: message.text, blocks: message.blocks, ...notBefore });
        if (dm.created) sent += 1;
      }
      for (const replaced of assignment.replaced.filter((entry) => entry.version === assignment.version)) {
        const reach = await slackReach(deps, replaced.login, replaced.email);
        if ('problem' in reach) continue;
        const message = reviewerReplacedSlack({ ...ticket, by: replaced.by, reason: replaced.reason });
        await deps.slack.postDirectMessageOnce({ user: reach.userId, idempotencyKey: `model-lifecycle:${key}:review:${ctx.input.pullRequest.number}:replaced:${replaced.login}:${replaced.version}`, text: message.text, blocks: message.blocks, ...notBefore });
      }
      if (problems.length > 0) {
        const message = unreachableSlack({ issueKey: key, issueUrl: ticket.issueUrl, what: 'tell every reviewer in Slack', problems });
        await postToTeam(deps, { team: modelRequest.team, idempotencyKey: `model-lifecycle:${key}:review:${ctx.input.pullRequest.number}:unreachable:${assignment.version}`, message, ticketCreatedAt: ctx.input.ticketCreatedAt });
      }
      ctx.log.info({ sent, unreachable: problems.length, version: assignment.version }, 'told the reviewers in Slack');
      return ctx.complete({});
    },
  });
}
