import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { MlflowClient } from '../src/clients/mlflow.ts';
import { deployFailureReason, deployParameters } from '../src/domain/delivery.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCanaryDeploy, exampleCanaryParameters } from './examples.ts';

/** The alias of the version in production. */
export const CHAMPION_ALIAS = 'champion';

/**
 * After the promote build: gives the promoted version the `champion` alias in MLflow (moving it
 * from the version before) and tags it with the ticket's promotion. Setting an alias is
 * idempotent. A promote build that failed raises DEPLOY_FAILED: the canary is rolled back and
 * the alias is not touched.
 */
export function createPromoteModel(deps: { mlflow: Pick<MlflowClient, 'setAlias' | 'setVersionTag'> }) {
  return defineWorker({
    topic: Topics.promoteModel,
    description: 'Gives the promoted model version the champion alias in MLflow',
    input: z.object({
      promoteDeploy: jenkinsBuildResult.describe('How the promote deploy build ended'),
      promoteBuildParameters: deployParameters.describe('The promote build\'s parameters: the model and version'),
    }),
    output: z.object({}),
    errors: { [ErrorCodes.deployFailed]: 'the promote deploy build did not succeed; the canary is rolled back' },
    examples: [
      {
        title: 'churn-predictor v3 promoted',
        input: { promoteDeploy: { ...exampleCanaryDeploy, buildKey: 'MLM-42/promote/1' }, promoteBuildParameters: { ...exampleCanaryParameters, MODE: 'promote', BUILD_KEY: 'MLM-42/promote/1' } },
        outcome: { kind: 'complete', variables: {} },
      },
      {
        title: 'the promote build failed',
        input: { promoteDeploy: { ...exampleCanaryDeploy, result: 'FAILURE' }, promoteBuildParameters: { ...exampleCanaryParameters, MODE: 'promote' } },
        outcome: { kind: 'bpmnError', code: ErrorCodes.deployFailed },
      },
    ],
    async run(ctx) {
      const { promoteDeploy: deploy, promoteBuildParameters: p } = ctx.input;
      if (deploy.result !== 'SUCCESS') return ctx.bpmnError(ErrorCodes.deployFailed, deployFailureReason('promote', deploy));
      await deps.mlflow.setAlias(p.MODEL_NAME, CHAMPION_ALIAS, p.MODEL_VERSION);
      await deps.mlflow.setVersionTag(p.MODEL_NAME, p.MODEL_VERSION, 'promoted_by', p.BUILD_KEY);
      ctx.log.info({ model: p.MODEL_NAME, version: p.MODEL_VERSION }, 'the promoted version is the champion');
      return ctx.complete({});
    },
  });
}
