import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElementIds, PROCESS_KEY } from '../../src/bpmn/contract.ts';
import type { Service } from '../../src/service.ts';
import { engineClient, waitFor } from '../support/engine.ts';
import {
  installWorld,
  issueCreated,
  nextIssueKey,
  sendJiraWebhook,
  startTestService,
  statusChanged,
  ticketEdited,
  uninstallWorld,
  type World,
} from '../support/service.ts';

/**
 * The lifecycle end to end on the real Camunda 7 engine: real BPMN, real process instances,
 * our workers and webhook ingress; Jira, GitHub, Slack and JupyterHub as loopback stand-ins.
 */
const engine = engineClient();
let world: World;
let service: Service;

beforeAll(async () => {
  world = await installWorld();
  service = await startTestService();
});

afterAll(async () => {
  await service?.stop();
  await uninstallWorld();
});

function newTicket(overrides: { components?: string[]; status?: string } = {}): string {
  const key = nextIssueKey();
  world.jira.addIssue({
    key,
    summary: `Churn predictor ${key.toLowerCase()}`,
    status: overrides.status ?? 'Backlog',
    components: overrides.components ?? ['search'],
    assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' },
  });
  return key;
}

const repoName = (key: string) => `churn-predictor-${key.toLowerCase()}`;

async function instancesOf(key: string) {
  return engine.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key });
}

/** Waits until the lifecycle of `key` sits in `activityId` (an unfinished activity instance). */
async function waitUntilWaitingAt(key: string, activityId: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      const running = (await instancesOf(key)).filter((instance) => instance.state === 'ACTIVE');
      for (const instance of running) {
        const activities = await engine.historicActivities(instance.id);
        if (activities.some((activity) => activity.activityId === activityId && activity.endTime === null)) return instance.id;
      }
      return undefined;
    },
    { timeoutMs, message: `lifecycle of ${key} waiting at ${activityId}` },
  );
}

/** Waits until the lifecycle went past "ready for training" into the training build (the training stage's own tests follow it from there). */
async function reachedTraining(processInstanceId: string): Promise<void> {
  await waitFor(async () => (await engine.historicActivities(processInstanceId)).some((activity) => activity.activityId === ElementIds.trainingBuild), {
    message: 'lifecycle reached the training build',
  });
}

async function endedAt(processInstanceId: string): Promise<string[]> {
  const activities = await engine.historicActivities(processInstanceId);
  return activities.filter((activity) => activity.activityType === 'noneEndEvent').map((activity) => activity.activityId);
}

function effectsOf(key: string) {
  const repo = world.github.repos.get(`acme-ml/${repoName(key)}`);
  return {
    generated: world.github.generated.filter((name) => name === `acme-ml/${repoName(key)}`).length,
    repo,
    repositoryComments: world.jira.commentsContaining(key, '[Success] REPOSITORY').length,
    remoteLinks: world.jira.remoteLinks.get(key)?.size ?? 0,
    slackMessages: world.slack.messages.filter((message) => message.metadata?.event_payload.key === `model-lifecycle:${key}:repository-created`).length,
  };
}

