/**
 * A stateful Jira Cloud stand-in on loopback, shared by the end-to-end tests and the local
 * sandbox. It answers the calls {@link JiraClient} (src/clients/jira.ts) makes with `api =
 * "cloud"`, in the shapes of Atlassian's published REST v3 examples (the trimmed copies under
 * test/fixtures/jira/cloud, see its SOURCES.md), keeps issues, comments with their entity
 * properties, transitions and remote links, and sends webhooks the way Jira Cloud does.
 *
 * What it serves (all behind basic auth with the account e-mail and API token):
 *
 * | Call | Answer |
 * | --- | --- |
 * | `GET /rest/api/3/issue/{keyOrId}` (`?fields=` honoured: names, `*all`, `*navigable`, `-name`) | the issue (`cloud/issue.json`); 404 `ErrorCollection` when unknown |
 * | `GET /rest/api/3/issue/{key}/comment` (`startAt`, `maxResults` ≤ 100, `orderBy` `created`/`-created`) | a comments page (`cloud/comments-without-properties.json`): Cloud documents only `expand=renderedBody` here, so comments come without `properties` |
 * | `POST /rest/api/3/issue/{key}/comment` `{ body: ADF doc, properties? }` | 201, the comment (`cloud/comment-created.json`); its entity properties are kept; a body that is not an ADF doc: 400 |
 * | `POST /rest/api/3/comment/list` `{ ids }` (`?expand=properties`) | `PageBeanComment` (`cloud/comment-list.json`), with `properties` when expanded |
 * | `GET /rest/api/3/issue/{key}/transitions` | one global transition ("Any status → X", ids 11, 21, 31, … as in a simplified workflow) to every other status (`cloud/transitions.json`) |
 * | `POST /rest/api/3/issue/{key}/transitions` `{ transition: { id } }` | 204; an id not offered from the current status: 400 |
 * | `POST /rest/api/3/issue/{key}/remotelink` `{ globalId, application?, object: { url, title, … } }` | 201 `{ id, self }` (`cloud/remotelink-created.json`); the same `globalId` again updates the link: 200 |
 * | `GET /rest/api/3/issue/{key}/remotelink` | the issue's remote links, as Jira lists them |
 * | `PUT /rest/api/3/issue/{key}` `{ fields: { customfield_X: [{ accountId }] \| null } }` (user-picker custom fields) | 204; the users are kept in the issue's `fields` as GET answers them; a field off the edit screen ({@link JiraStandInOptions.editableFields}) or not custom: 400 "cannot be set"; an account not in the directory: 400 |
 * | `GET /rest/api/3/user/search?query=` | the active users of the directory ({@link JiraStandInOptions.users}) whose e-mail or display name starts with the query |
 *
 * Authentication: no or wrong credentials → 401 `Client must be authenticated to access this
 * resource.` Anything else → 404. Not served: Data Center's REST v2 (the client's
 * `api = "datacenter"`), JQL search, editing other fields than user pickers over REST, comment
 * update/delete.
 *
 * Webhooks ({@link JiraStandIn.registerWebhook}): {@link JiraStandIn.createIssue} sends
 * `jira:issue_created`; {@link JiraStandIn.moveStatus}, {@link JiraStandIn.editIssue} and a
 * transition or a user-field edit made over REST send `jira:issue_updated` with a changelog; a comment made over REST
 * sends `comment_created` to hooks registered for it. Bodies follow the deliveries under
 * test/fixtures/jira/webhooks (REST v2 field shapes, as Jira Cloud sends them), signed
 * `X-Hub-Signature: sha256=<HMAC-SHA256 of the body>` with the hook's secret, with
 * `X-Atlassian-Webhook-Identifier` (the same on every retry), `X-Atlassian-Webhook-Flow:
 * Primary` and, on a retry, `X-Atlassian-Webhook-Retry: <n>`. Retried as Jira Cloud retries
 * (https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy): on 408, 409,
 * 425, 429, 5xx, a refused connection or no answer in time, up to 5 times, with a growing
 * back-off that the stand-in compresses from Jira's minutes to seconds.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import commentFixture from '../test/fixtures/jira/cloud/comment-created.json' with { type: 'json' };
import notFoundFixture from '../test/fixtures/jira/cloud/error-issue-not-found.json' with { type: 'json' };
import issueFixture from '../test/fixtures/jira/cloud/issue.json' with { type: 'json' };
import transitionsFixture from '../test/fixtures/jira/cloud/transitions.json' with { type: 'json' };
import createdDelivery from '../test/fixtures/jira/webhooks/issue_created.json' with { type: 'json' };
import updatedDelivery from '../test/fixtures/jira/webhooks/issue_updated_status.json' with { type: 'json' };
import { appendCapped, ChangeListeners, Faults, jsonAnswer, LoopbackServer, messageOf, serveUnderFault, writeAnswer, type LoopbackAnswer, type LoopbackFault, type LoopbackRequest } from './loopback.ts';

/** A Jira user as the stand-in keeps one (Cloud: account id, no user name). */
export interface JiraStandInUser {
  accountId: string;
  displayName: string;
  emailAddress: string;
}

/**
 * An issue as the tests and the sandbox read and change it. Changing it directly changes what
 * the REST API answers but sends no webhook; {@link JiraStandIn.moveStatus} and
 * {@link JiraStandIn.editIssue} do.
 */
export interface JiraStandInIssue {
  key: string;
  summary: string;
  status: string;
  components: string[];
  assignee: JiraStandInUser | null;
  /** Default: the assignee, else the stand-in's default person. */
  reporter?: JiraStandInUser | null;
  /** Default "Model". */
  issueType?: string;
  description?: string | null;
  labels?: string[];
  /** Custom fields by id, e.g. `{ customfield_10050: "churn-predictor" }`. */
  fields?: Record<string, unknown>;
}

/** A comment: its ADF body and entity properties as posted. */
export interface JiraStandInComment {
  id: string;
  body: unknown;
  properties: Array<{ key: string; value: unknown }>;
  /** Epoch ms. */
  created: number;
  author: JiraStandInUser;
}

/** A remote link, by its `globalId` in {@link JiraStandIn.remoteLinks}. */
export interface JiraStandInRemoteLink {
  id: number;
  url: string;
  title: string;
  summary?: string;
}

