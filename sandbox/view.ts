/**
 * The two interfaces between the sandbox page (`sandbox/page.ts`) and whatever runs the
 * stand-ins: {@link SandboxView}, everything the page shows, as plain JSON, and
 * {@link SandboxActions}, what its buttons do. The page knows nothing else of the stand-ins,
 * and the stand-ins nothing of HTML.
 */

/** The scenario switches: each makes the *next* matching run of a stand-in go wrong. */
export const TOGGLE_NAMES = ['trainingMissesMetric', 'buildFailsTests', 'stagingUnhealthy', 'stagingWrongAnswer', 'canaryErrorRate'] as const;

/** One scenario switch. */
export type ToggleName = (typeof TOGGLE_NAMES)[number];

/** What each switch does, in the words the page shows next to it. */
export const TOGGLE_LABELS: Readonly<Record<ToggleName, { readonly label: string; readonly detail: string }>> = {
  trainingMissesMetric: {
    label: 'Next training misses its metric',
    detail: 'The next training run logs a recall below the model.toml threshold: TRAIN_RESULT fails.',
  },
  buildFailsTests: {
    label: 'Next build fails a test',
    detail: 'The next inference build reports a failing unit test: BUILD_RESULT and TESTING_RESULT fail.',
  },
  stagingUnhealthy: {
    label: 'Next staging never gets healthy',
    detail: 'The next staging deployment answers its health probes 503 until the health deadline passes: STAGING_RESULT fails.',
  },
  stagingWrongAnswer: {
    label: 'Next staging answers wrong',
    detail: 'The next staging deployment gets one field of every prediction wrong: a functional case fails, with its diff in STAGING_RESULT.',
  },
  canaryErrorRate: {
    label: 'Next canary raises its error rate',
    detail: 'The next canary answers 30 % of its requests with errors: the automated analysis fails and the lifecycle rolls it back by itself (needs Prometheus).',
  },
};

/** A ticket's lifecycle, as Camunda sees it. */
export interface SandboxLifecycle {
  /** The `model-lifecycle` process instance id. */
  readonly processInstanceId: string;
  /** That instance in Cockpit, e.g. `http://localhost:8080/camunda/app/cockpit/default/#/process-instance/<id>`. */
  readonly cockpitUrl: string;
  /** The name of the step the instance is at (the BPMN activity's name, else its id); null when it has ended. */
  readonly activity: string | null;
  /** The instance's state as Camunda's history names it: `ACTIVE`, `SUSPENDED`, `COMPLETED`, `EXTERNALLY_TERMINATED`, `INTERNALLY_TERMINATED`; or `INCIDENT` when a step has an open incident. */
  readonly state: string;
}

/** One Jira comment. */
export interface SandboxComment {
  /** The comment id, unique within the ticket. */
  readonly id: string;
  /** When it was written, ISO-8601. */
  readonly created: string;
  /** Who wrote it (display name); null when unknown. */
  readonly author: string | null;
  /** The body as Jira Cloud stores it: an Atlassian Document Format `doc`. A string (Data Center wiki markup) is shown as plain text. */
  readonly body: unknown;
}

/** One Jira ticket of the model type. */
export interface SandboxTicket {
  /** The issue key, e.g. `MLM-1`. */
  readonly key: string;
  readonly summary: string;
  /** The current workflow status; one of {@link SandboxView.statuses} (another one gets a column of its own). */
  readonly status: string;
  /** The assignee's display name; null when unassigned. */
  readonly assignee: string | null;
  /** The team the ticket names; null when it names none. */
  readonly team: string | null;
  /** The ticket's lifecycle; null when none has started (yet). */
  readonly lifecycle: SandboxLifecycle | null;
  /** Comments, oldest first. */
  readonly comments: readonly SandboxComment[];
}

/** One Slack message. */
export interface SandboxSlackMessage {
  /** Slack's message timestamp, e.g. `1712345678.000100`: its id in the channel and its time (seconds since the epoch). */
  readonly ts: string;
  /** The fallback text (mrkdwn), shown when there are no blocks. */
  readonly text: string;
  /** The Block Kit blocks (https://api.slack.com/reference/block-kit/blocks), as posted. */
  readonly blocks: readonly unknown[];
  /** Who posted it (display name); null for the service's bot. */
  readonly user: string | null;
  /** True for an ephemeral message: shown only to the person the page plays ("Only visible to you"). */
  readonly ephemeral?: boolean;
}