describe('a Jira ticket starts a lifecycle', () => {
  it('creates the repository, comments, links, moves the ticket and tells Slack once, even when Jira delivers twice', async () => {
    const key = newTicket();
    const first = await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'), { deliveryId: `${key}-created` });
    expect(first).toMatchObject({ status: 200, body: { result: 'started' } });

    const instanceId = await waitUntilWaitingAt(key, ElementIds.awaitReady);

    const effects = effectsOf(key);
    expect(effects.generated).toBe(1);
    expect(effects.repo).toMatchObject({ private: true, fromTemplate: 'acme-ml/ml-model-template', topics: ['ml-model'] });
    expect(effects.repo?.teams.get('ml-search')).toBe('push');
    expect(effects.repo?.protection).toMatchObject({ required_pull_request_reviews: { required_approving_review_count: 2 } });
    const modelToml = effects.repo?.files.get('model.toml') ?? '';
    expect(modelToml).toContain(`model_name = "${repoName(key)}"`);
    expect(modelToml).toContain('team = "search"');
    expect(effects.repositoryComments).toBe(1);
    expect(JSON.stringify(world.jira.commentsContaining(key, '[Success] REPOSITORY')[0]?.body)).toContain(`https://github.com/acme-ml/${repoName(key)}`);
    expect(effects.remoteLinks).toBe(1);
    expect(world.jira.transitions.filter((t) => t.key === key)).toEqual([{ key, to: 'Research' }]);
    expect(effects.slackMessages).toBe(1);
    expect(world.slack.messages.at(-1)).toMatchObject({ channel: 'C0SEARCH001' });

    // Jira retries the same delivery; a second delivery of the same event arrives with a new id.
    const redelivered = await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'), { deliveryId: `${key}-created` });
    const again = await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'), { deliveryId: `${key}-created-again` });
    expect(redelivered.status).toBeLessThan(300);
    expect(again).toMatchObject({ body: { result: 'duplicate' } });

    const instances = await instancesOf(key);
    expect(instances.map((instance) => instance.id)).toEqual([instanceId]);
    expect(effectsOf(key)).toMatchObject({ generated: 1, repositoryComments: 1, remoteLinks: 1, slackMessages: 1 });
  });

  it('keeps one lifecycle when two replicas receive the same ticket at the same moment', async () => {
    const replica = await startTestService();
    try {
      const key = newTicket();
      const payload = issueCreated(key, 'Churn predictor');
      const answers = await Promise.all([
        sendJiraWebhook(service, payload, { deliveryId: `${key}-a` }),
        sendJiraWebhook(replica, payload, { deliveryId: `${key}-b` }),
        sendJiraWebhook(service, payload, { deliveryId: `${key}-c` }),
        sendJiraWebhook(replica, payload, { deliveryId: `${key}-d` }),
      ]);
      expect(answers.every((answer) => answer.status < 300)).toBe(true);

      await waitUntilWaitingAt(key, ElementIds.awaitReady);
      // Every instance other than the survivor has ended at the duplicate end, before any effect.
      await waitFor(async () => (await instancesOf(key)).filter((instance) => instance.state === 'ACTIVE').length === 1, {
        message: 'duplicates ended',
      });
      const instances = await instancesOf(key);
      expect(instances.filter((instance) => instance.state === 'ACTIVE')).toHaveLength(1);
      for (const duplicate of instances.filter((instance) => instance.state !== 'ACTIVE')) {
        expect(await endedAt(duplicate.id)).toEqual([ElementIds.duplicateEnd]);
      }
      expect(effectsOf(key)).toMatchObject({ generated: 1, repositoryComments: 1, remoteLinks: 1, slackMessages: 1 });
    } finally {
      await replica.stop();
    }
  });

  it('starts nothing for a forged or unsigned webhook', async () => {
    const key = newTicket();
    const forged = await sendJiraWebhook(service, issueCreated(key, 'x'), { signature: `sha256=${'0'.repeat(64)}` });
    const unsigned = await sendJiraWebhook(service, issueCreated(key, 'x'), { signature: null });
    expect(forged.status).toBe(401);
    expect(unsigned.status).toBe(401);
    expect(await instancesOf(key)).toEqual([]);
  });
});

