/**
 * A stateful Slack stand-in on loopback, shared by the tests and the local sandbox. It answers
 * the Web API calls {@link SlackClient} (and the Bolt app around it) makes, in the shapes of
 * Slack's method reference (docs.slack.dev/reference/methods; recorded examples under
 * test/fixtures/slack/), and keeps state: channels the bot is or is not a member of, direct
 * messages, a user directory, and messages with their blocks and metadata. It also plays the
 * person in Slack: {@link SlackStandIn.click} sends the app a signed `block_actions` payload,
 * {@link SlackStandIn.submitView} a signed `view_submission` of a modal the app opened, and
 * {@link SlackStandIn.redeliver} sends either again as Slack's retries do (`X-Slack-Retry-Num`).
 *
 * What it serves (Web API methods under `<base>/api/`, POST or GET, arguments form-encoded,
 * JSON-encoded or in the query, as the `@slack/web-api` client sends them):
 *
 * | Call | Answer |
 * | --- | --- |
 * | `auth.test` | `{ ok, url, team, user, team_id, user_id, bot_id, is_enterprise_install }` of the bot |
 * | `chat.postMessage` (`channel` id, `#name`, DM id or user id; `text`, `blocks`, `metadata`, `thread_ts`) | `{ ok, channel, ts, message }`; blocks get a `block_id` when they have none |
 * | `chat.update` (`channel`, `ts`, `text`, `blocks`, `metadata`) | `{ ok, channel, ts, text, message }`; the message is changed in place and marked `edited` |
 * | `conversations.history` (`channel`, `limit`, `oldest`, `latest`, `inclusive`, `cursor`, `include_all_metadata`) | `{ ok, messages, has_more, pin_count, response_metadata? }`, newest first, `next_cursor` while `has_more`; metadata only with `include_all_metadata` |
 * | `conversations.open` (`users`: one user id, `return_im`) | `{ ok, channel: { id } }` (the full `im` with `return_im`); `already_open`/`no_op` the second time |
 * | `users.lookupByEmail` (`email`) | `{ ok, user }` from the user directory |
 * | `chat.postEphemeral` (`channel`, `user`, `text`, `blocks`) | `{ ok, message_ts }`; kept in {@link SlackStandIn.ephemerals} for that person |
 * | `views.open` (`trigger_id` of a click at most 3 s old, used once; `view` a modal) | `{ ok, view }` with its `id`, `hash`, empty `state`; kept in {@link SlackStandIn.views} |
 * | `POST /actions/<id>` (the `response_url` of a click) | `{ ok: true }`; `replace_original`, `delete_original`, else a new message (`in_channel`) or an ephemeral one |
 *
 * Errors are Slack's: HTTP 200 with `{ ok: false, error }`: `not_authed` (no token),
 * `invalid_auth` (another token), `channel_not_found`, `not_in_channel`, `no_text`,
 * `invalid_blocks`, `invalid_metadata_format`, `invalid_cursor`, `message_not_found`,
 * `cant_update_message`, `invalid_ts_oldest`, `user_not_found`, `users_not_found`,
 * `users_list_not_supplied`, `method_not_supported_for_channel_type` (more than one user),
 * `invalid_trigger_id`, `expired_trigger_id`, `view_too_large`, `invalid_arguments` (a view that is not a modal),
 * `invalid_arguments`, `invalid_json`; an unknown method gets 404 `unknown_method`. A rate limit is HTTP 429 with
 * `Retry-After` seconds and `{ ok: false, error: 'ratelimited' }` ({@link SlackStandIn.rateLimit}).
 * The token goes in `Authorization: Bearer xoxb-…`, or (form and query only) as `token`.
 *
 * Not served: anything else, threads' replies, reactions, files, ephemeral messages' own
 * methods, multi-person DMs, message deletion through the API.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { appendCapped, ChangeListeners, Faults, jsonAnswer, LoopbackServer, messageOf, serveUnderFault, writeAnswer, type LoopbackAnswer, type LoopbackFault, type LoopbackRequest } from './loopback.ts';

/** Message metadata as Slack stores it (`event_type`, `event_payload`). */
export interface SlackStandInMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A message as the tests and the sandbox read it. */
export interface SlackStandInMessage {
  /** Channel or DM id. */
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  metadata?: SlackStandInMetadata;
  /** The poster: the bot's user id, or a person's ({@link SlackStandIn.say}). */
  user: string;
  thread_ts?: string;
  /** Set by `chat.update` and by a click's `replace_original`. */
  edited?: { user: string; ts: string };
}

/** A person in the workspace's user directory. */
export interface SlackStandInUser {
  /** `U…` or `W…`. */
  readonly id: string;
  /** The handle (`spengler`). */
  readonly name: string;
  readonly email?: string;
  readonly realName?: string;
}

/** A message only one person sees: what a click's `response_url` posts by default. */
export interface SlackStandInEphemeral {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  readonly blocks: unknown[];
}

/** One click a person made ({@link SlackStandIn.click}) and how the app answered it. */
export interface SlackStandInClick {
  readonly id: string;
  readonly channel: string;
  readonly messageTs: string;
  readonly actionId: string;
  readonly value: string | undefined;
  readonly userId: string;
  /** Epoch seconds of the `X-Slack-Request-Timestamp`. */
  readonly timestamp: number;
  /** HTTP status the interactivity URL answered; 0 when it could not be reached. */
  status: number;
}

