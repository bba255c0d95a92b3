import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { buildOutcome, buildStageRecords } from '../src/domain/build-outcome.ts';
import { buildResultComment, testingResultComment } from '../src/domain/build-report.ts';
import { isoInstant } from '../src/domain/lifecycle-variables.ts';
import { stageRecords, upsertStageRecord } from '../src/domain/stage-record.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleBuildOutcome } from './examples.ts';

/**
 * Comments BUILD_RESULT and TESTING_RESULT on the ticket, each once per attempt (keys
 * `<issue>:build-result:<attempt>` and `<issue>:testing-result:<attempt>`), and records the
 * build and testing stages in `stageRecords`.
 */
export function createReportBuild(deps: { jira: Pick<JiraClient, 'addComment'>; issueUrl: (key: string) => string; metrics: Pick<Metrics, 'buildAttempts' | 'testsRerun'> }) {
  return defineWorker({
    topic: Topics.reportBuild,
    description: 'Comments BUILD_RESULT and TESTING_RESULT on the ticket and records both stages',
    input: z.object({
      buildOutcome,
      buildStartedAt: isoInstant.optional().describe('When this build attempt started'),
      stageRecords: stageRecords.optional().describe('Results of the stage attempts so far'),
    }),
    output: z.object({ stageRecords }),
    errors: {},
    examples: [
      {
        title: 'churn-predictor built and tested',
        input: { buildOutcome: exampleBuildOutcome, buildStartedAt: '2026-11-30T11:00:00.000Z' },
        outcome: { kind: 'complete', variables: { stageRecords: buildStageRecords(exampleBuildOutcome, '2026-11-30T11:00:00.000Z') } },
      },
    ],
    async run(ctx) {
      const outcome = ctx.input.buildOutcome;
      const links = { issueUrl: deps.issueUrl(outcome.issueKey) };
      const build = await deps.jira.addComment(outcome.issueKey, {
        idempotencyKey: `model-lifecycle:${outcome.issueKey}:build-result:${outcome.attempt}`,
        document: buildResultComment(outcome, links),
      });
      const testing = await deps.jira.addComment(outcome.issueKey, {
        idempotencyKey: `model-lifecycle:${outcome.issueKey}:testing-result:${outcome.attempt}`,
        document: testingResultComment(outcome, links),
      });
      // Counted with the first comment, so a retried report counts the attempt (and its reruns) once.
      if (build.created) {
        deps.metrics.buildAttempts.inc({ outcome: outcome.outcome, failure_class: outcome.failureClass ?? 'none' });
        deps.metrics.testsRerun.inc(outcome.checks.tests.value?.flakyTotal ?? 0);
      }
      ctx.log.info({ buildComment: build.id, testingComment: testing.id, outcome: outcome.outcome, failureClass: outcome.failureClass }, 'commented BUILD_RESULT and TESTING_RESULT');
      const records = buildStageRecords(outcome, ctx.input.buildStartedAt ?? null).reduce(upsertStageRecord, ctx.input.stageRecords ?? []);
      return ctx.complete({ stageRecords: records });
    },
  });
}
