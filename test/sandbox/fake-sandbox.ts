import { SandboxActionError, type SandboxActions, type SandboxView, type ToggleName } from '../../sandbox/view.ts';

type Mutable<T> = T extends ReadonlyArray<infer U> ? Array<Mutable<U>> : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type View = Mutable<Omit<SandboxView, 'generatedAt'>>;

const COCKPIT = 'http://127.0.0.1:8080/camunda/app/cockpit/default/#/process-instance/';
const REPO_URL = 'https://github.example/acme';

/** Every action the page took, in order. */
export type RecordedAction =
  | { action: 'createTicket'; summary: string; team: string }
  | { action: 'moveStatus'; key: string; status: string }
  | { action: 'pushCommit'; repo: string; message: string }
  | { action: 'setToggle'; name: ToggleName; on: boolean }
  | { action: 'reviewPullRequest'; repo: string; number: number; login: string; verdict: 'APPROVED' | 'CHANGES_REQUESTED' }
  | { action: 'mergePullRequest'; repo: string; number: number }
  | { action: 'clickButton'; channelId: string; ts: string; actionId: string };

/**
 * A small stateful stand-in of the stand-ins, for the page's tests: a created ticket gets a
 * lifecycle, a robot comment (ADF from the real Jira renderer's shapes), a repository and a
 * Slack message with a link button and Approve/Reject buttons, as the service would leave them.
 */
export class FakeSandbox implements SandboxActions {
  readonly recorded: RecordedAction[] = [];
  private readonly state: View;
  private nextKey = 2;
  private clock = Date.parse('2025-05-12T09:00:00Z');

  constructor() {
    this.state = {
      statuses: ['To Do', 'Research', 'Ready for training', 'Training', 'Review', 'Done'],
      teams: ['fraud', 'pricing'],
      tickets: [
        {
          key: 'MLM-1',
          summary: 'Churn predictor for subscriptions',
          status: 'Research',
          assignee: 'Ada Lovelace',
          team: 'pricing',
          lifecycle: { processInstanceId: 'pi-1', cockpitUrl: `${COCKPIT}pi-1`, activity: 'Wait for Ready for training', state: 'ACTIVE' },
          comments: [this.trainFailedComment()],
        },
      ],
      slack: [
        { id: 'C-FRAUD', name: 'ml-fraud', messages: [] },
        { id: 'C-PRICING', name: 'ml-pricing', messages: [] },
      ],
      repos: [
        {
          fullName: 'acme/churn-predictor',
          description: 'MLM-1: Churn predictor for subscriptions',
          modelToml: '[model]\nmodel_name = "churn-predictor"\nmodel_version = 1\nteam = "pricing"\n\n[train_metrics]\nrecall.min = 0.9\n',
          commits: [
            { sha: 'c0ffee1234567890c0ffee1234567890c0ffee12', message: 'Tune the learning rate' },
            { sha: '0123456789abcdef0123456789abcdef01234567', message: 'Initial commit from template' },
          ],
          pullRequests: [
            { number: 1, title: 'MLM-1 [churn-predictor] Review for release', head: 'main', base: 'release', state: 'open', merged: false, requestedReviewers: ['alice', 'carol'], reviews: [] },
          ],
        },
      ],
      builds: [
        {
          job: 'ml/train',
          number: 1,
          url: 'http://127.0.0.1:8091/job/ml/job/train/1/',
          building: false,
          result: 'FAILURE',
          parameters: { JIRA_KEY: 'MLM-1', ATTEMPT: '1', MODEL_NAME: 'churn-predictor', MODEL_VERSION: '1' },
          consoleTail: ['[Pipeline] stage (Train)', 'recall = 0.84 (min 0.9)', 'Finished: FAILURE'],
        },
      ],
      toggles: { trainingMissesMetric: true, buildFailsTests: false, canaryErrorRate: false },
      links: [
        { title: 'Cockpit', url: 'http://127.0.0.1:8080/camunda/app/cockpit/' },
        { title: 'MLflow', url: 'http://127.0.0.1:5000/' },
        { title: 'Metrics', url: 'http://127.0.0.1:3000/metrics' },
      ],
    };
    this.post('C-PRICING', 'Train failed: recall 0.84 is below 0.9', [
      { type: 'section', text: { type: 'mrkdwn', text: '*Train failed* <https://jira.example/browse/MLM-1|MLM-1>, attempt 1 of 3\nAda Lovelace, recall 0.84 &lt; 0.9' } },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open job in Jenkins' }, url: 'http://127.0.0.1:8091/job/ml/job/train/1/', action_id: 'open_jenkins_build' }] },
    ]);
  }

  /** What the page shows: a deep copy, so the page never holds the fake's objects. */
  view = async (): Promise<SandboxView> => structuredClone({ generatedAt: new Date().toISOString(), ...this.state });

