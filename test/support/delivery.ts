import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployJob, type DeployBehaviour } from '../../standins/deploy-job.ts';
import { InferenceDeployments } from '../../standins/inference-service.ts';
import { JenkinsStandIn } from '../../standins/jenkins.ts';
import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import { GitHubClient } from '../../src/clients/github.ts';
import { MlflowClient } from '../../src/clients/mlflow.ts';
import { toTypedValues } from '../../src/engine/camunda7/rest.ts';
import type { Service } from '../../src/service.ts';
import { exampleBuildOutcome, exampleModelConfig, exampleModelRequest } from '../../workers/examples.ts';
import { engineRestUrl } from './engine.ts';
import { mlflowUrl } from './mlflow-server.ts';
import { prometheusUnavailableReason, startPrometheus, type PrometheusServer } from './prometheus.ts';
import { JENKINS_CALLBACK_SECRET, startTestService, testEnv, type World } from './service.ts';

export const DEPLOY_JOB = 'ml/deploy-inference';
const JENKINS_USER = 'model-lifecycle';
const JENKINS_TOKEN = 'jenkins-api-token';

/** People of the delivery tests in Slack; alice and carol may decide (flow.toml), mia develops the models. */
export const PEOPLE = {
  alice: 'U0ALICE0001',
  carol: 'U0CAROL0001',
  stranger: 'U0STRANGER1',
} as const;

/**
 * The delivery stage's world: the Jenkins stand-in running deploy/jenkins/deploy.Jenkinsfile's
 * stand-in (standins/deploy-job.ts), which deploys inference-service stand-ins on loopback, and
 * a real Prometheus (Debian's) scraping them, told about every new deployment before a deploy
 * build ends. Behaviours are chosen per ticket and mode.
 */
export interface DeliveryWorld {
  readonly jenkins: JenkinsStandIn;
  readonly jenkinsUrl: string;
  readonly deployments: InferenceDeployments;
  readonly prometheus: PrometheusServer;
  /** By `<JIRA_KEY>` or `<JIRA_KEY>/<MODE>`: what the deploy builds do; absent: a good deployment. */
  readonly deployBehaviours: Map<string, DeployBehaviour>;
  stop(): Promise<void>;
}

/** Starts Prometheus and adds the deploy job to `jenkins` (the training world's), or to a Jenkins stand-in of its own. */
export async function startDeliveryWorld(options: { jenkins?: JenkinsStandIn; jenkinsUrl?: string } = {}): Promise<DeliveryWorld> {
  const unavailable = prometheusUnavailableReason();
  if (unavailable) throw new Error(unavailable);
  const prometheus = await startPrometheus();
  const deployments = new InferenceDeployments({ requestsPerSecond: 40, latencySeconds: 0.05 });
  const own = options.jenkins === undefined;
  const jenkins = options.jenkins ?? new JenkinsStandIn({ user: JENKINS_USER, apiToken: JENKINS_TOKEN });
  const jenkinsUrl = options.jenkinsUrl ?? (await jenkins.start());
  const deployBehaviours = new Map<string, DeployBehaviour>();
  jenkins.defineJob(
    DEPLOY_JOB,
    deployJob({
      deployments,
      callbackSecret: JENKINS_CALLBACK_SECRET,
      onTargetsChanged: (targets) => prometheus.setTargets(targets),
      behaviour: (parameters) => deployBehaviours.get(`${parameters.JIRA_KEY ?? ''}/${parameters.MODE ?? ''}`) ?? deployBehaviours.get(parameters.JIRA_KEY ?? '') ?? {},
    }),
  );
  return {
    jenkins,
    jenkinsUrl,
    deployments,
    prometheus,
    deployBehaviours,
    async stop() {
      await deployments.stopAll();
      await prometheus.stop();
      if (own) await jenkins.stop();
    },
  };
}

/** The service with Jenkins, MLflow and Prometheus pointing at the delivery world; Slack's clicks go to its /slack/events. */
export async function startDeliveryService(world: World, delivery: DeliveryWorld, env: Record<string, string> = {}): Promise<Service> {
  const service = await startTestService({
    JENKINS_URL: delivery.jenkinsUrl,
    JENKINS_USER,
    JENKINS_API_TOKEN: JENKINS_TOKEN,
    MLFLOW_TRACKING_URI: mlflowUrl(),
    PROMETHEUS_URL: delivery.prometheus.url,
    ...env,
  });
  world.slack.interactivityUrl = `${service.url}/slack/events`;
  return service;
}

/**
 * A lifecycle started right at the delivery stage (Camunda's start instructions: before
 * Task_PlanDelivery) with what the earlier stages leave: the ticket in Jira, the repository made
 * from the model template in GitHub (its functional requests included), a registered model
 * version in the real MLflow, and the green build's variables. The fast path to delivery; the
 * whole-lifecycle test takes the long one.
 */