/** A text input of a Slack modal (an `input` block with a `plain_text_input`). */
export interface SandboxModalInput {
  readonly blockId: string;
  readonly actionId: string;
  readonly label: string;
  readonly multiline: boolean;
  /** Whether Slack requires it (an input block is required unless `optional: true`). */
  readonly required: boolean;
  readonly maxLength: number | null;
}

/** A Slack modal the app opened for the person the page plays (views.open), waiting to be submitted. */
export interface SandboxSlackModal {
  /** The view id (`V…`). */
  readonly id: string;
  readonly title: string;
  /** The submit button's label. */
  readonly submit: string;
  /** The close button's label. */
  readonly close: string;
  /** The blocks that are not inputs (sections, context…), as posted. */
  readonly blocks: readonly unknown[];
  readonly inputs: readonly SandboxModalInput[];
}

/** A person of the sandbox's Slack directory the page can play. */
export interface SandboxPerson {
  /** Slack user id. */
  readonly slackId: string;
  /** Slack handle. */
  readonly name: string;
  /** What they are to the models, e.g. "maintainer of team search". */
  readonly role: string;
}

/** One deployed inference service: a model version in a slot, as the deploy job left it. */
export interface SandboxDeployment {
  /** The service (model) name. */
  readonly service: string;
  readonly slot: 'staging' | 'canary' | 'stable';
  /** The model version it serves. */
  readonly version: string;
  /** Where it answers (loopback). */
  readonly url: string;
  /** Share of predict requests it answers 500, 0 to 1 (a switch raises it). */
  readonly errorRatio: number;
  /** True when it gives a wrong field in every prediction (a switch makes it so). */
  readonly wrongAnswer: boolean;
}

/** One Slack channel. */
export interface SandboxSlackChannel {
  /** The channel id, e.g. `C0123ABC`. */
  readonly id: string;
  /** The name without `#`, e.g. `ml-fraud`. */
  readonly name: string;
  /** Messages, oldest first. */
  readonly messages: readonly SandboxSlackMessage[];
}

/** A pull request of a repository, with its reviewers: the review stage's, default branch → release branch. */
export interface SandboxPullRequest {
  readonly number: number;
  readonly title: string;
  /** Branch names. */
  readonly head: string;
  readonly base: string;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  /** Logins whose review is requested and not given yet. */
  readonly requestedReviewers: readonly string[];
  /** Submitted reviews, oldest first. */
  readonly reviews: ReadonlyArray<{ readonly login: string; readonly state: string; readonly body: string }>;
}

/** One GitHub repository. */
export interface SandboxRepo {
  /** `owner/name`. */
  readonly fullName: string;
  readonly description: string;
  /** `model.toml` at the head of the default branch; null when the file is absent. */
  readonly modelToml: string | null;
  /** Commits of the default branch, newest first. */
  readonly commits: ReadonlyArray<{ readonly sha: string; readonly message: string }>;
  /** Pull requests, oldest first; absent or empty when there are none. */
  readonly pullRequests?: readonly SandboxPullRequest[];
}

/** One Jenkins build. */
export interface SandboxBuild {
  /** The job's full name, e.g. `ml/train`. */
  readonly job: string;
  readonly number: number;
  /** The build's page on the Jenkins stand-in. */
  readonly url: string;
  /** True while it runs. */
  readonly building: boolean;
  /** `SUCCESS`, `UNSTABLE`, `FAILURE`, `ABORTED`; null while it runs. */
  readonly result: string | null;
  /** The build parameters, e.g. `JIRA_KEY`, `ATTEMPT`. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The last lines of its console. */
  readonly consoleTail: readonly string[];
}

