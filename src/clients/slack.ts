import { App, type Receiver } from '@slack/bolt';
import {
  ErrorCode,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  type WebClient,
  type ChatPostMessageArguments,
  type MessageMetadata,
  type Logger as SlackLogger,
  type RetryOptions as SlackRetryOptions,
} from '@slack/web-api';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ClientError, describeCause } from './errors.ts';
import { createOnce, realSleep, resolveRetryPolicy, withRetry, type RetryOptions, type RetryPolicy, type RetryVerdict } from './retry.ts';

/** How long one `conversations.history` page may take before it counts as a lost connection. */
const HISTORY_PAGE_TIMEOUT_MS = 30_000;

/** Options of {@link SlackClient}. */
export interface SlackClientOptions {
  /**
   * Bot token (`xoxb-…`) with `chat:write` and the history scope of the channels used
   * (`channels:history`, `groups:history` for private ones). Telling reviewers in direct
   * messages also needs `users:read.email` ({@link SlackClient.lookupUserByEmail}), `im:write`
   * and `im:history` ({@link SlackClient.postDirectMessageOnce}).
   */
  readonly token: string;
  /** Web API root (`SLACK_API_URL`): GovSlack's `https://slack-gov.com/api/`, or a stand-in. Default `https://slack.com/api/`. */
  readonly slackApiUrl?: string;
  /** Retries of 429 (honouring `Retry-After`), 5xx and lost connections; `retries: 0` turns them off. */
  readonly retry?: RetryOptions;
  readonly log?: Logger;
  /** Messages per `conversations.history` page. Default 200 (Slack's advice). */
  readonly historyPageSize?: number;
  /** Most pages {@link SlackClient.postMessageOnce} reads looking for an earlier message. Default 10. */
  readonly historyPages?: number;
  /**
   * What receives Slack's interactivity (button clicks, form submissions) for {@link SlackClient.app}:
   * the HTTP receiver of `POST /slack/events` (src/http/slack-events.ts) or Bolt's
   * `SocketModeReceiver`. Left out, the app only sends.
   */
  readonly receiver?: Receiver;
}

/** One Block Kit block as `chat.postMessage` takes it. */
export type SlackBlock = NonNullable<Extract<ChatPostMessageArguments, { blocks?: unknown }>['blocks']>[number];

export interface PostMessageInput {
  readonly channel: string;
  /** Business identity of the message; a second call with the same key posts nothing. */
  readonly idempotencyKey: string;
  /** Notification and fallback text. */
  readonly text: string;
  readonly blocks?: readonly SlackBlock[];
  /**
   * No earlier message with the key can be older than this (e.g. the ticket's creation), so
   * the search for one reads the channel back to here and no further.
   */
  readonly notBefore?: Date;
}

/** What {@link SlackClient.postDirectMessageOnce} takes: a {@link PostMessageInput} to a person instead of a channel. */
export interface PostDirectMessageInput extends Omit<PostMessageInput, 'channel'> {
  /** The person's Slack user id (`U…` or `W…`). */
  readonly user: string;
}

/** What {@link SlackClient.updateMessage} takes: the message to change and its new content. */
export interface UpdateMessageInput {
  readonly channel: string;
  /** The `ts` of the message to change (one the bot posted). */
  readonly ts: string;
  /** Notification and fallback text. */
  readonly text: string;
  /** The new blocks; left out, Slack keeps the message's blocks. */
  readonly blocks?: readonly SlackBlock[];
  /** New message metadata; left out, Slack keeps the message's metadata. */
  readonly metadata?: { readonly event_type: string; readonly event_payload: Readonly<Record<string, unknown>> };
}

/** A message only one person sees. */
export interface EphemeralInput {
  readonly channel: string;
  /** Who sees it (`U…`/`W…`). */
  readonly user: string;
  readonly text: string;
  readonly blocks?: readonly SlackBlock[];
}

/** One Block Kit view as `views.open` takes it (a modal). */
export type SlackView = Parameters<WebClient['views']['open']>[0]['view'];

