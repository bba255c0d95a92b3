import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JenkinsClient } from '../src/clients/jenkins.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { buildKeyVariable, buildNumberVariable, buildQueueItemUrlVariable, jobPathVariable, locateBuild } from './jenkins-build-variables.ts';

/** Stops a build that ran past its timeout: aborts it when it runs, cancels it while queued. */
export function createAbortBuild(deps: { jenkins: Pick<JenkinsClient, 'lookup' | 'build' | 'abort' | 'cancelQueueItem'> }) {
  return defineWorker({
    topic: Topics.abortBuild,
    description: 'Aborts the Jenkins build of this attempt after its timeout',
    input: z.object({
      jobPath: jobPathVariable,
      buildKey: buildKeyVariable,
      buildNumber: buildNumberVariable.optional().describe('The build number, once a step learned it'),
      buildQueueItemUrl: buildQueueItemUrlVariable.optional().describe('The queue item, while the build has no number'),
    }),
    output: z.object({ buildTimedOut: z.literal(true).describe('The lifecycle stopped the build because it ran past its timeout') }),
    errors: {},
    examples: [
      { title: 'training ran past 2 h', input: { jobPath: 'ml/train-model', buildKey: 'MLM-42/train/1' }, outcome: { kind: 'complete', variables: { buildTimedOut: true } } },
    ],
    async run(ctx) {
      const { jobPath, buildKey } = ctx.input;
      let lookup = await locateBuild(deps.jenkins, jobPath, buildKey, ctx.input);
      // A queue item that started between the look and the cancel is aborted as a build.
      if (lookup.kind === 'queued' && !(await deps.jenkins.cancelQueueItem(lookup.queueItemUrl))) {
        lookup = await locateBuild(deps.jenkins, jobPath, buildKey, { buildQueueItemUrl: lookup.queueItemUrl });
      }
      if (lookup.kind === 'build' && lookup.build.building) await deps.jenkins.abort(jobPath, lookup.build.number);
      ctx.log.warn({ jobPath, buildKey, state: lookup.kind }, 'the build ran past its timeout; stopped it');
      return ctx.complete({ buildTimedOut: true });
    },
  });
}
