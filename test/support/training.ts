import { JenkinsStandIn } from '../../standins/jenkins.ts';
import { trainingJob, type TrainingBehaviour } from '../../standins/training-job.ts';
import type { Service } from '../../src/service.ts';
import { mlflowPython, mlflowUrl, trainScript } from './mlflow-server.ts';
import { JENKINS_CALLBACK_SECRET, startTestService } from './service.ts';

export const TRAIN_JOB = 'ml/train-model';
const JENKINS_USER = 'model-lifecycle';
const JENKINS_TOKEN = 'jenkins-api-token';

/**
 * Jenkins for the training tests: the loopback stand-in running the training Pipeline, whose
 * Train stage runs the model template's real train.py against the real MLflow server of the
 * integration tests. Behaviours are chosen per ticket.
 */
export interface TrainingWorld {
  readonly jenkins: JenkinsStandIn;
  readonly jenkinsUrl: string;
  readonly mlflowUrl: string;
  /** What the next builds of a ticket do; absent: a good training. */
  readonly behaviours: Map<string, TrainingBehaviour>;
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
  return { jenkins, jenkinsUrl, mlflowUrl: url, behaviours, callbacks, stop: () => jenkins.stop() };
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