/** A person found in the Slack workspace. */
export interface SlackUser {
  /** User id (`U…`/`W…`): where a direct message goes, and `<@id>` mentions. */
  readonly id: string;
  /** The handle. */
  readonly name: string;
}

/** `event_type` of the message metadata that carries the idempotency key. */
export const slackMetadataEventType = 'model_lifecycle';

const historyAnswer = z.object({
  has_more: z.boolean().optional(),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
  messages: z.array(
    z.object({
      ts: z.string(),
      metadata: z.object({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()).optional() }).optional(),
    }),
  ),
});

const postAnswer = z.object({ channel: z.string(), ts: z.string() });

const lookupAnswer = z.object({ user: z.object({ id: z.string(), name: z.string(), deleted: z.boolean().optional() }) });

const openAnswer = z.object({ channel: z.object({ id: z.string() }) });

const updateAnswer = z.object({ channel: z.string(), ts: z.string() });

const ephemeralAnswer = z.object({ message_ts: z.string() });

const viewAnswer = z.object({ view: z.object({ id: z.string() }) });

/** What operators can do about Slack's error codes (https://docs.slack.dev/reference/methods/chat.postMessage#errors). */
const slackHints: Readonly<Record<string, string>> = {
  channel_not_found: 'invite the bot to the channel or fix teams[].slack_channel',
  not_in_channel: 'invite the bot to the channel',
  is_archived: 'the channel is archived; fix teams[].slack_channel',
  missing_scope: 'add the missing scope to the Slack app and reinstall it',
  invalid_auth: 'check the Slack bot token',
  not_authed: 'check the Slack bot token',
  token_revoked: 'the Slack bot token was revoked; install the app again',
  account_inactive: 'the Slack bot token was revoked; install the app again',
  invalid_blocks: 'the message blocks were rejected; this is a bug in the message template',
  msg_too_long: 'the message text is too long; this is a bug in the message template',
  ratelimited: 'Slack is rate limiting the service; the engine retries the task later',
  user_not_found: 'no such Slack user: fix the id under [reviewers.slack_users] in the policy',
  user_disabled: 'the Slack user is deactivated: name another reviewer or fix [reviewers.slack_users]',
  cannot_dm_bot: 'the Slack id is a bot, not a person: fix [reviewers.slack_users]',
  message_not_found: 'the message to update is gone (deleted, or another channel); the lifecycle keeps its channel and ts in canaryGate',
  cant_update_message: 'only messages the bot posted can be updated',
  expired_trigger_id: 'the click is more than 3 seconds old; the person clicks again',
  invalid_trigger_id: 'the trigger id is not one Slack gave for a click',
  user_not_in_channel: 'the person is not in the channel, so cannot see an ephemeral message there',
};

/**
 * A thin typed client for posting the robot's Slack messages, over the Web API client of a
 * Bolt app (`app.client`, a `WebClient` from `@slack/web-api`). The WebClient's own retries
 * are off: they would send a failed `chat.postMessage` again blindly, and a post whose answer
 * was lost would appear twice. Reads retry with the shared policy ({@link withRetry}, honouring
 * `Retry-After`, which Slack gives in seconds); the post retries only after looking again
 * ({@link createOnce}).
 */
export class SlackClient {
  /**
   * The Bolt app whose client posts the messages. With a `receiver` it also takes Slack's
   * interactivity: listeners are registered on it (src/http/slack-canary.ts) and the receiver
   * verifies Slack's signature and acknowledges. Without one it only sends.
   */
  readonly app: App;
  private readonly web: WebClient;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly historyPageSize: number;
  private readonly historyPages: number;
  private readonly log: Logger | undefined;

