import { expect } from 'vitest';
import type { JenkinsStandIn } from '../../standins/jenkins.ts';
import { buildKeyOf, ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import { toTypedValues } from '../../src/engine/camunda7/rest.ts';
import { buildStageRecords, type BuildOutcome } from '../../src/domain/build-outcome.ts';
import type { Repository } from '../../src/domain/lifecycle-variables.ts';
import type { ModelRequest } from '../../src/domain/model-request.ts';
import { renderModelToml, type ModelToml } from '../../src/domain/model-toml.ts';
import { trainingStageRecord, type TrainingOutcome } from '../../src/domain/training.ts';
import { exampleBuildOutcome, exampleInferenceBuild, exampleModelConfig, exampleTrainingBuild, exampleTrainingOutcome } from '../../workers/examples.ts';
import type { Service } from '../../src/service.ts';
import { engineClient, engineRestUrl, waitFor } from './engine.ts';
import { GITHUB_WEBHOOK_SECRET, installWorld, uninstallWorld, type World } from './service.ts';
import { seedModelRepository } from './github-review.ts';
import { startTrainingService, startTrainingWorld, type TrainingWorld } from './training.ts';

/**
 * The review stage on the real engine without training and building first: a lifecycle started
 * before its first review step (`startBeforeActivity`) with every variable a real run holds
 * there (the model request, model.toml as read, the passed training, the green build with its
 * image, the stage records), on a repository the GitHub stand-in holds with the template's
 * commit and model.toml. The people of the review policies (test/fixtures/policy/review*.toml)
 * exist in GitHub, Jira and Slack as the tests need them. Once reviewed, the delivery plans its
 * deploy builds from these variables; {@link holdDeploys} keeps its first build running and
 * {@link endAfterReview} ends the lifecycle there, so a review test sees no incident at all.
 */

export const REVIEW_POLICY = 'test/fixtures/policy/review.toml';
export const REVIEW_TIMERS_POLICY = 'test/fixtures/policy/review-timers.toml';

/** The developer of every review test ticket, in Jira; abe is the same person on GitHub. */
export const DEVELOPER = { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' } as const;

/** Jira account ids of the reviewers. */
export const JIRA_ACCOUNTS: Record<string, string> = { alice: '5b10a0000000000000a11ce0', bert: '5b10a0000000000000be4700', carol: '5b10a00000000000000ca401', dave: '5b10a00000000000000da4e0' };

/** GitHub accounts with their public e-mails, Jira accounts for the reviewers, and the review webhooks to the service. */
export function seedReviewPeople(world: World, serviceUrl: string): void {
  world.github.setUser('abe', { email: DEVELOPER.emailAddress, name: 'Abe (Mia Krystof)' });
  for (const login of Object.keys(JIRA_ACCOUNTS)) {
    world.github.setUser(login, { email: `${login}@acme.test`, name: login });
    world.jira.addUser({ accountId: JIRA_ACCOUNTS[login]!, displayName: `${login[0]!.toUpperCase()}${login.slice(1)}`, emailAddress: `${login}@acme.test` });
  }
  // erin shows no e-mail on GitHub and has no Slack id in the policy: nobody can reach her.
  world.github.setUser('erin', { email: null });
  world.github.registerWebhook({ url: `${serviceUrl}/webhooks/github`, secret: GITHUB_WEBHOOK_SECRET, events: ['pull_request', 'pull_request_review'] });
}

export interface ReviewLifecycle {
  readonly key: string;
  readonly instanceId: string;
  readonly fullName: string;
}

/**
 * A model repository as the lifecycle leaves it (the template's initial commit, then
 * model.toml), a ticket in Jira, and a lifecycle started right before "Open the review pull
 * request", as after a green build; `commitsBy` adds a commit by each of these logins first.
 */
/** The stand-ins, the Jenkins world and the service a review flow test file runs against. */
export interface ReviewWorld {
  readonly world: World;
  readonly jenkins: TrainingWorld;
  readonly service: Service;
  stop(): Promise<void>;
}

/**
 * Starts what a review flow test file needs: the stand-ins, Jenkins with the build jobs, and the
 * service with a review policy (default {@link REVIEW_POLICY}), with the review people seeded.
 * Deploys are held ({@link holdDeploys}) unless `deploys` defines the deploy job itself;
 * `pushes` also registers the organisation webhook for pushes, as the README asks.
 */
export async function startReviewWorld(options: { policyFile?: string; pushes?: boolean; deploys?: (jenkins: JenkinsStandIn) => void } = {}): Promise<ReviewWorld> {
  const world = await installWorld();
  const jenkins = await startTrainingWorld();
  const service = await startTrainingService(jenkins, { POLICY_FILE: options.policyFile ?? REVIEW_POLICY });
  seedReviewPeople(world, service.url);
  if (options.pushes) world.github.registerWebhook({ url: `${service.url}/webhooks/github`, secret: GITHUB_WEBHOOK_SECRET, events: ['push'] });
  (options.deploys ?? holdDeploys)(jenkins.jenkins);
  return {
    world,
    jenkins,
    service,
    async stop() {
      await service.stop();
      await jenkins.stop();
      await uninstallWorld();
    },
  };
}

export async function startAtReview(world: World, input: { key: string; team?: string; commitsBy?: readonly string[] }): Promise<ReviewLifecycle> {
  const { key } = input;
  const team = input.team ?? 'search';
  const name = `churn-predictor-${key.toLowerCase()}`;
  const fullName = `acme-ml/${name}`;
  const modelConfig: ModelToml = { ...exampleModelConfig, model: { ...exampleModelConfig.model, team } };
  const modelRequest: ModelRequest = {
    issueKey: key,
    modelName: 'churn-predictor',
    team,
    modelType: 'classification',
    repoName: name,
    developer: { ...DEVELOPER },
    modelToml: renderModelToml(modelConfig, { issueKey: key }),
  };
  const { modelCommit } = seedModelRepository(world.github, { fullName, description: `Model churn-predictor for ${key}`, modelToml: modelRequest.modelToml, modelTomlAuthor: 'model-lifecycle-bot' });
  let buildCommit = modelCommit;
  for (const author of input.commitsBy ?? []) buildCommit = world.github.push(fullName, `notes/${author}.md`, `${author} was here\n`, `Notes of ${author}`, { author });
  world.jira.addIssue({ key, summary: 'Create new model', status: 'Research', components: [team], assignee: { ...DEVELOPER } });
  const repository: Repository = { fullName, htmlUrl: `https://github.com/${fullName}`, defaultBranch: 'main' };
  const seeded = greenBuildVariables({ key, modelRequest, modelConfig, repository, modelCommit, buildCommit });
  const response = await fetch(`${engineRestUrl()}/process-definition/key/${PROCESS_KEY}/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      businessKey: key,
      variables: toTypedValues({
        issueKey: key,
        ticketCreatedAt: new Date(Date.now() - 3_600_000).toISOString(),
        researchServerEnabled: false,
        statusReconcileInterval: 'PT1H',
        startSettle: 'PT0.3S',
        modelRequest,
        repository,
        repositoryFullName: fullName,
        ...seeded,
      }),
      startInstructions: [{ type: 'startBeforeActivity', activityId: ElementIds.openPullRequest }],
    }),
  });
  if (!response.ok) throw new Error(`starting the lifecycle of ${key} at the review: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  return { key, instanceId: id, fullName };
}

/**
 * What training and a green build leave in a real run (see test/flow/build.int.test.ts): model.toml
 * as read at `modelCommit`, the training attempt and its registered version, the inference
 * build of `buildCommit` with its image, and the stage records of both. Timestamps are an hour
 * and less ago, in the order the stages ran.
 */
function greenBuildVariables(input: { key: string; modelRequest: ModelRequest; modelConfig: ModelToml; repository: Repository; modelCommit: string; buildCommit: string }): Record<string, unknown> {
  const { key, modelRequest, modelConfig, repository, modelCommit, buildCommit } = input;
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const where = { branch: repository.defaultBranch, repository: { fullName: repository.fullName, htmlUrl: repository.htmlUrl }, developer: modelRequest.developer };
  const trainingBuild = { ...exampleTrainingBuild, buildKey: buildKeyOf(key, 'train', 1), startedAt: at(50), endedAt: at(38) };
  const trainingOutcome: TrainingOutcome = {
    ...exampleTrainingOutcome,
    ...where,
    issueKey: key,
    modelName: modelRequest.modelName,
    modelVersion: modelConfig.model.model_version,
    commit: modelCommit,
    build: trainingBuild,
  };
  const inferenceBuild = { ...exampleInferenceBuild, buildKey: buildKeyOf(key, 'build', 1), startedAt: at(30), endedAt: at(18) };
  const image = `registry.acme.example/ml/${modelRequest.modelName}:${trainingOutcome.registered!.version}-${buildCommit.slice(0, 12)}`;
  const buildOutcome: BuildOutcome = {
    ...exampleBuildOutcome,
    ...where,
    issueKey: key,
    modelName: modelRequest.modelName,
    modelVersion: trainingOutcome.registered!.version,
    commit: buildCommit,
    build: { ...inferenceBuild, outputs: { image } },
    image,
  };
  return {
    modelConfig,
    modelCommit,
    trainingAttempt: 1,
    trainingStartedAt: at(51),
    trainingBuild,
    trainingOutcome,
    buildAttempt: 1,
    buildCommit,
    buildStartedAt: at(31),
    inferenceBuild: buildOutcome.build,
    buildOutcome,
    stageRecords: [trainingStageRecord(trainingOutcome, at(51)), ...buildStageRecords(buildOutcome, at(31))],
  };
}

/**
 * Defines the delivery's deploy job (the policy's default `delivery.job`) on `jenkins` with
 * builds that run until the stand-in stops or the build is aborted: a reviewed lifecycle plans
 * its delivery and waits for its staging deploy, as it would on a slow Jenkins.
 */
export function holdDeploys(jenkins: JenkinsStandIn): void {
  jenkins.defineJob(
    'ml/deploy-inference',
    (build) =>
      new Promise((resolve) => {
        build.log('Waiting: the review tests end the lifecycle before anything is deployed');
        build.signal.addEventListener('abort', () => resolve('ABORTED'), { once: true });
      }),
  );
}

/**
 * After a review test's assertions: the lifecycle went past `Event_Reviewed`, the delivery took
 * what the review and the build left and started its staging deploy on `jenkins` (held by
 * {@link holdDeploys}), with no incident anywhere on the way; then the lifecycle is deleted,
 * since these tests have nothing to deploy to. Answers the lifecycle's variables as they were
 * then, for a test that asserts what the delivery took (the commit, the image).
 */
export async function endAfterReview(jenkins: JenkinsStandIn, lifecycle: { key: string; instanceId: string }): Promise<Record<string, unknown>> {
  const engine = engineClient();
  const { key, instanceId } = lifecycle;
  const stagingKey = buildKeyOf(key, 'staging', 1);
  await waitFor(
    async () => jenkins.builds('ml/deploy-inference').some((build) => build.parameters.BUILD_KEY === stagingKey) || (await engine.incidents(instanceId)).length > 0,
    { timeoutMs: 30_000, message: `the staging deploy ${stagingKey} started after the review` },
  );
  expect(await engine.incidents(instanceId)).toEqual([]);
  const variables = await engine.variables(instanceId);
  expect(variables).toMatchObject({ deliveryAttempt: 1, deliveryCommit: expect.stringMatching(/^[0-9a-f]{40}$/) });
  await engine.deleteProcessInstance(instanceId);
  return variables;
}

/** The review pull request of a repository, once the lifecycle opened it. */
export async function reviewPull(world: World, fullName: string): Promise<{ number: number; requestedReviewers: string[] }> {
  return waitFor(() => world.github.repos.get(fullName)?.pulls?.find((pull) => pull.base === 'release' && pull.state === 'open' && pull.requestedReviewers.length > 0), {
    timeoutMs: 60_000,
    message: `the review pull request of ${fullName} with its reviewers`,
  });
}

/** Waits until the lifecycle sits in the wait for reviews after at least `checks` reads of the pull request. */
export async function waitingForReview(instanceId: string, checks = 1): Promise<void> {
  const engine = engineClient();
  await waitFor(
    async () => {
      const activities = await engine.historicActivities(instanceId);
      return (
        activities.filter((activity) => activity.activityId === ElementIds.checkReview && activity.endTime !== null).length >= checks &&
        activities.some((activity) => activity.activityId === ElementIds.awaitReview && activity.endTime === null)
      );
    },
    { timeoutMs: 60_000, message: `waiting for the review after ${checks} check(s)` },
  );
}

/** How many times the lifecycle has read the pull request. */
export async function reviewChecks(instanceId: string): Promise<number> {
  return (await engineClient().historicActivities(instanceId)).filter((activity) => activity.activityId === ElementIds.checkReview && activity.endTime !== null).length;
}
