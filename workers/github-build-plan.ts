import { z } from 'zod';
import { buildKeyOf, ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { commitSha, isoDurationVariable, isoInstant, issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { trainingOutcome } from '../src/domain/training.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { exampleCommit, exampleRepository, exampleTrainingOutcome } from './examples.ts';

/** The Jenkins parameters of an inference build, as deploy/jenkins/build.Jenkinsfile declares them. */
export const inferenceBuildParameters = z
  .object({
    REPOSITORY: z.string().describe('owner/name of the model repository'),
    GIT_COMMIT: z.string().describe('The commit to build'),
    MODEL_NAME: z.string().describe('model.model_name; also the registered model in MLflow'),
    MODEL_VERSION: z.string().describe('The registered MLflow model version the service serves'),
    JIRA_KEY: z.string().describe('The ticket'),
    ATTEMPT: z.string().describe('Build attempt number of this lifecycle'),
    BUILD_KEY: z.string().describe('<issue key>/build/<attempt>: finds the build again after a lost answer, and names the callback'),
    CALLBACK_URL: z.url().describe('Where the job reports its end (POST /webhooks/jenkins)'),
  })
  .describe('Parameters of the inference build');

const buildAttempt = z.number().int().min(0).describe('Inference builds this lifecycle has started');

/**
 * Starts a build-and-test attempt: pins the head commit of the default branch and plans the
 * Jenkins build of the inference service with the registered model version. Reads only, so a
 * rerun is harmless.
 */
export function createPlanBuild(deps: { github: Pick<GitHubClient, 'branchHead'>; policy: Policy; callbackUrl: () => string; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.planBuild,
    description: 'Pins the commit to build and plans the Jenkins build and tests of the inference service',
    input: z.object({
      issueKey,
      repository,
      trainingOutcome: trainingOutcome.describe('The training that registered the model version to serve'),
      buildAttempt: buildAttempt.optional().describe('Inference builds started before this one (absent: none)'),
    }),
    output: z.object({
      buildAttempt: buildAttempt.min(1),
      buildCommit: commitSha.describe('The commit this attempt builds and tests'),
      buildStartedAt: isoInstant.describe('When this build attempt started'),
      buildJob: z.string().describe('Jenkins job path of the inference build (policy build.job)'),
      buildBuildKey: z.string().describe('<issue key>/build/<attempt>: identifies this attempt’s build and its callback'),
      buildBuildParameters: inferenceBuildParameters,
      buildTimeout: isoDurationVariable.describe('A build running longer is aborted (policy build.timeout)'),
      buildPollInterval: isoDurationVariable.describe('How often a build whose callback has not come is re-read (policy jenkins.poll_interval)'),
      repositoryFullName: z.string().describe('owner/name of the model repository: a GitHub push is correlated by it'),
    }),
    errors: { [ErrorCodes.buildAttemptsExhausted]: 'the lifecycle has used build.max_attempts builds' },
    examples: [
      {
        title: 'first build of churn-predictor',
        input: { issueKey: 'MLM-42', repository: exampleRepository, trainingOutcome: exampleTrainingOutcome },
        outcome: {
          kind: 'complete',
          variables: {
            buildAttempt: 1,
            buildCommit: exampleCommit,
            buildStartedAt: '2026-11-30T11:00:00.000Z',
            buildJob: 'ml/build-inference',
            buildBuildKey: 'MLM-42/build/1',
            buildBuildParameters: {
              REPOSITORY: 'acme-ml/churn-predictor',
              GIT_COMMIT: exampleCommit,
              MODEL_NAME: 'churn-predictor',
              MODEL_VERSION: '3',
              JIRA_KEY: 'MLM-42',
              ATTEMPT: '1',
              BUILD_KEY: 'MLM-42/build/1',
              CALLBACK_URL: 'https://lifecycle.acme.example/webhooks/jenkins',
            },
            buildTimeout: 'PT1H',
            buildPollInterval: 'PT1M',
            repositoryFullName: 'acme-ml/churn-predictor',
          },
        },
      },
      {
        title: 'eleventh build with build.max_attempts = 10',
        input: { issueKey: 'MLM-42', repository: exampleRepository, trainingOutcome: exampleTrainingOutcome, buildAttempt: 10 },
        outcome: { kind: 'bpmnError', code: ErrorCodes.buildAttemptsExhausted },
      },
    ],
    async run(ctx) {
      const { build } = deps.policy;
      const registered = ctx.input.trainingOutcome.registered;
      if (!registered) throw new InvalidTaskInputError('trainingOutcome has no registered model version; only a registered model is built');
      const previous = ctx.input.buildAttempt ?? 0;
      if (previous >= build.max_attempts) {
        return ctx.bpmnError(
          ErrorCodes.buildAttemptsExhausted,
          `This lifecycle has used all ${build.max_attempts} inference builds (policy build.max_attempts). Ask the ML platform team to raise it, then push a fix or move the ticket to Ready for build.`,
        );
      }
      const [owner = '', repo = ''] = ctx.input.repository.fullName.split('/');
      const { sha } = await deps.github.branchHead(owner, repo, ctx.input.repository.defaultBranch);
      const attempt = previous + 1;
      const buildKey = buildKeyOf(ctx.input.issueKey, 'build', attempt);
      ctx.log.info({ commit: sha, attempt, modelVersion: registered.version }, 'planning the inference build');
      return ctx.complete({
        buildAttempt: attempt,
        buildCommit: sha,
        buildStartedAt: now().toISOString(),
        buildJob: build.job,
        buildBuildKey: buildKey,
        buildBuildParameters: {
          REPOSITORY: ctx.input.repository.fullName,
          GIT_COMMIT: sha,
          MODEL_NAME: registered.name,
          MODEL_VERSION: registered.version,
          JIRA_KEY: ctx.input.issueKey,
          ATTEMPT: String(attempt),
          BUILD_KEY: buildKey,
          CALLBACK_URL: deps.callbackUrl(),
        },
        buildTimeout: build.timeout,
        buildPollInterval: deps.policy.jenkins.poll_interval,
        repositoryFullName: ctx.input.repository.fullName,
      });
    },
  });
}
