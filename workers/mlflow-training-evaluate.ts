import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { MlflowClient, MlflowRun } from '../src/clients/mlflow.ts';
import type { Policy } from '../src/config/policy.ts';
import { parseIsoDuration } from '../src/domain/duration.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { issueKey, modelCommit, repository, trainingAttempt } from '../src/domain/lifecycle-variables.ts';
import { checkMetricGate } from '../src/domain/metric-gate.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { modelTomlSchema } from '../src/domain/model-toml.ts';
import { buildFailureClass, trainingOutcome, type TrainingFailureClass, type TrainingOutcome } from '../src/domain/training.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCommit, exampleModelConfig, exampleModelRequest, exampleRepository, exampleTrainingBuild, exampleTrainingOutcome } from './examples.ts';

/** The alias of the model version serving production, whose metrics stand beside a candidate's. */
export const CHAMPION_ALIAS = 'champion';

/**
 * Judges a training attempt: the build's result, then its MLflow run (the id the callback
 * reported, else the run tagged with the build key), then every `[train_metrics]` threshold,
 * with the champion's metrics beside. A failure is a business outcome: the BPMN error
 * TRAINING_FAILED carries the facts to the report steps. Reads only.
 */
export function createEvaluateTraining(deps: {
  mlflow: Pick<MlflowClient, 'getRun' | 'findRunByTags' | 'versionByAlias' | 'runUrl'>;
  policy: Policy;
}) {
  return defineWorker({
    topic: Topics.evaluateTraining,
    description: "Finds the training build's MLflow run and checks its metrics against model.toml's [train_metrics]",
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      repository,
      modelConfig: modelTomlSchema.describe('model.toml at the trained commit'),
      modelCommit,
      trainingAttempt: trainingAttempt.min(1),
      trainingBuild: jenkinsBuildResult.describe('How the training build ended (output of the jenkins-build call)'),
    }),
    output: z.object({ trainingOutcome }),
    errors: { [ErrorCodes.trainingFailed]: 'the build failed, left no MLflow run, or a metric missed its threshold; trainingOutcome says which' },
    examples: [
      {
        title: 'recall 0.97 against recall.min = 0.9',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, modelConfig: exampleModelConfig, modelCommit: exampleCommit, trainingAttempt: 1, trainingBuild: exampleTrainingBuild },
        outcome: { kind: 'complete', variables: { trainingOutcome: { ...exampleTrainingOutcome, registered: null } } },
      },
      {
        title: 'recall 0.87 against recall.min = 0.9',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, modelConfig: exampleModelConfig, modelCommit: exampleCommit, trainingAttempt: 1, trainingBuild: exampleTrainingBuild },
        outcome: { kind: 'bpmnError', code: ErrorCodes.trainingFailed },
      },
    ],
    async run(ctx) {
      const { modelConfig, trainingBuild: build } = ctx.input;
      const modelName = modelConfig.model.model_name;
      const base: Omit<TrainingOutcome, 'outcome' | 'failureClass' | 'run' | 'gate' | 'champion'> = {
        issueKey: ctx.input.issueKey,
        attempt: ctx.input.trainingAttempt,
        maxAttempts: deps.policy.training.max_attempts,
        modelName,
        modelVersion: modelConfig.model.model_version,
        branch: ctx.input.repository.defaultBranch,
        commit: ctx.input.modelCommit,
        repository: { fullName: ctx.input.repository.fullName, htmlUrl: ctx.input.repository.htmlUrl },
        developer: ctx.input.modelRequest.developer,
        timeoutMs: parseIsoDuration(deps.policy.training.timeout) ?? null,
        build,
        registered: null,
      };
      const failed = (failureClass: TrainingFailureClass, rest: Pick<TrainingOutcome, 'run' | 'gate' | 'champion'>) => {
        const outcome: TrainingOutcome = { ...base, ...rest, outcome: 'failure', failureClass };
        ctx.log.info({ failureClass, result: build.result }, 'training failed; reporting it to the developer');
        return ctx.bpmnError(ErrorCodes.trainingFailed, `training attempt ${outcome.attempt} failed: ${failureClass}`, { trainingOutcome: outcome });
      };

      const buildFailure = buildFailureClass(build.result);
      if (buildFailure) return failed(buildFailure, { run: null, gate: null, champion: null });

      const run = await findRun(deps.mlflow, modelName, build.buildKey, build.outputs.mlflow_run_id);
      if (!run) return failed('no_mlflow_run', { run: null, gate: null, champion: null });

      const championVersion = await deps.mlflow.versionByAlias(modelName, CHAMPION_ALIAS);
      const championRun = championVersion?.runId ? await deps.mlflow.getRun(championVersion.runId) : null;
      const champion = championVersion && championRun ? { version: championVersion.version, metrics: championRun.metrics } : null;

      const gate = checkMetricGate(modelConfig.train_metrics, run.metrics, champion?.metrics ?? null);
      const runFacts = { runId: run.runId, url: deps.mlflow.runUrl(run), metrics: run.metrics };
      if (!gate.passed) return failed('metric_gate', { run: runFacts, gate, champion });

      ctx.log.info({ runId: run.runId, metrics: run.metrics }, 'the training run passed its metric gates');
      return ctx.complete({ trainingOutcome: { ...base, outcome: 'success', failureClass: null, run: runFacts, gate, champion } });
    },
  });
}

/**
 * The run the build reported in its callback when it carries this build's key (a run id alone
 * could name any run), else the newest finished run tagged with the build key.
 */
async function findRun(mlflow: Pick<MlflowClient, 'getRun' | 'findRunByTags'>, experiment: string, buildKey: string, reportedRunId: string | undefined): Promise<MlflowRun | null> {
  if (reportedRunId) {
    const reported = await mlflow.getRun(reportedRunId);
    if (reported && reported.tags.build_key === buildKey) return reported;
  }
  return mlflow.findRunByTags(experiment, { build_key: buildKey });
}