  constructor(options: SlackClientOptions) {
    this.policy = resolveRetryPolicy(options.retry);
    this.sleep = options.retry?.sleep ?? realSleep;
    const retryConfig: SlackRetryOptions = { retries: 0 };
    this.app = new App({
      token: options.token,
      receiver: options.receiver ?? outboundOnly,
      // Initialising checks the token with auth.test, which only receiving needs; sending works without it.
      deferInitialization: true,
      logger: slackLogger(options.log),
      clientOptions: {
        ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
        retryConfig,
        // A 429 comes back as an error carrying Retry-After; the loops here wait it out.
        rejectRateLimitedCalls: true,
      },
    });
    this.web = this.app.client;
    this.historyPageSize = options.historyPageSize ?? 200;
    this.historyPages = options.historyPages ?? 10;
    this.log = options.log;
  }

  /**
   * Posts a message once per idempotency key. The key travels as message metadata
   * (`event_type: model_lifecycle`, `event_payload.key`); before posting, the channel's
   * history (back to `notBefore`) is searched for it, so a rerun after a crash, or a retry
   * after a post whose answer was lost, finds the earlier message.
   */
  async postMessageOnce(input: PostMessageInput): Promise<{ channel: string; ts: string; created: boolean }> {
    const operation = `posting to channel ${input.channel}`;
    const { value: ts, created } = await createOnce({
      look: () => this.findMessage(input.channel, input.idempotencyKey, input.notBefore),
      create: async () => {
        const answer = await this.call(operation, () =>
          this.web.chat.postMessage({
            channel: input.channel,
            text: input.text,
            ...(input.blocks === undefined ? {} : { blocks: [...input.blocks] }),
            metadata: { event_type: slackMetadataEventType, event_payload: { key: input.idempotencyKey } },
          }),
        );
        return parseAnswer(postAnswer, answer, operation).ts;
      },
      classify: classifySlackError,
      policy: this.policy,
      what: `Slack chat.postMessage to ${input.channel}`,
      log: this.log,
      sleep: this.sleep,
    });
    if (!created) this.log?.info({ channel: input.channel, ts, idempotencyKey: input.idempotencyKey }, 'Slack message already posted');
    return { channel: input.channel, ts, created };
  }

  /**
   * The person with this e-mail address in the workspace (`users.lookupByEmail`, scope
   * `users:read.email`), or null when there is none (`users_not_found`) or the account is
   * deactivated.
   */
  async lookupUserByEmail(email: string): Promise<SlackUser | null> {
    const operation = `looking up the Slack user with e-mail ${email}`;
    try {
      const answer = await withRetry(() => this.call(operation, () => this.web.users.lookupByEmail({ email })), {
        policy: this.policy,
        classify: classifySlackError,
        what: 'Slack users.lookupByEmail',
        log: this.log,
        sleep: this.sleep,
      });
      const { user } = parseAnswer(lookupAnswer, answer, operation);
      return user.deleted ? null : { id: user.id, name: user.name };
    } catch (error) {
      if (error instanceof ClientError && error.vendorMessage === 'users_not_found') return null;
      throw error;
    }
  }

  /**
   * Sends a person a direct message once per idempotency key: opens (or finds) the DM with
   * `conversations.open` (scope `im:write`), then posts as {@link postMessageOnce} does,
   * searching the DM's history (scope `im:history`) for the key before posting.
   */
  async postDirectMessageOnce(input: PostDirectMessageInput): Promise<{ channel: string; ts: string; created: boolean }> {
    const operation = `opening a direct message with Slack user ${input.user}`;
    // conversations.open is idempotent (an open DM answers `already_open`), so it retries like a read.
    const answer = await withRetry(() => this.call(operation, () => this.web.conversations.open({ users: input.user })), {
      policy: this.policy,
      classify: classifySlackError,
      what: `Slack conversations.open with ${input.user}`,
      log: this.log,
      sleep: this.sleep,
    });
    const { channel } = parseAnswer(openAnswer, answer, operation);
    const { user: _user, ...message } = input;
    return this.postMessageOnce({ ...message, channel: channel.id });
  }