/** What one delivery to the interactivity URL sent and got back. */
export interface SlackStandInDelivery<Payload = unknown> {
  readonly status: number;
  readonly body: string;
  /** The payload, as sent. */
  readonly payload: Payload;
  /** The exact request body: `payload=<url-encoded JSON>`. */
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What {@link SlackStandIn.click} sent and got back. */
export type SlackStandInClickResult = SlackStandInDelivery<BlockAction<ButtonAction>>;

/** What {@link SlackStandIn.submitView} sent and got back. */
export type SlackStandInSubmitResult = SlackStandInDelivery<ViewSubmitAction>;

/** A modal the app opened with `views.open`. */
export interface SlackStandInView {
  /** `V…`. */
  readonly id: string;
  readonly hash: string;
  /** Who sees it: the person whose click gave the trigger id. */
  readonly user: string;
  readonly callbackId: string;
  readonly privateMetadata: string;
  readonly title: string;
  /** The label of its submit button (`submit.text`), when it has one. */
  readonly submit?: string;
  /** The label of its close button (`close.text`), when it has one; Slack's default is "Cancel". */
  readonly close?: string;
  /** The view's blocks, with a `block_id` on each. */
  readonly blocks: unknown[];
  /** `open` until submitted (or closed). */
  state: 'open' | 'submitted' | 'closed';
}

/** A state change, for a page that shows Slack live. */
export type SlackStandInEvent =
  | { readonly type: 'message.posted'; readonly channel: string; readonly ts: string }
  | { readonly type: 'message.updated'; readonly channel: string; readonly ts: string }
  | { readonly type: 'message.deleted'; readonly channel: string; readonly ts: string }
  | { readonly type: 'ephemeral.posted'; readonly channel: string; readonly user: string }
  | { readonly type: 'dm.opened'; readonly channel: string; readonly user: string }
  | { readonly type: 'membership.changed'; readonly channel: string; readonly member: boolean }
  | { readonly type: 'click'; readonly click: Readonly<SlackStandInClick> }
  | { readonly type: 'view.opened'; readonly view: string; readonly user: string };

/** A message in {@link SlackStandInSnapshot}. */
export interface SlackStandInSnapshotMessage {
  readonly ts: string;
  readonly user: string;
  readonly text: string;
  readonly blocks: unknown[];
  readonly metadata: SlackStandInMetadata | null;
  readonly threadTs: string | null;
  readonly edited: { user: string; ts: string } | null;
}

/** A JSON-serialisable view of the whole workspace, for a page. */
export interface SlackStandInSnapshot {
  readonly team: { readonly id: string; readonly domain: string; readonly name: string };
  readonly bot: { readonly userId: string; readonly botId: string; readonly appId: string; readonly name: string };
  readonly interactivityUrl: string | null;
  readonly channels: ReadonlyArray<{ readonly id: string; readonly name: string; readonly member: boolean; readonly messages: readonly SlackStandInSnapshotMessage[] }>;
  readonly dms: ReadonlyArray<{ readonly id: string; readonly user: string; readonly userName: string | null; readonly messages: readonly SlackStandInSnapshotMessage[] }>;
  /** Ephemeral messages with the `ts` Slack gave each (where it shows in the channel for that person). */
  readonly ephemerals: ReadonlyArray<SlackStandInEphemeral & { readonly ts: string }>;
  /** Modals the app opened with `views.open`, in order, with their state. */
  readonly views: readonly SlackStandInView[];
  readonly users: readonly SlackStandInUser[];
  readonly clicks: readonly SlackStandInClick[];
}

/** A fault for the next matching request: do the work and drop the connection, or answer this without doing it. */
export type SlackStandInFault = LoopbackFault;

export interface SlackStandInOptions {
  /** The bot token (`xoxb-…`) every call must carry. */
  readonly token: string;
  /**
   * Channels (id → name) that exist, the bot a member of each. Left out, any channel id posted
   * to comes into being with the bot in it.
   */
  readonly channels?: Readonly<Record<string, string>>;
  /**
   * The user directory (`users.lookupByEmail`, DMs, who clicks). Left out, any `U…`/`W…` id
   * is a user, and no e-mail address is known.
   */
  readonly users?: readonly SlackStandInUser[];
  /** Signs the clicks sent to the interactivity URL (the app's `SLACK_SIGNING_SECRET`). Default: random. */
  readonly signingSecret?: string;
  /** Where clicks are POSTed (the app's Request URL, e.g. `http://127.0.0.1:3000/slack/events`). */
  readonly interactivityUrl?: string;
  readonly team?: { readonly id: string; readonly domain: string; readonly name: string };
  readonly bot?: { readonly userId: string; readonly botId: string; readonly appId: string; readonly name: string };
  /** The clock (epoch ms) of message timestamps and request signatures. Default `Date.now`. */
  readonly now?: () => number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

type Answer = LoopbackAnswer;

interface ChannelState {
  readonly id: string;
  readonly name: string;
  readonly kind: 'channel' | 'im';
  /** The other person of a DM. */
  readonly user?: string;
  member: boolean;
  readonly created: number;
}

interface ResponseUrlState {
  readonly channel: string;
  readonly messageTs: string;
  readonly user: string;
}

/** Slack's own failure: HTTP 200, `ok: false`. */
class SlackApiError extends Error {
  readonly code: string;
  readonly extra: JsonObject;

  constructor(code: string, extra: JsonObject = {}) {
    super(code);
    this.code = code;
    this.extra = extra;
  }
}

// ---- arguments (zod at the boundary: form values are strings, JSON values are typed) ----

const flag = z.preprocess((value) => value === true || value === 'true' || value === '1' || value === 1, z.boolean());
const jsonField = (error: string) =>
  z.preprocess((value, context) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: error });
      return z.NEVER;
    }
  }, z.unknown());
const optionalString = z.preprocess((value) => (value === '' || value === null ? undefined : value), z.coerce.string().optional());
const blocksSchema = z.array(z.looseObject({ type: z.string(), block_id: z.string().max(255).optional() })).max(50);
const metadataSchema = z.object({ event_type: z.string().min(1), event_payload: z.record(z.string(), z.unknown()) });
const tsPattern = /^\d+(\.\d{1,6})?$/;

const postArgs = z.object({
  channel: optionalString,
  text: optionalString,
  blocks: jsonField('invalid_blocks').optional(),
  metadata: jsonField('invalid_metadata_format').optional(),
  thread_ts: optionalString,
});
const updateArgs = postArgs.extend({ ts: optionalString });
const historyArgs = z.object({
  channel: optionalString,
  limit: z.preprocess((value) => (value === undefined || value === '' ? 100 : Number(value)), z.number().int().min(0)),
  oldest: optionalString,
  latest: optionalString,
  inclusive: flag.optional(),
  cursor: optionalString,
  include_all_metadata: flag.optional(),
});
const openArgs = z.object({ users: optionalString, channel: optionalString, return_im: flag.optional() });
const lookupArgs = z.object({ email: optionalString });
const ephemeralArgs = postArgs.extend({ user: optionalString });
const viewOpenArgs = z.object({ trigger_id: optionalString, view: jsonField('invalid_arguments') });
const plainText = z.object({ type: z.literal('plain_text'), text: z.string().min(1).max(24) });
/** A modal as views.open takes it (docs.slack.dev/reference/views/modal-views): title, submit and close at most 24 characters. */
const modalSchema = z.looseObject({
  type: z.literal('modal'),
  title: plainText,
  blocks: z.array(z.unknown()).max(100),
  submit: plainText.optional(),
  close: plainText.optional(),
  private_metadata: z.string().max(3_000).optional(),
  callback_id: z.string().max(255).optional(),
});
const responseUrlBody = z.object({
  text: z.string().optional(),
  blocks: z.array(z.unknown()).optional(),
  replace_original: flag.optional(),
  delete_original: flag.optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  thread_ts: z.string().optional(),
});

