import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { commitSha, isoInstant, repository } from '../src/domain/lifecycle-variables.ts';
import { chaseDue, judgeReview, newCommitsUnderReview, reviewAssignment, reviewPullRequest, reviewState } from '../src/domain/review.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleCommit, exampleNewHead, examplePullRequest, exampleRepository, exampleReviewState } from './examples.ts';
import { splitRepository } from './review-people.ts';

export const reviewsTold = z.array(z.number().int()).describe('Ids of the "changes requested" reviews the developer was told of');

/**
 * Reads the pull request as it is now, when the wait for reviews begins, after each review or
 * merge webhook and on each re-check: every review and whether it is merged. So a review or a
 * merge that came before the wait, or whose webhook was lost, still counts, and a webhook sent
 * twice changes nothing. Also sets the reminder and replacement timers from the requests and
 * the working calendar. A pull request closed without merging is to be told once per closing
 * (`reviewClosedToTell`), and nobody is chased while it stays closed; once it is reopened the
 * review goes on with the same reviewers and the reviews GitHub still shows.
 *
 * Only the commit the build tested (`buildCommit`) is reviewed: an approval of another commit
 * does not count, and a pull request whose head moved past it (new commits pushed, or merged at
 * a head that was never built) is `reviewNewCommits`: the flow builds and tests the new head
 * first and asks the same reviewers again. The push webhook wakes the wait for this; the
 * re-check timer finds a push whose webhook was lost.
 */
