import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import { toTypedValues } from '../../src/engine/camunda7/rest.ts';
import type { Repository } from '../../src/domain/lifecycle-variables.ts';
import type { ModelRequest } from '../../src/domain/model-request.ts';
import { renderModelToml } from '../../src/domain/model-toml.ts';
import { exampleModelConfig } from '../../workers/examples.ts';
import { engineClient, engineRestUrl, waitFor } from './engine.ts';
import { GITHUB_WEBHOOK_SECRET, type World } from './service.ts';

/**
 * The review stage on the real engine without training and building first: a lifecycle started
 * before its first review step (`startBeforeActivity`) with the variables a green build leaves,
 * on a repository the GitHub stand-in holds with the template's commit and model.toml. The
 * people of the review policies (test/fixtures/policy/review*.toml) exist in GitHub, Jira and
 * Slack as the tests need them.
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
export async function startAtReview(world: World, input: { key: string; team?: string; commitsBy?: readonly string[] }): Promise<ReviewLifecycle> {
  const { key } = input;
  const team = input.team ?? 'search';
  const name = `churn-predictor-${key.toLowerCase()}`;
  const fullName = `acme-ml/${name}`;
  world.github.repos.set(fullName, {
    owner: 'acme-ml',
    name,
    description: `Model churn-predictor for ${key}`,
    private: true,
    fromTemplate: 'acme-ml/ml-model-template',
    files: new Map(),
    topics: ['ml-model'],
    teams: new Map(),
    protection: null,
    commits: [],
  });
  world.github.push(fullName, 'README.md', '# Model template\n', 'Initial commit', { author: 'model-lifecycle-bot' });
  const modelRequest: ModelRequest = {
    issueKey: key,
    modelName: 'churn-predictor',
    team,
    modelType: 'classification',
    repoName: name,
    developer: { ...DEVELOPER },
    modelToml: renderModelToml({ ...exampleModelConfig, model: { ...exampleModelConfig.model, team } }, { issueKey: key }),
  };
  world.github.push(fullName, 'model.toml', modelRequest.modelToml, 'Add model.toml', { author: 'model-lifecycle-bot' });
  for (const author of input.commitsBy ?? []) world.github.push(fullName, `notes/${author}.md`, `${author} was here\n`, `Notes of ${author}`, { author });
  world.jira.addIssue({ key, summary: 'Create new model', status: 'Research', components: [team], assignee: { ...DEVELOPER } });
  const repository: Repository = { fullName, htmlUrl: `https://github.com/${fullName}`, defaultBranch: 'main' };
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
      }),
      startInstructions: [{ type: 'startBeforeActivity', activityId: ElementIds.openPullRequest }],
    }),
  });
  if (!response.ok) throw new Error(`starting the lifecycle of ${key} at the review: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  return { key, instanceId: id, fullName };
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