  /**
   * Changes a message the bot posted (`chat.update`): text, and blocks and metadata when given.
   * Idempotent by nature (the same content twice is one change), so it retries like a read.
   */
  async updateMessage(input: UpdateMessageInput): Promise<{ channel: string; ts: string }> {
    const operation = `updating message ${input.ts} in channel ${input.channel}`;
    const answer = await withRetry(
      () =>
        this.call(operation, () => {
          const base = {
            channel: input.channel,
            ts: input.ts,
            text: input.text,
            ...(input.metadata === undefined
              ? {}
              : { metadata: { event_type: input.metadata.event_type, event_payload: { ...input.metadata.event_payload } } as MessageMetadata }),
          };
          return input.blocks === undefined ? this.web.chat.update(base) : this.web.chat.update({ ...base, blocks: [...input.blocks] });
        }),
      { policy: this.policy, classify: classifySlackError, what: `Slack chat.update of ${input.ts} in ${input.channel}`, log: this.log, sleep: this.sleep },
    );
    const parsed = parseAnswer(updateAnswer, answer, operation);
    return { channel: parsed.channel, ts: parsed.ts };
  }

  /**
   * Posts a message only `user` sees in `channel` (`chat.postEphemeral`, scope `chat:write`).
   * Retried like a read: a doubled ephemeral note is harmless, a lost one is not.
   */
  async postEphemeral(input: EphemeralInput): Promise<void> {
    const operation = `posting an ephemeral message to ${input.user} in channel ${input.channel}`;
    const answer = await withRetry(
      () =>
        this.call(operation, () =>
          this.web.chat.postEphemeral({
            channel: input.channel,
            user: input.user,
            text: input.text,
            ...(input.blocks === undefined ? {} : { blocks: [...input.blocks] }),
          }),
        ),
      { policy: this.policy, classify: classifySlackError, what: `Slack chat.postEphemeral in ${input.channel}`, log: this.log, sleep: this.sleep },
    );
    parseAnswer(ephemeralAnswer, answer, operation);
  }

  /**
   * Answers a click through its `response_url` (valid 30 minutes, 5 uses): by default a message
   * only the clicker sees, leaving the original alone (`response_type: ephemeral`,
   * `replace_original: false`). Retries 429 (honouring `Retry-After`), 5xx and lost connections.
   */
  async respond(responseUrl: string, message: { readonly text: string; readonly blocks?: readonly SlackBlock[] }): Promise<void> {
    const operation = 'answering a click through its response_url';
    const body = JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
    await withRetry(
      async () => {
        let response: Response;
        try {
          response = await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
          await response.text();
        } catch (cause) {
          throw new ClientError({ system: 'Slack', operation, status: 0, vendorMessage: describeCause(cause), hint: 'check that hooks.slack.com is reachable from the service', cause });
        }
        if (!response.ok) {
          const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
          throw new ClientError({
            system: 'Slack',
            operation,
            status: response.status,
            statusText: response.statusText,
            hint: response.status === 404 ? 'the response_url expired (30 minutes, 5 uses)' : undefined,
            retryable: response.status === 429 || response.status >= 500,
            cause: Number.isFinite(retryAfter) ? { retryAfter } : undefined,
          });
        }
      },
      { policy: this.policy, classify: classifySlackError, what: 'Slack response_url', log: this.log, sleep: this.sleep },
    );
  }

  /**
   * Opens a modal for the person who clicked (`views.open` with the click's `trigger_id`). Not
   * retried: a trigger id expires 3 seconds after the click, so a retry would only fail later.
   * Answers the view's id.
   */
  async openView(triggerId: string, view: SlackView): Promise<string> {
    const operation = 'opening a form in Slack (views.open)';
    const answer = await this.call(operation, () => this.web.views.open({ trigger_id: triggerId, view }));
    return parseAnswer(viewAnswer, answer, operation).view.id;
  }

