import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { MlflowClient } from '../src/clients/mlflow.ts';
import { trainingOutcome } from '../src/domain/training.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { exampleTrainingOutcome } from './examples.ts';

/** The alias a freshly trained version gets; the delivery stage later makes one the `champion`. */
export const CANDIDATE_ALIAS = 'candidate';

/**
 * Registers the model version from the run that passed its gates, once: the build key is the
 * version's idempotency tag, so a retried task finds the version it registered before. Tags
 * tie the version to the ticket, the commit and the Jenkins build; the alias is a PUT.
 */
export function createRegisterModel(deps: { mlflow: Pick<MlflowClient, 'registerVersionOnce' | 'setAlias' | 'modelVersionUrl'> }) {
  return defineWorker({
    topic: Topics.registerModel,
    description: 'Registers the trained model version in the MLflow Model Registry and gives it the candidate alias',
    input: z.object({ trainingOutcome }),
    output: z.object({ trainingOutcome }),
    errors: {},
    examples: [
      {
        title: 'register churn-predictor from run 8d1c…',
        input: { trainingOutcome: { ...exampleTrainingOutcome, registered: null } },
        outcome: { kind: 'complete', variables: { trainingOutcome: exampleTrainingOutcome } },
      },
    ],
    async run(ctx) {
      const outcome = ctx.input.trainingOutcome;
      if (outcome.outcome !== 'success' || !outcome.run) {
        throw new InvalidTaskInputError(`trainingOutcome of attempt ${outcome.attempt} is not a passed training with a run; only those are registered`);
      }
      const { build, run } = outcome;
      const tags: Record<string, string> = {
        jira_key: outcome.issueKey,
        git_commit: outcome.commit,
        model_version: String(outcome.modelVersion),
        build_key: build.buildKey,
        ...(build.url ? { jenkins_build: build.url } : {}),
      };
      const { version, created } = await deps.mlflow.registerVersionOnce({
        name: outcome.modelName,
        runId: run.runId,
        source: `runs:/${run.runId}/model`,
        tags,
        idempotencyTag: { key: 'build_key', value: build.buildKey },
        description: `Trained for ${outcome.issueKey} from ${outcome.repository.fullName}@${outcome.commit.slice(0, 7)}, attempt ${outcome.attempt}`,
      });
      await deps.mlflow.setAlias(outcome.modelName, CANDIDATE_ALIAS, version);
      ctx.log.info({ model: outcome.modelName, version, created, runId: run.runId }, created ? 'registered the model version' : 'the model version was registered already');
      return ctx.complete({
        trainingOutcome: { ...outcome, registered: { name: outcome.modelName, version, url: deps.mlflow.modelVersionUrl(outcome.modelName, version), alias: CANDIDATE_ALIAS } },
      });
    },
  });
}
