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
import { resolveRetryPolicy, type RetryOptions } from './retry.ts';

/** Options of {@link SlackClient}. */
export interface SlackClientOptions {
  /** Bot token (`xoxb-…`) with chat:write and the history scope of the channels used. */
  readonly token: string;
  /** Web API root, for tests. Default `https://slack.com/api/`. */
  readonly slackApiUrl?: string;
  /** `retries: 0` turns retrying off and rejects a rate-limited call at once. `sleep` is not used: the WebClient times its own retries. */
  readonly retry?: RetryOptions;
  readonly log?: Logger;
  /** How many recent messages {@link SlackClient.postMessageOnce} looks through. Default 200. */
  readonly historyLimit?: number;
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
}

/** `event_type` of the message metadata that carries the idempotency key. */
export const slackMetadataEventType = 'model_lifecycle';

const historyAnswer = z.object({
  messages: z.array(
    z.object({
      ts: z.string(),
      metadata: z.object({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()).optional() }).optional(),
    }),
  ),
});

const postAnswer = z.object({ channel: z.string(), ts: z.string() });

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
};

/**
 * A thin typed client for posting the robot's Slack messages, over the Web API client of a
 * Bolt app (`app.client`, a `WebClient` from `@slack/web-api`). Retries are the WebClient's own: its `retryConfig` (exponential back-off
 * on failed requests and 5xx) and its rate-limit handling, which waits the `Retry-After`
 * seconds of a 429. Slack answers `Retry-After` in seconds only.
 */
export class SlackClient {
  /**
   * The Bolt app whose client posts the messages. It is outbound only for now: its receiver
   * accepts no events, and a later stage gives it listeners and a receiver that verifies
   * Slack's signature.
   */
  readonly app: App;
  private readonly web: WebClient;
  private readonly historyLimit: number;
  private readonly log: Logger | undefined;

  constructor(options: SlackClientOptions) {
    const policy = resolveRetryPolicy(options.retry);
    const retryConfig: SlackRetryOptions = {
      retries: policy.retries,
      factor: policy.factor,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: false,
    };
    this.app = new App({
      token: options.token,
      receiver: outboundOnly,
      // Initialising checks the token with auth.test, which only receiving needs; sending works without it.
      deferInitialization: true,
      logger: slackLogger(options.log),
      clientOptions: {
        ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
        retryConfig,
        // Without retries a 429 is reported at once instead of being waited out.
        rejectRateLimitedCalls: policy.retries === 0,
      },
    });
    this.web = this.app.client;
    this.historyLimit = options.historyLimit ?? 200;
    this.log = options.log;
  }

  /**
   * Posts a message once per idempotency key. The key travels as message metadata
   * (`event_type: model_lifecycle`, `event_payload.key`); before posting, the channel's recent
   * history is searched for it, so a rerun after a crash finds the earlier message.
   */
  async postMessageOnce(input: PostMessageInput): Promise<{ channel: string; ts: string; created: boolean }> {
    const existing = await this.findMessage(input.channel, input.idempotencyKey);
    if (existing !== undefined) {
      this.log?.info({ channel: input.channel, ts: existing, idempotencyKey: input.idempotencyKey }, 'Slack message already posted');
      return { channel: input.channel, ts: existing, created: false };
    }
    const operation = `posting to channel ${input.channel}`;
    const answer = await this.call(operation, () =>
      this.web.chat.postMessage({
        channel: input.channel,
        text: input.text,
        ...(input.blocks === undefined ? {} : { blocks: [...input.blocks] }),
        metadata: { event_type: slackMetadataEventType, event_payload: { key: input.idempotencyKey } },
      }),
    );
    const parsed = parseAnswer(postAnswer, answer, operation);
    return { channel: parsed.channel, ts: parsed.ts, created: true };
  }

  private async findMessage(channel: string, idempotencyKey: string): Promise<string | undefined> {
    const operation = `reading recent messages of channel ${channel}`;
    const answer = await this.call(operation, () =>
      this.web.conversations.history({ channel, limit: this.historyLimit, include_all_metadata: true }),
    );
    const { messages } = parseAnswer(historyAnswer, answer, operation);
    return messages.find(
      (message) => message.metadata?.event_type === slackMetadataEventType && message.metadata.event_payload?.['key'] === idempotencyKey,
    )?.ts;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw slackFailure(error, operation);
    }
  }
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
