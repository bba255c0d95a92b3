import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { analysisView, canaryFacts, canaryOutcome, canaryResultComment, canaryStageRecord } from '../src/domain/delivery.ts';
import { jenkinsBuildResult, type JenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { stageRecords, upsertStageRecord } from '../src/domain/stage-record.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCanaryDeploy, exampleCanaryFacts } from './examples.ts';

/**
 * Comments CANARY_RESULT on the ticket, once per attempt: approved and promoted, or rolled
 * back with the reason. Records the canary in `stageRecords` and, with the comment's creation
 * (so a rerun counts nothing twice), the decision metrics.
 */
export function createReportCanary(deps: { jira: Pick<JiraClient, 'addComment'>; metrics: Pick<Metrics, 'canaryDecisions' | 'canaryDecisionSeconds' | 'canaryAutomaticRollbacks'> }) {
  return defineWorker({
    topic: Topics.reportCanary,
    description: 'Comments CANARY_RESULT on the ticket, records the canary stage and counts the decision',
    input: z.object({
      canaryFacts,
      canaryOutcome,
      canaryAnalysisView: analysisView.optional().describe('The analysis as it ended'),
      canaryDeploy: jenkinsBuildResult.optional().describe('The canary deploy build'),
      promoteDeploy: jenkinsBuildResult.optional().describe('The promote build, when approved'),
      rollbackDeploy: jenkinsBuildResult.optional().describe('The rollback build, when rolled back'),
      stageRecords: stageRecords.optional().describe('Results of the stage attempts so far'),
    }),
    output: z.object({ stageRecords }),
    errors: {},
    examples: [
      {
        title: 'approved and promoted',
        input: {
          canaryFacts: exampleCanaryFacts,
          canaryOutcome: { attempt: 1, end: 'approved', promoted: true, automatic: false, by: { userId: 'U0ALICE0001', userName: 'alice' }, at: '2026-11-30T12:25:00.000Z', reason: 'Approved by @alice.', decisionSeconds: 300 },
          canaryDeploy: exampleCanaryDeploy,
        },
        outcome: {
          kind: 'complete',
          variables: {
            stageRecords: [
              canaryStageRecord(
                exampleCanaryFacts,
                { attempt: 1, end: 'approved', promoted: true, automatic: false, by: { userId: 'U0ALICE0001', userName: 'alice' }, at: '2026-11-30T12:25:00.000Z', reason: 'Approved by @alice.', decisionSeconds: 300 },
                [exampleCanaryDeploy],
              ),
            ],
          },
        },
      },
    ],
    async run(ctx) {
      const { canaryFacts: facts, canaryOutcome: outcome } = ctx.input;
      const attemptOf = (build: JenkinsBuildResult | undefined) => (build && build.buildKey.endsWith(`/${facts.attempt}`) ? build : undefined);
      const deploys = [attemptOf(ctx.input.canaryDeploy), outcome.promoted ? attemptOf(ctx.input.promoteDeploy) : attemptOf(ctx.input.rollbackDeploy)].filter((build) => build !== undefined);
      const comment = await deps.jira.addComment(facts.issueKey, {
        idempotencyKey: `model-lifecycle:${facts.issueKey}:canary-result:${facts.attempt}`,
        document: canaryResultComment(facts, outcome, ctx.input.canaryAnalysisView ?? null),
      });
      if (comment.created) {
        deps.metrics.canaryDecisions.inc({ outcome: outcome.end });
        if (outcome.decisionSeconds !== null) deps.metrics.canaryDecisionSeconds.observe({ outcome: outcome.end }, outcome.decisionSeconds);
        if (outcome.automatic) deps.metrics.canaryAutomaticRollbacks.inc({ reason: outcome.end });
      }
      ctx.log.info({ comment: comment.id, end: outcome.end, promoted: outcome.promoted }, 'commented CANARY_RESULT');
      const records = upsertStageRecord(ctx.input.stageRecords ?? [], canaryStageRecord(facts, outcome, deploys));
      return ctx.complete({ stageRecords: records });
    },
  });
}