/** A Slack workspace for tests and the sandbox; see the module comment for what it serves. */
export class SlackStandIn {
  /** Every message posted, in order (channels and DMs); `chat.update` changes them in place. */
  readonly messages: SlackStandInMessage[] = [];
  /** Web API methods called (the latest 10 000), in order. */
  readonly requests: string[] = [];
  /** The same calls with their arguments (token left out) and answer: `ok`, or Slack's error code, or the HTTP status of a fault. */
  readonly calls: Array<{ method: string; args: Record<string, unknown>; outcome: string }> = [];
  /** Ephemeral messages: posted through a click's `response_url`, or with `chat.postEphemeral`. */
  readonly ephemerals: SlackStandInEphemeral[] = [];
  /** Modals the app opened with `views.open`, in order. */
  readonly views: SlackStandInView[] = [];
  /** When each ephemeral message was posted (its Slack ts), for the snapshot. */
  private readonly ephemeralTs = new WeakMap<SlackStandInEphemeral, string>();
  /** Clicks sent with {@link click}, in order. */
  readonly clicks: SlackStandInClick[] = [];
  /** Signs what {@link click} sends; give the app the same secret. */
  readonly signingSecret: string;
  /** Where {@link click} POSTs; set it once the app listens. */
  interactivityUrl: string | null;

  private readonly token: string;
  private readonly now: () => number;
  private readonly team: { id: string; domain: string; name: string };
  private readonly bot: { userId: string; botId: string; appId: string; name: string };
  private readonly fixedChannels: boolean;
  private readonly channels = new Map<string, ChannelState>();
  private readonly users: SlackStandInUser[] | null;
  private readonly faults = new Faults<SlackStandInFault>();
  // A page's listener must not change what Slack answers; its failure stays visible.
  private readonly listeners = new ChangeListeners<SlackStandInEvent>((error) => process.emitWarning(`SlackStandIn change listener failed: ${messageOf(error)}`));
  private readonly responseUrls = new Map<string, ResponseUrlState>();
  /** trigger_id → who clicked and when (epoch ms); a trigger opens one view within 3 s. */
  private readonly triggers = new Map<string, { readonly user: string; readonly at: number }>();
  private nextView = 1;
  private refusal: { method: string; error: string } | null = null;
  private lastTsMicros = 0;
  private nextBlockId = 1;
  private nextDm = 1;
  private readonly http = new LoopbackServer((request, res) => this.handle(request, res));

