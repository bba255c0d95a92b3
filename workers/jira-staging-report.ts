import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { deployParameters, judgeStaging, stagingEndpoints, stagingFunctional, stagingHealthSummary, stagingResultComment, stagingStageRecord, type StagingFacts } from '../src/domain/delivery.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { commitSha, isoInstant } from '../src/domain/lifecycle-variables.ts';
import { stageRecords, upsertStageRecord } from '../src/domain/stage-record.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCanaryParameters, exampleCommit, exampleStagingDeploy } from './examples.ts';

/**
 * Comments `[Success]` / `[Failed] STAGING_RESULT` on the ticket, once per attempt: the service
 * link, the health result and every functional case, with a diff for each mismatch. Records the
 * staging stage, counts the checks with the comment's creation, and writes `stagingPassed`,
 * which sends the lifecycle on to the canary or back to the developer.
 */
export function createReportStaging(deps: { jira: Pick<JiraClient, 'addComment'>; metrics: Pick<Metrics, 'stagingChecks'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.reportStaging,
    description: 'Comments STAGING_RESULT on the ticket (health and every functional case) and records the staging stage',
    input: z.object({
      issueKey: z.string().describe('The ticket'),
      deliveryAttempt: z.number().int().min(1).describe('The delivery attempt'),
      deliveryCommit: commitSha.describe('The commit delivered'),
      deliveryStartedAt: isoInstant.optional().describe('When the delivery attempt started'),
      stagingBuildParameters: deployParameters.describe('The staging deploy build\'s parameters: model and version'),
      stagingDeploy: jenkinsBuildResult.describe('How the staging deploy build ended'),
      stagingServiceUrl: z.url().describe('The staging service by the policy pattern'),
      stagingHealthUrl: z.url().describe('Its health check by the policy pattern'),
      stagingHealth: stagingHealthSummary.optional().describe('The health check'),
      stagingFunctional: stagingFunctional.optional().describe('The functional cases (absent or of an earlier attempt when the service was not healthy)'),
      stageRecords: stageRecords.optional().describe('Results of the stage attempts so far'),
    }),
    output: z.object({
      stagingPassed: z.boolean().describe('True when staging passed: the canary follows; false: back to the developer'),
      stagingFailureReason: z.string().nullable().describe('Why staging failed, for the developer; null when it passed'),
      stageRecords,
    }),
    errors: {},
    examples: [
      {
        title: 'staging deploy failed',
        input: {
          issueKey: 'MLM-42',
          deliveryAttempt: 1,
          deliveryCommit: exampleCommit,
          stagingBuildParameters: { ...exampleCanaryParameters, MODE: 'staging', BUILD_KEY: 'MLM-42/staging/1' },
          stagingDeploy: { ...exampleStagingDeploy, result: 'FAILURE', outputs: {} },
          stagingServiceUrl: 'https://churn-predictor.staging.ml.example.com',
          stagingHealthUrl: 'https://churn-predictor.staging.ml.example.com/health',
        },
        outcome: {
          kind: 'complete',
          variables: {
            stagingPassed: false,
            stagingFailureReason: 'The staging deploy build ended FAILURE.',
            stageRecords: [
              {
                stage: 'staging',
                attempt: 1,
                startedAt: null,
                endedAt: '2026-11-30T12:10:00.000Z',
                outcome: 'failure',
                failureClass: 'deploy_failed',
                summary: 'Staging of churn-predictor v3 failed. The staging deploy build ended FAILURE.',
                links: [
                  { title: 'Jenkins deploy build #41', url: 'https://jenkins.acme.example/job/ml/job/deploy-inference/41/' },
                  { title: 'Staging service', url: 'https://churn-predictor.staging.ml.example.com' },
                ],
              },
            ],
          },
        },
      },
    ],
    async run(ctx) {
      const input = ctx.input;
      const attempt = input.deliveryAttempt;
      const { serviceUrl } = stagingEndpoints(input.stagingDeploy, { serviceUrl: input.stagingServiceUrl, healthUrl: input.stagingHealthUrl });
      const facts: StagingFacts = {
        issueKey: input.issueKey,
        attempt,
        modelName: input.stagingBuildParameters.MODEL_NAME,
        modelVersion: input.stagingBuildParameters.MODEL_VERSION,
        commit: input.deliveryCommit,
        deploy: input.stagingDeploy,
        health: input.stagingHealth?.attempt === attempt ? input.stagingHealth : null,
        functional: input.stagingFunctional?.attempt === attempt ? input.stagingFunctional : null,
        serviceUrl,
      };
      const verdict = judgeStaging(facts);
      const comment = await deps.jira.addComment(input.issueKey, {
        idempotencyKey: `model-lifecycle:${input.issueKey}:staging-result:${attempt}`,
        document: stagingResultComment(facts),
      });
      if (comment.created) {
        deps.metrics.stagingChecks.inc({ check: 'deploy', result: facts.deploy.result === 'SUCCESS' ? 'pass' : 'fail' });
        if (facts.health) deps.metrics.stagingChecks.inc({ check: 'health', result: facts.health.verdict === 'healthy' ? 'pass' : 'fail' });
        for (const one of facts.functional?.cases ?? []) deps.metrics.stagingChecks.inc({ check: 'functional', result: one.outcome === 'match' ? 'pass' : 'fail' });
      }
      ctx.log.info({ comment: comment.id, outcome: verdict.outcome, failureClass: verdict.failureClass }, 'commented STAGING_RESULT');
      const endedAt = facts.functional || facts.health ? now().toISOString() : facts.deploy.endedAt;
      const record = stagingStageRecord(facts, input.deliveryStartedAt ?? null, endedAt);
      return ctx.complete({
        stagingPassed: verdict.outcome === 'success',
        stagingFailureReason: verdict.reason,
        stageRecords: upsertStageRecord(input.stageRecords ?? [], record),
      });
    },
  });
}