/** What {@link JiraStandIn.createIssue} takes; the key comes from the project. */
export interface CreateIssueInput {
  readonly summary: string;
  readonly components?: readonly string[];
  readonly assignee?: JiraStandInUser | null;
  readonly reporter?: JiraStandInUser;
  /** Default: the stand-in's project (`MLM`). */
  readonly project?: string;
  /** Default: the stand-in's issue type (`Model`). */
  readonly issueType?: string;
  /** Default: the first status. */
  readonly status?: string;
  readonly description?: string | null;
  readonly labels?: readonly string[];
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What {@link JiraStandIn.editIssue} changes; each changed field becomes a changelog item. */
export interface EditIssueInput {
  readonly summary?: string;
  readonly components?: readonly string[];
  readonly assignee?: JiraStandInUser | null;
  readonly description?: string | null;
  readonly labels?: readonly string[];
  /** Custom fields by id; `null` clears one. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** The webhook events the stand-in sends. */
export type JiraWebhookEvent = 'jira:issue_created' | 'jira:issue_updated' | 'comment_created';

/** A registered webhook, as System → WebHooks holds it. */
export interface JiraWebhookRegistration {
  readonly url: string;
  /** Signs each body (`X-Hub-Signature`); without it the body goes unsigned. */
  readonly secret?: string;
  /** Default: issue created and issue updated, what the README asks an admin to tick. */
  readonly events?: readonly JiraWebhookEvent[];
}

/** One webhook delivery and its attempts. */
export interface JiraWebhookDelivery {
  /** `X-Atlassian-Webhook-Identifier`, the same on every attempt. */
  readonly id: string;
  readonly url: string;
  readonly event: JiraWebhookEvent;
  readonly issueKey: string;
  /** The answer's status per attempt; 0: no answer. */
  readonly attempts: number[];
  /** `pending` while attempts remain; `delivered` on a 2xx or another final answer Jira does not retry. */
  state: 'pending' | 'delivered' | 'failed';
  /** The exact body sent. */
  readonly body: string;
}

/** A state change, for a page that shows the site live. */
export type JiraStandInChange =
  | { readonly type: 'issue-created'; readonly key: string }
  | { readonly type: 'issue-updated'; readonly key: string; readonly fields: readonly string[] }
  | { readonly type: 'comment-added'; readonly key: string; readonly commentId: string }
  | { readonly type: 'transitioned'; readonly key: string; readonly from: string; readonly to: string; readonly by: 'api' | 'person' }
  | { readonly type: 'remote-link'; readonly key: string; readonly globalId: string; readonly created: boolean };

/** The whole site as plain JSON, for a page. */
export interface JiraStandInSnapshot {
  readonly statuses: readonly string[];
  readonly issues: ReadonlyArray<{
    readonly key: string;
    readonly summary: string;
    readonly status: string;
    readonly issueType: string;
    readonly assignee: JiraStandInUser | null;
    readonly reporter: JiraStandInUser | null;
    readonly components: readonly string[];
    readonly labels: readonly string[];
    readonly fields: Readonly<Record<string, unknown>>;
    readonly comments: ReadonlyArray<{ readonly id: string; readonly body: unknown; readonly created: string; readonly author: string; readonly properties: ReadonlyArray<{ readonly key: string; readonly value: unknown }> }>;
    readonly remoteLinks: ReadonlyArray<{ readonly globalId: string; readonly url: string; readonly title: string }>;
  }>;
  readonly webhooks: ReadonlyArray<{ readonly id: string; readonly url: string; readonly event: string; readonly issueKey: string; readonly attempts: readonly number[]; readonly state: string }>;
}

/** Why {@link JiraStandIn} refused a person's action: no such issue, no such status, or no transition from the current status (already there). */
export class JiraStandInError extends Error {
  override readonly name = 'JiraStandInError';
  readonly code: 'unknown-issue' | 'unknown-status' | 'no-transition';

  constructor(code: 'unknown-issue' | 'unknown-status' | 'no-transition', message: string) {
    super(message);
    this.code = code;
  }
}

/** A fault for the next matching request: do the work and drop the connection, or answer an error without doing it. */
export type JiraStandInFault = LoopbackFault;

/** Options of {@link JiraStandIn}. */
export interface JiraStandInOptions {
  /** The workflow's statuses, in board order; the first is where new issues start. */
  readonly statuses: readonly string[];
  /** The service account's e-mail and API token (basic auth). */
  readonly email: string;
  readonly apiToken: string;
  /** Project of {@link JiraStandIn.createIssue}. Default `MLM`. */
  readonly project?: string;
  /** Issue type of created and added issues. Default `Model`. */
  readonly issueType?: string;
  /** Who creates, moves and edits issues in {@link JiraStandIn.createIssue} & co. */
  readonly person?: JiraStandInUser;
  /**
   * The user directory: `GET /user/search` finds people here, and user-picker fields take only
   * their account ids (and the robot's and the person's). Default: nobody else.
   */
  readonly users?: readonly JiraStandInUser[];
  /** Custom fields on the issue type's edit screen, which `PUT /issue` may set. Default: every `customfield_…`. */
  readonly editableFields?: readonly string[];
  /** Webhook retries and their back-off. Default 5 retries from 1 s, doubling, at most 30 s; each attempt waits 20 s for an answer. */
  readonly webhookRetry?: { readonly retries?: number; readonly minDelayMs?: number; readonly maxDelayMs?: number; readonly timeoutMs?: number };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

type Answer = LoopbackAnswer;

interface IssueMeta {
  readonly id: number;
  readonly created: number;
  updated: number;
}

const JSON_TYPE = 'application/json;charset=UTF-8';

const adfDoc = z.looseObject({ type: z.literal('doc'), version: z.literal(1), content: z.array(z.unknown()) });
const entityProperty = z.object({ key: z.string().min(1).max(255), value: z.unknown() });
const addCommentBody = z.looseObject({ body: adfDoc, properties: z.array(entityProperty).optional() });
const transitionBody = z.looseObject({ transition: z.looseObject({ id: z.union([z.string(), z.number()]).transform(String) }) });
const remoteLinkBody = z.looseObject({
  globalId: z.string().optional(),
  application: z.looseObject({ type: z.string().optional(), name: z.string().optional() }).optional(),
  relationship: z.string().optional(),
  object: z.looseObject({ url: z.string().min(1), title: z.string().min(1), summary: z.string().optional(), icon: z.unknown().optional() }),
});
const commentListBody = z.looseObject({ ids: z.array(z.coerce.number().int()).max(1000) });
const editIssueBody = z.looseObject({ fields: z.record(z.string(), z.unknown()) });
const userPickerValue = z.union([z.null(), z.array(z.looseObject({ accountId: z.string() }))]);

const RETRIED_STATUSES = new Set([408, 409, 425, 429]);

/** A Jira Cloud site for tests and the sandbox; see the module comment for what it serves. */
export class JiraStandIn {
  /** Issues by key. */
  readonly issues = new Map<string, JiraStandInIssue>();
  /** Comments by issue key, oldest first. */
  readonly comments = new Map<string, JiraStandInComment[]>();
  /** Remote links by issue key, then by `globalId`. */
  readonly remoteLinks = new Map<string, Map<string, JiraStandInRemoteLink>>();
  /** Transitions made over REST (by the service), in order; a person's {@link moveStatus} is not one. */
  readonly transitions: Array<{ key: string; to: string }> = [];
  /** Every request (the latest 10 000), as `METHOD /path` without the query. */
  readonly requests: string[] = [];
  /** Every webhook delivery, in order. */
  readonly deliveries: JiraWebhookDelivery[] = [];
  /** Called as each comment is stored. */
  onComment: ((key: string, comment: JiraStandInComment) => void) | undefined;
  readonly statuses: readonly string[];

