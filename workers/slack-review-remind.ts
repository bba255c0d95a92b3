import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { chaseDue, formatSeconds, reviewAssignment, reviewPullRequest, reviewState, unreachableSlack } from '../src/domain/review.ts';
import { reviewReminderSlack } from '../src/domain/review-announcements.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleModelRequest, examplePullRequest, exampleReviewState } from './examples.ts';
import { calendarOf } from './github-review-check.ts';
import { developerSlackId, reviewTicket, slackReach } from './review-people.ts';
import { postToTeam } from './team-channel.ts';

/**
 * Reminds each reviewer who has not reviewed within `reviewers.remind_after` of working time
 * (and again each period after the last reminder): a direct message once per reviewer,
 * request and reminder number (key `model-lifecycle:<key>:review:remind:<login>:<requestedAt>:<n>`);
 * someone Slack does not know is named in the team channel instead. Updates `reviewAssignment`
 * with the reminders sent, which moves the reminder timer on.
 */
export function createRemindReviewers(deps: {
  slack: Pick<SlackClient, 'lookupUserByEmail' | 'postDirectMessageOnce' | 'postMessageOnce'>;
  jira: Pick<JiraClient, 'getIssue'>;
  policy: Policy;
  issueUrl: (key: string) => string;
  metrics: Pick<Metrics, 'reviewReminders'>;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.remindReviewers,
    description: 'Reminds the reviewers whose review is overdue in Slack, once per period',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      reviewState,
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({ reviewAssignment }),
    errors: {},
    examples: [
      {
        title: 'nobody due yet',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment, reviewState: exampleReviewState },
        outcome: { kind: 'complete', variables: { reviewAssignment: exampleAssignment } },
      },
    ],
    async run(ctx) {
      const at = now();
      const { issueKey: key, modelRequest, reviewAssignment: assignment } = ctx.input;
      const rules = { calendar: calendarOf(deps.policy), remindAfter: deps.policy.reviewers.remind_after, reassignAfter: deps.policy.reviewers.reassign_after };
      // Nobody is reminded while the pull request is closed without merging.
      const pending = ctx.input.reviewState.closed ? [] : ctx.input.reviewState.pending;
      const due = new Set(chaseDue({ assignment, pending, rules, now: at.toISOString() }).remind);
      if (due.size === 0) {
        ctx.log.info({ closed: ctx.input.reviewState.closed ?? false }, 'no reminder due');
        return ctx.complete({ reviewAssignment: assignment });
      }
      const ticket = await reviewTicket(deps, { issueKey: key, modelName: modelRequest.modelName, prUrl: ctx.input.pullRequest.url });
      const developer = { displayName: modelRequest.developer.displayName, slackUserId: await developerSlackId(deps, modelRequest.developer.emailAddress) };
      const problems: string[] = [];
      const reviewers = [];
      for (const reviewer of assignment.reviewers) {
        if (!due.has(reviewer.login)) {
          reviewers.push(reviewer);
          continue;
        }
        const reminder = reviewer.reminders + 1;
        const idempotencyKey = `model-lifecycle:${key}:review:remind:${reviewer.login}:${reviewer.requestedAt}:${reminder}`;
        const message = reviewReminderSlack({ ...ticket, developer, reminder, waitingFor: formatSeconds((at.getTime() - Date.parse(reviewer.requestedAt)) / 1000) });
        const reach = await slackReach(deps, reviewer.login, reviewer.email);
        if ('problem' in reach) problems.push(`${reviewer.login} has waited since ${reviewer.requestedAt} and was not reminded: ${reach.problem}`);
        else {
          const dm = await deps.slack.postDirectMessageOnce({ user: reach.userId, idempotencyKey, text: message.text, blocks: message.blocks });
          if (dm.created) deps.metrics.reviewReminders.inc({ role: reviewer.role });
        }
        reviewers.push({ ...reviewer, reminders: reminder, lastRemindedAt: at.toISOString() });
      }
      if (problems.length > 0) {
        const message = unreachableSlack({ issueKey: key, issueUrl: ticket.issueUrl, what: 'remind every late reviewer in Slack', problems });
        const reminders = reviewers.map((reviewer) => reviewer.reminders).join('-');
        await postToTeam(deps, { team: modelRequest.team, idempotencyKey: `model-lifecycle:${key}:review:${ctx.input.pullRequest.number}:remind-unreachable:${assignment.version}:${reminders}`, message, ticketCreatedAt: ctx.input.ticketCreatedAt });
      }
      ctx.log.info({ reminded: [...due], unreachable: problems.length }, 'reminded the late reviewers');
      return ctx.complete({ reviewAssignment: { ...assignment, reviewers } });
    },
  });
}
