import { PROCESS_KEY } from '../src/bpmn/contract.ts';
import type { EngineClient } from '../src/engine/camunda7/rest.ts';
import { JiraStandInError } from '../standins/jira.ts';
import type { SlackStandInView } from '../standins/slack.ts';
import { SandboxActionError, type SandboxActions, type SandboxModalInput, type SandboxSlackModal, type SandboxView, type ToggleName } from './view.ts';
import { SANDBOX_CHANNELS, SANDBOX_DEVELOPER, SANDBOX_MERGER, SANDBOX_PEOPLE, SANDBOX_STATUSES, type SandboxWorld } from './world.ts';

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
    const player = world.player.slackId;
    return {
      generatedAt: new Date().toISOString(),
      statuses: SANDBOX_STATUSES,
      teams: deps.teams,
      tickets,
      // Direct messages (the reviewers') follow the channels, named after the person.
      // The player's ephemeral messages show in their channel where Slack puts them (by ts), as only Slack's app posts them here.
      slack: [...slack.channels, ...slack.dms.map((dm) => ({ id: dm.id, name: `dm-${dm.userName ?? dm.user}`, messages: dm.messages }))].map((channel) => ({
        id: channel.id,
        name: channel.name,
        messages: [
          ...channel.messages.map((message) => ({
            ts: message.ts,
            text: handles(slack.users, message.text),
            blocks: handles(slack.users, message.blocks),
            user: message.user === slack.bot.userId ? null : nameOf(slack.users, message.user),
          })),
          ...slack.ephemerals
            .filter((ephemeral) => ephemeral.channel === channel.id && ephemeral.user === player)
            .map((ephemeral) => ({ ts: ephemeral.ts, text: handles(slack.users, ephemeral.text), blocks: handles(slack.users, ephemeral.blocks), user: null, ephemeral: true })),
        ].sort((a, b) => compareTs(a.ts, b.ts)),
      })),
      people: SANDBOX_PEOPLE.map(({ slackId, name, role }) => ({ slackId, name, role })),
      player,
      modal: modalOf(slack.views.filter((view) => view.user === player && view.state === 'open').at(-1)),
      deployments: world.deployments
        .snapshot()
        .map((deployment) => ({
          service: deployment.service,
          slot: deployment.slot,
          version: deployment.version,
          url: deployment.url,
          errorRatio: deployment.settings.errorRatio,
          wrongAnswer: deployment.settings.wrongField !== null,
        }))
        .sort((a, b) => a.service.localeCompare(b.service) || SLOTS.indexOf(a.slot) - SLOTS.indexOf(b.slot)),
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

/** Slots in the order the page lists them. */
const SLOTS = ['staging', 'canary', 'stable'] as const;

/** A person's Slack handle from the directory, else the id as it is. */
function nameOf(users: ReadonlyArray<{ id: string; name: string }>, id: string): string {
  return users.find((user) => user.id === id)?.name ?? id;
}

/**
 * Mentions as Slack shows them: `<@U…>` becomes `<@U…|handle>` for a person in the directory, so
 * the page reads "@alice" where Slack would, not the user id.
 */
function handles<T>(users: ReadonlyArray<{ id: string; name: string }>, value: T): T {
  const json = JSON.stringify(value).replace(/<@([UW][A-Z0-9]+)>/g, (mention, id: string) => {
    const name = users.find((user) => user.id === id)?.name;
    return name && /^[\w.-]+$/.test(name) ? `<@${id}|${name}>` : mention;
  });
  return JSON.parse(json) as T;
}

/** Slack ts order: seconds, then the six-digit fraction. */
function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(af) - Number(bf);
}

type Obj = Readonly<Record<string, unknown>>;
const obj = (value: unknown): Obj | null => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null);
const text = (value: unknown): string => {
  const field = obj(value)?.text;
  return typeof field === 'string' ? field : '';
};

/** A modal as the page shows it: its `plain_text_input`s as the form's fields, the other blocks as they are. */
function modalOf(view: SlackStandInView | undefined): SandboxSlackModal | null {
  if (!view) return null;
  const inputs: SandboxModalInput[] = [];
  const blocks: unknown[] = [];
  for (const block of view.blocks) {
    const element = obj(obj(block)?.element);
    if (obj(block)?.type === 'input' && element?.type === 'plain_text_input') {
      inputs.push({
        blockId: String(obj(block)?.block_id ?? ''),
        actionId: String(element.action_id ?? ''),
        label: text(obj(block)?.label),
        multiline: element.multiline === true,
        required: obj(block)?.optional !== true,
        maxLength: typeof element.max_length === 'number' ? element.max_length : null,
      });
    } else {
      blocks.push(block);
    }
  }
  return { id: view.id, title: view.title, submit: view.submit ?? 'Submit', close: view.close ?? 'Cancel', blocks, inputs };
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
    async closePullRequest(repo, number) {
      try {
        world.github.closePullRequest(repo, number, SANDBOX_DEVELOPER_LOGIN);
      } catch (error) {
        throw new SandboxActionError(world.github.repos.has(repo) ? 409 : 404, (error as Error).message);
      }
    },
    async reopenPullRequest(repo, number) {
      try {
        world.github.reopenPullRequest(repo, number, SANDBOX_DEVELOPER_LOGIN);
      } catch (error) {
        throw new SandboxActionError(world.github.repos.has(repo) ? 409 : 404, (error as Error).message);
      }
    },
    async clickButton(channelId, ts, actionId) {
      const message = world.slack.messages.find((candidate) => candidate.channel === channelId && candidate.ts === ts);
      if (!message) throw new SandboxActionError(404, `there is no message ${ts} in ${channelId}`);
      try {
        await world.slack.click(ts, actionId, world.player.slackId);
      } catch (error) {
        throw new SandboxActionError(409, (error as Error).message);
      }
    },
    async playAs(slackId) {
      if (!SANDBOX_PEOPLE.some((person) => person.slackId === slackId)) {
        throw new SandboxActionError(422, `${slackId} is nobody in the sandbox's Slack: choose one of ${SANDBOX_PEOPLE.map((person) => person.name).join(', ')}`);
      }
      world.player.slackId = slackId;
    },
    async submitModal(viewId, values) {
      const view = world.slack.views.find((candidate) => candidate.id === viewId);
      if (!view || view.state !== 'open') throw new SandboxActionError(404, `there is no open form ${viewId}`);
      if (view.user !== world.player.slackId) throw new SandboxActionError(409, `the form ${viewId} is ${nameOf(SANDBOX_PEOPLE.map((p) => ({ id: p.slackId, name: p.name })), view.user)}'s, not yours: play them to submit it`);
      const result = await world.slack.submitView(viewId, values);
      if (result.status !== 200) throw new SandboxActionError(409, `the service answered the form with HTTP ${result.status}`);
      // The app keeps the form open and says what is wrong (response_action: errors, by block_id).
      const errors = obj(obj(safeJson(result.body))?.errors);
      if (errors) throw new SandboxActionError(422, Object.values(errors).map(String).join(' '));
    },
    async closeModal(viewId) {
      const view = world.slack.views.find((candidate) => candidate.id === viewId);
      if (!view || view.state !== 'open' || view.user !== world.player.slackId) throw new SandboxActionError(404, `there is no open form ${viewId} of yours`);
      world.slack.closeView(viewId);
    },
  };
}

/** The developer's GitHub account, who closes and reopens review pull requests on the page. */
export const SANDBOX_DEVELOPER_LOGIN = 'ada';

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The channel names of the sandbox's teams. */
export const sandboxChannelNames = Object.values(SANDBOX_CHANNELS);
