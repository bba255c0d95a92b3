import { createClient, isApiError, isNetworkError, isRateLimitError, type Client, type SendRequestOptions } from 'jira.js/core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Document } from '../domain/document.ts';
import type { JiraUserRef } from '../domain/identity.ts';
import type { JiraIssueView, JiraUser } from '../domain/jira-issue.ts';
import { ClientError, describeCause, genericHint, unexpectedAnswer } from './errors.ts';
import { toAdf, toWiki } from './jira-render.ts';
import { createOnce, isRetryableStatus, resolveRetryPolicy, withRetry, type RetryOptions, type RetryPolicy, type RetryVerdict } from './retry.ts';

/**
 * Cloud: Atlassian account e-mail and API token (basic auth). Data Center: a personal access
 * token (bearer); basic auth there takes the user name as `email` and the password as `apiToken`.
 */
export type JiraAuth = { readonly email: string; readonly apiToken: string } | { readonly personalAccessToken: string };

/** Options of {@link JiraClient}. */
export interface JiraClientOptions {
  /** `cloud` uses REST v3 and renders comments as ADF; `datacenter` uses REST v2 and wiki markup. */
  readonly api: 'cloud' | 'datacenter';
  /** Site URL without the API path: `https://acme.atlassian.net`, `https://jira.acme.com/jira`. */
  readonly baseUrl: string;
  readonly auth: JiraAuth;
  readonly retry?: RetryOptions;
  readonly log?: Logger;
  /** Comment entity property that carries a comment's idempotency key. */
  readonly commentPropertyKey?: string;
  /** Application shown on remote links the service creates. */
  readonly remoteLinkApplication?: { readonly type: string; readonly name: string };
}

export interface AddCommentInput {
  /** Business identity of the comment (issue + stage + attempt); a second call with the same key adds nothing. */
  readonly idempotencyKey: string;
  readonly document: Document;
}

export interface RemoteLinkInput {
  /** Jira creates the link the first time and updates it afterwards. */
  readonly globalId: string;
  readonly url: string;
  readonly title: string;
  readonly summary?: string;
  readonly iconUrl?: string;
}

export type { JiraUserRef };

export const defaultCommentPropertyKey = 'model-lifecycle.idempotency';

/** Jira Cloud caps comment pages at 100 and comment/list at 50; one size fits both. */
const commentPageSize = 50;

const userAnswer = z
  .object({
    accountId: z.string().optional(),
    name: z.string().optional(),
    key: z.string().optional(),
    displayName: z.string().optional(),
    emailAddress: z.string().nullish(),
  })
  .nullish();

/** The fields the lifecycle maps; every other field stays in `fields` as Jira sent it. */
const issueFields = z.object({
  summary: z.string(),
  status: z.object({ name: z.string() }),
  issuetype: z.object({ name: z.string() }),
  project: z.object({ key: z.string() }),
  reporter: userAnswer,
  assignee: userAnswer,
  components: z.array(z.object({ name: z.string() })).nullish(),
  labels: z.array(z.string()).nullish(),
});

const issueAnswer = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.record(z.string(), z.unknown()),
});

const statusAnswer = z.object({ fields: z.object({ status: z.object({ name: z.string() }) }) });

const transitionsAnswer = z.object({
  transitions: z.array(z.object({ id: z.string(), name: z.string(), to: z.object({ name: z.string() }) })),
});

const propertyAnswer = z.object({ key: z.string(), value: z.unknown() });

const commentAnswer = z.object({ id: z.string(), properties: z.array(propertyAnswer).optional() });

const commentsPageAnswer = z.object({
  comments: z.array(commentAnswer),
  startAt: z.number().optional(),
  total: z.number().optional(),
});

const commentListAnswer = z.object({ values: z.array(commentAnswer) });

const createdCommentAnswer = z.object({ id: z.string() });

/** `GET /user/search`: an array of users; Cloud hides `emailAddress` unless the user lets it show. */
const userSearchAnswer = z.array(
  z.object({
    accountId: z.string().optional(),
    name: z.string().optional(),
    key: z.string().optional(),
    displayName: z.string().optional(),
    emailAddress: z.string().nullish(),
    active: z.boolean().optional(),
  }),
);

/**
 * A thin typed client for the Jira calls the lifecycle makes, on both Jira Cloud (REST v3,
 * ADF bodies) and Jira Data Center (REST v2, wiki markup).
 *
 * jira.js 6 dropped `Version2Client`/`Version3Client`: its generated surface is Cloud v3 only,
 * and Data Center has no `/rest/api/3`. So this client uses jira.js's transport (`createClient`:
 * fetch, auth headers, typed errors) and names the REST paths itself, one code path for both
 * deployments. jira.js does not retry 429 or 500, so every call goes through {@link withRetry}.
 */