/** Everything the page shows, as JSON. */
export interface SandboxView {
  /** When this view was read, ISO-8601. */
  readonly generatedAt: string;
  /** The Jira workflow statuses, in board order: one column each. */
  readonly statuses: readonly string[];
  /** The team names a model ticket may name (the policy's `[[teams]]`). */
  readonly teams: readonly string[];
  /** Model tickets, in creation order. */
  readonly tickets: readonly SandboxTicket[];
  /** Slack channels the service posts to, with the ephemeral messages of the person the page plays. */
  readonly slack: readonly SandboxSlackChannel[];
  /** The people the page can play in Slack. */
  readonly people: readonly SandboxPerson[];
  /** The Slack user id of the person the page plays: its Slack buttons click, and its forms submit, as them. */
  readonly player: string;
  /** The modal open for the person the page plays, if any (the latest). */
  readonly modal: SandboxSlackModal | null;
  /** The deployed inference services, by service and slot. */
  readonly deployments: readonly SandboxDeployment[];
  /** GitHub repositories of the organisation. */
  readonly repos: readonly SandboxRepo[];
  /** Jenkins builds, newest first. */
  readonly builds: readonly SandboxBuild[];
  /** The scenario switches and whether each is on. */
  readonly toggles: Readonly<Record<ToggleName, boolean>>;
  /** Real UIs worth opening beside the page: Cockpit, MLflow UI, metrics… */
  readonly links: ReadonlyArray<{ readonly title: string; readonly url: string }>;
}

/**
 * What the page's buttons do. Each returns once the stand-in has taken the action; the
 * lifecycle reacts asynchronously, and the page shows it through the next view. An action
 * the stand-in refuses (an unknown ticket, a status the workflow does not have) throws a
 * {@link SandboxActionError}; anything else thrown is a fault (500).
 */
export interface SandboxActions {
  /** Creates a ticket of the model type, as a data scientist would in Jira (the stand-in sends the webhook). */
  createTicket(input: { summary: string; team: string }): Promise<{ key: string }>;
  /** Moves a ticket to a status, as its developer would in Jira. */
  moveStatus(key: string, status: string): Promise<void>;
  /** Pushes a commit to the default branch of `repo` (`owner/name`), as its developer would. */
  pushCommit(repo: string, message: string): Promise<void>;
  /** Turns a scenario switch on or off. */
  setToggle(name: ToggleName, on: boolean): Promise<void>;
  /** A reviewer approves the pull request, or requests changes on it, as on GitHub (the stand-in sends the signed `pull_request_review` webhook). */
  reviewPullRequest(repo: string, number: number, login: string, verdict: 'APPROVED' | 'CHANGES_REQUESTED'): Promise<void>;
  /** Someone merges the pull request (the stand-in sends the signed `pull_request` closed webhook). */
  mergePullRequest(repo: string, number: number): Promise<void>;
  /** The developer closes the pull request without merging it (the signed `pull_request` closed webhook, `merged: false`). */
  closePullRequest(repo: string, number: number): Promise<void>;
  /** The developer reopens a pull request closed without merging (the signed `pull_request` reopened webhook). */
  reopenPullRequest(repo: string, number: number): Promise<void>;
  /** Chooses who the page plays in Slack: one of the view's people. */
  playAs(slackId: string): Promise<void>;
  /** The person the page plays submits their open modal with the typed values (by block_id, then action_id), as Slack sends view_submission. */
  submitModal(viewId: string, values: Readonly<Record<string, Readonly<Record<string, string>>>>): Promise<void>;
  /** The person the page plays closes their open modal without submitting it. */
  closeModal(viewId: string): Promise<void>;
  /** Clicks an interactive Slack button (one without a URL) as the person the page plays: Approve/Reject… */
  clickButton(channelId: string, ts: string, actionId: string): Promise<void>;
}

/** An action a stand-in refuses, with the reason a person can act on; the page answers with its `status`. */
export class SandboxActionError extends Error {
  override readonly name = 'SandboxActionError';
  /** 404 for something that does not exist, 409 for a move the current state forbids, 422 for a value it does not accept. */
  readonly status: 404 | 409 | 422;

  constructor(status: 404 | 409 | 422, message: string) {
    super(message);
    this.status = status;
  }
}
