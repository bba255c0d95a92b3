import type { ReviewAssignment, ReviewPullRequest, ReviewState } from '../src/domain/review.ts';
import type { CanaryGate } from '../src/domain/canary-decision.ts';
import type { CanaryFacts, DeployMode, DeployParameters } from '../src/domain/delivery.ts';
import type { Repository } from '../src/domain/lifecycle-variables.ts';
import type { ModelRequest } from '../src/domain/model-request.ts';
import { judgeBuild, type BuildOutcome } from '../src/domain/build-outcome.ts';
import type { JenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { renderModelToml, type ModelToml } from '../src/domain/model-toml.ts';
import type { TrainingOutcome } from '../src/domain/training.ts';

/** model.toml of the example model, as the repository step writes it and training reads it back. */
export const exampleModelConfig: ModelToml = {
  model: { model_name: 'churn-predictor', model_version: 1, model_type: 'classification', team: 'search' },
  runtime: { python_version: '3.11' },
  inference_resources: { cpu_limit: '500m', memory_limit: '1Gi' },
  train_resources: { memory_limit: '4Gi', cpus_number: 2, gpus_number: 0 },
  train_metrics: { recall: { min: 0.9 } },
  dvc: { train_dataset_name: 'churn-predictor-train' },
  stat_monitoring: { sampling_ratio: 0.1 },
};

/** Values the workers' examples share: one model ticket, MLM-42, as it moves through the steps. */
export const exampleModelRequest: ModelRequest = {
  issueKey: 'MLM-42',
  modelName: 'churn-predictor',
  team: 'search',
  modelType: 'classification',
  repoName: 'churn-predictor',
  developer: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' },
  modelToml: renderModelToml(exampleModelConfig, { issueKey: 'MLM-42' }),
};

export const exampleRepository: Repository = {
  fullName: 'acme-ml/churn-predictor',
  htmlUrl: 'https://github.com/acme-ml/churn-predictor',
  defaultBranch: 'main',
};

/** The commit the example model trains from. */
export const exampleCommit = '4f2a9c0d1e3b5a7c9e1f3a5b7c9d1e3f5a7b9c1d';

/** A commit the developer pushed after the example's green build: the review pull request's head once it moved on. */
export const exampleNewHead = '9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d';

/** How the example's training build ended. */
export const exampleTrainingBuild: JenkinsBuildResult = {
  jobPath: 'ml/train-model',
  buildKey: 'MLM-42/train/1',
  number: 17,
  url: 'https://jenkins.acme.example/job/ml/job/train-model/17/',
  consoleUrl: 'https://jenkins.acme.example/job/ml/job/train-model/17/console',
  result: 'SUCCESS',
  startedAt: '2026-11-30T10:00:05.000Z',
  endedAt: '2026-11-30T10:12:40.000Z',
  durationMs: 755_000,
  queueWaitMs: 4_000,
  failedStage: null,
  consoleTail: [],
  outputs: { mlflow_run_id: '8d1c4f0e5a2b4c7d9e0f1a2b3c4d5e6f' },
};

/** The example's successful training attempt, registered as version 3 with the candidate alias. */
export const exampleTrainingOutcome: TrainingOutcome = {
  issueKey: 'MLM-42',
  attempt: 1,
  maxAttempts: 5,
  modelName: 'churn-predictor',
  modelVersion: 1,
  branch: 'main',
  commit: exampleCommit,
  repository: { fullName: exampleRepository.fullName, htmlUrl: exampleRepository.htmlUrl },
  developer: exampleModelRequest.developer,
  timeoutMs: 7_200_000,
  build: exampleTrainingBuild,
  outcome: 'success',
  failureClass: null,
  run: { runId: '8d1c4f0e5a2b4c7d9e0f1a2b3c4d5e6f', url: 'https://mlflow.acme.example/#/experiments/3/runs/8d1c4f0e5a2b4c7d9e0f1a2b3c4d5e6f', metrics: { recall: 0.9667, precision: 0.9697, f1: 0.9666 } },
  gate: { passed: true, verdicts: [{ metric: 'recall', value: 0.9667, min: 0.9, max: null, passed: true, reason: 'ok', margin: 0.0667, champion: null }] },
  registered: { name: 'churn-predictor', version: '3', url: 'https://mlflow.acme.example/#/models/churn-predictor/versions/3', alias: 'candidate' },
  champion: null,
};

/** How the example's inference build ended: green, image pushed. */
export const exampleInferenceBuild: JenkinsBuildResult = {
  ...exampleTrainingBuild,
  jobPath: 'ml/build-inference',
  buildKey: 'MLM-42/build/1',
  number: 23,
  url: 'https://jenkins.acme.example/job/ml/job/build-inference/23/',
  consoleUrl: 'https://jenkins.acme.example/job/ml/job/build-inference/23/console',
  outputs: { image: 'registry.acme.example/ml/churn-predictor:3-4f2a9c0d1e3b' },
};

/** The example's green build-and-test attempt, judged as the reports step judges it. */
export const exampleBuildOutcome: BuildOutcome = {
  issueKey: 'MLM-42',
  attempt: 1,
  maxAttempts: 10,
  modelName: 'churn-predictor',
  modelVersion: '3',
  branch: 'main',
  commit: exampleCommit,
  repository: { fullName: exampleRepository.fullName, htmlUrl: exampleRepository.htmlUrl },
  developer: exampleModelRequest.developer,
  build: exampleInferenceBuild,
  image: 'registry.acme.example/ml/churn-predictor:3-4f2a9c0d1e3b',
  ...judgeBuild({
    build: exampleInferenceBuild,
    reports: {
      junit: { status: 'ok', value: { passed: 8, failed: 0, errors: 0, skipped: 1, failures: [], flaky: [], total: 9 } },
      mypy: { status: 'ok', value: { errors: 0, filesChecked: 14, first: [] } },
      format: { status: 'ok', value: { filesToReformat: [], filesChecked: 15 } },
      coverage: { status: 'ok', value: { lineRate: 0.68, linesValid: 100, linesCovered: 68 } },
      diffCover: { status: 'ok', value: { diffCoverage: 100, linesChanged: 8, violations: [] } },
      openApiDiff: { status: 'ok', value: { breaking: [], nonBreaking: [] } },
    },
    reportUrls: {},
    thresholds: {
      coverageMin: 60,
      diffCoverageMin: 80,
      mypyMaxErrors: 0,
      formatRequired: true,
      source: { coverageMin: 'policy', diffCoverageMin: 'policy', mypyMaxErrors: 'policy', formatRequired: 'policy' },
    },
  }),
};

/** The example's review pull request: main into release, opened by the lifecycle. */
export const examplePullRequest: ReviewPullRequest = {
  number: 7,
  url: 'https://github.com/acme-ml/churn-predictor/pull/7',
  headSha: exampleCommit,
  head: 'main',
  base: 'release',
  releaseBranchCreated: true,
  created: true,
};

/** The example's reviewers: alice (maintainer of team search, required) and carol (from the pool). */
export const exampleAssignment: ReviewAssignment = {
  version: 1,
  prNumber: 7,
  requestedAt: '2026-11-30T12:00:00.000Z',
  reviewers: [
    {
      login: 'alice',
      role: 'required',
      reason: 'maintainer of team search (from the policy), 1 open review, asked once in 30 days',
      source: 'team',
      email: 'alice@acme.test',
      requestedAt: '2026-11-30T12:00:00.000Z',
      reminders: 0,
      lastRemindedAt: null,
      replacementUnavailable: false,
    },
    {
      login: 'carol',
      role: 'second',
      reason: 'from the ML reviewer pool, 0 open reviews, never asked',
      email: 'carol@acme.test',
      requestedAt: '2026-11-30T12:00:00.000Z',
      reminders: 0,
      lastRemindedAt: null,
      replacementUnavailable: false,
    },
  ],
  replaced: [],
  notices: [],
};

/** The example's review once alice approved and the pull request was merged. */
export const exampleReviewState: ReviewState = {
  requiredApproved: true,
  merged: true,
  mergedAt: '2026-11-30T15:30:00Z',
  approvedAt: '2026-11-30T15:00:00Z',
  approvedBy: ['alice'],
  changesRequested: [],
  pending: ['carol'],
  firstReviewAt: { alice: '2026-11-30T14:00:00Z' },
};

/** The example's review while carol's review requests changes (review id 81). */
export const exampleChangesRequestedState: ReviewState = {
  ...exampleReviewState,
  requiredApproved: false,
  merged: false,
  changesRequested: [{ id: 81, login: 'carol', body: 'Please pin scikit-learn.', submittedAt: '2026-11-30T14:00:00Z' }],
};

/** The example's staging deploy build, reported by its callback. */
export const exampleStagingDeploy: JenkinsBuildResult = {
  ...exampleInferenceBuild,
  jobPath: 'ml/deploy-inference',
  buildKey: 'MLM-42/staging/1',
  number: 41,
  url: 'https://jenkins.acme.example/job/ml/job/deploy-inference/41/',
  consoleUrl: 'https://jenkins.acme.example/job/ml/job/deploy-inference/41/console',
  outputs: { service_url: 'https://churn-predictor.staging.ml.example.com' },
};

/** The example's canary deploy build. */
export const exampleCanaryDeploy: JenkinsBuildResult = {
  ...exampleStagingDeploy,
  buildKey: 'MLM-42/canary/1',
  number: 42,
  url: 'https://jenkins.acme.example/job/ml/job/deploy-inference/42/',
  consoleUrl: 'https://jenkins.acme.example/job/ml/job/deploy-inference/42/console',
  outputs: {},
};

/** What the example's canary messages show. */
export const exampleCanaryFacts: CanaryFacts = {
  issueKey: 'MLM-42',
  issueUrl: 'https://acme.atlassian.net/browse/MLM-42',
  summary: 'Churn predictor',
  initiator: 'Tom Adler',
  developer: 'Mia Krystof',
  modelName: 'churn-predictor',
  modelVersion: '3',
  repository: { fullName: exampleRepository.fullName, htmlUrl: exampleRepository.htmlUrl },
  weight: 10,
  grafanaUrl: 'https://grafana.ml.example.com/d/inference?var-model=churn-predictor',
  cockpitUrl: 'https://camunda.acme.example/camunda/app/cockpit/default/#/process-instance/8f1c2e4a-0b1d-11f1-9a3c-0242ac120002',
  attempt: 1,
  startedAt: '2026-11-30T12:20:00.000Z',
  windowEndsAt: '2026-11-30T12:23:00.000Z',
};

/** The example canary's gate. */
export const exampleCanaryGate: CanaryGate = {
  issueKey: 'MLM-42',
  channel: 'C0SEARCH001',
  ts: '1796041200.000100',
  windowEndsAt: '2026-11-30T12:23:00.000Z',
  decisionDeadlineAt: '2026-11-30T16:23:00.000Z',
  deciders: [{ slackId: 'U0ALICE0001', reason: 'maintainer of team search' }],
  barred: [{ slackId: 'U0MIA000001', reason: 'developer of the model (delivery.canary.developer_may_approve = false)' }],
};

/** The example delivery's parameters of the deploy build of `mode` (attempt 1). */
export function exampleDeployParameters(mode: DeployMode): DeployParameters {
  return {
    MODE: mode,
    REPOSITORY: 'acme-ml/churn-predictor',
    GIT_COMMIT: exampleCommit,
    MODEL_NAME: 'churn-predictor',
    MODEL_VERSION: '3',
    IMAGE: 'registry.acme.example/ml/churn-predictor:3-4f2a9c0d1e3b',
    CPU_LIMIT: '500m',
    MEMORY_LIMIT: '1Gi',
    CANARY_WEIGHT: '10',
    JIRA_KEY: 'MLM-42',
    ATTEMPT: '1',
    BUILD_KEY: `MLM-42/${mode}/1`,
    CALLBACK_URL: 'https://lifecycle.acme.example/webhooks/jenkins',
  };
}

/** The example canary deploy build's parameters. */
export const exampleCanaryParameters: DeployParameters = exampleDeployParameters('canary');
