import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JenkinsClient } from '../src/clients/jenkins.ts';
import { isoInstant } from '../src/domain/lifecycle-variables.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { buildKeyVariable, buildNumberVariable, buildParametersVariable, buildQueueItemUrlVariable, jobPathVariable } from './jenkins-build-variables.ts';

/**
 * Starts the Jenkins build of one attempt, once: the build key is a build parameter, and the
 * client looks for it in the queue and among recent builds before it triggers, so a retried
 * task or a lost answer never starts a second build.
 */
export function createTriggerBuild(deps: { jenkins: Pick<JenkinsClient, 'triggerOnce'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.triggerBuild,
    description: 'Starts the Jenkins build of this attempt unless it is already queued or running',
    input: z.object({ jobPath: jobPathVariable, buildKey: buildKeyVariable, buildParameters: buildParametersVariable }),
    output: z.object({
      buildTriggeredAt: isoInstant.describe('When the lifecycle asked Jenkins for the build'),
      buildNumber: buildNumberVariable,
      buildQueueItemUrl: buildQueueItemUrlVariable,
    }),
    errors: {},
    examples: [
      {
        title: 'train churn-predictor, attempt 1',
        input: { jobPath: 'ml/train-model', buildKey: 'MLM-42/train/1', buildParameters: { BUILD_KEY: 'MLM-42/train/1', JIRA_KEY: 'MLM-42' } },
        outcome: {
          kind: 'complete',
          variables: { buildTriggeredAt: '2026-11-30T10:00:01.000Z', buildNumber: null, buildQueueItemUrl: 'https://jenkins.acme.example/queue/item/812/' },
        },
      },
    ],
    async run(ctx) {
      const { jobPath, buildKey, buildParameters } = ctx.input;
      if (buildParameters.BUILD_KEY !== buildKey) {
        throw new InvalidTaskInputError(`buildParameters.BUILD_KEY is "${buildParameters.BUILD_KEY ?? ''}", not the buildKey "${buildKey}"; the step that planned the build is wrong`);
      }
      const { lookup, created } = await deps.jenkins.triggerOnce(jobPath, buildParameters, 'BUILD_KEY');
      const where = lookup.kind === 'build' ? { build: lookup.build.url } : { queueItem: lookup.queueItemUrl };
      ctx.log.info({ jobPath, buildKey, created, state: lookup.kind, ...where }, created ? 'started the Jenkins build' : 'the Jenkins build was already started');
      return ctx.complete({
        buildTriggeredAt: now().toISOString(),
        buildNumber: lookup.kind === 'build' ? lookup.build.number : null,
        buildQueueItemUrl: lookup.kind === 'build' ? null : lookup.queueItemUrl,
      });
    },
  });
}