  private readonly options: JiraStandInOptions;
  /** People added with {@link addUser}, after those of the options. */
  private readonly extraUsers: JiraStandInUser[] = [];
  private readonly robot: JiraStandInUser;
  private readonly person: JiraStandInUser;
  private readonly retry: { retries: number; minDelayMs: number; maxDelayMs: number; timeoutMs: number };
  private readonly meta = new Map<string, IssueMeta>();
  private readonly componentIds = new Map<string, number>();
  private readonly hooks: Array<Required<JiraWebhookRegistration> & { readonly id: number }> = [];
  // A page's listener must not break the site.
  private readonly listeners = new ChangeListeners<JiraStandInChange>();
  private readonly faults = new Faults<JiraStandInFault>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private nextIssueId = 10_000;
  private nextCommentId = 10_000;
  private nextLinkId = 10_000;
  private nextChangelogId = 10_000;
  private nextHookId = 1;
  private readonly http = new LoopbackServer((request, res) => this.handle(request, res));

  constructor(options: JiraStandInOptions) {
    if (options.statuses.length === 0) throw new TypeError('a Jira workflow needs at least one status');
    this.options = options;
    this.statuses = [...options.statuses];
    this.robot = { accountId: accountIdOf(options.email), displayName: 'Model lifecycle robot', emailAddress: options.email };
    this.person = options.person ?? { accountId: accountIdOf('mia@acme.test'), displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' };
    this.retry = {
      retries: options.webhookRetry?.retries ?? 5,
      minDelayMs: options.webhookRetry?.minDelayMs ?? 1000,
      maxDelayMs: options.webhookRetry?.maxDelayMs ?? 30_000,
      timeoutMs: options.webhookRetry?.timeoutMs ?? 20_000,
    };
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one); answers the site URL, e.g. `http://127.0.0.1:41234`. */
  async start(port = 0): Promise<string> {
    await this.http.start(port);
    return this.baseUrl;
  }

  /** Stops retrying webhooks and closes the server. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inflight]);
    await this.http.stop();
  }

  /** The site URL (`JIRA_BASE_URL`); valid after {@link start}. */
  get baseUrl(): string {
    return this.http.origin;
  }

  /** Adds a person to the user directory (`GET /user/search`, user-picker fields), e.g. a reviewer a test or the sandbox brings in. */
  addUser(user: JiraStandInUser): void {
    this.extraUsers.push({ ...user });
  }

  /** Puts an issue on the site as it is, with no webhook. */
  addIssue(issue: JiraStandInIssue): void {
    this.issues.set(issue.key, issue);
    this.metaOf(issue.key);
    for (const name of issue.components) this.componentId(name);
    this.listeners.emit({ type: 'issue-created', key: issue.key });
  }

  /** Comments on an issue whose ADF text contains `text`. */
  commentsContaining(key: string, text: string): JiraStandInComment[] {
    return (this.comments.get(key) ?? []).filter((comment) => JSON.stringify(comment.body).includes(text));
  }

  /**
   * A person creates an issue: the project's next key (`MLM-1`, `MLM-2`, …), the first status
   * unless told, and a `jira:issue_created` webhook.
   */
  createIssue(input: CreateIssueInput): JiraStandInIssue {
    const project = (input.project ?? this.options.project ?? 'MLM').toUpperCase();
    const numbers = [...this.issues.keys()].filter((key) => key.startsWith(`${project}-`)).map((key) => Number(key.slice(project.length + 1)));
    const key = `${project}-${Math.max(0, ...numbers.filter(Number.isFinite)) + 1}`;
    const status = input.status === undefined ? this.statuses[0]! : this.statusNamed(input.status);
    const reporter = input.reporter ?? this.person;
    const issue: JiraStandInIssue = {
      key,
      summary: input.summary,
      status,
      components: [...(input.components ?? [])],
      assignee: input.assignee ?? null,
      reporter,
      issueType: input.issueType ?? this.options.issueType ?? 'Model',
      description: input.description ?? null,
      labels: [...(input.labels ?? [])],
      fields: { ...input.fields },
    };
    this.addIssue(issue);
    this.deliver('jira:issue_created', key, { webhookEvent: 'jira:issue_created', issue_event_type_name: 'issue_created', user: this.userV2(reporter) });
    return issue;
  }

  /**
   * A person moves the issue to `status` on the board: a `jira:issue_updated` webhook with a
   * status changelog item. Throws {@link JiraStandInError} for an unknown issue or status, and
   * when the issue is already there (no transition leads from a status to itself).
   */
  moveStatus(key: string, status: string, by: JiraStandInUser = this.person): void {
    const issue = this.issueOrThrow(key);
    const to = this.statusNamed(status);
    if (to.toLowerCase() === issue.status.toLowerCase()) throw new JiraStandInError('no-transition', `${issue.key} is already in "${issue.status}"`);
    this.changeStatus(issue, to, 'person', by);
  }

  /** A person edits the issue: a `jira:issue_updated` webhook whose changelog names each changed field. Nothing changed: nothing sent. */
  editIssue(key: string, changes: EditIssueInput, by: JiraStandInUser = this.person): readonly string[] {
    const issue = this.issueOrThrow(key);
    const items: JsonObject[] = [];
    if (changes.summary !== undefined && changes.summary !== issue.summary) {
      items.push(changelogItem('summary', 'jira', null, issue.summary, null, changes.summary));
      issue.summary = changes.summary;
    }
    if (changes.description !== undefined && changes.description !== (issue.description ?? null)) {
      items.push(changelogItem('description', 'jira', null, issue.description ?? null, null, changes.description));
      issue.description = changes.description;
    }
    if (changes.components !== undefined) {
      const next = [...changes.components];
      for (const name of issue.components.filter((name) => !next.includes(name))) items.push(changelogItem('Component', 'jira', String(this.componentId(name)), name, null, null));
      for (const name of next.filter((name) => !issue.components.includes(name))) items.push(changelogItem('Component', 'jira', null, null, String(this.componentId(name)), name));
      issue.components = next;
    }
    if (changes.assignee !== undefined && changes.assignee?.accountId !== issue.assignee?.accountId) {
      const before = issue.assignee;
      items.push(changelogItem('assignee', 'jira', before?.accountId ?? null, before?.displayName ?? null, changes.assignee?.accountId ?? null, changes.assignee?.displayName ?? null));
      issue.assignee = changes.assignee;
    }
    if (changes.labels !== undefined) {
      const before = issue.labels ?? [];
      if (before.join(' ') !== changes.labels.join(' ')) {
        items.push(changelogItem('labels', 'jira', null, before.join(' '), null, changes.labels.join(' ')));
        issue.labels = [...changes.labels];
      }
    }
    for (const [id, value] of Object.entries(changes.fields ?? {})) {
      const before = issue.fields?.[id] ?? null;
      if (JSON.stringify(before) === JSON.stringify(value ?? null)) continue;
      items.push(changelogItem(id, 'custom', null, displayValue(before), null, displayValue(value ?? null)));
      issue.fields = { ...issue.fields, [id]: value ?? null };
    }
    const fields = items.map((item) => String(item.field));
    if (items.length === 0) return fields;
    this.touch(key);
    this.listeners.emit({ type: 'issue-updated', key, fields });
    this.deliver('jira:issue_updated', key, {
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_updated',
      user: this.userV2(by),
      changelog: { id: String(this.nextChangelogId++), items },
    });
    return fields;
  }

  /**
   * Registers a webhook (System → WebHooks). Every later event it subscribes to is POSTed to
   * `url`; answers a function that removes it.
   */
  registerWebhook(registration: JiraWebhookRegistration): () => void {
    const hook = {
      id: this.nextHookId++,
      url: registration.url,
      secret: registration.secret ?? '',
      events: registration.events ?? (['jira:issue_created', 'jira:issue_updated'] as const),
    };
    this.hooks.push(hook);
    return () => {
      const index = this.hooks.indexOf(hook);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }

  /** Resolves when no webhook delivery is pending (each has been answered, or has run out of retries). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Calls `listener` after every state change; answers the unsubscribe function. */
  onChange(listener: (change: JiraStandInChange) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The site as plain JSON: issues with status, people, components, comments (ADF bodies) and remote links; the deliveries. */
  snapshot(): JiraStandInSnapshot {
    return structuredClone({
      statuses: this.statuses,
      issues: [...this.issues.values()].map((issue) => ({
        key: issue.key,
        summary: issue.summary,
        status: issue.status,
        issueType: issue.issueType ?? this.options.issueType ?? 'Model',
        assignee: issue.assignee,
        reporter: this.reporterOf(issue),
        components: issue.components,
        labels: issue.labels ?? [],
        fields: issue.fields ?? {},
        comments: (this.comments.get(issue.key) ?? []).map((comment) => ({
          id: comment.id,
          body: comment.body,
          created: new Date(comment.created).toISOString(),
          author: comment.author.displayName,
          properties: comment.properties,
        })),
        remoteLinks: [...(this.remoteLinks.get(issue.key) ?? new Map<string, JiraStandInRemoteLink>()).entries()].map(([globalId, link]) => ({ globalId, url: link.url, title: link.title })),
      })),
      webhooks: this.deliveries.map((delivery) => ({
        id: delivery.id,
        url: delivery.url,
        event: delivery.event,
        issueKey: delivery.issueKey,
        attempts: delivery.attempts,
        state: delivery.state,
      })),
    });
  }

  /** The next request whose method and path (without the query) match gets `fault`; a status body that is JSON goes as JSON, else as text. */
  onNextRequest(match: { method: string; path: RegExp }, fault: JiraStandInFault): void {
    this.faults.add(match, fault);
  }

  /** Forgets the faults {@link onNextRequest} set that no request has met yet. */
  clearFaults(): void {
    this.faults.clear();
  }

  // ---- HTTP ----

  private async handle({ req, method, url, body }: LoopbackRequest, res: ServerResponse): Promise<void> {
    appendCapped(this.requests, `${method} ${url.pathname}`);
    await serveUnderFault(
      res,
      this.faults.take(method, url.pathname),
      {
        faultAnswer: (fault) => {
          const text = fault.body ?? '';
          return { status: fault.status, headers: { 'Content-Type': isJson(text) ? JSON_TYPE : 'text/plain;charset=UTF-8', ...fault.headers }, body: text };
        },
        work: () => this.route(req, method, url, body),
        failed: (error) => errors(500, [messageOf(error)]),
      },
      (response, answer) => writeAnswer(response, answer, { 'X-AREQUESTID': randomUUID().slice(0, 8) }),
    );
  }

  private route(req: IncomingMessage, method: string, url: URL, text: string): Answer {
    if (!this.authenticated(req.headers.authorization)) {
      return { ...errors(401, ['Client must be authenticated to access this resource.']), headers: { 'Content-Type': JSON_TYPE, 'WWW-Authenticate': 'Basic realm="protected-by-api-token"' } };
    }
    const path = url.pathname.replace(/\/+$/, '');
    let body: unknown = undefined;
    if (method === 'POST' || method === 'PUT') {
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        return errors(400, ['Unexpected character in the request body: it is not JSON.']);
      }
    }

    if (path === '/rest/api/3/comment/list' && method === 'POST') return this.commentList(url, body);
    if (path === '/rest/api/3/user/search' && method === 'GET') return json(200, this.searchUsers(url.searchParams.get('query') ?? ''));
    const match = /^\/rest\/api\/3\/issue\/([^/]+)(?:\/(comment|transitions|remotelink))?$/.exec(path);
    if (!match) return errors(404, [`No resource at ${method} ${url.pathname}`]);
    const issue = this.resolveIssue(decodeURIComponent(match[1] ?? ''));
    if (!issue) return json(404, notFoundFixture);
    const sub = match[2];
    if (sub === undefined && method === 'GET') return json(200, this.issueJson(issue, url.searchParams.get('fields')));
    if (sub === undefined && method === 'PUT') return this.setFields(issue, body);
    if (sub === 'comment' && method === 'GET') return this.commentPage(issue, url);
    if (sub === 'comment' && method === 'POST') return this.addComment(issue, body);
    if (sub === 'transitions' && method === 'GET') return json(200, { transitions: this.transitionsOf(issue) });
    if (sub === 'transitions' && method === 'POST') return this.transition(issue, body);
    if (sub === 'remotelink' && method === 'POST') return this.upsertRemoteLink(issue, body);
    if (sub === 'remotelink' && method === 'GET') return json(200, this.remoteLinksJson(issue));
    return errors(405, [`${method} is not supported here`]);
  }

  private authenticated(header: string | undefined): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    return decoded === `${this.options.email}:${this.options.apiToken}`;
  }

  private commentPage(issue: JiraStandInIssue, url: URL): Answer {
    const all = [...(this.comments.get(issue.key) ?? [])];
    if (url.searchParams.get('orderBy') === '-created') all.reverse();
    const startAt = Math.max(0, Number(url.searchParams.get('startAt') ?? 0) || 0);
    const maxResults = Math.min(100, Math.max(0, Number(url.searchParams.get('maxResults') ?? 100) || 100));
    const page = all.slice(startAt, startAt + maxResults);
    return json(200, { comments: page.map((comment) => this.commentJson(issue, comment, false)), maxResults, startAt, total: all.length });
  }

  private addComment(issue: JiraStandInIssue, body: unknown): Answer {
    const parsed = addCommentBody.safeParse(body);
    if (!parsed.success) return { ...errors(400, []), body: JSON.stringify({ errorMessages: [], errors: { comment: 'Comment body is not valid!' } }) };
    const comment: JiraStandInComment = {
      id: String(this.nextCommentId++),
      body: parsed.data.body,
      properties: (parsed.data.properties ?? []).map((property) => ({ key: property.key, value: property.value })),
      created: Date.now(),
      author: this.robot,
    };
    this.comments.set(issue.key, [...(this.comments.get(issue.key) ?? []), comment]);
    this.touch(issue.key);
    this.onComment?.(issue.key, comment);
    this.listeners.emit({ type: 'comment-added', key: issue.key, commentId: comment.id });
    this.deliver('comment_created', issue.key, { webhookEvent: 'comment_created', comment: this.commentJson(issue, comment, false, 2) });
    return json(201, this.commentJson(issue, comment, false));
  }

  private commentList(url: URL, body: unknown): Answer {
    const parsed = commentListBody.safeParse(body);
    if (!parsed.success) return errors(400, ['The request body must name the comment ids: {"ids": [10000]}.']);
    const expand = (url.searchParams.get('expand') ?? '').split(',').includes('properties');
    const wanted = new Set(parsed.data.ids.map(String));
    const values: Json[] = [];
    for (const [key, comments] of this.comments) {
      const issue = this.issues.get(key);
      if (!issue) continue;
      for (const comment of comments) if (wanted.has(comment.id)) values.push(this.commentJson(issue, comment, expand));
    }
    return json(200, { isLast: true, maxResults: 1000, startAt: 0, total: values.length, values });
  }

  /** `PUT /issue/{key}` for user-picker custom fields: all checked first, then all set, one changelog item per changed field. */
  private setFields(issue: JiraStandInIssue, body: unknown): Answer {
    const parsed = editIssueBody.safeParse(body);
    if (!parsed.success) return errors(400, ['Can not deserialize the request: it needs "fields".']);
    const fieldErrors: Record<string, string> = {};
    const next: Record<string, JsonObject[] | null> = {};
    for (const [id, value] of Object.entries(parsed.data.fields)) {
      const editable = /^customfield_\d+$/.test(id) && (this.options.editableFields?.includes(id) ?? true);
      if (!editable) {
        fieldErrors[id] = `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;
        continue;
      }
      const users = userPickerValue.safeParse(value);
      if (!users.success) {
        fieldErrors[id] = 'Specify the users as an array of objects with an accountId.';
        continue;
      }
      const known = (users.data ?? []).map((ref) => ({ ref, user: this.directoryUser(ref.accountId) }));
      const unknown = known.find((entry) => entry.user === undefined);
      if (unknown) {
        fieldErrors[id] = `The user with account id '${unknown.ref.accountId}' does not exist.`;
        continue;
      }
      next[id] = users.data === null || users.data.length === 0 ? null : known.map((entry) => this.userJson(entry.user, '3') as JsonObject);
    }
    if (Object.keys(fieldErrors).length > 0) return json(400, { errorMessages: [], errors: fieldErrors });
    const items: JsonObject[] = [];
    for (const [id, users] of Object.entries(next)) {
      const before = (issue.fields?.[id] ?? null) as JsonObject[] | null;
      if (JSON.stringify(before) === JSON.stringify(users)) continue;
      items.push(changelogItem(id, 'custom', accountList(before), nameList(before), accountList(users), nameList(users)));
      issue.fields = { ...issue.fields, [id]: users };
    }
    if (items.length > 0) {
      const fields = items.map((item) => String(item.field));
      this.touch(issue.key);
      this.listeners.emit({ type: 'issue-updated', key: issue.key, fields });
      this.deliver('jira:issue_updated', issue.key, {
        webhookEvent: 'jira:issue_updated',
        issue_event_type_name: 'issue_updated',
        user: this.userV2(this.robot),
        changelog: { id: String(this.nextChangelogId++), items },
      });
    }
    return { status: 204, headers: {}, body: '' };
  }

  /** `GET /user/search?query=`: active users whose e-mail or display name (or a word of it) starts with the query. */
  private searchUsers(query: string): Json[] {
    const wanted = query.trim().toLowerCase();
    if (wanted === '') return [];
    const starts = (text: string) => text.toLowerCase().startsWith(wanted) || text.toLowerCase().split(/\s+/).some((word) => word.startsWith(wanted));
    return this.directory()
      .filter((user) => starts(user.emailAddress) || starts(user.displayName))
      .map((user) => this.userJson(user, '3'));
  }

  private directory(): JiraStandInUser[] {
    const people = [...(this.options.users ?? []), ...this.extraUsers, this.person, this.robot];
    return people.filter((user, index) => people.findIndex((other) => other.accountId === user.accountId) === index);
  }

  private directoryUser(accountId: string): JiraStandInUser | undefined {
    return this.directory().find((user) => user.accountId === accountId);
  }

  private transition(issue: JiraStandInIssue, body: unknown): Answer {
    const parsed = transitionBody.safeParse(body);
    if (!parsed.success) return errors(400, ["Missing 'transition' identifier"]);
    const id = parsed.data.transition.id;
    const offered = this.transitionTargets(issue).find((target) => target.id === id);
    if (!offered) return errors(400, [`Transition id '${id}' is not valid for this issue.`]);
    this.changeStatus(issue, offered.status, 'api', this.robot);
    return { status: 204, headers: {}, body: '' };
  }

  private upsertRemoteLink(issue: JiraStandInIssue, body: unknown): Answer {
    const parsed = remoteLinkBody.safeParse(body);
    if (!parsed.success) return { ...errors(400, []), body: JSON.stringify({ errorMessages: [], errors: { [String(parsed.error.issues[0]?.path.at(-1) ?? 'object')]: 'is required' } }) };
    const links = this.remoteLinks.get(issue.key) ?? new Map<string, JiraStandInRemoteLink>();
    const globalId = parsed.data.globalId ?? `system=${parsed.data.object.url}`;
    const existing = links.get(globalId);
    const link: JiraStandInRemoteLink = {
      id: existing?.id ?? this.nextLinkId++,
      url: parsed.data.object.url,
      title: parsed.data.object.title,
      ...(parsed.data.object.summary === undefined ? {} : { summary: parsed.data.object.summary }),
    };
    links.set(globalId, link);
    this.remoteLinks.set(issue.key, links);
    this.listeners.emit({ type: 'remote-link', key: issue.key, globalId, created: existing === undefined });
    return json(existing ? 200 : 201, { id: link.id, self: `${this.baseUrl}/rest/api/3/issue/${issue.key}/remotelink/${link.id}` });
  }

  // ---- state ----

  private changeStatus(issue: JiraStandInIssue, to: string, by: 'api' | 'person', user: JiraStandInUser): void {
    const from = issue.status;
    if (from === to) return;
    issue.status = to;
    this.touch(issue.key);
    if (by === 'api') this.transitions.push({ key: issue.key, to });
    this.listeners.emit({ type: 'transitioned', key: issue.key, from, to, by });
    this.deliver('jira:issue_updated', issue.key, {
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: this.userV2(user),
      changelog: { id: String(this.nextChangelogId++), items: [changelogItem('status', 'jira', this.statusId(from), from, this.statusId(to), to)] },
    });
  }

  private resolveIssue(keyOrId: string): JiraStandInIssue | undefined {
    if (/^\d+$/.test(keyOrId)) {
      for (const [key, meta] of this.meta) if (String(meta.id) === keyOrId) return this.issues.get(key);
      return undefined;
    }
    const upper = keyOrId.toUpperCase();
    return this.issues.get(keyOrId) ?? [...this.issues.values()].find((issue) => issue.key.toUpperCase() === upper);
  }

  private issueOrThrow(key: string): JiraStandInIssue {
    const issue = this.resolveIssue(key);
    if (!issue) throw new JiraStandInError('unknown-issue', `no issue ${key} on the Jira stand-in`);
    return issue;
  }

  private statusNamed(name: string): string {
    const status = this.statuses.find((candidate) => candidate.trim().toLowerCase() === name.trim().toLowerCase());
    if (status === undefined) throw new JiraStandInError('unknown-status', `"${name}" is not a status of the workflow (${this.statuses.join(', ')})`);
    return status;
  }

  private metaOf(key: string): IssueMeta {
    let meta = this.meta.get(key);
    if (!meta) {
      const now = Date.now();
      meta = { id: this.nextIssueId++, created: now, updated: now };
      this.meta.set(key, meta);
    }
    return meta;
  }

  private touch(key: string): void {
    this.metaOf(key).updated = Date.now();
  }

  private componentId(name: string): number {
    let id = this.componentIds.get(name);
    if (id === undefined) {
      id = 10_000 + this.componentIds.size;
      this.componentIds.set(name, id);
    }
    return id;
  }

  private reporterOf(issue: JiraStandInIssue): JiraStandInUser | null {
    return issue.reporter === undefined ? (issue.assignee ?? this.person) : issue.reporter;
  }

  // ---- webhooks ----

  private deliver(event: JiraWebhookEvent, key: string, head: JsonObject): void {
    const hooks = this.hooks.filter((hook) => hook.events.includes(event));
    if (hooks.length === 0) return;
    const issue = this.issues.get(key);
    if (!issue) return;
    const { webhookEvent, issue_event_type_name, user, ...rest } = head;
    // Key order of the recorded deliveries: timestamp, webhookEvent, issue_event_type_name, user, issue, changelog.
    const payload: JsonObject = {
      timestamp: Date.now(),
      webhookEvent: webhookEvent ?? event,
      ...(issue_event_type_name === undefined ? {} : { issue_event_type_name }),
      ...(user === undefined ? {} : { user }),
      issue: this.issueV2(issue),
      ...rest,
    };
    const body = JSON.stringify(payload);
    for (const hook of hooks) {
      const delivery: JiraWebhookDelivery = { id: randomUUID(), url: hook.url, event, issueKey: key, attempts: [], state: 'pending', body };
      this.deliveries.push(delivery);
      const sending = this.send(hook, delivery).finally(() => this.inflight.delete(sending));
      this.inflight.add(sending);
    }
  }

  private async send(hook: { url: string; secret: string }, delivery: JiraWebhookDelivery): Promise<void> {
    for (let attempt = 0; attempt <= this.retry.retries; attempt++) {
      if (attempt > 0) {
        const delay = Math.min(this.retry.maxDelayMs, this.retry.minDelayMs * 2 ** (attempt - 1));
        if (!(await sleep(delay, this.stopping.signal))) break;
      }
      if (this.stopping.signal.aborted) break;
      const headers: Record<string, string> = {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Atlassian Webhook HTTP Client',
        'X-Atlassian-Webhook-Identifier': delivery.id,
        'X-Atlassian-Webhook-Flow': 'Primary',
      };
      if (hook.secret !== '') headers['X-Hub-Signature'] = `sha256=${createHmac('sha256', hook.secret).update(delivery.body).digest('hex')}`;
      if (attempt > 0) headers['X-Atlassian-Webhook-Retry'] = String(attempt);
      let status = 0;
      try {
        const response = await fetch(hook.url, {
          method: 'POST',
          headers,
          body: delivery.body,
          signal: AbortSignal.any([AbortSignal.timeout(this.retry.timeoutMs), this.stopping.signal]),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch {
        // Refused, reset or timed out: no answer, which Jira retries.
      }
      delivery.attempts.push(status);
      if (status !== 0 && !RETRIED_STATUSES.has(status) && status < 500) {
        delivery.state = 'delivered';
        return;
      }
    }
    delivery.state = 'failed';
  }

  // ---- JSON, in the shapes Jira Cloud answers ----

  private statusIndex(name: string): number {
    return this.statuses.findIndex((candidate) => candidate.toLowerCase() === name.toLowerCase());
  }

  private statusId(name: string): string {
    const index = this.statusIndex(name);
    return String(index >= 0 ? 10_000 + index : 19_999);
  }

  /** A status with its category: the first status is "To Do", a done-like name "Done", the rest "In Progress". */
  private statusJson(name: string, api: '2' | '3'): JsonObject {
    const index = this.statusIndex(name);
    const category =
      index === 0
        ? { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' }
        : /^(done|closed|resolved|released|in production)$/i.test(name)
          ? { id: 3, key: 'done', colorName: 'green', name: 'Done' }
          : { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' };
    const id = this.statusId(name);
    return {
      self: `${this.baseUrl}/rest/api/${api}/status/${id}`,
      description: '',
      iconUrl: `${this.baseUrl}/images/icons/statuses/generic.png`,
      name,
      id,
      statusCategory: { self: `${this.baseUrl}/rest/api/${api}/statuscategory/${category.id}`, ...category },
    };
  }

  private userJson(user: JiraStandInUser | null | undefined, api: '2' | '3'): Json {
    if (!user) return null;
    return {
      self: `${this.baseUrl}/rest/api/${api}/user?accountId=${encodeURIComponent(user.accountId)}`,
      accountId: user.accountId,
      emailAddress: user.emailAddress,
      displayName: user.displayName,
      active: true,
      timeZone: 'Europe/Berlin',
      accountType: 'atlassian',
    };
  }

  /** The delivery's `user`: Cloud has dropped `name` and `key` from the recorded shape (GDPR, 2019). */
  private userV2(user: JiraStandInUser): Json {
    return {
      self: `${this.baseUrl}/rest/api/2/user?accountId=${encodeURIComponent(user.accountId)}`,
      accountId: user.accountId,
      displayName: user.displayName,
      active: true,
      timeZone: 'Europe/Berlin',
    };
  }

  private projectJson(key: string, api: '2' | '3'): JsonObject {
    const id = String(10_000 + [...key].reduce((sum, char) => sum + char.charCodeAt(0), 0));
    return { self: `${this.baseUrl}/rest/api/${api}/project/${id}`, id, key, name: key, projectTypeKey: 'software', simplified: false };
  }

  private issueTypeJson(name: string, api: '2' | '3'): JsonObject {
    return {
      ...(api === '3' ? issueFixture.fields.issuetype : updatedDelivery.issue.fields.issuetype),
      self: `${this.baseUrl}/rest/api/${api}/issuetype/10003`,
      id: '10003',
      description: '',
      iconUrl: `${this.baseUrl}/images/icons/issuetypes/story.svg`,
      name,
    };
  }

  private componentsJson(issue: JiraStandInIssue, api: '2' | '3'): Json {
    return issue.components.map((name) => {
      const id = String(this.componentId(name));
      return { self: `${this.baseUrl}/rest/api/${api}/component/${id}`, id, name };
    });
  }

  /** `GET /rest/api/3/issue/{key}`: the recorded Cloud answer's fields with this issue's values. */
  private issueJson(issue: JiraStandInIssue, fieldsParam: string | null): JsonObject {
    const meta = this.metaOf(issue.key);
    const fixture = issueFixture.fields;
    const all: JsonObject = {
      statuscategorychangedate: jiraTime(meta.updated),
      fixVersions: [],
      resolution: null,
      priority: { ...fixture.priority, self: `${this.baseUrl}/rest/api/3/priority/3`, iconUrl: `${this.baseUrl}/images/icons/priorities/medium.svg`, name: 'Medium', id: '3' },
      labels: [...(issue.labels ?? [])],
      assignee: this.userJson(issue.assignee, '3'),
      status: this.statusJson(issue.status, '3'),
      components: this.componentsJson(issue, '3'),
      creator: this.userJson(this.reporterOf(issue), '3'),
      reporter: this.userJson(this.reporterOf(issue), '3'),
      issuetype: this.issueTypeJson(issue.issueType ?? this.options.issueType ?? 'Model', '3'),
      project: this.projectJson(projectOf(issue.key), '3'),
      created: jiraTime(meta.created),
      updated: jiraTime(meta.updated),
      description: issue.description ? adfParagraph(issue.description) : null,
      summary: issue.summary,
      duedate: null,
      ...(structuredClone(issue.fields ?? {}) as JsonObject),
    };
    return {
      expand: issueFixture.expand,
      id: String(meta.id),
      self: `${this.baseUrl}/rest/api/3/issue/${meta.id}`,
      key: issue.key,
      fields: selectFields(all, fieldsParam),
    };
  }

  /** The issue as a webhook carries it: REST v2 shapes (plain-text description), as in the recorded deliveries. */
  private issueV2(issue: JiraStandInIssue): JsonObject {
    const meta = this.metaOf(issue.key);
    const recorded = updatedDelivery.issue.fields;
    return {
      id: String(meta.id),
      self: `${this.baseUrl}/rest/api/2/issue/${meta.id}`,
      key: issue.key,
      fields: {
        issuetype: this.issueTypeJson(issue.issueType ?? this.options.issueType ?? 'Model', '2'),
        project: this.projectJson(projectOf(issue.key), '2'),
        resolution: recorded.resolution,
        created: jiraTime(meta.created),
        labels: [...(issue.labels ?? [])],
        assignee: this.userJson(issue.assignee, '2'),
        reporter: this.userJson(this.reporterOf(issue), '2'),
        updated: jiraTime(meta.updated),
        status: this.statusJson(issue.status, '2'),
        priority: { ...createdDelivery.issue.fields.priority, self: `${this.baseUrl}/rest/api/2/priority/3`, name: 'Medium' },
        components: this.componentsJson(issue, '2'),
        description: issue.description ?? null,
        summary: issue.summary,
        ...(structuredClone(issue.fields ?? {}) as JsonObject),
      },
    };
  }

  private commentJson(issue: JiraStandInIssue, comment: JiraStandInComment, withProperties: boolean, api: 2 | 3 = 3): JsonObject {
    const author = this.userJson(comment.author, api === 3 ? '3' : '2');
    const issueId = this.metaOf(issue.key).id;
    const { visibility: _visibility, ...shape } = commentFixture;
    return {
      ...shape,
      author,
      body: comment.body as Json,
      created: jiraTime(comment.created),
      id: comment.id,
      self: `${this.baseUrl}/rest/api/${api}/issue/${issueId}/comment/${comment.id}`,
      updateAuthor: author,
      updated: jiraTime(comment.created),
      ...(withProperties ? { properties: comment.properties.map((property) => ({ key: property.key, value: property.value as Json })) } : {}),
    };
  }

  /** One global transition to every status but the current one, ids as a simplified workflow numbers them (11, 21, …). */
  private transitionTargets(issue: JiraStandInIssue): Array<{ id: string; status: string }> {
    return this.statuses
      .map((status, index) => ({ id: String(11 + index * 10), status }))
      .filter((target) => target.status.toLowerCase() !== issue.status.toLowerCase());
  }

  private transitionsOf(issue: JiraStandInIssue): Json[] {
    // The published example's first transition, without its screen fields (`expand=transitions.fields` is not served).
    const { fields: _fields, ...shape } = transitionsFixture.transitions[0] as unknown as JsonObject;
    return this.transitionTargets(issue).map((target) => {
      const status = this.statusJson(target.status, '3');
      return { ...shape, id: target.id, name: target.status, isGlobal: true, to: status };
    });
  }

  private remoteLinksJson(issue: JiraStandInIssue): Json[] {
    return [...(this.remoteLinks.get(issue.key) ?? new Map<string, JiraStandInRemoteLink>()).entries()].map(([globalId, link]) => ({
      id: link.id,
      self: `${this.baseUrl}/rest/api/3/issue/${issue.key}/remotelink/${link.id}`,
      globalId,
      object: { url: link.url, title: link.title, ...(link.summary === undefined ? {} : { summary: link.summary }), icon: {}, status: { icon: {} } },
    }));
  }
}

function json(status: number, value: unknown): Answer {
  return jsonAnswer(status, value, JSON_TYPE);
}

/** Jira's `ErrorCollection`. */
function errors(status: number, messages: readonly string[]): Answer {
  return json(status, { errorMessages: messages, errors: {} });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return text !== '';
  } catch {
    return false;
  }
}

/** `?fields=`: a list of names, `*all`/`*navigable` for everything, `-name` to leave one out; absent: everything. */
function selectFields(all: JsonObject, param: string | null): JsonObject {
  if (param === null || param.trim() === '') return all;
  const names = param.split(',').map((name) => name.trim()).filter(Boolean);
  const everything = names.some((name) => name === '*all' || name === '*navigable');
  const excluded = new Set(names.filter((name) => name.startsWith('-')).map((name) => name.slice(1)));
  const included = new Set(names.filter((name) => !name.startsWith('-') && !name.startsWith('*')));
  return Object.fromEntries(Object.entries(all).filter(([name]) => !excluded.has(name) && (everything || included.has(name))));
}

function changelogItem(field: string, fieldtype: 'jira' | 'custom', from: string | null, fromString: string | null, to: string | null, toString: string | null): JsonObject {
  return { field, fieldtype, from, fromString, to, toString };
}

function displayValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'value' in value) return String((value as { value: unknown }).value);
  return JSON.stringify(value);
}

/** A user-picker value in a changelog: `[id1, id2]` and `Name One, Name Two`; empty: null. */
function accountList(users: readonly JsonObject[] | null): string | null {
  return users && users.length > 0 ? `[${users.map((user) => String(user['accountId'])).join(', ')}]` : null;
}

function nameList(users: readonly JsonObject[] | null): string | null {
  return users && users.length > 0 ? users.map((user) => String(user['displayName'])).join(', ') : null;
}

function adfParagraph(text: string): JsonObject {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

function projectOf(key: string): string {
  return key.slice(0, key.lastIndexOf('-'));
}

/** Jira's timestamp format: `2021-01-17T12:34:00.000+0000`. */
function jiraTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** A stable Atlassian-style account id (24 hex digits) for an e-mail. */
function accountIdOf(email: string): string {
  return createHash('sha256').update(email).digest('hex').slice(0, 24);
}

/** Resolves true after `ms`, false at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve(true);
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}
