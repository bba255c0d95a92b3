import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JenkinsClient } from '../src/clients/jenkins.ts';
import { ClientError } from '../src/clients/errors.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { buildKeyVariable, buildNumberVariable, buildQueueItemUrlVariable, jobPathVariable, locateBuild } from './jenkins-build-variables.ts';

/**
 * Reads the build's state when the wait begins and on every poll timer, so a build whose
 * callback came before the wait, or never came, still ends the wait.
 */
export function createCheckBuild(deps: { jenkins: Pick<JenkinsClient, 'lookup' | 'build'> }) {
  return defineWorker({
    topic: Topics.checkBuild,
    description: 'Tells whether the Jenkins build of this attempt has ended',
    input: z.object({
      jobPath: jobPathVariable,
      buildKey: buildKeyVariable,
      buildNumber: buildNumberVariable.optional().describe('The build number, once a step learned it'),
      buildQueueItemUrl: buildQueueItemUrlVariable.optional().describe('The queue item, while the build has no number'),
    }),
    output: z.object({
      buildEnded: z.boolean().describe('True when the build finished, or its queue item was cancelled'),
      buildNumber: buildNumberVariable,
    }),
    errors: {},
    examples: [
      {
        title: 'still training',
        input: { jobPath: 'ml/train-model', buildKey: 'MLM-42/train/1', buildNumber: 17 },
        outcome: { kind: 'complete', variables: { buildEnded: false, buildNumber: 17 } },
      },
    ],
    async run(ctx) {
      const { jobPath, buildKey } = ctx.input;
      const lookup = await locateBuild(deps.jenkins, jobPath, buildKey, ctx.input);
      if (lookup.kind === 'missing') {
        // Triggered before this step ran, so Jenkins lost it (deleted, or pushed out of the
        // recent builds): retrying finds it if the queue was between two states.
        throw new ClientError({
          system: 'Jenkins',
          operation: `looking for the build of ${jobPath} with BUILD_KEY=${buildKey}`,
          status: 200,
          problem: 'neither the queue nor the recent builds have it',
          hint: 'if the build was deleted, cancel this lifecycle’s build wait in Cockpit (modify the instance to restart "Start the Jenkins build") and retry',
          retryable: true,
        });
      }
      const buildEnded = lookup.kind === 'cancelled' || (lookup.kind === 'build' && !lookup.build.building);
      ctx.log.info({ jobPath, buildKey, state: lookup.kind, buildEnded }, 'checked the Jenkins build');
      return ctx.complete({ buildEnded, buildNumber: lookup.kind === 'build' ? lookup.build.number : (ctx.input.buildNumber ?? null) });
    },
  });
}
