import { App, type Receiver } from '@slack/bolt';
import {
  ErrorCode,
  LogLevel,
  type WebClient,
  type ChatPostMessageArguments,
  type Logger as SlackLogger,
  type RetryOptions as SlackRetryOptions,
} from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ClientError, describeCause } from './errors.ts';
import { createOnce, realSleep, resolveRetryPolicy, withRetry, type RetryOptions, type RetryPolicy, type RetryVerdict } from './retry.ts';

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
   * The Bolt app whose client posts the messages. It is outbound only for now: its receiver
   * accepts no events, and a later stage gives it listeners and a receiver that verifies
   * Slack's signature.
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
      receiver: outboundOnly,
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
      const answer = await withRetry(() => this.call(operation, () => this.web.conversations.history(request)), {
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

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw slackFailure(error, operation);
    }
  }
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
