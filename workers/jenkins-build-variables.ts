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
