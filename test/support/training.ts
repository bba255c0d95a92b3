import { buildJob, type BuildBehaviour } from '../../standins/build-job.ts';
import { JenkinsStandIn } from '../../standins/jenkins.ts';
import { trainingJob, type TrainingBehaviour } from '../../standins/training-job.ts';
import type { Service } from '../../src/service.ts';
import { mlflowPython, mlflowUrl, trainScript } from './mlflow-server.ts';
import { JENKINS_CALLBACK_SECRET, startTestService } from './service.ts';

export const TRAIN_JOB = 'ml/train-model';
export const BUILD_JOB = 'ml/build-inference';
const JENKINS_USER = 'model-lifecycle';
const JENKINS_TOKEN = 'jenkins-api-token';

/**
 * Jenkins for the training and build tests: the loopback stand-in running the training
 * Pipeline, whose Train stage runs the model template's real train.py against the real MLflow
 * server of the integration tests, and the inference build, which archives the real reports of
 * test/fixtures/build-reports. Behaviours are chosen per ticket.
 */
export interface TrainingWorld {
  readonly jenkins: JenkinsStandIn;
  readonly jenkinsUrl: string;
  readonly mlflowUrl: string;
  /** What the next builds of a ticket do; absent: a good training. */
  readonly behaviours: Map<string, TrainingBehaviour>;
  /** What the inference builds of a ticket do; absent: every check green. */
  readonly buildBehaviours: Map<string, BuildBehaviour>;
  /** Callbacks the builds sent, with the service's answer. */
  readonly callbacks: Array<{ body: Record<string, unknown>; status: number }>;
  stop(): Promise<void>;
}

export async function startTrainingWorld(): Promise<TrainingWorld> {
  const jenkins = new JenkinsStandIn({ user: JENKINS_USER, apiToken: JENKINS_TOKEN });
  const jenkinsUrl = await jenkins.start();
  const behaviours = new Map<string, TrainingBehaviour>();
  const callbacks: TrainingWorld['callbacks'] = [];
  const url = mlflowUrl();
  jenkins.defineJob(
    TRAIN_JOB,
    trainingJob({
      python: mlflowPython,
      trainScript,
      mlflowUrl: url,
      callbackSecret: JENKINS_CALLBACK_SECRET,
      behaviour: (parameters) => behaviours.get(parameters.JIRA_KEY ?? '') ?? {},
      onCallback: (body, status) => callbacks.push({ body, status }),
    }),
  );
  const buildBehaviours = new Map<string, BuildBehaviour>();
  jenkins.defineJob(
    BUILD_JOB,
    buildJob({
      reportsDir: 'test/fixtures/build-reports',
      callbackSecret: JENKINS_CALLBACK_SECRET,
      behaviour: (parameters) => buildBehaviours.get(parameters.JIRA_KEY ?? '') ?? {},
    }),
  );
  return { jenkins, jenkinsUrl, mlflowUrl: url, behaviours, buildBehaviours, callbacks, stop: () => jenkins.stop() };
}

/** The service with Jenkins and MLflow pointing at the training world. */
export function startTrainingService(world: TrainingWorld, env: Record<string, string> = {}): Promise<Service> {
  return startTestService({
    JENKINS_URL: world.jenkinsUrl,
    JENKINS_USER,
    JENKINS_API_TOKEN: JENKINS_TOKEN,
    MLFLOW_TRACKING_URI: world.mlflowUrl,
    ...env,
  });
}