export async function deliveryReadyLifecycle(world: World, key: string): Promise<{ instanceId: string; modelName: string; version: string; repository: string }> {
  const modelName = `churn-predictor-${key.toLowerCase()}`;
  const developer = { accountId: exampleModelRequest.developer.accountId ?? '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' };
  world.jira.addIssue({ key, summary: `Churn predictor ${key.toLowerCase()}`, status: 'Research', components: ['search'], assignee: { accountId: developer.accountId, displayName: developer.displayName, emailAddress: developer.emailAddress }, reporter: { accountId: '5b10a2844c20165700ede21g', displayName: 'Tom Adler', emailAddress: 'tom@acme.test' } });

  const github = new GitHubClient({ baseUrl: testEnv.GITHUB_API_URL, auth: { token: testEnv.GITHUB_TOKEN }, retry: { retries: 0 } });
  const created = await github.createRepoFromTemplate({ template: { owner: 'acme-ml', repo: 'ml-model-template' }, owner: 'acme-ml', name: modelName, description: `Model ${modelName} (${key})`, private: true });
  await waitForHead(github, modelName);
  const sha = pushFunctionalCases(world, created.fullName);

  const version = await registerVersion(modelName, key);
  const buildOutcome = {
    ...exampleBuildOutcome,
    issueKey: key,
    modelName,
    modelVersion: version,
    commit: sha,
    repository: { fullName: created.fullName, htmlUrl: created.htmlUrl },
    developer,
    image: `registry.acme.test/ml/${modelName}:${version}-${sha.slice(0, 12)}`,
  };
  const variables = {
    issueKey: key,
    ticketCreatedAt: new Date(Date.now() - 60_000).toISOString(),
    researchServerEnabled: false,
    statusReconcileInterval: 'PT1H',
    startSettle: 'PT0.3S',
    modelRequest: { ...exampleModelRequest, issueKey: key, modelName, repoName: modelName, developer },
    repository: { fullName: created.fullName, htmlUrl: created.htmlUrl, defaultBranch: 'main' },
    repositoryFullName: created.fullName,
    modelConfig: { ...exampleModelConfig, model: { ...exampleModelConfig.model, model_name: modelName } },
    buildOutcome,
    buildCommit: sha,
    buildAttempt: 1,
    stageRecords: [],
  };
  const response = await fetch(`${engineRestUrl()}/process-definition/key/${PROCESS_KEY}/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ businessKey: key, variables: toTypedValues(variables), startInstructions: [{ type: 'startBeforeActivity', activityId: ElementIds.planDelivery }] }),
  });
  if (!response.ok) throw new Error(`starting the lifecycle at delivery: ${response.status} ${await response.text()}`);
  const started = (await response.json()) as { id: string };
  return { instanceId: started.id, modelName, version, repository: created.fullName };
}

/**
 * The developer adds the model template's functional cases (deploy/model-template/tests_functional)
 * to the repository, as the template ships them; the GitHub stand-in's generated repositories
 * hold only a README. Answers the new head commit.
 */
export function pushFunctionalCases(world: World, fullName: string): string {
  let sha = '';
  for (const file of ['test_request_01.json', 'test_request_01_response.json']) {
    const path = `tests_functional/v1_predict/${file}`;
    sha = world.github.push(fullName, path, readFileSync(join('deploy/model-template', path), 'utf8'), `Add ${path}`, { author: 'abe' });
  }
  return sha;
}

async function waitForHead(github: GitHubClient, name: string): Promise<{ sha: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await github.branchHead('acme-ml', name, 'main');
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** A registered version in the real MLflow, from a run made over its REST API (what training leaves). */
async function registerVersion(modelName: string, key: string): Promise<string> {
  const base = `${mlflowUrl()}/api/2.0/mlflow`;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`MLflow ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const found = await fetch(`${base}/experiments/get-by-name?experiment_name=${encodeURIComponent(modelName)}`);
  const experimentId = found.ok
    ? String(((await found.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id)
    : String((await post('/experiments/create', { name: modelName })).experiment_id);
  const run = (await post('/runs/create', { experiment_id: experimentId, start_time: Date.now() })) as { run: { info: { run_id: string } } };
  const mlflow = new MlflowClient({ baseUrl: mlflowUrl(), retry: { retries: 0 } });
  const { version } = await mlflow.registerVersionOnce({
    name: modelName,
    runId: run.run.info.run_id,
    source: `runs:/${run.run.info.run_id}/model`,
    tags: { jira_key: key },
    idempotencyTag: { key: 'lifecycle_build_key', value: `${key}/train/1` },
  });
  return version;
}
