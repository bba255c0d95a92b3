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
  | { action: 'closePullRequest'; repo: string; number: number }
  | { action: 'reopenPullRequest'; repo: string; number: number }
  | { action: 'clickButton'; channelId: string; ts: string; actionId: string; as: string }
  | { action: 'playAs'; slackId: string }
  | { action: 'submitModal'; viewId: string; values: Record<string, Record<string, string>> }
  | { action: 'closeModal'; viewId: string };

/** The fake's people: a maintainer (who plays first), the developer and an outsider. */
export const FAKE_PEOPLE = {
  maintainer: { slackId: 'U0FAKEMAINT', name: 'alice', role: 'maintainer of team pricing' },
  developer: { slackId: 'U0FAKEDEV01', name: 'ada', role: 'the developer' },
  outsider: { slackId: 'U0FAKEOUT01', name: 'erin', role: 'outsider' },
} as const;

/**
 * A small stateful stand-in of the stand-ins, for the page's tests: a created ticket gets a
 * lifecycle, a robot comment (ADF from the real Jira renderer's shapes), a repository and a
 * Slack message with a link button and Approve/Reject buttons, as the service would leave them.
 * MLM-1 has a canary in its team's channel: an Approve answers the clicker ephemerally as the
 * service does (too early, or refused to the developer and an outsider), a Reject opens the
 * "Why?" form for the clicker, and its submission rolls the canary back.
 */
export class FakeSandbox implements SandboxActions {
  readonly recorded: RecordedAction[] = [];
  private readonly state: View;
  private nextKey = 2;
  private clock = Date.parse('2025-05-12T09:00:00Z');
  private nextView = 1;
  private readonly ephemerals: Array<{ channel: string; user: string; ts: string; text: string }> = [];

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
      toggles: { trainingMissesMetric: true, buildFailsTests: false, stagingUnhealthy: false, stagingWrongAnswer: false, canaryErrorRate: false },
      people: Object.values(FAKE_PEOPLE).map((person) => ({ ...person })),
      player: FAKE_PEOPLE.maintainer.slackId,
      modal: null,
      deployments: [
        { service: 'churn-predictor', slot: 'canary', version: '2', url: 'http://127.0.0.1:41002', errorRatio: 0, wrongAnswer: false },
        { service: 'churn-predictor', slot: 'stable', version: '1', url: 'http://127.0.0.1:41001', errorRatio: 0, wrongAnswer: false },
      ],
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
    this.post('C-PRICING', 'Service deployed in canary mode: churn-predictor v2 (MLM-1)', [
      { type: 'section', text: { type: 'mrkdwn', text: '*Service deployed in canary mode*: churn-predictor v2 (MLM-1). Approve becomes available in 3 min, after stabilisation.' } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', action_id: 'canary:approve', value: 'MLM-1' },
          { type: 'button', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', action_id: 'canary:reject', value: 'MLM-1' },
        ],
      },
    ]);
  }

  /** What the page shows: a deep copy, so the page never holds the fake's objects; the player's ephemeral messages in their channels. */
  view = async (): Promise<SandboxView> => {
    const view = structuredClone({ generatedAt: new Date().toISOString(), ...this.state });
    for (const channel of view.slack) {
      const mine = this.ephemerals.filter((e) => e.channel === channel.id && e.user === view.player).map((e) => ({ ts: e.ts, text: e.text, blocks: [], user: null, ephemeral: true }));
      channel.messages = [...channel.messages, ...mine].sort((a, b) => a.ts.localeCompare(b.ts));
    }
    return view;
  };

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

  async closePullRequest(repo: string, number: number): Promise<void> {
    this.recorded.push({ action: 'closePullRequest', repo, number });
    this.openPull(repo, number).state = 'closed';
  }

  async reopenPullRequest(repo: string, number: number): Promise<void> {
    this.recorded.push({ action: 'reopenPullRequest', repo, number });
    const pull = this.state.repos.find((r) => r.fullName === repo)?.pullRequests?.find((p) => p.number === number);
    if (!pull) throw new SandboxActionError(404, `no pull request #${number} in ${repo}`);
    if (pull.state !== 'closed' || pull.merged) throw new SandboxActionError(409, `pull request #${number} of ${repo} is ${pull.merged ? 'merged' : 'open'}`);
    pull.state = 'open';
  }

  async playAs(slackId: string): Promise<void> {
    this.recorded.push({ action: 'playAs', slackId });
    if (!this.state.people.some((person) => person.slackId === slackId)) throw new SandboxActionError(422, `${slackId} is nobody here`);
    this.state.player = slackId;
  }

  async submitModal(viewId: string, values: Readonly<Record<string, Readonly<Record<string, string>>>>): Promise<void> {
    this.recorded.push({ action: 'submitModal', viewId, values: structuredClone(values) as Record<string, Record<string, string>> });
    const modal = this.state.modal;
    if (!modal || modal.id !== viewId) throw new SandboxActionError(404, `there is no open form ${viewId}`);
    const reason = values.reason?.reason?.trim() ?? '';
    if (reason === '') throw new SandboxActionError(422, 'Say why the canary is rejected: the developer gets this on the ticket.');
    this.state.modal = null;
    const who = this.state.people.find((person) => person.slackId === this.state.player)?.name ?? this.state.player;
    this.post('C-PRICING', `Rejected by @${who}: ${reason}`, [{ type: 'section', text: { type: 'mrkdwn', text: `*Rolled back.* Rejected by @${who}: ${reason}` } }]);
    const canary = this.state.deployments.findIndex((deployment) => deployment.slot === 'canary');
    if (canary >= 0) this.state.deployments.splice(canary, 1);
  }

  async closeModal(viewId: string): Promise<void> {
    this.recorded.push({ action: 'closeModal', viewId });
    if (this.state.modal?.id !== viewId) throw new SandboxActionError(404, `there is no open form ${viewId}`);
    this.state.modal = null;
  }

  async clickButton(channelId: string, ts: string, actionId: string): Promise<void> {
    const player = this.state.player;
    this.recorded.push({ action: 'clickButton', channelId, ts, actionId, as: player });
    const channel = this.state.slack.find((c) => c.id === channelId);
    if (!channel?.messages.some((m) => m.ts === ts)) throw new SandboxActionError(404, `no message ${ts} in ${channelId}`);
    if (actionId === 'canary:approve') {
      const text =
        player === FAKE_PEOPLE.developer.slackId
          ? 'You developed this model: self-approval is off.'
          : player === FAKE_PEOPLE.outsider.slackId
            ? "Only the model's maintainers and the platform's approvers can decide: you are not one of them."
            : 'Approve becomes available in 1 m 40 s, after stabilisation.';
      this.ephemerals.push({ channel: channelId, user: player, ts: this.nextTs(), text });
      return;
    }
    if (actionId === 'canary:reject') {
      this.state.modal = {
        id: `V0FAKE${this.nextView++}`,
        title: 'Reject the canary',
        submit: 'Reject and roll back',
        close: 'Cancel',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Rejecting rolls the canary of *MLM-1* back and sends the ticket back to the developer with your reason.' } }],
        inputs: [{ blockId: 'reason', actionId: 'reason', label: 'Why?', multiline: true, required: true, maxLength: 3000 }],
      };
      return;
    }
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
