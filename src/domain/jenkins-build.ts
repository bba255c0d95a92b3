import { z } from 'zod';

/**
 * The outcome of the shared "wait for a Jenkins build" sub-process, the same shape for every
 * stage that runs a Jenkins job (training, build, testing, staging, canary).
 */

/**
 * How a build ended: Jenkins' own results, plus `TIMED_OUT` (the lifecycle aborted it after the
 * policy's timeout) and `CANCELLED` (its queue item was cancelled before it ran).
 */
export const jenkinsResult = z
  .enum(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED', 'TIMED_OUT', 'CANCELLED'])
  .describe(
    "How the build ended: Jenkins' result, or TIMED_OUT (aborted by the lifecycle after the policy's timeout) or CANCELLED (the queue item was cancelled before it ran)",
  );

const instant = z.iso.datetime({ offset: true });

export const jenkinsBuildResult = z
  .object({
    jobPath: z.string().describe('Full name of the Jenkins job, folders joined by "/", e.g. "ml/churn-predictor/train"'),
    buildKey: z.string().describe('Key the lifecycle passed to the build as a parameter; finds the build, its queue item and its MLflow run again'),
    number: z.number().int().nullable().describe('Build number; null when the queue item never became a build'),
    url: z.url().nullable().describe("The build's page in Jenkins; null when it never became a build"),
    consoleUrl: z.url().nullable().describe("The build's console log in Jenkins; null when it never became a build"),
    result: jenkinsResult,
    startedAt: instant.nullable().describe('When the build started running (ISO-8601); null when it never ran'),
    endedAt: instant.describe('When the build ended, or its queue item was cancelled (ISO-8601)'),
    durationMs: z.number().nullable().describe('Running time of the build in milliseconds; null when it never ran'),
    queueWaitMs: z.number().nullable().describe('Time the build waited in the Jenkins queue, in milliseconds; null when unknown'),
    failedStage: z.string().nullable().describe('First pipeline stage that failed, was aborted or is unstable, as Jenkins names it; null when none'),
    consoleTail: z.array(z.string()).describe('The last lines of the console log, for a failure report'),
    outputs: z.record(z.string(), z.string()).describe("Values the build reported in its callback, e.g. mlflow_run_id"),
  })
  .describe('The outcome of one Jenkins build run by the lifecycle');

export type JenkinsResult = z.infer<typeof jenkinsResult>;
export type JenkinsBuildResult = z.infer<typeof jenkinsBuildResult>;

const FAILED_STAGE_STATUSES: ReadonlySet<string> = new Set(['FAILED', 'ABORTED', 'UNSTABLE']);

/**
 * The first pipeline stage that failed, was aborted or is unstable, from the stages of
 * Jenkins' Pipeline Stage View API (`GET <build>/wfapi/describe`, statuses such as `SUCCESS`,
 * `FAILED`, `ABORTED`, `UNSTABLE`, `NOT_EXECUTED`, `IN_PROGRESS`). Null when there is none, or
 * when the build has no stages (a freestyle job, or the API is not installed).
 */
export function failedStageOf(stages: ReadonlyArray<{ readonly name: string; readonly status: string }> | null): string | null {
  return stages?.find((stage) => FAILED_STAGE_STATUSES.has(stage.status.toUpperCase()))?.name ?? null;
}
