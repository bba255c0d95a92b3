import { z } from 'zod';
import { jenkinsBuildResult, type JenkinsResult } from './jenkins-build.ts';
import { jiraUserSchema } from './jira-issue.ts';
import { issueKey, repository } from './lifecycle-variables.ts';
import { describeFailedVerdict, formatMetric, formatThreshold, gateResult } from './metric-gate.ts';
import { modelNameSchema } from './model-toml.ts';
import type { StageRecord } from './stage-record.ts';

/**
 * The training stage's facts: one attempt of training a model, from the Jenkins build through
 * the MLflow run and the metric gate to the registered model version. Pure data and pure
 * functions; the workers gather the facts and the reports render them.
 */

/**
 * Why a training attempt failed:
 * - `build_failed`: the Jenkins build ended FAILURE, UNSTABLE or NOT_BUILT;
 * - `build_aborted`: someone aborted the build, or cancelled it in the queue;
 * - `build_timeout`: the lifecycle aborted it after the policy's timeout;
 * - `no_mlflow_run`: the build succeeded but left no MLflow run with its build key;
 * - `metric_gate`: the run's metrics missed the `[train_metrics]` thresholds.
 */
export const trainingFailureClass = z
  .enum(['build_failed', 'build_aborted', 'build_timeout', 'no_mlflow_run', 'metric_gate'])
  .describe('Why the training attempt failed');

export type TrainingFailureClass = z.infer<typeof trainingFailureClass>;

const sha = z.string().regex(/^[0-9a-f]{40}$/, 'expected a full 40-character lowercase git commit sha');

export const trainingOutcome = z
  .object({
    issueKey,
    attempt: z.number().int().min(1).describe('This training attempt, from 1'),
    maxAttempts: z.number().int().min(1).describe('Attempts allowed by the policy (training.max_attempts)'),
    modelName: modelNameSchema,
    modelVersion: z.number().int().min(1).describe('model.model_version from model.toml at the trained commit'),
    branch: z.string().min(1).describe('Branch the model was trained from'),
    commit: sha.describe('Commit the model was trained from (full sha)'),
    repository: repository.pick({ fullName: true, htmlUrl: true }).describe('The model repository'),
    developer: jiraUserSchema.describe('The developer of the model, whom the failure report addresses'),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe("The policy's limit on the training build's running time, in milliseconds; null when there is none"),
    build: jenkinsBuildResult.describe('The Jenkins training build'),
    outcome: z.enum(['success', 'failure']).describe('How the attempt ended'),
    failureClass: trainingFailureClass.nullable().describe('Why it failed; null on success'),
    run: z
      .object({
        runId: z.string().min(1).describe('MLflow run id'),
        url: z.url().describe("The run's page in MLflow"),
        metrics: z.record(z.string(), z.number()).describe('Latest value of each metric the run logged'),
      })
      .nullable()
      .describe('The MLflow run the build logged; null when there is none (or the build failed before)'),
    gate: gateResult.nullable().describe('The metric gate; null when it was not checked'),
    registered: z
      .object({
        name: z.string().min(1).describe('Registered model name in MLflow'),
        version: z.string().min(1).describe('Model version MLflow assigned'),
        url: z.url().describe("The registered version's page in MLflow"),
        alias: z.string().min(1).describe('Alias set on the version, e.g. "candidate"'),
      })
      .nullable()
      .describe('The model version registered from the run; null unless the gate passed'),
    champion: z
      .object({
        version: z.string().min(1).describe("The champion's registered model version"),
        metrics: z.record(z.string(), z.number()).describe("The champion's metrics, for comparison"),
      })
      .nullable()
      .describe('The model version now serving (the champion alias), when there is one'),
  })
  .refine((value) => (value.outcome === 'success') === (value.failureClass === null), {
    message: 'failureClass is null exactly when outcome is success',
    path: ['failureClass'],
  })
  .describe('The facts of one training attempt');

export type TrainingOutcome = z.infer<typeof trainingOutcome>;

/**
 * The failure class a build's result alone decides, or null when the build succeeded and the
 * run and gate decide. UNSTABLE counts as a failure: a model is not registered from a training
 * job that its own pipeline marked as unhealthy.
 */
