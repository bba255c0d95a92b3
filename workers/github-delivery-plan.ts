import { z } from 'zod';
import { buildKeyOf, Topics } from '../src/bpmn/contract.ts';
import type { Policy } from '../src/config/policy.ts';
import { buildOutcome } from '../src/domain/build-outcome.ts';
import { deployParameters, fillUrlPattern, type DeployMode, type DeployParameters } from '../src/domain/delivery.ts';
import { commitSha, isoDurationVariable, isoInstant, issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { modelTomlSchema } from '../src/domain/model-toml.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { exampleBuildOutcome, exampleCommit, exampleDeployParameters, exampleModelConfig, exampleRepository } from './examples.ts';

const deliveryAttempt = z.number().int().min(0).describe('Delivery attempts this lifecycle has started');

const mergedPr = z
  .object({
    number: z.number().int().describe('The pull request number'),
    mergeCommitSha: commitSha.describe('The merge commit: what is delivered'),
    mergedAt: z.string().optional().describe('When it was merged'),
  })
  .passthrough()
  .describe('The review pull request, merged');

/**
 * Starts a delivery attempt: pins the merged commit (the review pull request's merge commit,
 * else the commit the build tested) and plans the four deploy builds of the attempt (staging,
 * canary, promote, rollback; build keys `<key>/<mode>/<attempt>`) and the staging checks.
 * Reads only, so a rerun is harmless.
 */
export function createPlanDelivery(deps: { policy: Policy; callbackUrl: () => string; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.planDelivery,
    description: 'Pins the merged commit and plans the deploy builds and staging checks of this delivery attempt',
    input: z.object({
      issueKey,
      repository,
      modelConfig: modelTomlSchema.describe('model.toml as the training read it ([inference_resources])'),
      buildOutcome: buildOutcome.describe('The green build: the image and the model version'),
      mergedPr: mergedPr.optional().describe('The merged review pull request (absent: the built commit is delivered)'),
      deliveryAttempt: deliveryAttempt.optional().describe('Delivery attempts started before this one (absent: none)'),
    }),
    output: z.object({
      deliveryAttempt: deliveryAttempt.min(1),
      deliveryCommit: commitSha.describe('The commit this attempt delivers; functional requests are read there'),
      deliveryStartedAt: isoInstant.describe('When this delivery attempt started'),
      deployJob: z.string().describe('Jenkins job path of the deploy builds (policy delivery.job)'),
      deployTimeout: isoDurationVariable.describe('A deploy build running longer is aborted (policy delivery.timeout)'),
      buildPollInterval: isoDurationVariable.describe('How often a build whose callback has not come is re-read (policy jenkins.poll_interval)'),
      stagingBuildKey: z.string().describe('<issue key>/staging/<attempt>'),
      stagingBuildParameters: deployParameters,
      canaryBuildKey: z.string().describe('<issue key>/canary/<attempt>'),
      canaryBuildParameters: deployParameters,
      promoteBuildKey: z.string().describe('<issue key>/promote/<attempt>'),
      promoteBuildParameters: deployParameters,
      rollbackBuildKey: z.string().describe('<issue key>/rollback/<attempt>'),
      rollbackBuildParameters: deployParameters,
      stagingServiceUrl: z.url().describe('The staging service by the policy pattern (a deploy build that reports service_url wins)'),
      stagingHealthUrl: z.url().describe('Its health check by the policy pattern (a deploy build that reports health_url wins)'),
      stagingHealthInterval: isoDurationVariable.describe('Time between two health probes (policy delivery.staging.health_interval)'),
    }),
    errors: {},
    examples: [
      {
        title: 'first delivery of churn-predictor',
        input: { issueKey: 'MLM-42', repository: exampleRepository, modelConfig: exampleModelConfig, buildOutcome: exampleBuildOutcome },
        outcome: {
          kind: 'complete',
          variables: {
            deliveryAttempt: 1,
            deliveryCommit: exampleCommit,
            deliveryStartedAt: '2026-11-30T12:00:00.000Z',
            deployJob: 'ml/deploy-inference',
            deployTimeout: 'PT30M',
            buildPollInterval: 'PT1M',
            stagingBuildKey: 'MLM-42/staging/1',
            stagingBuildParameters: exampleDeployParameters('staging'),
            canaryBuildKey: 'MLM-42/canary/1',
            canaryBuildParameters: exampleDeployParameters('canary'),
            promoteBuildKey: 'MLM-42/promote/1',
            promoteBuildParameters: exampleDeployParameters('promote'),
            rollbackBuildKey: 'MLM-42/rollback/1',
            rollbackBuildParameters: exampleDeployParameters('rollback'),
            stagingServiceUrl: 'https://churn-predictor.staging.ml.example.com',
            stagingHealthUrl: 'https://churn-predictor.staging.ml.example.com/health',
            stagingHealthInterval: 'PT10S',
          },
        },
      },
    ],
    async run(ctx) {
      const { delivery } = deps.policy;
      const outcome = ctx.input.buildOutcome;
      if (outcome.outcome !== 'success' || !outcome.image) {
        throw new InvalidTaskInputError('buildOutcome is not a green build with an image; only a built and tested service is delivered');
      }
      const attempt = (ctx.input.deliveryAttempt ?? 0) + 1;
      const commit = ctx.input.mergedPr?.mergeCommitSha ?? outcome.commit;
      const parameters = (mode: DeployMode): DeployParameters => ({
        MODE: mode,
        REPOSITORY: ctx.input.repository.fullName,
        GIT_COMMIT: commit,
        MODEL_NAME: outcome.modelName,
        MODEL_VERSION: outcome.modelVersion,
        IMAGE: outcome.image ?? '',
        CPU_LIMIT: ctx.input.modelConfig.inference_resources.cpu_limit,
        MEMORY_LIMIT: ctx.input.modelConfig.inference_resources.memory_limit,
        CANARY_WEIGHT: String(delivery.canary.weight),
        JIRA_KEY: ctx.input.issueKey,
        ATTEMPT: String(attempt),
        BUILD_KEY: buildKeyOf(ctx.input.issueKey, mode, attempt),
        CALLBACK_URL: deps.callbackUrl(),
      });
      const facts = { model: outcome.modelName, issue: ctx.input.issueKey };
      ctx.log.info({ commit, attempt, modelVersion: outcome.modelVersion, image: outcome.image }, 'planning the delivery');
      return ctx.complete({
        deliveryAttempt: attempt,
        deliveryCommit: commit,
        deliveryStartedAt: now().toISOString(),
        deployJob: delivery.job,
        deployTimeout: delivery.timeout,
        buildPollInterval: deps.policy.jenkins.poll_interval,
        stagingBuildKey: buildKeyOf(ctx.input.issueKey, 'staging', attempt),
        stagingBuildParameters: parameters('staging'),
        canaryBuildKey: buildKeyOf(ctx.input.issueKey, 'canary', attempt),
        canaryBuildParameters: parameters('canary'),
        promoteBuildKey: buildKeyOf(ctx.input.issueKey, 'promote', attempt),
        promoteBuildParameters: parameters('promote'),
        rollbackBuildKey: buildKeyOf(ctx.input.issueKey, 'rollback', attempt),
        rollbackBuildParameters: parameters('rollback'),
        stagingServiceUrl: fillUrlPattern(delivery.staging.service_url, facts),
        stagingHealthUrl: fillUrlPattern(delivery.staging.health_url, facts),
        stagingHealthInterval: delivery.staging.health_interval,
      });
    },
  });
}