export class JiraClient {
  readonly api: 'cloud' | 'datacenter';
  private readonly client: Client;
  private readonly apiPath: string;
  private readonly policy: RetryPolicy;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private readonly log: Logger | undefined;
  private readonly propertyKey: string;
  private readonly application: { readonly type: string; readonly name: string };

  constructor(options: JiraClientOptions) {
    this.api = options.api;
    this.apiPath = options.api === 'cloud' ? '/rest/api/3' : '/rest/api/2';
    this.client = createClient({
      host: options.baseUrl,
      auth: 'personalAccessToken' in options.auth
        ? { type: 'bearer', token: options.auth.personalAccessToken }
        : { type: 'basic', email: options.auth.email, apiToken: options.auth.apiToken },
      // One attempt inside jira.js; the retry loop here also covers 429 and 500.
      retry: { maxAttempts: 1 },
      // Answers are parsed here with narrow schemas, never jira.js's.
      onSchemaMismatch: 'silent',
    });
    this.policy = resolveRetryPolicy(options.retry);
    this.sleep = options.retry?.sleep;
    this.log = options.log;
    this.propertyKey = options.commentPropertyKey ?? defaultCommentPropertyKey;
    this.application = options.remoteLinkApplication ?? { type: 'model-lifecycle', name: 'Model lifecycle' };
  }

  /** The issue as the lifecycle reads it, the same shape for Cloud and Data Center. */
  async getIssue(key: string): Promise<JiraIssueView> {
    const operation = `reading issue ${key}`;
    const answer = await this.call(operation, { url: this.issuePath(key), method: 'GET' }, issueAnswer, {
      404: `check that issue ${key} exists and that the Jira account of the service can browse its project`,
    });
    const fields = this.parse(issueFields, answer.fields, operation);
    return {
      key: answer.key,
      id: answer.id,
      summary: fields.summary,
      status: fields.status.name,
      issueType: fields.issuetype.name,
      projectKey: fields.project.key,
      reporter: toJiraUser(fields.reporter),
      assignee: toJiraUser(fields.assignee),
      components: (fields.components ?? []).map((component) => component.name),
      labels: fields.labels ?? [],
      fields: answer.fields,
    };
  }

  /** The issue's current status name, e.g. "Ready for training". */
  async getStatus(key: string): Promise<string> {
    const answer = await this.call(
      `reading the status of issue ${key}`,
      { url: this.issuePath(key), method: 'GET', searchParams: { fields: 'status' } },
      statusAnswer,
      { 404: `check that issue ${key} exists and that the Jira account of the service can browse its project` },
    );
    return answer.fields.status.name;
  }

  /**
   * Adds a comment once per idempotency key. The key travels as a comment entity property
   * (`properties` on create, `expand=properties` on read — REST v2 and v3 alike), so a rerun
   * after a crash finds the earlier comment instead of posting a second one. A failed post is
   * not sent again blindly either: the comments are read again first ({@link createOnce}).
   */
  async addComment(key: string, input: AddCommentInput): Promise<{ id: string; created: boolean }> {
    const body = this.api === 'cloud' ? toAdf(input.document) : toWiki(input.document);
    const { value: id, created } = await createOnce({
      look: () => this.findCommentByIdempotencyKey(key, input.idempotencyKey),
      create: async () => {
        const answer = await this.call(
          `adding a comment to issue ${key}`,
          {
            url: `${this.issuePath(key)}/comment`,
            method: 'POST',
            body: { body, properties: [{ key: this.propertyKey, value: { key: input.idempotencyKey } }] },
          },
          createdCommentAnswer,
          { 404: `check that issue ${key} exists`, 403: 'the Jira account of the service needs the Add Comments permission in the project' },
          { once: true },
        );
        return answer.id;
      },
      classify: (error) => classifyJiraError(error instanceof ClientError ? error.cause : error),
      policy: this.policy,
      what: `Jira POST ${this.issuePath(key)}/comment`,
      log: this.log,
      sleep: this.sleep,
    });
    if (!created) this.log?.info({ issue: key, commentId: id, idempotencyKey: input.idempotencyKey }, 'Jira comment already posted');
    return { id, created };
  }