  constructor(options: SlackStandInOptions) {
    this.token = options.token;
    this.now = options.now ?? Date.now;
    this.signingSecret = options.signingSecret ?? randomBytes(16).toString('hex');
    this.interactivityUrl = options.interactivityUrl ?? null;
    this.team = { ...(options.team ?? { id: 'T0SANDBOX1', domain: 'model-lifecycle-sandbox', name: 'Model Lifecycle Sandbox' }) };
    this.bot = { ...(options.bot ?? { userId: 'U0ROBOT0001', botId: 'B0ROBOT0001', appId: 'A0LIFECYCLE', name: 'model-lifecycle' }) };
    this.users = options.users ? [...options.users] : null;
    this.fixedChannels = options.channels !== undefined;
    for (const [id, name] of Object.entries(options.channels ?? {})) {
      this.channels.set(id, { id, name: name.replace(/^#/, ''), kind: 'channel', member: true, created: this.seconds() });
    }
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one); answers the Web API base URL, `http://127.0.0.1:PORT/api/`. */
  async start(port = 0): Promise<string> {
    await this.http.start(port);
    return this.apiUrl;
  }

  /** Closes the server and its connections. */
  async stop(): Promise<void> {
    await this.http.stop();
  }

  /** The Web API base URL (`slackApiUrl`), ending in `/api/`; valid after {@link start}. */
  get apiUrl(): string {
    return `${this.http.origin}/api/`;
  }

  /** Makes `method` (default chat.postMessage) answer `{ ok: false, error }` until `restore()` is called. */
  refuse(error: string, method = 'chat.postMessage'): { restore(): void } {
    this.refusal = { method, error };
    return { restore: () => (this.refusal = null) };
  }

  /**
   * The next call of a Web API method matching `match` (`'chat.postMessage'`, `/^conversations\./`)
   * gets `fault`: `'drop-answer'` does the work and destroys the socket before answering; a
   * status answers that (body default `{"ok":false,"error":"internal_error"}`) without doing it.
   */
  onNextRequest(match: string | RegExp, fault: SlackStandInFault): void {
    this.faults.add({ path: match }, fault);
  }

  /** The next call of `method` is rate limited: 429, `Retry-After: <seconds>`, Slack's `ratelimited` body. */
  rateLimit(method: string | RegExp, retryAfterSeconds = 1): void {
    this.onNextRequest(method, {
      status: 429,
      headers: { 'Retry-After': String(retryAfterSeconds) },
      body: JSON.stringify({ ok: false, error: 'ratelimited' }),
    });
  }

  /** Forgets the faults no request has met yet. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Removes the bot from a channel (as `/kick` or conversations.leave would): its calls there get `not_in_channel`. */
  leave(channel: string): void {
    this.setMember(channel, false);
  }

  /** Adds the bot to a channel (as `/invite @bot`), creating the channel when unknown. */
  join(channel: string, name?: string): void {
    this.setMember(channel, true, name);
  }

  /** A person posts `text` in a channel or DM (a message the bot did not post). */
  say(channel: string, userId: string, text: string): SlackStandInMessage {
    const target = this.channels.get(channel) ?? this.ensureChannel(channel);
    const message: SlackStandInMessage = { channel: target.id, ts: this.nextTs(), text, blocks: [], user: userId };
    this.messages.push(message);
    this.listeners.emit({ type: 'message.posted', channel: target.id, ts: message.ts });
    return message;
  }

  /** Subscribes to state changes; returns the unsubscribe. A listener's error is reported as a process warning. */
  onChange(listener: (event: SlackStandInEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The workspace as plain JSON: channels with their messages (oldest first), DMs, ephemerals, users, clicks. */
  snapshot(): SlackStandInSnapshot {
    const view = (message: SlackStandInMessage): SlackStandInSnapshotMessage => ({
      ts: message.ts,
      user: message.user,
      text: message.text,
      blocks: structuredClone(message.blocks),
      metadata: message.metadata ? structuredClone(message.metadata) : null,
      threadTs: message.thread_ts ?? null,
      edited: message.edited ? { ...message.edited } : null,
    });
    const of = (channel: string) => this.messages.filter((message) => message.channel === channel).map(view);
    const all = [...this.channels.values()];
    return {
      team: { ...this.team },
      bot: { ...this.bot },
      interactivityUrl: this.interactivityUrl,
      channels: all.filter((channel) => channel.kind === 'channel').map((channel) => ({ id: channel.id, name: channel.name, member: channel.member, messages: of(channel.id) })),
      dms: all
        .filter((channel) => channel.kind === 'im')
        .map((channel) => ({ id: channel.id, user: channel.user ?? '', userName: this.findUser(channel.user ?? '')?.name ?? null, messages: of(channel.id) })),
      ephemerals: this.ephemerals.map((ephemeral) => ({ ...structuredClone(ephemeral), ts: this.ephemeralTs.get(ephemeral) ?? '' })),
      views: this.views.map((view) => structuredClone(view)),
      users: (this.users ?? []).map((user) => ({ ...user })),
      clicks: this.clicks.map((click) => ({ ...click })),
    };
  }

  /**
   * A person (`userId`) clicks the button `actionId` of the message `messageTs`: POSTs Slack's
   * `block_actions` payload (docs.slack.dev/reference/interaction-payloads/block_actions-payload),
   * form-encoded as `payload=<JSON>`, to {@link interactivityUrl}, signed as Slack signs
   * requests (docs.slack.dev/authentication/verifying-requests-from-slack): `X-Slack-Signature:
   * v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret>` and
   * `X-Slack-Request-Timestamp: <epoch seconds>`. Throws when there is no such message or
   * button, or no interactivity URL; an unreachable URL is status 0.
   */
  async click(messageTs: string, actionId: string, userId: string): Promise<SlackStandInClickResult> {
    if (!this.interactivityUrl) throw new Error('no interactivity URL: set interactivityUrl to the app’s request URL first');
    const message = this.messages.find((candidate) => candidate.ts === messageTs);
    if (!message) throw new Error(`no message with ts ${messageTs}`);
    const found = findAction(message.blocks, actionId);
    if (!found) throw new Error(`message ${messageTs} has no button with action_id ${actionId}`);
    const channel = this.channels.get(message.channel);
    const user = this.findUser(userId);
    const timestamp = Math.floor(this.now() / 1000);
    const clickId = randomBytes(8).toString('hex');
    const actionTs = this.formatTs(this.now() * 1000);
    this.responseUrls.set(clickId, { channel: message.channel, messageTs, user: userId });
    this.triggers.set(`${timestamp}.${clickId}`, { user: userId, at: this.now() });

    const payload: BlockAction<ButtonAction> = {
      type: 'block_actions',
      user: { id: userId, username: user?.name ?? userId, name: user?.name ?? userId, team_id: this.team.id },
      api_app_id: this.bot.appId,
      token: 'verification-token-deprecated',
      container: { type: 'message', message_ts: messageTs, channel_id: message.channel, is_ephemeral: false },
      trigger_id: `${timestamp}.${clickId}`,
      team: { id: this.team.id, domain: this.team.domain },
      is_enterprise_install: false,
      channel: { id: message.channel, name: channel?.kind === 'im' ? 'directmessage' : (channel?.name ?? message.channel) },
      message: { ...this.messageJson(message, true), type: 'message', ts: message.ts },
      state: { values: {} },
      response_url: `${this.http.origin}/actions/${this.team.id}/${clickId}`,
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: found.blockId,
          text: found.element.text,
          ...(found.element.value === undefined ? {} : { value: found.element.value }),
          ...(found.element.style === undefined ? {} : { style: found.element.style }),
          action_ts: actionTs,
        } as ButtonAction,
      ],
    };
    const click: SlackStandInClick = {
      id: clickId,
      channel: message.channel,
      messageTs,
      actionId,
      value: found.element.value,
      userId,
      timestamp,
      status: 0,
    };
    this.clicks.push(click);
    const result = await this.deliver(payload);
    click.status = result.status;
    this.listeners.emit({ type: 'click', click: { ...click } });
    return result;
  }

  /** The ephemeral messages `userId` was shown, oldest first. */
  ephemeralsFor(userId: string): SlackStandInEphemeral[] {
    return this.ephemerals.filter((ephemeral) => ephemeral.user === userId);
  }

  /**
   * The person the modal `viewId` was opened for fills it in and presses its submit button:
   * POSTs Slack's `view_submission` payload (docs.slack.dev/reference/interaction-payloads/view-interactions-payload)
   * to {@link interactivityUrl}, signed as {@link click} is. `values` are the typed texts by
   * `block_id` and `action_id` of the view's `plain_text_input` elements; they become
   * `view.state.values` (`{ type: 'plain_text_input', value }`). The view is marked `submitted`
   * when the app answers 200 with an empty body (the modal closes), and stays open when it
   * answers `response_action: errors`. Throws when there is no such open view.
   */
  async submitView(viewId: string, values: Readonly<Record<string, Readonly<Record<string, string>>>>): Promise<SlackStandInSubmitResult> {
    const view = this.views.find((candidate) => candidate.id === viewId);
    if (!view || view.state !== 'open') throw new Error(`no open view ${viewId}`);
    const user = this.findUser(view.user);
    const stateValues: ViewSubmitAction['view']['state']['values'] = {};
    for (const [blockId, actions] of Object.entries(values)) {
      stateValues[blockId] = Object.fromEntries(Object.entries(actions).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }]));
    }
    const trigger = `${Math.floor(this.now() / 1000)}.${randomBytes(8).toString('hex')}`;
    const payload: ViewSubmitAction = {
      type: 'view_submission',
      team: { id: this.team.id, domain: this.team.domain },
      user: { id: view.user, name: user?.name ?? view.user, team_id: this.team.id },
      api_app_id: this.bot.appId,
      token: 'verification-token-deprecated',
      trigger_id: trigger,
      view: {
        id: view.id,
        team_id: this.team.id,
        type: 'modal',
        blocks: structuredClone(view.blocks) as ViewSubmitAction['view']['blocks'],
        private_metadata: view.privateMetadata,
        callback_id: view.callbackId,
        state: { values: stateValues },
        hash: view.hash,
        title: { type: 'plain_text', text: view.title, emoji: true },
        clear_on_close: false,
        notify_on_close: false,
        close: null,
        submit: null,
        previous_view_id: null,
        root_view_id: view.id,
        app_id: this.bot.appId,
        external_id: '',
        app_installed_team_id: this.team.id,
        bot_id: this.bot.botId,
      },
      response_urls: [],
      is_enterprise_install: false,
    };
    const result = await this.deliver(payload);
    if (result.status === 200 && !/"response_action"/.test(result.body)) view.state = 'submitted';
    return result;
  }