describe('failures', () => {
  it('turns a step that fails three times into an incident, and continues without doubling effects once an operator retries', async () => {
    const key = newTicket();
    // The repository gets generated, then writing model.toml is refused: the token lacks contents:write.
    world.github.failNext(new RegExp(`^PUT /repos/acme-ml/${repoName(key)}/contents/model.toml$`), 3, 403, {
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/repos/contents#create-or-update-file-contents',
      status: '403',
    });
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));

    const instanceId = await waitFor(async () => (await instancesOf(key))[0]?.id, { message: 'lifecycle started' });
    const incident = await waitFor(async () => (await engine.incidents(instanceId))[0], { timeoutMs: 30_000, message: 'incident opened' });
    expect(incident).toMatchObject({ incidentType: 'failedExternalTask', activityId: 'Task_CreateRepository' });
    expect(incident.incidentMessage).toMatch(/GitHub/);
    expect(incident.incidentMessage).toMatch(/403/);
    expect(incident.incidentMessage).toMatch(/Resource not accessible by integration/);
    expect(effectsOf(key).generated).toBe(1);

    // The operator fixes the token and presses "Retry" in Cockpit.
    const [task] = await engine.externalTasks(instanceId);
    expect(task).toMatchObject({ retries: 0, topicName: 'github:repo:create' });
    await engine.setExternalTaskRetries(task!.id, 1);

    await waitUntilWaitingAt(key, ElementIds.awaitReady);
    expect(await engine.incidents(instanceId)).toEqual([]);
    const effects = effectsOf(key);
    expect(effects).toMatchObject({ generated: 1, repositoryComments: 1, remoteLinks: 1, slackMessages: 1 });
    expect(effects.repo?.files.get('model.toml')).toContain(`model_name = "${repoName(key)}"`);
  });

  it('tells the developer what the ticket lacks and goes on once the ticket is fixed', async () => {
    const key = newTicket({ components: [] });
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));

    const instanceId = await waitUntilWaitingAt(key, ElementIds.awaitTicketFix);
    const [comment, ...more] = world.jira.commentsContaining(key, '[Failed] MODEL_REQUEST');
    expect(more).toEqual([]);
    expect(JSON.stringify(comment?.body)).toMatch(/team/i);
    expect(effectsOf(key).generated).toBe(0);

    world.jira.issues.get(key)!.components = ['search'];
    const edited = await sendJiraWebhook(service, ticketEdited(key));
    expect(edited.body).toMatchObject({ result: expect.stringMatching(/correlated|not_awaited/) });
    expect(await waitUntilWaitingAt(key, ElementIds.awaitReady)).toBe(instanceId);
    expect(effectsOf(key)).toMatchObject({ generated: 1, slackMessages: 1 });
  });
});

describe('a repository name that is taken', () => {
  it('is never adopted: the developer is asked for another name, and the lifecycle goes on with it', async () => {
    const key = newTicket();
    const taken = `acme-ml/${repoName(key)}`;
    world.github.repos.set(taken, {
      owner: 'acme-ml',
      name: repoName(key),
      description: 'Churn scripts of the search team (not a model repository)',
      private: true,
      fromTemplate: '',
      files: new Map([['README.md', '# old churn scripts\n']]),
      topics: [],
      teams: new Map(),
      protection: null,
      commits: [],
    });
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));

    const instanceId = await waitUntilWaitingAt(key, ElementIds.awaitTicketFix);
    const [comment, ...more] = world.jira.commentsContaining(key, '[Failed] MODEL_REQUEST');
    expect(more).toEqual([]);
    expect(JSON.stringify(comment?.body)).toContain(`${taken} already exists and was not created for this ticket`);
    const untouched = world.github.repos.get(taken)!;
    expect([...untouched.files.keys()]).toEqual(['README.md']);
    expect(untouched.teams.size).toBe(0);
    expect(world.jira.commentsContaining(key, '[Success] REPOSITORY')).toEqual([]);

    world.jira.issues.get(key)!.summary = `Churn predictor v2 ${key.toLowerCase()}`;
    await sendJiraWebhook(service, ticketEdited(key));
    expect(await waitUntilWaitingAt(key, ElementIds.awaitReady)).toBe(instanceId);
    const renamed = world.github.repos.get(`acme-ml/churn-predictor-v2-${key.toLowerCase()}`);
    expect(renamed?.files.get('model.toml')).toContain(`model_name = "churn-predictor-v2-${key.toLowerCase()}"`);
    expect(renamed?.description).toContain(`(${key})`);
    expect([...untouched.files.keys()]).toEqual(['README.md']);
  });
});

