import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { isoInstant } from '../src/domain/lifecycle-variables.ts';
import { stageRecords, upsertStageRecord } from '../src/domain/stage-record.ts';
import { trainingOutcome, trainingStageRecord } from '../src/domain/training.ts';
import { trainResultComment } from '../src/domain/training-report.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleTrainingOutcome } from './examples.ts';

/**
 * Comments `[Success]` or `[Failed] TRAIN_RESULT` on the ticket, once per attempt (the comment
 * carries the key `<issue>:train-result:<attempt>`), and records the attempt in `stageRecords`.
 */
export function createReportTraining(deps: { jira: Pick<JiraClient, 'addComment'>; issueUrl: (key: string) => string; metrics: Pick<Metrics, 'trainingAttempts' | 'metricGate'> }) {
  return defineWorker({
    topic: Topics.reportTraining,
    description: 'Comments TRAIN_RESULT on the ticket and records the training attempt as a stage result',
    input: z.object({
      trainingOutcome,
      trainingStartedAt: isoInstant.optional().describe('When this training attempt started'),
      stageRecords: stageRecords.optional().describe('Results of the stage attempts so far'),
    }),
    output: z.object({ stageRecords }),
    errors: {},
    examples: [
      {
        title: 'churn-predictor trained',
        input: { trainingOutcome: exampleTrainingOutcome, trainingStartedAt: '2026-11-30T10:00:00.000Z' },
        outcome: {
          kind: 'complete',
          variables: { stageRecords: [trainingStageRecord(exampleTrainingOutcome, '2026-11-30T10:00:00.000Z')] },
        },
      },
    ],
    async run(ctx) {
      const outcome = ctx.input.trainingOutcome;
      const comment = await deps.jira.addComment(outcome.issueKey, {
        idempotencyKey: `model-lifecycle:${outcome.issueKey}:train-result:${outcome.attempt}`,
        document: trainResultComment(outcome, { issueUrl: deps.issueUrl(outcome.issueKey) }),
      });
      // Counted with the comment, so a retried report counts the attempt and its gate once.
      if (comment.created) {
        deps.metrics.trainingAttempts.inc({ outcome: outcome.outcome, failure_class: outcome.failureClass ?? 'none' });
        for (const verdict of outcome.gate?.verdicts ?? []) deps.metrics.metricGate.inc({ metric: verdict.metric, result: verdict.passed ? 'pass' : 'fail' });
      }
      ctx.log.info({ commentId: comment.id, created: comment.created, outcome: outcome.outcome, failureClass: outcome.failureClass }, 'commented TRAIN_RESULT');
      const record = trainingStageRecord(outcome, ctx.input.trainingStartedAt ?? null);
      return ctx.complete({ stageRecords: upsertStageRecord(ctx.input.stageRecords ?? [], record) });
    },
  });
}