  /**
   * The person the modal `viewId` was opened for presses its close button ("Cancel"): the view
   * is `closed`. Nothing is sent to the app: the stand-in does not serve `notify_on_close`
   * (`view_closed` payloads). Throws when there is no such open view.
   */
  closeView(viewId: string): void {
    const view = this.views.find((candidate) => candidate.id === viewId);
    if (!view || view.state !== 'open') throw new Error(`no open view ${viewId}`);
    view.state = 'closed';
  }

  /**
   * Sends an earlier delivery again as Slack retries one: the same payload, a fresh timestamp
   * and signature, `X-Slack-Retry-Num: <retryNum>` and `X-Slack-Retry-Reason: <reason>`
   * (docs.slack.dev/apis/events-api, "Retries").
   */
  async redeliver<Payload>(earlier: SlackStandInDelivery<Payload>, retryNum = 1, reason: 'http_timeout' | 'http_error' | 'too_many_redirects' | 'connection_failed' | 'unknown_error' = 'http_timeout'): Promise<SlackStandInDelivery<Payload>> {
    return this.deliver(earlier.payload, { 'X-Slack-Retry-Num': String(retryNum), 'X-Slack-Retry-Reason': reason });
  }

  /** POSTs an interaction payload to the interactivity URL, form-encoded and signed now. */
  private async deliver<Payload>(payload: Payload, extraHeaders: Readonly<Record<string, string>> = {}): Promise<SlackStandInDelivery<Payload>> {
    const url = this.interactivityUrl;
    if (!url) throw new Error('no interactivity URL: set interactivityUrl to the app’s request URL first');
    const timestamp = Math.floor(this.now() / 1000);
    const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const headers = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': signSlackRequest(this.signingSecret, timestamp, rawBody),
      ...extraHeaders,
    };
    let status = 0;
    let body: string;
    try {
      const response = await fetch(url, { method: 'POST', headers, body: rawBody, redirect: 'manual' });
      status = response.status;
      body = await response.text();
    } catch (error) {
      body = error instanceof Error ? error.message : String(error);
    }
    return { status, body, payload, rawBody, headers };
  }

  // ---- HTTP ----

  private async handle({ req, method, url, body: raw }: LoopbackRequest, res: ServerResponse): Promise<void> {
    const responseUrl = /^\/actions\/[^/]+\/([0-9a-f]+)$/.exec(url.pathname);
    if (responseUrl && method === 'POST') {
      writeAnswer(res, this.respondToClick(responseUrl[1] ?? '', raw));
      return;
    }
    const apiMethod = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname)?.[1];
    if (!apiMethod || (method !== 'POST' && method !== 'GET')) {
      writeAnswer(res, { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'Not Found' });
      return;
    }

    appendCapped(this.requests, apiMethod);
    const call = { method: apiMethod, args: {} as Record<string, unknown>, outcome: '' };
    appendCapped(this.calls, call);
    await serveUnderFault(
      res,
      this.faults.take(method, apiMethod),
      {
        faultAnswer: (fault) => {
          call.outcome = String(fault.status);
          return {
            status: fault.status,
            headers: { 'Content-Type': 'application/json; charset=utf-8', ...fault.headers },
            body: fault.body ?? JSON.stringify({ ok: false, error: 'internal_error' }),
          };
        },
        work: () => {
          const { args, bodyToken, json } = parseArguments(req.headers['content-type'], raw, url.searchParams);
          const { token: _token, ...shown } = args;
          call.args = shown;
          this.authenticate(req.headers.authorization, json ? undefined : bodyToken);
          const result = this.route(apiMethod, args);
          call.outcome = 'ok';
          return slackJson(200, { ok: true, ...result });
        },
        failed: (error) => {
          if (!(error instanceof SlackApiError)) {
            call.outcome = 'internal_error';
            return slackJson(500, { ok: false, error: 'internal_error' });
          }
          call.outcome = error.code;
          return slackJson(error.code === 'unknown_method' ? 404 : 200, { ok: false, error: error.code, ...error.extra });
        },
      },
      writeAnswer,
    );
  }

  private authenticate(authorization: string | undefined, bodyToken: string | undefined): void {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const token = bearer ?? bodyToken;
    if (token === undefined || token === '') throw new SlackApiError('not_authed');
    if (token !== this.token) throw new SlackApiError('invalid_auth');
  }

  private route(method: string, args: Record<string, unknown>): JsonObject {
    if (this.refusal?.method === method) throw new SlackApiError(this.refusal.error);
    switch (method) {
      case 'auth.test':
        return {
          url: `https://${this.team.domain}.slack.com/`,
          team: this.team.name,
          user: this.bot.name,
          team_id: this.team.id,
          user_id: this.bot.userId,
          bot_id: this.bot.botId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage':
        return this.postMessage(parse(postArgs, args));
      case 'chat.update':
        return this.updateMessage(parse(updateArgs, args));
      case 'conversations.history':
        return this.history(parse(historyArgs, args));
      case 'conversations.open':
        return this.open(parse(openArgs, args));
      case 'chat.postEphemeral':
        return this.postEphemeral(parse(ephemeralArgs, args));
      case 'views.open':
        return this.openView(parse(viewOpenArgs, args));
      case 'users.lookupByEmail': {
        const { email } = parse(lookupArgs, args);
        if (!email) throw new SlackApiError('invalid_arguments');
        const user = this.users?.find((candidate) => candidate.email?.toLowerCase() === email.toLowerCase());
        if (!user) throw new SlackApiError('users_not_found');
        return { user: this.userJson(user) };
      }
      default:
        throw new SlackApiError('unknown_method', { req_method: method });
    }
  }

  private postMessage(args: z.infer<typeof postArgs>): JsonObject {
    const channel = this.writableChannel(args.channel);
    const blocks = this.blocksOf(args.blocks);
    const metadata = metadataOf(args.metadata);
    if (!args.text && (!blocks || blocks.length === 0)) throw new SlackApiError('no_text');
    const message: SlackStandInMessage = {
      channel: channel.id,
      ts: this.nextTs(),
      text: args.text ?? '',
      blocks: blocks ?? [],
      user: this.bot.userId,
      ...(metadata ? { metadata } : {}),
      ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
    };
    this.messages.push(message);
    this.listeners.emit({ type: 'message.posted', channel: channel.id, ts: message.ts });
    return { channel: channel.id, ts: message.ts, message: this.messageJson(message, true) };
  }

  private postEphemeral(args: z.infer<typeof ephemeralArgs>): JsonObject {
    const channel = this.writableChannel(args.channel);
    if (!args.user || !this.isUser(args.user)) throw new SlackApiError('user_not_found');
    const blocks = this.blocksOf(args.blocks);
    if (!args.text && (!blocks || blocks.length === 0)) throw new SlackApiError('no_text');
    const ts = this.nextTs();
    this.pushEphemeral({ channel: channel.id, user: args.user, text: args.text ?? '', blocks: blocks ?? [] }, ts);
    this.listeners.emit({ type: 'ephemeral.posted', channel: channel.id, user: args.user });
    return { message_ts: ts };
  }

  /** views.open (docs.slack.dev/reference/methods/views.open): a modal for the person whose click gave the trigger. */
  private openView(args: z.infer<typeof viewOpenArgs>): JsonObject {
    const trigger = args.trigger_id === undefined ? undefined : this.triggers.get(args.trigger_id);
    if (!trigger) throw new SlackApiError('invalid_trigger_id');
    this.triggers.delete(args.trigger_id ?? '');
    if (this.now() - trigger.at > 3_000) throw new SlackApiError('expired_trigger_id');
    const parsed = modalSchema.safeParse(args.view);
    if (!parsed.success) throw new SlackApiError('invalid_arguments');
    const modal = parsed.data;
    const blocks = this.blocksOf(modal.blocks) ?? [];
    const view: SlackStandInView = {
      id: `V0${String(this.nextView++).padStart(8, '0')}`,
      hash: `${Math.floor(this.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      user: trigger.user,
      callbackId: modal.callback_id ?? '',
      privateMetadata: modal.private_metadata ?? '',
      title: modal.title.text,
      ...(modal.submit ? { submit: modal.submit.text } : {}),
      ...(modal.close ? { close: modal.close.text } : {}),
      blocks,
      state: 'open',
    };
    this.views.push(view);
    this.listeners.emit({ type: 'view.opened', view: view.id, user: view.user });
    return {
      view: {
        id: view.id,
        team_id: this.team.id,
        type: 'modal',
        title: { type: 'plain_text', text: view.title, emoji: true },
        blocks: structuredClone(blocks) as Json[],
        private_metadata: view.privateMetadata,
        callback_id: view.callbackId,
        state: { values: {} },
        hash: view.hash,
        clear_on_close: false,
        notify_on_close: false,
        root_view_id: view.id,
        previous_view_id: null,
        app_id: this.bot.appId,
        external_id: '',
        bot_id: this.bot.botId,
      },
    };
  }

  private updateMessage(args: z.infer<typeof updateArgs>): JsonObject {
    const channel = this.writableChannel(args.channel);
    if (!args.ts || !tsPattern.test(args.ts)) throw new SlackApiError('message_not_found');
    const message = this.messages.find((candidate) => candidate.channel === channel.id && candidate.ts === args.ts);
    if (!message) throw new SlackApiError('message_not_found');
    if (message.user !== this.bot.userId) throw new SlackApiError('cant_update_message');
    const blocks = this.blocksOf(args.blocks);
    const metadata = metadataOf(args.metadata);
    if (args.text === undefined && blocks === undefined && metadata === undefined) throw new SlackApiError('no_text');
    if (args.text !== undefined) message.text = args.text;
    if (blocks !== undefined) message.blocks = blocks;
    if (metadata !== undefined) message.metadata = metadata;
    message.edited = { user: this.bot.userId, ts: this.nextTs() };
    this.listeners.emit({ type: 'message.updated', channel: channel.id, ts: message.ts });
    const json = this.messageJson(message, true);
    return { channel: channel.id, ts: message.ts, text: message.text, message: json };
  }

  private history(args: z.infer<typeof historyArgs>): JsonObject {
    const channel = this.readableChannel(args.channel);
    // Slack caps a page at 999 messages, and treats 0 as its default.
    const limit = Math.min(args.limit === 0 ? 100 : args.limit, 999);
    const oldest = args.oldest === undefined ? 0 : micros(args.oldest);
    const latest = args.latest === undefined ? Number.POSITIVE_INFINITY : micros(args.latest);
    if (Number.isNaN(oldest) || Number.isNaN(latest)) throw new SlackApiError('invalid_ts_oldest');
    const inclusive = args.inclusive ?? false;
    let from = Number.POSITIVE_INFINITY;
    if (args.cursor !== undefined) {
      const decoded = /^next_ts:(\d+)$/.exec(Buffer.from(args.cursor, 'base64').toString('utf8'))?.[1];
      if (decoded === undefined) throw new SlackApiError('invalid_cursor');
      from = Number(decoded);
    }
    const inRange = this.messages
      .filter((message) => message.channel === channel.id && !message.thread_ts)
      .filter((message) => {
        const at = micros(message.ts);
        return (inclusive ? at >= oldest : at > oldest) && (inclusive ? at <= latest : at < latest) && at <= from;
      })
      .toReversed();
    const page = inRange.slice(0, limit);
    const next = inRange[limit];
    return {
      messages: page.map((message) => this.messageJson(message, args.include_all_metadata ?? false)),
      has_more: next !== undefined,
      pin_count: 0,
      ...(next ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${next.ts.replace('.', '')}`).toString('base64') } } : {}),
    };
  }

  private open(args: z.infer<typeof openArgs>): JsonObject {
    let dm: ChannelState | undefined;
    let existed = true;
    if (args.channel !== undefined) {
      dm = this.channels.get(args.channel);
      if (!dm || dm.kind !== 'im') throw new SlackApiError('channel_not_found');
    } else {
      const users = (args.users ?? '').split(',').map((user) => user.trim()).filter((user) => user !== '');
      if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
      if (users.length > 1) throw new SlackApiError('method_not_supported_for_channel_type');
      const user = users[0] ?? '';
      if (!this.isUser(user)) throw new SlackApiError('user_not_found');
      dm = [...this.channels.values()].find((candidate) => candidate.kind === 'im' && candidate.user === user);
      if (!dm) {
        existed = false;
        dm = this.openDm(user);
      }
    }
    const channel: JsonObject = args.return_im
      ? { id: dm.id, created: dm.created, is_im: true, is_org_shared: false, user: dm.user ?? '', is_user_deleted: false, priority: 0 }
      : { id: dm.id };
    return existed ? { no_op: true, already_open: true, channel } : { channel };
  }

  private respondToClick(clickId: string, raw: string): Answer {
    const target = this.responseUrls.get(clickId);
    if (!target) return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'no_such_response_url' };
    let body: z.infer<typeof responseUrlBody>;
    try {
      body = responseUrlBody.parse(JSON.parse(raw));
    } catch {
      return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: 'invalid_payload' };
    }
    const original = this.messages.find((message) => message.channel === target.channel && message.ts === target.messageTs);
    if (body.delete_original) {
      if (original) {
        this.messages.splice(this.messages.indexOf(original), 1);
        this.listeners.emit({ type: 'message.deleted', channel: target.channel, ts: target.messageTs });
      }
    } else if (body.replace_original) {
      if (!original) return slackJson(404, { ok: false, error: 'message_not_found' });
      if (body.text !== undefined) original.text = body.text;
      if (body.blocks !== undefined) original.blocks = this.blocksOf(body.blocks) ?? [];
      original.edited = { user: this.bot.userId, ts: this.nextTs() };
      this.listeners.emit({ type: 'message.updated', channel: target.channel, ts: target.messageTs });
    } else if (body.response_type === 'in_channel') {
      const message: SlackStandInMessage = {
        channel: target.channel,
        ts: this.nextTs(),
        text: body.text ?? '',
        blocks: this.blocksOf(body.blocks) ?? [],
        user: this.bot.userId,
        ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}),
      };
      this.messages.push(message);
      this.listeners.emit({ type: 'message.posted', channel: target.channel, ts: message.ts });
    } else {
      this.pushEphemeral({ channel: target.channel, user: target.user, text: body.text ?? '', blocks: body.blocks ?? [] }, this.nextTs());
      this.listeners.emit({ type: 'ephemeral.posted', channel: target.channel, user: target.user });
    }
    return slackJson(200, { ok: true });
  }

  private pushEphemeral(ephemeral: SlackStandInEphemeral, ts: string): void {
    this.ephemerals.push(ephemeral);
    this.ephemeralTs.set(ephemeral, ts);
  }

  // ---- state ----

  /** A channel the bot may post in: by id, `#name`/name, DM id, or a user id (its DM, opened on the way). */
  private writableChannel(ref: string | undefined): ChannelState {
    if (ref === undefined) throw new SlackApiError('channel_not_found');
    if (/^[UW][A-Z0-9]+$/.test(ref)) {
      if (!this.isUser(ref)) throw new SlackApiError('channel_not_found');
      return [...this.channels.values()].find((candidate) => candidate.kind === 'im' && candidate.user === ref) ?? this.openDm(ref);
    }
    const byName = ref.startsWith('#') || !/^[CGD][A-Z0-9]+$/.test(ref);
    const channel = byName ? [...this.channels.values()].find((candidate) => candidate.kind === 'channel' && candidate.name === ref.replace(/^#/, '')) : this.channels.get(ref);
    const found = channel ?? (byName ? undefined : this.autoChannel(ref));
    if (!found) throw new SlackApiError('channel_not_found');
    if (!found.member) throw new SlackApiError('not_in_channel');
    return found;
  }

  private readableChannel(ref: string | undefined): ChannelState {
    if (ref === undefined) throw new SlackApiError('channel_not_found');
    const channel = this.channels.get(ref) ?? this.autoChannel(ref);
    if (!channel) throw new SlackApiError('channel_not_found');
    if (!channel.member) throw new SlackApiError('not_in_channel');
    return channel;
  }

  /** Without a fixed channel list, a channel id comes into being when first used. */
  private autoChannel(id: string): ChannelState | undefined {
    if (this.fixedChannels || !/^[CG][A-Z0-9]+$/.test(id)) return undefined;
    return this.ensureChannel(id);
  }

  private ensureChannel(id: string, name?: string): ChannelState {
    const existing = this.channels.get(id);
    if (existing) return existing;
    const channel: ChannelState = { id, name: name ?? id.toLowerCase(), kind: 'channel', member: true, created: this.seconds() };
    this.channels.set(id, channel);
    return channel;
  }

  private setMember(id: string, member: boolean, name?: string): void {
    const channel = this.ensureChannel(id, name);
    if (channel.member === member) return;
    channel.member = member;
    this.listeners.emit({ type: 'membership.changed', channel: id, member });
  }

  private openDm(user: string): ChannelState {
    const id = `D0${String(this.nextDm++).padStart(8, '0')}`;
    const dm: ChannelState = { id, name: user, kind: 'im', user, member: true, created: this.seconds() };
    this.channels.set(id, dm);
    this.listeners.emit({ type: 'dm.opened', channel: id, user });
    return dm;
  }

  private isUser(id: string): boolean {
    if (this.users) return this.users.some((user) => user.id === id);
    return /^[UW][A-Z0-9]+$/.test(id);
  }

  private findUser(id: string): SlackStandInUser | undefined {
    return this.users?.find((user) => user.id === id);
  }

  private blocksOf(value: unknown): unknown[] | undefined {
    if (value === undefined) return undefined;
    const parsed = blocksSchema.safeParse(value);
    if (!parsed.success) throw new SlackApiError('invalid_blocks');
    // Slack gives every block without one a block_id (Block Kit reference, "block_id").
    return parsed.data.map((block) => ({ ...block, block_id: block.block_id ?? `b${String(this.nextBlockId++).padStart(4, '0')}` }));
  }

  private nextTs(): string {
    // Slack's ts: epoch seconds with six decimals, unique and increasing within a channel.
    this.lastTsMicros = Math.max(Math.floor(this.now() * 1000), this.lastTsMicros + 1);
    return this.formatTs(this.lastTsMicros);
  }

  private formatTs(microsValue: number): string {
    const whole = Math.floor(microsValue);
    return `${Math.floor(whole / 1_000_000)}.${String(whole % 1_000_000).padStart(6, '0')}`;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** A message as conversations.history lists it (test/fixtures/slack/conversations-history*.json). */
  private messageJson(message: SlackStandInMessage, withMetadata: boolean): JsonObject {
    const fromBot = message.user === this.bot.userId;
    return {
      type: 'message',
      ...(fromBot ? { subtype: 'bot_message', bot_id: this.bot.botId, app_id: this.bot.appId } : { user: message.user }),
      text: message.text,
      ts: message.ts,
      ...(message.blocks.length > 0 ? { blocks: structuredClone(message.blocks) as Json[] } : {}),
      ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      ...(message.edited ? { edited: { ...message.edited } } : {}),
      ...(withMetadata && message.metadata ? { metadata: (structuredClone(message.metadata) as unknown as JsonObject) } : {}),
    };
  }

  /** users.lookupByEmail's `user` (docs.slack.dev/reference/methods/users.lookupByEmail). */
  private userJson(user: SlackStandInUser): JsonObject {
    const realName = user.realName ?? user.name;
    return {
      id: user.id,
      team_id: this.team.id,
      name: user.name,
      deleted: false,
      real_name: realName,
      tz: 'Europe/London',
      tz_label: 'Greenwich Mean Time',
      tz_offset: 0,
      profile: {
        real_name: realName,
        display_name: user.name,
        real_name_normalized: realName,
        display_name_normalized: user.name,
        ...(user.email ? { email: user.email } : {}),
        team: this.team.id,
      },
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: false,
      is_app_user: false,
      updated: this.seconds(),
    };
  }
}

/**
 * Slack's request signature (docs.slack.dev/authentication/verifying-requests-from-slack):
 * `v0=` and the hex HMAC-SHA256, keyed with the signing secret, of `v0:<timestamp>:<body>`.
 */
export function signSlackRequest(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The Web API takes arguments form-encoded, as JSON (token in the header), or in the query. */
function parseArguments(contentType: string | undefined, raw: string, query: URLSearchParams): { args: Record<string, unknown>; bodyToken: string | undefined; json: boolean } {
  const fromQuery = Object.fromEntries(query);
  if (contentType?.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SlackApiError('invalid_json');
    const args = { ...fromQuery, ...(parsed as Record<string, unknown>) };
    return { args, bodyToken: typeof fromQuery['token'] === 'string' ? fromQuery['token'] : undefined, json: true };
  }
  const args: Record<string, unknown> = { ...fromQuery, ...Object.fromEntries(new URLSearchParams(raw)) };
  return { args, bodyToken: typeof args['token'] === 'string' ? args['token'] : undefined, json: false };
}

/** Arguments through their schema; a field's own error code (`invalid_blocks`) wins over `invalid_arguments`. */
function parse<T>(schema: z.ZodType<T>, args: Record<string, unknown>): T {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const coded = result.error.issues.find((issue) => /^[a-z_]+$/.test(issue.message))?.message;
  throw new SlackApiError(coded ?? 'invalid_arguments');
}

function metadataOf(value: unknown): SlackStandInMetadata | undefined {
  if (value === undefined) return undefined;
  const parsed = metadataSchema.safeParse(value);
  if (!parsed.success) throw new SlackApiError('invalid_metadata_format');
  return { event_type: parsed.data.event_type, event_payload: { ...parsed.data.event_payload } };
}

/** A ts (`1512085950.000216`, or whole seconds) as integer microseconds; NaN when it is not one. */
function micros(ts: string): number {
  if (!tsPattern.test(ts)) return Number.NaN;
  const [seconds = '0', fraction = ''] = ts.split('.');
  return Number(seconds) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

interface FoundAction {
  readonly blockId: string;
  readonly element: { text: ButtonAction['text']; value?: string; style?: string };
}

/** The button `actionId` among the message's `actions` blocks and section accessories. */
function findAction(blocks: readonly unknown[], actionId: string): FoundAction | undefined {
  const element = z.looseObject({
    type: z.literal('button'),
    action_id: z.string(),
    text: z.object({ type: z.literal('plain_text'), text: z.string(), emoji: z.boolean().optional() }),
    value: z.string().optional(),
    style: z.string().optional(),
  });
  for (const block of blocks) {
    const shaped = z.looseObject({ block_id: z.string(), elements: z.array(z.unknown()).optional(), accessory: z.unknown().optional() }).safeParse(block);
    if (!shaped.success) continue;
    const candidates = [...(shaped.data.elements ?? []), shaped.data.accessory];
    for (const candidate of candidates) {
      const button = element.safeParse(candidate);
      if (button.success && button.data.action_id === actionId) {
        const { text, value, style } = button.data;
        return { blockId: shaped.data.block_id, element: { text, ...(value === undefined ? {} : { value }), ...(style === undefined ? {} : { style }) } };
      }
    }
  }
  return undefined;
}

function slackJson(status: number, body: JsonObject): Answer {
  return jsonAnswer(status, body, 'application/json; charset=utf-8');
}