  /** Pages back through the channel (newest first) until the key, `notBefore`, or the page budget. */
  private async findMessage(channel: string, idempotencyKey: string, notBefore: Date | undefined): Promise<string | undefined> {
    const operation = `reading recent messages of channel ${channel}`;
    let cursor: string | undefined;
    for (let page = 1; page <= this.historyPages; page += 1) {
      const request = {
        channel,
        limit: this.historyPageSize,
        include_all_metadata: true,
        ...(notBefore === undefined ? {} : { oldest: (notBefore.getTime() / 1000).toFixed(6) }),
        ...(cursor === undefined ? {} : { cursor }),
      };
      const answer = await withRetry(() => this.call(operation, () => this.historyPage(request)), {
        policy: this.policy,
        classify: classifySlackError,
        what: `Slack conversations.history of ${channel}`,
        log: this.log,
        sleep: this.sleep,
      });
      const parsed = parseAnswer(historyAnswer, answer, operation);
      const match = parsed.messages.find(
        (message) => message.metadata?.event_type === slackMetadataEventType && message.metadata.event_payload?.['key'] === idempotencyKey,
      );
      if (match) return match.ts;
      cursor = parsed.response_metadata?.next_cursor || undefined;
      if (!parsed.has_more || cursor === undefined) return undefined;
    }
    this.log?.warn(
      { channel, idempotencyKey, pages: this.historyPages, pageSize: this.historyPageSize },
      'searched the most recent Slack messages allowed without finding an earlier post; posting',
    );
    return undefined;
  }

  /**
   * One `conversations.history` page, sent as the WebClient sends it (POST, form-encoded, bearer
   * token, at the same API root) and failing with the same coded errors. Not through the
   * WebClient: its `apiCall` serialises every answer for a debug line whatever the log level
   * (`JSON.stringify(redact(result))`), which for a page of up to 200 messages was the service's
   * largest CPU cost in the burst bench (bench/cpu-profile-summary.ts).
   */
  private historyPage(request: Readonly<Record<string, string | number | boolean>>): Promise<unknown> {
    // The WebClient's own headers (its User-Agent names Bolt and the Web API's versions), as it would send them.
    const own = (this.web as unknown as { defaultHeaders?: Readonly<Record<string, string>> }).defaultHeaders;
    const body = new URLSearchParams(Object.entries(request).map(([name, value]): [string, string] => [name, String(value)])).toString();
    const headers: Record<string, string | number> = { Accept: 'application/json', ...own, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) };
    if (this.web.token) headers['Authorization'] = `Bearer ${this.web.token}`;
    const url = new URL('conversations.history', this.web.slackApiUrl);
    // node:http(s), as the WebClient's axios sends it: fetch (undici) copies each incoming chunk
    // into its parser's WebAssembly memory, which grows with large pages read at once and never
    // shrinks (the burst bench kept 50 MB more resident for good).
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(url, { method: 'POST', headers, timeout: HISTORY_PAGE_TIMEOUT_MS }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(new WebAPIRequestError(error)));
        response.on('end', () => {
          try {
            resolve(judgeHistoryPage(response, Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error as Error);
          }
        });
      });
      // A page that never comes is a lost connection (retried), not a hung step.
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${HISTORY_PAGE_TIMEOUT_MS} ms`)));
      outgoing.on('error', (error) => reject(new WebAPIRequestError(error)));
      outgoing.end(body);
    });
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw slackFailure(error, operation);
    }
  }
}

/** A `conversations.history` answer judged as the WebClient judges it, with its coded errors. */
function judgeHistoryPage(response: IncomingMessage, text: string): unknown {
  const status = response.statusCode ?? 0;
  if (status === 429) {
    const header = response.headers['retry-after'];
    const retryAfter = Number.parseInt(String(header ?? ''), 10);
    if (!Number.isNaN(retryAfter)) throw new WebAPIRateLimitedError(retryAfter);
    throw new Error(`Retry header did not contain a valid timeout (retry-after header: ${String(header)})`);
  }
  if (status !== 200) {
    const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]): [string, string] => [name, Array.isArray(value) ? value.join(', ') : String(value ?? '')]));
    throw new WebAPIHTTPError(status, response.statusMessage ?? '', headers, text);
  }
  let result: { ok?: unknown; error?: unknown };
  try {
    result = JSON.parse(text) as { ok?: unknown; error?: unknown };
  } catch {
    result = { ok: false, error: text };
  }
  if (!result.ok) throw new WebAPIPlatformError(result as ConstructorParameters<typeof WebAPIPlatformError>[0]);
  return result;
}

/** Retry what {@link slackFailure} marked retryable, waiting a 429's `Retry-After` seconds. */
function classifySlackError(error: unknown): RetryVerdict {
  if (!(error instanceof ClientError) || !error.retryable) return { retry: false };
  const retryAfter = (error.cause as SlackErrorLike | undefined)?.retryAfter;
  return typeof retryAfter === 'number' ? { retry: true, headers: { 'retry-after': String(retryAfter) } } : { retry: true };
}

/** The receiver of an app that only sends: starting it is a mistake, so it says so. */
const outboundOnly: Receiver = {
  init: () => undefined,
  start: () => Promise.reject(new Error('the Slack app of model-lifecycle only sends messages; it has no receiver for Slack events yet')),
  stop: () => Promise.resolve(),
};

function parseAnswer<T>(schema: z.ZodType<T>, answer: unknown, operation: string): T {
  const parsed = schema.safeParse(answer);
  if (parsed.success) return parsed.data;
  throw new ClientError({
    system: 'Slack',
    operation,
    status: 200,
    problem: `Slack answered with an unexpected shape (${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ')})`,
    retryable: false,
  });
}