describe('ready for training', () => {
  it('moves on when the status changes after the lifecycle waits for it', async () => {
    const key = newTicket();
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));
    const instanceId = await waitUntilWaitingAt(key, ElementIds.awaitReady);

    world.jira.issues.get(key)!.status = 'Ready for training';
    const moved = await sendJiraWebhook(service, statusChanged(key, 'Research', 'Ready for training'));
    expect(moved.body).toMatchObject({ result: 'correlated' });

    await reachedTraining(instanceId);
  });

  it('does not lose a status change that arrives before the lifecycle waits for it', async () => {
    const key = newTicket();
    // Hold the lifecycle before its wait: Slack refuses the message until the bot is invited.
    const slackDown = world.slack.refuse('not_in_channel');
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));
    const instanceId = await waitFor(async () => (await instancesOf(key))[0]?.id, { message: 'lifecycle started' });
    await waitFor(async () => (await engine.incidents(instanceId))[0], { timeoutMs: 30_000, message: 'Slack incident opened' });

    // Meanwhile the developer moves the ticket; nothing waits for that yet.
    world.jira.issues.get(key)!.status = 'Ready for training';
    const early = await sendJiraWebhook(service, statusChanged(key, 'Research', 'Ready for training'));
    expect(early).toMatchObject({ status: 200, body: { result: 'not_awaited' } });

    // The operator invites the bot and retries: the wait starts, sees the status, and moves on.
    slackDown.restore();
    const [task] = await engine.externalTasks(instanceId);
    await engine.setExternalTaskRetries(task!.id, 1);
    await reachedTraining(instanceId);
    expect(effectsOf(key).slackMessages).toBe(1);
  });
});

describe('a ticket moved on early', () => {
  it('is never moved back to research when the developer moved it on while a step waited for an operator', async () => {
    const key = newTicket();
    world.github.failNext(new RegExp(`^PUT /repos/acme-ml/${repoName(key)}/topics$`), 3, 403, {
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/repos/repos#replace-all-repository-topics',
      status: '403',
    });
    await sendJiraWebhook(service, issueCreated(key, 'Churn predictor'));
    const instanceId = await waitFor(async () => (await instancesOf(key))[0]?.id, { message: 'lifecycle started' });
    await waitFor(async () => (await engine.incidents(instanceId))[0], { timeoutMs: 30_000, message: 'GitHub incident opened' });

    world.jira.issues.get(key)!.status = 'Ready for training';
    await sendJiraWebhook(service, statusChanged(key, 'Backlog', 'Ready for training'));

    const [task] = await engine.externalTasks(instanceId);
    await engine.setExternalTaskRetries(task!.id, 1);
    await reachedTraining(instanceId);
    expect(world.jira.transitions.filter((t) => t.key === key)).toEqual([]);
    expect(world.jira.issues.get(key)!.status).toBe('Ready for training');
    expect(effectsOf(key)).toMatchObject({ generated: 1, repositoryComments: 1, slackMessages: 1 });
  });
});

describe('research servers', () => {
  it("starts the developer's JupyterHub server and links it on the ticket and in Slack when JupyterHub is configured", async () => {
    const hub = world.jupyterhub;
    const withHub = await startTestService({ POLICY_FILE: 'test/fixtures/policy/flow-jupyterhub.toml' });
    try {
      const key = newTicket();
      await sendJiraWebhook(withHub, issueCreated(key, 'Churn predictor'));
      await waitUntilWaitingAt(key, ElementIds.awaitReady);

      const serverUrl = `${hub.baseUrl}/user/mia/research/`;
      expect(hub.starts).toEqual(['mia/research']);
      expect(JSON.stringify(world.jira.commentsContaining(key, '[Success] REPOSITORY')[0]?.body)).toContain(serverUrl);
      expect([...(world.jira.remoteLinks.get(key)?.values() ?? [])].map((link) => link.url)).toContain(serverUrl);
      const message = world.slack.messages.find((m) => m.metadata?.event_payload.key === `model-lifecycle:${key}:repository-created`);
      expect(JSON.stringify(message?.blocks)).toContain(serverUrl);
    } finally {
      await withHub.stop();
    }
  });
});