export function buildFailureClass(result: JenkinsResult): TrainingFailureClass | null {
  switch (result) {
    case 'SUCCESS':
      return null;
    case 'UNSTABLE':
    case 'FAILURE':
    case 'NOT_BUILT':
      return 'build_failed';
    case 'ABORTED':
    case 'CANCELLED':
      return 'build_aborted';
    case 'TIMED_OUT':
      return 'build_timeout';
  }
}

/** The first 7 characters of a commit sha, as GitHub shows it. */
export function shortSha(commit: string): string {
  return commit.slice(0, 7);
}

/**
 * The reason a training attempt failed, as sentences a person reads; empty on success. The
 * Jira comment, the Slack message and the stage record all use it.
 */
export function trainingFailureReason(outcome: TrainingOutcome): string {
  const { build } = outcome;
  switch (outcome.failureClass) {
    case null:
      return '';
    case 'build_failed': {
      const how = build.result === 'UNSTABLE' ? 'ended unstable' : build.result === 'NOT_BUILT' ? 'was not built' : 'failed';
      return build.failedStage ? `The training build ${how} in stage ${build.failedStage}.` : `The training build ${how}.`;
    }
    case 'build_aborted':
      return build.result === 'CANCELLED' ? 'The training build was cancelled in the Jenkins queue before it ran.' : 'The training build was aborted.';
    case 'build_timeout':
      return outcome.timeoutMs === null
        ? "The training build ran longer than the policy's timeout and was aborted."
        : `The training build ran longer than ${formatDuration(outcome.timeoutMs)} and was aborted.`;
    case 'no_mlflow_run':
      return `The training build finished but left no MLflow run tagged with build key ${build.buildKey}.`;
    case 'metric_gate': {
      const failed = (outcome.gate?.verdicts ?? []).filter((verdict) => !verdict.passed).map(describeFailedVerdict);
      return failed.length > 0
        ? `The metrics missed their thresholds: ${failed.join('; ')}.`
        : 'The metrics missed their thresholds.';
    }
  }
}

/** A duration for people: `2 h`, `1 h 30 min`, `45 min`, `30 s`. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts = [hours > 0 ? `${hours} h` : '', minutes > 0 ? `${minutes} min` : '', seconds > 0 && hours === 0 ? `${seconds} s` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

/**
 * The training attempt as a stage record: a summary line and links to the Jenkins build, its
 * console, the MLflow run and the registered version. It ends when the build ended.
 */
export function trainingStageRecord(outcome: TrainingOutcome, startedAt: string | null): StageRecord {
  const { build, run, registered } = outcome;
  const links: StageRecord['links'] = [];
  if (build.url) links.push({ title: build.number === null ? 'Jenkins build' : `Jenkins build #${build.number}`, url: build.url });
  if (build.consoleUrl) links.push({ title: 'Jenkins console log', url: build.consoleUrl });
  if (run) links.push({ title: `MLflow run ${run.runId}`, url: run.url });
  if (registered) links.push({ title: `${registered.name} v${registered.version} in the MLflow registry`, url: registered.url });
  return {
    stage: 'training',
    attempt: outcome.attempt,
    startedAt,
    endedAt: build.endedAt,
    outcome: outcome.outcome,
    failureClass: outcome.failureClass,
    summary: trainingSummary(outcome),
    links,
  };
}

function trainingSummary(outcome: TrainingOutcome): string {
  const subject = `${outcome.modelName} v${outcome.modelVersion} on ${outcome.branch}@${shortSha(outcome.commit)}`;
  if (outcome.outcome === 'failure') return `Training of ${subject} failed. ${trainingFailureReason(outcome)}`;
  const metrics = (outcome.gate?.verdicts ?? []).map((verdict) => `${verdict.metric} ${formatMetric(verdict.value ?? NaN)} (${formatThreshold(verdict)})`);
  const registered = outcome.registered ? `; registered as ${outcome.registered.name} v${outcome.registered.version} (${outcome.registered.alias})` : '';
  return `Trained ${subject}${metrics.length > 0 ? `: ${metrics.join(', ')}` : ''}${registered}.`;
}
