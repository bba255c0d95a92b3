import type { BuildLookup, JenkinsClient } from '../src/clients/jenkins.ts';
import { z } from 'zod';

/**
 * Variables of the jenkins-build sub-process (bpmn/jenkins-build.bpmn), which every stage that
 * runs a Jenkins job calls with these inputs.
 */
export const jobPathVariable = z.string().min(1).describe('Jenkins job as its folder path, e.g. "ml/train-model"');

export const buildKeyVariable = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]+-\d+\/[a-z_]+\/\d+$/, 'expected <issue key>/<stage>/<attempt>, e.g. MLM-42/train/1')
  .describe('<issue key>/<stage>/<attempt>: the BUILD_KEY parameter that finds the build again, and names its callback');

export const buildParametersVariable = z.record(z.string(), z.string()).describe('Parameters of the build; BUILD_KEY among them');

/** What the build's signed callback said (POST /webhooks/jenkins), when it came. */
export const buildCallbackVariable = z
  .object({
    result: z.enum(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']).describe('currentBuild.currentResult when the job sent the callback'),
    buildUrl: z.string().describe('The build that sent it'),
    outputs: z.record(z.string(), z.string()).optional().describe('Values the job reported, e.g. mlflow_run_id'),
  })
  .loose()
  .describe("The build's end-of-build callback, when it came");

/** The build's number once known: later steps read the build by it, never by searching. */
export const buildNumberVariable = z.number().int().min(1).nullable().describe('Number of the build in its job, once it started; null while queued');

/** The queue item the trigger created, until the build has a number (Jenkins forgets left items after 5 minutes). */
export const buildQueueItemUrlVariable = z.string().nullable().describe('The queue item of the build, while it has no number yet');

/**
 * The build of this attempt: by its number when a step learned it, else through its queue
 * item, else by its BUILD_KEY among the queue and the newest builds. Searching is the last
 * resort because Jenkins lists only recent builds.
 */
export async function locateBuild(
  jenkins: Pick<JenkinsClient, 'lookup' | 'build'>,
  jobPath: string,
  buildKey: string,
  known: { readonly buildNumber?: number | null | undefined; readonly buildQueueItemUrl?: string | null | undefined },
): Promise<BuildLookup> {
  if (known.buildNumber) return { kind: 'build', build: await jenkins.build(jobPath, known.buildNumber) };
  return jenkins.lookup(jobPath, { name: 'BUILD_KEY', value: buildKey }, known.buildQueueItemUrl ? { queueItemUrl: known.buildQueueItemUrl } : {});
}
