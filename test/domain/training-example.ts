import { checkMetricGate } from '../../src/domain/metric-gate.ts';
import { trainingOutcome, type TrainingOutcome } from '../../src/domain/training.ts';

/** One successful training attempt of MLM-42, as the training stage's steps would record it. */
export const successfulTraining: TrainingOutcome = trainingOutcome.parse({
  issueKey: 'MLM-42',
  attempt: 1,
  maxAttempts: 5,
  modelName: 'churn-predictor',
  modelVersion: 3,
  branch: 'main',
  commit: '3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b',
  repository: { fullName: 'acme-ml/churn-predictor', htmlUrl: 'https://github.com/acme-ml/churn-predictor' },
  developer: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof' },
  timeoutMs: 2 * 60 * 60 * 1000,
  build: {
    jobPath: 'ml/churn-predictor/train',
    buildKey: 'MLM-42-training-1',
    number: 17,
    url: 'https://jenkins.acme.test/job/ml/job/churn-predictor/job/train/17/',
    consoleUrl: 'https://jenkins.acme.test/job/ml/job/churn-predictor/job/train/17/console',
    result: 'SUCCESS',
    startedAt: '2025-03-04T10:02:00Z',
    endedAt: '2025-03-04T10:40:00Z',
    durationMs: 38 * 60 * 1000,
    queueWaitMs: 12_000,
    failedStage: null,
    consoleTail: [],
    outputs: { mlflow_run_id: 'a1b2c3d4e5f6' },
  },
  outcome: 'success',
  failureClass: null,
  run: {
    runId: 'a1b2c3d4e5f6',
    url: 'https://mlflow.acme.test/#/experiments/7/runs/a1b2c3d4e5f6',
    metrics: { recall: 0.97, precision: 0.96, f1: 0.96 },
  },
  gate: checkMetricGate({ recall: { min: 0.9 } }, { recall: 0.97, precision: 0.96, f1: 0.96 }),
  registered: {
    name: 'churn-predictor',
    version: '3',
    url: 'https://mlflow.acme.test/#/models/churn-predictor/versions/3',
    alias: 'candidate',
  },
  champion: null,
});

/** The same attempt failed with `failureClass`, the facts it has then replaced by `patch`. */
export function failedTraining(failureClass: NonNullable<TrainingOutcome['failureClass']>, patch: Partial<TrainingOutcome> = {}): TrainingOutcome {
  return trainingOutcome.parse({ ...successfulTraining, outcome: 'failure', failureClass, registered: null, ...patch });
}
