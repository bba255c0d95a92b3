import { z } from 'zod';
import { buildKeyOf, ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { isoDurationVariable, isoInstant, issueKey, modelCommit, repository, trainingAttempt } from '../src/domain/lifecycle-variables.ts';
import { modelTomlSchema, parseModelToml, trainerImage } from '../src/domain/model-toml.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelConfig, exampleRepository } from './examples.ts';

/** The Jenkins parameters of a training build, as deploy/jenkins/train.Jenkinsfile declares them. */
export const trainingBuildParameters = z
  .object({
    REPOSITORY: z.string().describe('owner/name of the model repository'),
    GIT_COMMIT: z.string().describe('The commit to train'),
    MODEL_NAME: z.string().describe('model.model_name; also the MLflow experiment and registered model'),
    MODEL_VERSION: z.string().describe('model.model_version'),
    JIRA_KEY: z.string().describe('The ticket; tagged on the MLflow run'),
    ATTEMPT: z.string().describe('Training attempt number of this lifecycle'),
    BUILD_KEY: z.string().describe('<issue key>/train/<attempt>: finds the build again after a lost answer, and names the callback'),
    TRAINER_IMAGE: z.string().describe('CPU or GPU trainer image chosen from [train_resources]'),
    CALLBACK_URL: z.url().describe('Where the job reports its end (POST /webhooks/jenkins)'),
  })
  .describe('Parameters of the training build');

/**
 * Starts a training attempt: pins the head commit of the default branch, reads model.toml at
 * that commit and validates it, then plans the Jenkins build (job, parameters, build key,
 * timeout). Nothing outside the process changes here, so a rerun is harmless.
 */
export function createReadModelConfig(deps: { github: Pick<GitHubClient, 'branchHead' | 'readFileAt'>; policy: Policy; callbackUrl: () => string; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.readModelConfig,
    description: "Reads model.toml at the head of the repository's default branch, validates it and plans the training build",
    input: z.object({
      issueKey,
      repository,
      trainingAttempt: trainingAttempt.optional().describe('Training attempts started before this one (absent: none)'),
    }),
    output: z.object({
      modelConfig: modelTomlSchema.describe('model.toml as read and validated at modelCommit'),
      modelCommit,
      trainingAttempt: trainingAttempt.min(1),
      trainingStartedAt: isoInstant.describe('When this training attempt started'),
      trainingJob: z.string().describe('Jenkins job path of the training build (policy training.job)'),
      trainingBuildKey: z.string().describe('<issue key>/train/<attempt>: identifies this attempt’s build and its callback'),
      trainingBuildParameters,
      trainingTimeout: isoDurationVariable.describe('A training build running longer is aborted (policy training.timeout)'),
      buildPollInterval: isoDurationVariable.describe('How often a build whose callback has not come is re-read (policy jenkins.poll_interval)'),
    }),
    errors: {
      [ErrorCodes.modelConfigInvalid]: 'model.toml is missing or invalid; the message lists every problem by TOML path',
      [ErrorCodes.trainingAttemptsExhausted]: 'the lifecycle has used training.max_attempts attempts',
    },
    examples: [
      {
        title: 'first training of churn-predictor',
        input: { issueKey: 'MLM-42', repository: exampleRepository },
        outcome: {
          kind: 'complete',
          variables: {
            modelConfig: exampleModelConfig,
            modelCommit: '4f2a9c0d1e3b5a7c9e1f3a5b7c9d1e3f5a7b9c1d',
            trainingAttempt: 1,
            trainingStartedAt: '2026-11-30T10:00:00.000Z',
            trainingJob: 'ml/train-model',
            trainingBuildKey: 'MLM-42/train/1',
            trainingBuildParameters: {
              REPOSITORY: 'acme-ml/churn-predictor',
              GIT_COMMIT: '4f2a9c0d1e3b5a7c9e1f3a5b7c9d1e3f5a7b9c1d',
              MODEL_NAME: 'churn-predictor',
              MODEL_VERSION: '1',
              JIRA_KEY: 'MLM-42',
              ATTEMPT: '1',
              BUILD_KEY: 'MLM-42/train/1',
              TRAINER_IMAGE: 'registry.acme.example/ml/trainer-cpu:3.11',
              CALLBACK_URL: 'https://lifecycle.acme.example/webhooks/jenkins',
            },
            trainingTimeout: 'PT2H',
            buildPollInterval: 'PT1M',
          },
        },
      },
      { title: 'recall.min written as a string', input: { issueKey: 'MLM-42', repository: exampleRepository }, outcome: { kind: 'bpmnError', code: ErrorCodes.modelConfigInvalid } },
      {
        title: 'sixth attempt with training.max_attempts = 5',
        input: { issueKey: 'MLM-42', repository: exampleRepository, trainingAttempt: 5 },
        outcome: { kind: 'bpmnError', code: ErrorCodes.trainingAttemptsExhausted },
      },
    ],
    async run(ctx) {
      const { training, jenkins } = deps.policy;
      const previous = ctx.input.trainingAttempt ?? 0;
      if (previous >= training.max_attempts) {
        return ctx.bpmnError(
          ErrorCodes.trainingAttemptsExhausted,
          `This lifecycle has used all ${training.max_attempts} training attempts (policy training.max_attempts). ` +
            'Ask the ML platform team to raise it, then move the ticket to Ready for training again.',
        );
      }

      const [owner = '', repo = ''] = ctx.input.repository.fullName.split('/');
      const branch = ctx.input.repository.defaultBranch;
      const { sha } = await deps.github.branchHead(owner, repo, branch);
      const text = await deps.github.readFileAt(owner, repo, 'model.toml', sha);
      if (text === null) {
        return ctx.bpmnError(ErrorCodes.modelConfigInvalid, `model.toml: the file is missing at the root of ${branch} — add it back (the template has one)`, {
          modelCommit: sha,
        });
      }
      const parsed = parseModelToml(text);
      if (!parsed.ok) {
        const problems = parsed.errors.map((error) =>
          error.line === undefined ? `${error.path || 'model.toml'}: ${error.message}` : `line ${error.line}: ${error.message}`,
        );
        ctx.log.info({ commit: sha, problems: problems.length }, 'model.toml is invalid; telling the developer');
        return ctx.bpmnError(ErrorCodes.modelConfigInvalid, problems.join('\n'), { modelCommit: sha });
      }

      const config = parsed.value;
      const attempt = previous + 1;
      const buildKey = buildKeyOf(ctx.input.issueKey, 'train', attempt);
      const image = trainerImage(config) === 'gpu' ? training.gpu_image : training.cpu_image;
      ctx.log.info({ commit: sha, attempt, image }, 'model.toml is valid; planning the training build');
      return ctx.complete({
        modelConfig: config,
        modelCommit: sha,
        trainingAttempt: attempt,
        trainingStartedAt: now().toISOString(),
        trainingJob: training.job,
        trainingBuildKey: buildKey,
        trainingBuildParameters: {
          REPOSITORY: ctx.input.repository.fullName,
          GIT_COMMIT: sha,
          MODEL_NAME: config.model.model_name,
          MODEL_VERSION: String(config.model.model_version),
          JIRA_KEY: ctx.input.issueKey,
          ATTEMPT: String(attempt),
          BUILD_KEY: buildKey,
          TRAINER_IMAGE: image,
          CALLBACK_URL: deps.callbackUrl(),
        },
        trainingTimeout: training.timeout,
        buildPollInterval: jenkins.poll_interval,
      });
    },
  });
}
