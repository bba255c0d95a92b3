import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { commitSha, issueKey } from '../src/domain/lifecycle-variables.ts';
import { newCommitsComment, newCommitsKey, reviewAssignment, reviewPullRequest, reviewState } from '../src/domain/review.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleCommit, exampleNewHead, examplePullRequest, exampleReviewState } from './examples.ts';

/**
 * Comments `[New commits] REVIEW` on the ticket when the review pull request's head moved past
 * the commit the build tested (or was merged at a head never built): the new head is built and
 * tested first, then the same reviewers are asked again, and approvals count only on the built
 * commit. Once per head (key `model-lifecycle:<key>:review:new-commits:<head>`), so a retried
 * task or a duplicated push webhook comments nothing more.
 */
export function createReportNewCommits(deps: { jira: Pick<JiraClient, 'addComment'> }) {
  return defineWorker({
    topic: Topics.reportNewCommits,
    description: 'Comments on the ticket that new commits came during the review and are built and tested before the review goes on',
    input: z.object({
      issueKey,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      reviewState,
      buildCommit: commitSha.describe('The commit the last green build tested'),
      reviewHeadSha: commitSha.describe("The pull request's head now: the commits to build"),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'the developer pushed after alice approved',
        input: { issueKey: 'MLM-42', pullRequest: examplePullRequest, reviewAssignment: exampleAssignment, reviewState: { ...exampleReviewState, merged: false, mergedAt: null }, buildCommit: exampleCommit, reviewHeadSha: exampleNewHead },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, pullRequest, reviewHeadSha: headSha, buildCommit, reviewState: state } = ctx.input;
      const comment = await deps.jira.addComment(key, {
        idempotencyKey: newCommitsKey(key, headSha),
        document: newCommitsComment({
          issueKey: key,
          pullRequest,
          headSha,
          buildCommit,
          merged: state.merged,
          reviewers: ctx.input.reviewAssignment.reviewers.map((reviewer) => reviewer.login),
          approvedBy: state.approvedBy,
        }),
      });
      ctx.log.info({ head: headSha, buildCommit, merged: state.merged, commentId: comment.id, created: comment.created }, 'told the ticket that new commits are built before the review goes on');
      return ctx.complete({});
    },
  });
}