  async createTicket(input: { summary: string; team: string }): Promise<{ key: string }> {
    this.recorded.push({ action: 'createTicket', ...input });
    if (!this.state.teams.includes(input.team)) throw new SandboxActionError(422, `no team "${input.team}"`);
    const key = `MLM-${this.nextKey++}`;
    const slug = input.summary.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'model';
    const channel = this.state.slack.find((c) => c.name === `ml-${input.team}`) ?? this.state.slack[0];
    this.state.tickets.push({
      key,
      summary: input.summary,
      status: 'Research',
      assignee: 'Grace Hopper',
      team: input.team,
      lifecycle: { processInstanceId: `pi-${key}`, cockpitUrl: `${COCKPIT}pi-${key}`, activity: 'Wait for Ready for training', state: 'ACTIVE' },
      comments: [
        {
          id: `${key}-c1`,
          created: this.tick(),
          author: 'Model lifecycle',
          body: {
            type: 'doc',
            version: 1,
            content: [
              { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: '[Success] REPOSITORY' }] },
              {
                type: 'paragraph',
                content: [
                  { type: 'text', text: 'Repository ' },
                  { type: 'text', text: `acme/${slug}`, marks: [{ type: 'code' }, { type: 'link', attrs: { href: `${REPO_URL}/${slug}` } }] },
                  { type: 'text', text: ' is ready. ' },
                  { type: 'text', text: 'Next:', marks: [{ type: 'strong' }] },
                  { type: 'text', text: ' move the ticket to Ready for training.' },
                ],
              },
            ],
          },
        },
      ],
    });
    this.state.repos.unshift({
      fullName: `acme/${slug}`,
      description: `${key}: ${input.summary}`,
      modelToml: `[model]\nmodel_name = "${slug}"\nmodel_version = 1\nteam = "${input.team}"\n`,
      commits: [{ sha: 'feedbeef'.repeat(5), message: 'Initial commit from template' }],
    });
    if (channel) {
      this.post(channel.id, `New model repository for ${key}`, [
        { type: 'section', text: { type: 'mrkdwn', text: `*New model repository* for <https://jira.example/browse/${key}|${key}>\n*Team:* ${input.team}` } },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Open repository' }, url: `${REPO_URL}/${slug}`, action_id: 'open_repository' },
            { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', action_id: 'approve' },
            { type: 'button', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', action_id: 'reject' },
          ],
        },
      ]);
    }
    return { key };
  }

  async moveStatus(key: string, status: string): Promise<void> {
    this.recorded.push({ action: 'moveStatus', key, status });
    const ticket = this.state.tickets.find((t) => t.key === key);
    if (!ticket) throw new SandboxActionError(404, `no ticket ${key}`);
    if (!this.state.statuses.includes(status)) throw new SandboxActionError(422, `no status "${status}" in the workflow`);
    ticket.status = status;
  }

  async pushCommit(repo: string, message: string): Promise<void> {
    this.recorded.push({ action: 'pushCommit', repo, message });
    const target = this.state.repos.find((r) => r.fullName === repo);
    if (!target) throw new SandboxActionError(404, `no repository ${repo}`);
    target.commits.unshift({ sha: (this.clock++).toString(16).padStart(40, '0'), message });
  }

  async setToggle(name: ToggleName, on: boolean): Promise<void> {
    this.recorded.push({ action: 'setToggle', name, on });
    this.state.toggles[name] = on;
  }

  async reviewPullRequest(repo: string, number: number, login: string, verdict: 'APPROVED' | 'CHANGES_REQUESTED'): Promise<void> {
    this.recorded.push({ action: 'reviewPullRequest', repo, number, login, verdict });
    const pull = this.openPull(repo, number);
    pull.requestedReviewers = pull.requestedReviewers.filter((who) => who !== login);
    pull.reviews.push({ login, state: verdict, body: '' });
  }

  async mergePullRequest(repo: string, number: number): Promise<void> {
    this.recorded.push({ action: 'mergePullRequest', repo, number });
    const pull = this.openPull(repo, number);
    pull.state = 'closed';
    pull.merged = true;
  }

  private openPull(repo: string, number: number) {
    const pull = this.state.repos.find((r) => r.fullName === repo)?.pullRequests?.find((p) => p.number === number);
    if (!pull) throw new SandboxActionError(404, `no pull request #${number} in ${repo}`);
    if (pull.state !== 'open') throw new SandboxActionError(409, `pull request #${number} of ${repo} is ${pull.merged ? 'merged' : 'closed'}`);
    return pull;
  }

  async clickButton(channelId: string, ts: string, actionId: string): Promise<void> {
    this.recorded.push({ action: 'clickButton', channelId, ts, actionId });
    const channel = this.state.slack.find((c) => c.id === channelId);
    if (!channel?.messages.some((m) => m.ts === ts)) throw new SandboxActionError(404, `no message ${ts} in ${channelId}`);
    channel.messages.push({ ts: this.nextTs(), text: `Pressed ${actionId}`, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: `:white_check_mark: pressed \`${actionId}\`` }] }], user: 'You' });
  }

  private post(channelId: string, text: string, blocks: unknown[]): void {
    this.state.slack.find((c) => c.id === channelId)?.messages.push({ ts: this.nextTs(), text, blocks, user: null });
  }

  private trainFailedComment(): View['tickets'][number]['comments'][number] {
    return {
      id: 'MLM-1-c1',
      created: '2025-05-12T08:30:00.000Z',
      author: 'Model lifecycle',
      body: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: '[Failed] TRAIN_RESULT' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'A metric is past its bound <script>alert(1)</script>' }] },
          {
            type: 'table',
            content: [
              { type: 'tableRow', content: ['Metric', 'Value', 'Threshold'].map((h) => ({ type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: h }] }] })) },
              { type: 'tableRow', content: ['recall', '0.84', '≥ 0.9'].map((c) => ({ type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: c }] }] })) },
            ],
          },
        ],
      },
    };
  }

  private tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString();
  }

  private nextTs(): string {
    this.clock += 1000;
    return `${Math.floor(this.clock / 1000)}.000100`;
  }
}