  /**
   * Moves the issue to the status named `statusName` (case-insensitive). Already there, or in
   * one of `leaveIn` (statuses the issue must not be moved away from): nothing is done. No
   * transition leads there: throws, naming the current status and the reachable ones.
   *
   * A transition whose answer got lost may have happened: it is never sent again blindly (the
   * same transition id is not valid from the new status). The status is read again first and
   * the move ends there when the issue has the target ({@link createOnce}, as for comments).
   */
  async transitionTo(key: string, statusName: string, options: { leaveIn?: readonly string[] } = {}): Promise<{ from: string; to: string; changed: boolean }> {
    const operation = `moving issue ${key} to "${statusName}"`;
    let from: string | undefined;
    let sent = false;
    const settled = (status: string) => sameName(status, statusName) || (options.leaveIn ?? []).some((name) => sameName(status, name));
    const { value: to } = await createOnce({
      look: async () => {
        const status = await this.getStatus(key);
        from ??= status;
        return settled(status) ? status : undefined;
      },
      create: async () => {
        const current = from ?? statusName;
        const { transitions } = await this.call(operation, { url: `${this.issuePath(key)}/transitions`, method: 'GET' }, transitionsAnswer);
        const transition = transitions.find((candidate) => sameName(candidate.to.name, statusName));
        if (!transition) {
          const targets = [...new Set(transitions.map((candidate) => candidate.to.name))];
          throw new ClientError({
            system: 'Jira',
            operation,
            status: 200,
            problem: `no transition from "${current}" leads there; statuses reachable now: ${targets.length > 0 ? targets.join(', ') : 'none'}`,
            hint: 'check the status names in the policy file against the project workflow, and that the service account may transition the issue',
            retryable: false,
          });
        }
        sent = true;
        try {
          await this.call(
            operation,
            { url: `${this.issuePath(key)}/transitions`, method: 'POST', body: { transition: { id: transition.id } } },
            z.unknown(),
            { 400: 'the transition needs fields the service does not fill in (a transition screen with required fields?)' },
            { once: true },
          );
        } catch (error) {
          // A 400 may mean the issue moved meanwhile (someone else, or our own lost earlier try): look before blaming the workflow.
          if (error instanceof ClientError && error.status === 400) {
            const now = await this.getStatus(key);
            if (settled(now)) return now;
          }
          throw error;
        }
        return transition.to.name;
      },
      classify: (error) => classifyJiraError(error instanceof ClientError ? error.cause : error),
      policy: this.policy,
      what: `Jira POST ${this.issuePath(key)}/transitions`,
      log: this.log,
      sleep: this.sleep,
    });
    const start = from ?? to;
    return { from: start, to, changed: sent && !sameName(start, to) };
  }

  /** Creates or updates a link on the issue to an outside page; Jira keys it by `globalId`. */
  async upsertRemoteLink(key: string, link: RemoteLinkInput): Promise<void> {
    await this.call(
      `linking issue ${key} to ${link.url}`,
      {
        url: `${this.issuePath(key)}/remotelink`,
        method: 'POST',
        body: {
          globalId: link.globalId,
          application: this.application,
          object: {
            url: link.url,
            title: link.title,
            ...(link.summary === undefined ? {} : { summary: link.summary }),
            ...(link.iconUrl === undefined ? {} : { icon: { url16x16: link.iconUrl, title: link.title } }),
          },
        },
      },
      z.unknown(),
      { 403: 'issue linking is disabled in Jira or the service account may not edit the issue' },
    );
  }

  /**
   * Sets user-picker custom fields (the ticket's *Reviewers*, *Required reviewers*) to exactly
   * these users: `PUT /issue/{key}` with `{ fields: { customfield_X: [{ accountId }] } }` on
   * Cloud, `[{ name }]` on Data Center. The PUT states the whole value, so sending it again is
   * harmless: a lost answer is simply retried. An empty list clears the field; an empty record
   * sends nothing. A field Jira will not set (not on the edit screen, unknown, a user it does
   * not know) fails with a {@link ClientError} naming the field and the fix.
   */
  async setUserFields(key: string, fields: Readonly<Record<string, ReadonlyArray<JiraUserRef>>>): Promise<void> {
    const ids = Object.keys(fields);
    if (ids.length === 0) return;
    const operation = `setting ${ids.join(', ')} on issue ${key}`;
    const wanted = this.api === 'cloud' ? 'accountId' : 'name';
    const wrong = ids.find((id) => (fields[id] ?? []).some((user) => !(wanted in user)));
    if (wrong !== undefined) {
      throw new ClientError({
        system: 'Jira',
        operation,
        status: 0,
        problem: `${wrong} names a user without ${wanted === 'accountId' ? 'an accountId' : 'a name'}, which Jira ${this.api === 'cloud' ? 'Cloud' : 'Data Center'} needs`,
        hint: this.api === 'cloud' ? 'Jira Cloud identifies users by account id: look them up with findUsersByEmail' : 'Jira Data Center identifies users by user name',
        retryable: false,
      });
    }
    const body = {
      fields: Object.fromEntries(
        Object.entries(fields).map(([id, users]) => [id, users.map((user) => ('accountId' in user ? { accountId: user.accountId } : { name: user.name }))]),
      ),
    };
    try {
      await this.call(operation, { url: this.issuePath(key), method: 'PUT', body }, z.unknown(), {
        403: `the Jira account of the service needs the Edit Issues permission in the project of ${key}`,
        404: `check that issue ${key} exists and that the Jira account of the service can browse its project`,
      });
    } catch (error) {
      if (error instanceof ClientError && error.status === 400) throw userFieldFailure(error, operation, ids);
      throw error;
    }
  }