interface SlackErrorLike {
  readonly code?: unknown;
  readonly data?: { readonly error?: unknown; readonly needed?: unknown };
  readonly statusCode?: unknown;
  readonly statusMessage?: unknown;
  readonly retryAfter?: unknown;
}

/** Turns the WebClient's coded errors into one readable {@link ClientError}. */
function slackFailure(error: unknown, operation: string): ClientError {
  const coded = (typeof error === 'object' && error !== null ? error : {}) as SlackErrorLike;
  switch (coded.code) {
    case ErrorCode.PlatformError: {
      const code = String(coded.data?.error ?? 'unknown_error');
      const needed = typeof coded.data?.needed === 'string' ? ` (needed: ${coded.data.needed})` : '';
      return new ClientError({
        system: 'Slack',
        operation,
        status: 200,
        problem: `${code}${needed}`,
        vendorMessage: code,
        hint: slackHints[code],
        retryable: code === 'ratelimited' || code === 'internal_error' || code === 'service_unavailable',
        cause: error,
      });
    }
    case ErrorCode.RateLimitedError:
      return new ClientError({
        system: 'Slack',
        operation,
        status: 429,
        vendorMessage: `retry after ${String(coded.retryAfter)} s`,
        hint: slackHints['ratelimited'],
        cause: error,
      });
    case ErrorCode.HTTPError:
      return new ClientError({
        system: 'Slack',
        operation,
        status: typeof coded.statusCode === 'number' ? coded.statusCode : 0,
        statusText: typeof coded.statusMessage === 'string' ? coded.statusMessage : undefined,
        hint: 'Slack failed on its side; the engine retries the task',
        cause: error,
      });
    default:
      return new ClientError({
        system: 'Slack',
        operation,
        status: 0,
        vendorMessage: describeCause(error),
        hint: 'check that slack.com is reachable from the worker',
        cause: error,
      });
  }
}

/** The WebClient's logger interface over pino (silent when no logger is given). */
function slackLogger(log: Logger | undefined): SlackLogger {
  let level = LogLevel.INFO;
  const child = log?.child({ system: 'Slack' });
  const text = (parts: unknown[]): string => parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => child?.debug(text(parts)),
    info: (...parts: unknown[]) => child?.debug(text(parts)),
    warn: (...parts: unknown[]) => child?.warn(text(parts)),
    error: (...parts: unknown[]) => child?.error(text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
