import { PROCESS_KEY } from '../src/bpmn/contract.ts';
import type { EngineClient } from '../src/engine/camunda7/rest.ts';
import { JiraStandInError } from '../standins/jira.ts';
import { SandboxActionError, type SandboxActions, type SandboxView, type ToggleName } from './view.ts';
import { SANDBOX_CHANNELS, SANDBOX_DEVELOPER, SANDBOX_MERGER, SANDBOX_STATUSES, type SandboxWorld } from './world.ts';

/**
 * The sandbox page's view and actions over the stand-ins and the engine: what a person sees
 * in Jira, Slack, GitHub and Jenkins, and where each ticket's lifecycle is in Camunda.
 */
export function sandboxView(deps: {
  world: SandboxWorld;
  engine: Pick<EngineClient, 'historicProcessInstances' | 'historicActivities' | 'incidents'>;
  /** Cockpit's address, e.g. http://127.0.0.1:8080/camunda/app/cockpit/ */
  cockpitUrl: string;
  serviceUrl: string;
  teams: readonly string[];
}): () => Promise<SandboxView> {
  const { world } = deps;
  return async () => {
    const jira = world.jira.snapshot();
    const tickets = await Promise.all(
      jira.issues.map(async (issue) => ({
        key: issue.key,
        summary: issue.summary,
        status: issue.status,
        assignee: issue.assignee?.displayName ?? null,
        team: issue.components[0] ?? null,
        lifecycle: await lifecycleOf(deps, issue.key),
        comments: issue.comments.map((comment) => ({ id: comment.id, created: comment.created, author: comment.author, body: comment.body })),
      })),
    );
    const slack = world.slack.snapshot();
    const github = world.github.snapshot();
    return {
      generatedAt: new Date().toISOString(),
      statuses: SANDBOX_STATUSES,
      teams: deps.teams,
      tickets,
      // Direct messages (the reviewers') follow the channels, named after the person.
      slack: [...slack.channels, ...slack.dms.map((dm) => ({ id: dm.id, name: `dm-${dm.userName ?? dm.user}`, messages: dm.messages }))].map((channel) => ({
        id: channel.id,
        name: channel.name,
        messages: channel.messages.map((message) => ({ ts: message.ts, text: message.text, blocks: message.blocks, user: message.user === slack.bot.userId ? null : message.user })),
      })),
      repos: github.repositories
        .filter((repo) => !repo.isTemplate && repo.fullName !== 'acme-ml/ml-model-template')
        .map((repo) => ({
          fullName: repo.fullName,
          description: repo.description,
          modelToml: repo.files['model.toml'] ?? null,
          commits: [...repo.commits].reverse().map(({ sha, message }) => ({ sha, message })),
          pullRequests: repo.pullRequests.map(({ number, title, head, base, state, merged, requestedReviewers, reviews }) => ({
            number,
            title,
            head,
            base,
            state,
            merged,
            requestedReviewers,
            reviews: reviews.map(({ login, state: verdict, body }) => ({ login, state: verdict, body })),
          })),
        })),
      builds: world.jenkins
        .builds()
        .map((build) => ({ job: build.jobPath, number: build.number, url: build.url, building: build.building, result: build.result, parameters: build.parameters, consoleTail: build.console.slice(-15) }))
        .reverse(),
      toggles: { ...world.toggles },
      links: [
        { title: 'Cockpit', url: deps.cockpitUrl },
        { title: 'MLflow', url: world.mlflowUrl },
        { title: 'Metrics', url: `${deps.serviceUrl}/metrics` },
      ],
    };
  };
}

async function lifecycleOf(deps: Parameters<typeof sandboxView>[0], key: string): Promise<SandboxView['tickets'][number]['lifecycle']> {
  // The ticket's lifecycle: the running one, else the last that ran (duplicates end at once).
  const instances = await deps.engine.historicProcessInstances({ processDefinitionKey: PROCESS_KEY, businessKey: key });
  const instance = instances.find((candidate) => candidate.state === 'ACTIVE') ?? instances.at(-1);
  if (!instance) return null;
  const [activities, incidents] = await Promise.all([deps.engine.historicActivities(instance.id), instance.state === 'ACTIVE' ? deps.engine.incidents(instance.id) : []]);
  // Where it waits now, or, once it ended, the end it reached.
  const current = activities.filter((activity) => activity.endTime === null).at(-1) ?? activities.filter((activity) => /EndEvent/i.test(activity.activityType ?? '')).at(-1);
  return {
    processInstanceId: instance.id,
    cockpitUrl: `${deps.cockpitUrl}#/process-instance/${instance.id}/runtime`,
    activity: current ? (current.activityName ?? current.activityId) : null,
    state: incidents.length > 0 ? 'INCIDENT' : instance.state,
  };
}

/** What the page's buttons do, played on the stand-ins as the people would. */
export function sandboxActions(world: SandboxWorld): SandboxActions {
  return {
    async createTicket({ summary, team }) {
      const issue = world.jira.createIssue({ summary, components: [team], assignee: SANDBOX_DEVELOPER });
      return { key: issue.key };
    },
    async moveStatus(key, status) {
      try {
        world.jira.moveStatus(key, status);
      } catch (error) {
        if (error instanceof JiraStandInError) throw new SandboxActionError(error.code === 'unknown-issue' ? 404 : error.code === 'unknown-status' ? 422 : 409, error.message);
        throw error;
      }
    },
    async pushCommit(repo, message) {
      if (!world.github.repos.has(repo)) throw new SandboxActionError(404, `there is no repository ${repo}`);
      world.github.push(repo, 'ml_model/inference/inference.py', `${world.github.repos.get(repo)?.files.get('ml_model/inference/inference.py') ?? ''}\n# ${message}\n`, message);
    },
    async setToggle(name: ToggleName, on: boolean) {
      world.toggles[name] = on;
    },
    async reviewPullRequest(repo, number, login, verdict) {
      try {
        world.github.review(repo, number, login, verdict, verdict === 'APPROVED' ? 'Looks good to me.' : 'Please pin the scikit-learn version in requirements.txt.');
      } catch (error) {
        throw new SandboxActionError(world.github.repos.has(repo) ? 409 : 404, (error as Error).message);
      }
    },
    async mergePullRequest(repo, number) {
      try {
        world.github.mergePullRequest(repo, number, SANDBOX_MERGER);
      } catch (error) {
        throw new SandboxActionError(world.github.repos.has(repo) ? 409 : 404, (error as Error).message);
      }
    },
    async clickButton(channelId, ts, actionId) {
      const message = world.slack.snapshot().channels.find((channel) => channel.id === channelId)?.messages.find((candidate) => candidate.ts === ts);
      if (!message) throw new SandboxActionError(404, `there is no message ${ts} in ${channelId}`);
      // The page plays the team's maintainer, who may decide on its canaries.
      try {
        await world.slack.click(ts, actionId, SANDBOX_CLICKER);
      } catch (error) {
        throw new SandboxActionError(409, (error as Error).message);
      }
    },
  };
}

/** Who presses the page's Slack buttons: alice, maintainer of team search ([reviewers.slack_users] in sandbox/policy.toml). */
export const SANDBOX_CLICKER = 'U0SBALICE1';

/** The channel names of the sandbox's teams. */
export const sandboxChannelNames = Object.values(SANDBOX_CHANNELS);