  /**
   * The active users Jira finds for an e-mail address (`GET /user/search`, `query=` on Cloud,
   * `username=` on Data Center, both of which match e-mail addresses). Where Jira shows users'
   * addresses, only those with exactly this one are kept; Cloud hides an address unless its
   * owner lets it show, so a hidden one is kept as a match. Empty: nobody.
   */
  async findUsersByEmail(email: string): Promise<JiraUser[]> {
    const answer = await this.call(
      `looking up the Jira user with e-mail ${email}`,
      {
        url: `${this.apiPath}/user/search`,
        method: 'GET',
        searchParams: this.api === 'cloud' ? { query: email, maxResults: 10 } : { username: email, maxResults: 10 },
      },
      userSearchAnswer,
      { 403: 'the Jira account of the service needs the Browse users and groups global permission' },
    );
    const active = answer.filter((user) => user.active !== false);
    const exact = active.filter((user) => user.emailAddress?.toLowerCase() === email.toLowerCase());
    const matches = exact.length > 0 ? exact : active.filter((user) => !user.emailAddress);
    return matches.flatMap((user) => {
      const mapped = toJiraUser(user);
      return mapped ? [mapped] : [];
    });
  }

  private async findCommentByIdempotencyKey(key: string, idempotencyKey: string): Promise<string | undefined> {
    for (let startAt = 0; ; ) {
      const page = await this.call(
        `reading the comments of issue ${key}`,
        {
          url: `${this.issuePath(key)}/comment`,
          method: 'GET',
          searchParams: { startAt, maxResults: commentPageSize, orderBy: '-created', expand: 'properties' },
        },
        commentsPageAnswer,
        { 404: `check that issue ${key} exists and that the Jira account of the service can browse its project` },
      );
      const comments = await this.withProperties(key, page.comments);
      const match = comments.find((comment) => carriesKey(comment.properties, this.propertyKey, idempotencyKey));
      if (match) return match.id;
      startAt += page.comments.length;
      if (page.comments.length === 0 || page.total === undefined || startAt >= page.total) return undefined;
    }
  }

  /**
   * Jira Cloud documents `expand=properties` on comment/list but not on the issue's comment
   * list; when a page comes back without properties, they are read through comment/list.
   */
  private async withProperties(key: string, comments: ReadonlyArray<z.infer<typeof commentAnswer>>): Promise<ReadonlyArray<z.infer<typeof commentAnswer>>> {
    const bare = comments.filter((comment) => comment.properties === undefined);
    if (bare.length === 0 || this.api !== 'cloud') return comments;
    const answer = await this.call(
      `reading the comment properties of issue ${key}`,
      {
        url: `${this.apiPath}/comment/list`,
        method: 'POST',
        searchParams: { expand: 'properties' },
        body: { ids: bare.map((comment) => Number(comment.id)) },
      },
      commentListAnswer,
    );
    const byId = new Map(answer.values.map((comment) => [comment.id, comment.properties]));
    return comments.map((comment) => (comment.properties === undefined ? { ...comment, properties: byId.get(comment.id) ?? [] } : comment));
  }

  private issuePath(key: string): string {
    return `${this.apiPath}/issue/${encodeURIComponent(key)}`;
  }

