import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { reviewAssignment, reviewAttempt, reviewPullRequest, reviewResultComment, reviewStageRecord, reviewState, reviewTimes } from '../src/domain/review.ts';
import { stageRecords, upsertStageRecord } from '../src/domain/stage-record.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, examplePullRequest, exampleReviewState } from './examples.ts';

/**
 * Comments `[Success] REVIEW_RESULT` once (key `model-lifecycle:<key>:review-result:<pull request>`): the
 * reviewers, who approved, the merge and the review times; records the review stage in
 * `stageRecords`; measures pickup (request → first review) and the approval and merge phases,
 * once, with the comment.
 */
export function createReportReview(deps: { jira: Pick<JiraClient, 'addComment'>; metrics: Pick<Metrics, 'reviewPickup' | 'reviewDuration'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.reportReview,
    description: 'Comments REVIEW_RESULT on the ticket, records the review stage and measures the review times',
    input: z.object({
      issueKey,
      pullRequest: reviewPullRequest,
      reviewAssignment,
      reviewState,
      stageRecords: stageRecords.optional().describe('Results of the stage attempts so far'),
    }),
    output: z.object({ stageRecords }),
    errors: {},
    examples: [
      {
        title: 'alice approved, merged',
        input: { issueKey: 'MLM-42', pullRequest: examplePullRequest, reviewAssignment: exampleAssignment, reviewState: exampleReviewState },
        outcome: {
          kind: 'complete',
          variables: { stageRecords: [reviewStageRecord({ assignment: exampleAssignment, state: exampleReviewState, pullRequest: examplePullRequest, endedAt: '2026-11-30T15:30:00.000Z' })] },
        },
      },
    ],
    async run(ctx) {
      const { issueKey: key, reviewAssignment: assignment, reviewState: state, pullRequest } = ctx.input;
      const comment = await deps.jira.addComment(key, {
        idempotencyKey: `model-lifecycle:${key}:review-result:${pullRequest.number}`,
        document: reviewResultComment({ assignment, state, pullRequest }),
      });
      if (comment.created) {
        const times = reviewTimes(assignment, state);
        for (const pickup of times.pickup) deps.metrics.reviewPickup.observe(pickup.seconds);
        if (times.approvalSeconds !== null) deps.metrics.reviewDuration.observe({ phase: 'approval' }, times.approvalSeconds);
        if (times.mergeSeconds !== null) deps.metrics.reviewDuration.observe({ phase: 'merge' }, times.mergeSeconds);
      }
      ctx.log.info({ commentId: comment.id, created: comment.created }, 'commented REVIEW_RESULT');
      const records = ctx.input.stageRecords ?? [];
      const attempt = reviewAttempt(records, pullRequest.url);
      const record = reviewStageRecord({ assignment, state, pullRequest, endedAt: state.mergedAt ?? now().toISOString(), attempt });
      return ctx.complete({ stageRecords: upsertStageRecord(records, record) });
    },
  });
}
