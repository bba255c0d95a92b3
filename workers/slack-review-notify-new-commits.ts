import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { commitSha, issueKey, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { newCommitsKey, reviewAssignment, reviewPullRequest, unreachableSlack } from '../src/domain/review.ts';
import { newCommitsSlack } from '../src/domain/review-announcements.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleModelRequest, exampleNewHead, examplePullRequest } from './examples.ts';
import { reviewTicket, slackReach } from './review-people.ts';
import { postToTeam } from './team-channel.ts';

/**
 * Tells each reviewer asked now, by a Slack direct message, that new commits came during their
 * review: they are built and tested, and the review will be asked again on the same pull
 * request. Once per reviewer and head (key `model-lifecycle:<key>:review:new-commits:<head>:<login>`).
 * Someone the robot cannot find in Slack is named, with the fix, in the team's channel.
 */
export function createNotifyNewCommits(deps: {
  slack: Pick<SlackClient, 'lookupUserByEmail' | 'postDirectMessageOnce' | 'postMessageOnce'>;
  jira: Pick<JiraClient, 'getIssue'>;
  policy: Policy;
  issueUrl: (key: string) => string;
}) {
  return defineWorker({
    topic: Topics.notifyNewCommits,
    description: 'Tells each reviewer in Slack that new commits are built and tested before their review is asked again',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      reviewHeadSha: commitSha.describe("The pull request's head now: the commits to build"),
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'alice and carol told of the new commits',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment, reviewHeadSha: exampleNewHead },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, modelRequest, pullRequest, reviewHeadSha: headSha } = ctx.input;
      const ticket = await reviewTicket(deps, { issueKey: key, modelName: modelRequest.modelName, prUrl: pullRequest.url });
      const message = newCommitsSlack({ ...ticket, prNumber: pullRequest.number, headSha });
      const notBefore = ctx.input.ticketCreatedAt === undefined ? {} : { notBefore: new Date(Date.parse(ctx.input.ticketCreatedAt) - 3_600_000) };
      const problems: string[] = [];
      let sent = 0;
      for (const reviewer of ctx.input.reviewAssignment.reviewers) {
        const reach = await slackReach(deps, reviewer.login, reviewer.email);
        if ('problem' in reach) {
          problems.push(reach.problem);
          continue;
        }
        const dm = await deps.slack.postDirectMessageOnce({ user: reach.userId, idempotencyKey: newCommitsKey(key, headSha, reviewer.login), text: message.text, blocks: message.blocks, ...notBefore });
        if (dm.created) sent += 1;
      }
      if (problems.length > 0) {
        const unreachable = unreachableSlack({ issueKey: key, issueUrl: ticket.issueUrl, what: 'tell every reviewer of the new commits in Slack', problems });
        await postToTeam(deps, { team: modelRequest.team, idempotencyKey: `${newCommitsKey(key, headSha)}:unreachable`, message: unreachable, ticketCreatedAt: ctx.input.ticketCreatedAt });
      }
      ctx.log.info({ head: headSha, sent, unreachable: problems.length }, 'told the reviewers of the new commits in Slack');
      return ctx.complete({});
    },
  });
}
