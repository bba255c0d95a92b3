import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import { ClientError } from '../src/clients/errors.ts';
import type { JenkinsClient } from '../src/clients/jenkins.ts';
import type { Policy } from '../src/config/policy.ts';
import { failedStageOf, jenkinsBuildResult, type JenkinsBuildResult, type JenkinsResult } from '../src/domain/jenkins-build.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleTrainingBuild } from './examples.ts';
import { buildCallbackVariable, buildKeyVariable, buildNumberVariable, buildQueueItemUrlVariable, jobPathVariable, locateBuild } from './jenkins-build-variables.ts';

/**
 * Reads how the build ended: its result (the callback's while Jenkins still finalises the build,
 * since the callback is the job's own last step), timings, the first failed stage and the end
 * of its console, and the values its callback reported. Reads only, so a rerun is harmless.
 */
export function createCollectBuild(deps: {
  jenkins: Pick<JenkinsClient, 'lookup' | 'build' | 'stages' | 'consoleTail' | 'consoleUrl' | 'artifact'>;
  policy: Policy;
  metrics: Pick<Metrics, 'jenkinsQueueWait' | 'jenkinsBuildDuration'>;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.collectBuild,
    description: 'Reads the result, failed stage and console tail of the ended Jenkins build',
    input: z.object({
      jobPath: jobPathVariable,
      buildKey: buildKeyVariable,
      buildCallback: buildCallbackVariable.optional().describe("The build's end-of-build callback, when it came"),
      buildTimedOut: z.boolean().optional().describe('Set by the abort step when the build ran past its timeout'),
      buildNumber: buildNumberVariable.optional().describe('The build number, once a step learned it'),
      buildQueueItemUrl: buildQueueItemUrlVariable.optional().describe('The queue item, while the build has no number'),
    }),
    output: z.object({ buildResult: jenkinsBuildResult }),
    errors: {},
    examples: [
      {
        title: 'a successful training build',
        input: {
          jobPath: 'ml/train-model',
          buildKey: 'MLM-42/train/1',
          buildCallback: { result: 'SUCCESS', buildUrl: 'https://jenkins.acme.example/job/ml/job/train-model/17/', outputs: { mlflow_run_id: '8d1c4f0e5a2b4c7d9e0f1a2b3c4d5e6f' } },
        },
        outcome: { kind: 'complete', variables: { buildResult: exampleTrainingBuild } },
      },
    ],
    async run(ctx) {
      const { jobPath, buildKey, buildCallback, buildTimedOut = false } = ctx.input;
      const lookup = await locateBuild(deps.jenkins, jobPath, buildKey, ctx.input);
      // A callback that came before the wait began was not correlated: the job archives what it sent.
      const outputs = buildCallback?.outputs ?? (lookup.kind === 'build' ? await archivedOutputs(deps.jenkins, jobPath, lookup.build.number) : {});
      const endedAt = now().toISOString();
      const notRun = (result: JenkinsResult): JenkinsBuildResult => ({
        jobPath, buildKey, number: null, url: null, consoleUrl: null, result, startedAt: null, endedAt, durationMs: null, queueWaitMs: null, failedStage: null, consoleTail: [], outputs,
      });

      let buildResult: JenkinsBuildResult;
      if (lookup.kind !== 'build') {
        if (!buildTimedOut && lookup.kind !== 'cancelled') throw stillOpen(jobPath, buildKey, lookup.kind === 'queued' ? 'is still queued' : 'cannot be found');
        buildResult = notRun(buildTimedOut ? 'TIMED_OUT' : 'CANCELLED');
      } else {
        const build = lookup.build;
        const result: JenkinsResult | null = buildTimedOut ? 'TIMED_OUT' : (build.result ?? buildCallback?.result ?? null);
        if (result === null) throw stillOpen(jobPath, buildKey, 'is still running and sent no callback');
        const failed = result !== 'SUCCESS';
        const [stages, consoleTail] = failed
          ? await Promise.all([deps.jenkins.stages(jobPath, build.number), deps.jenkins.consoleTail(jobPath, build.number, deps.policy.jenkins.console_tail_lines)])
          : [null, []];
        const started = Date.parse(build.startedAt);
        const durationMs = build.building || build.durationMs === 0 ? Math.max(0, Date.now() - started) : build.durationMs;
        buildResult = {
          jobPath,
          buildKey,
          number: build.number,
          url: build.url,
          consoleUrl: deps.jenkins.consoleUrl(jobPath, build.number),
          result,
          startedAt: build.startedAt,
          endedAt: build.building ? endedAt : new Date(started + durationMs).toISOString(),
          durationMs,
          queueWaitMs: build.queueWaitMs,
          failedStage: failedStageOf(stages),
          consoleTail,
          outputs,
        };
        if (build.queueWaitMs !== null) deps.metrics.jenkinsQueueWait.observe({ job: jobPath }, build.queueWaitMs / 1000);
        deps.metrics.jenkinsBuildDuration.observe({ job: jobPath, result }, durationMs / 1000);
      }
      ctx.log.info({ jobPath, buildKey, result: buildResult.result, number: buildResult.number, failedStage: buildResult.failedStage }, 'the Jenkins build ended');
      return ctx.complete({ buildResult });
    },
  });
}

const archivedCallback = z.object({ outputs: z.record(z.string(), z.string()).optional() });

/** The outputs in the callback.json the job archived, or none. */
async function archivedOutputs(jenkins: Pick<JenkinsClient, 'artifact'>, jobPath: string, number: number): Promise<Record<string, string>> {
  const text = await jenkins.artifact(jobPath, number, 'callback.json');
  if (text === null) return {};
  try {
    return archivedCallback.parse(JSON.parse(text)).outputs ?? {};
  } catch {
    return {};
  }
}

function stillOpen(jobPath: string, buildKey: string, state: string): ClientError {
  return new ClientError({
    system: 'Jenkins',
    operation: `reading the result of ${jobPath} with BUILD_KEY=${buildKey}`,
    status: 200,
    problem: `the build ${state}, though the wait for it ended`,
    hint: 'the engine retries; if it stays so, check the build in Jenkins',
    retryable: true,
  });
}