export function createCheckReview(deps: { github: Pick<GitHubClient, 'pullRequest' | 'pullRequestReviews'>; policy: Policy; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.checkReview,
    description: "Reads the pull request's reviews and merge now, and when the next reminder and replacement fall due",
    input: z.object({
      repository,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      buildCommit: commitSha.describe('The commit the last green build tested: the only one whose approvals count'),
      reviewsTold: reviewsTold.optional().describe('Ids of the "changes requested" reviews the developer was told of; absent: none'),
      reviewClosedTold: z.boolean().optional().describe('The developer was told of the closing of the pull request as it is now; absent: not told'),
    }),
    output: z.object({
      reviewState,
      reviewDone: z.boolean().describe('Every required reviewer approved the built commit and the pull request is merged at it'),
      reviewNewCommits: z.boolean().describe("The pull request's head is not the built commit (new commits, or merged at a head never built): build and test it, then ask again"),
      reviewHeadSha: commitSha.describe("The pull request's head commit now"),
      reviewChangesToTell: z.boolean().describe('A "changes requested" review the developer was not told of yet (never while the pull request is closed or new commits are to be built)'),
      reviewClosedToTell: z.boolean().describe('The pull request is closed without merging and the developer was not told of this closing yet'),
      reviewClosedTold: z.boolean().describe('Kept while the pull request stays closed; false once it is open, so a later closing is told again'),
      reviewRemindAt: isoInstant.describe('When the next reminder falls due (timer date)'),
      reviewReassignAt: isoInstant.describe('When the next replacement falls due (timer date)'),
      mergedPr: z
        .object({
          number: z.number().int().describe('The pull request number'),
          mergeCommitSha: z.string().describe('The merge commit GitHub made: what the delivery deploys and reads its functional cases at'),
          mergedAt: z.string().nullable().describe('When it was merged'),
        })
        .optional()
        .describe('Written once the pull request is merged, as the merge webhook would, so the delivered commit does not depend on which of the two came first'),
    }),
    errors: {},
    examples: [
      {
        title: 'alice approved and the pull request is merged',
        input: { repository: exampleRepository, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment, buildCommit: exampleCommit },
        outcome: {
          kind: 'complete',
          variables: {
            reviewState: { ...exampleReviewState, closed: false, staleApprovals: [] },
            reviewDone: true,
            reviewNewCommits: false,
            reviewHeadSha: exampleCommit,
            reviewChangesToTell: false,
            reviewClosedToTell: false,
            reviewClosedTold: false,
            reviewRemindAt: '2026-12-01T12:00:00.000Z',
            reviewReassignAt: '2026-12-02T12:00:00.000Z',
            mergedPr: { number: examplePullRequest.number, mergeCommitSha: 'e5bd3914e2e596debea16f433f57875b5b90bcd6', mergedAt: '2026-12-01T10:30:00Z' },
          },
        },
      },
      {
        title: 'alice approved the built commit, then the developer pushed another',
        input: { repository: exampleRepository, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment, buildCommit: exampleCommit },
        outcome: {
          kind: 'complete',
          variables: {
            reviewState: { ...exampleReviewState, merged: false, mergedAt: null, closed: false, staleApprovals: [] },
            reviewDone: false,
            reviewNewCommits: true,
            reviewHeadSha: exampleNewHead,
            reviewChangesToTell: false,
            reviewClosedToTell: false,
            reviewClosedTold: false,
            reviewRemindAt: '2026-12-01T12:00:00.000Z',
            reviewReassignAt: '2026-12-02T12:00:00.000Z',
          },
        },
      },
    ],
    async run(ctx) {
      const [owner, repo] = splitRepository(ctx.input.repository.fullName);
      const number = ctx.input.pullRequest.number;
      const pull = await deps.github.pullRequest(owner, repo, number);
      const reviews = await deps.github.pullRequestReviews(owner, repo, number);
      const closed = pull.state === 'closed' && !pull.merged;
      const { buildCommit } = ctx.input;
      const state = judgeReview({ assignment: ctx.input.reviewAssignment, reviews, buildCommit, merged: pull.merged, mergedAt: pull.mergedAt, closed });
      const reviewNewCommits = newCommitsUnderReview({ headSha: pull.headSha, buildCommit, state: pull.state, merged: pull.merged });
      const told = new Set(ctx.input.reviewsTold ?? []);
      // Nobody is chased while the pull request is closed: with nobody pending, both timers move a year ahead.
      const due = chaseDue({
        assignment: ctx.input.reviewAssignment,
        pending: closed ? [] : state.pending,
        rules: { calendar: calendarOf(deps.policy), remindAfter: deps.policy.reviewers.remind_after, reassignAfter: deps.policy.reviewers.reassign_after },
        now: now().toISOString(),
      });
      const reviewDone = state.requiredApproved && state.merged && !reviewNewCommits;
      const reviewChangesToTell = !reviewDone && !closed && !reviewNewCommits && state.changesRequested.some((review) => !told.has(review.id));
      const reviewClosedTold = closed && (ctx.input.reviewClosedTold ?? false);
      const reviewClosedToTell = closed && !reviewClosedTold;
      ctx.log.info(
        { requiredApproved: state.requiredApproved, merged: state.merged, closed, head: pull.headSha, buildCommit, newCommits: reviewNewCommits, staleApprovals: state.staleApprovals, pending: state.pending, changesToTell: reviewChangesToTell, closedToTell: reviewClosedToTell, remindAt: due.remindAt, reassignAt: due.reassignAt },
        'checked the review',
      );
      const mergedPr = pull.merged && pull.mergeCommitSha ? { mergedPr: { number, mergeCommitSha: pull.mergeCommitSha, mergedAt: pull.mergedAt } } : {};
      return ctx.complete({ reviewState: state, reviewDone, reviewNewCommits, reviewHeadSha: pull.headSha, reviewChangesToTell, reviewClosedToTell, reviewClosedTold, reviewRemindAt: due.remindAt, reviewReassignAt: due.reassignAt, ...mergedPr });
    },
  });
}

/** The policy's [working_calendar] as the working-time arithmetic takes it. */
export function calendarOf(policy: Policy) {
  const calendar = policy.working_calendar;
  return { timeZone: calendar.time_zone, days: calendar.days, start: calendar.start, end: calendar.end, holidays: calendar.holidays };
}