  /**
   * One REST call: retried on 429, 5xx and lost connections unless `once` (a create whose
   * retry is the caller's look-then-create loop), parsed with `schema`, failures turned into a
   * readable {@link ClientError}.
   */
  private async call<T>(
    operation: string,
    request: SendRequestOptions,
    schema: z.ZodType<T>,
    hints: Readonly<Record<number, string>> = {},
    options: { once?: boolean } = {},
  ): Promise<T> {
    let data: unknown;
    try {
      data = await withRetry(() => this.client.sendRequest<unknown>(request), {
        policy: options.once ? { ...this.policy, retries: 0 } : this.policy,
        classify: classifyJiraError,
        what: `Jira ${request.method ?? 'GET'} ${request.url}`,
        log: this.log,
        sleep: this.sleep,
      });
    } catch (error) {
      throw jiraFailure(error, operation, hints);
    }
    return this.parse(schema, data, operation);
  }

  private parse<T>(schema: z.ZodType<T>, data: unknown, operation: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw unexpectedAnswer('Jira', operation, parsed.error, `check that jira.api (${this.api}) matches the Jira deployment`);
    }
    return parsed.data;
  }
}

function toJiraUser(user: z.infer<typeof userAnswer>): JiraUser | null {
  if (!user) return null;
  return {
    ...(user.accountId === undefined ? {} : { accountId: user.accountId }),
    ...(user.name === undefined ? {} : { name: user.name }),
    displayName: user.displayName ?? user.name ?? user.accountId ?? '',
    ...(user.emailAddress ? { emailAddress: user.emailAddress } : {}),
  };
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function carriesKey(properties: ReadonlyArray<{ key: string; value: unknown }> | undefined, propertyKey: string, idempotencyKey: string): boolean {
  return (properties ?? []).some((property) => property.key === propertyKey && propertyValueKey(property.value) === idempotencyKey);
}

/** Older Data Center versions hand property values back as JSON text. */
function propertyValueKey(value: unknown): unknown {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null ? (parsed as { key?: unknown }).key : undefined;
}

/**
 * A 400 to a user-field PUT, with a hint per field Jira named: a field it "cannot set" is missing
 * from the edit screen (or is no field at all); any other complaint is about the users given.
 */
function userFieldFailure(error: ClientError, operation: string, ids: readonly string[]): ClientError {
  const body = isApiError(error.cause) ? jiraErrorBody.safeParse(error.cause.body) : undefined;
  const complaints = Object.entries(body?.success ? (body.data.errors ?? {}) : {});
  const named = complaints.length > 0 ? complaints.map(([field, message]) => [field, String(message)] as const) : ids.map((id) => [id, ''] as const);
  const hints = named.map(([field, message]) =>
    /cannot be set|appropriate screen|unknown/i.test(message) || message === ''
      ? `add ${field} to the edit screen of the project's issue type in Jira (Project settings → Screens), or fix its id under [jira.fields] in the policy`
      : `${field} refused the users given: check that each is an active Jira user who may be assigned issues in the project`,
  );
  return new ClientError({
    system: 'Jira',
    operation,
    status: 400,
    vendorMessage: error.vendorMessage,
    hint: [...new Set(hints)].join('; '),
    retryable: false,
    cause: error.cause,
  });
}

function classifyJiraError(error: unknown): RetryVerdict {
  if (isRateLimitError(error)) {
    const seconds = error.retryAfterMs === undefined ? undefined : error.retryAfterMs / 1000;
    return { retry: true, ...(seconds === undefined ? {} : { headers: { 'retry-after': String(seconds) } }) };
  }
  if (isApiError(error)) return { retry: isRetryableStatus(error.status) };
  if (isNetworkError(error)) return { retry: error.transient };
  return { retry: false };
}

function jiraFailure(error: unknown, operation: string, hints: Readonly<Record<number, string>>): ClientError {
  if (isApiError(error)) {
    return new ClientError({
      system: 'Jira',
      operation,
      status: error.status,
      statusText: error.statusText,
      vendorMessage: jiraErrorText(error.body),
      hint: hints[error.status] ?? genericHint('Jira', error.status),
      cause: error,
    });
  }
  return new ClientError({ system: 'Jira', operation, status: 0, vendorMessage: describeCause(error), hint: genericHint('Jira', 0), cause: error });
}

const jiraErrorBody = z.object({
  errorMessages: z.array(z.string()).optional(),
  errors: z.record(z.string(), z.unknown()).optional(),
  message: z.string().optional(),
});

/** Jira's ErrorCollection (`errorMessages` and per-field `errors`) as one line. */
export function jiraErrorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 300) || undefined;
  const parsed = jiraErrorBody.safeParse(body);
  if (!parsed.success) return undefined;
  const parts = [
    ...(parsed.data.errorMessages ?? []),
    ...Object.entries(parsed.data.errors ?? {}).map(([field, message]) => `${field}: ${String(message)}`),
    ...(parsed.data.message ? [parsed.data.message] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}
