import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { HTTPModuleFunctions, HTTPResponseAck, SocketModeReceiver } from '@slack/bolt';
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import { requestLog } from './request-log.ts';
import { verifySlackEvent, type SlackRequestAuth } from './slack-verify.ts';
import { SeenSignatures } from './verify-jenkins.ts';

/** Every value of the `result` label of `lifecycle_webhooks_total{source="slack"}`. */
export type SlackEventsResult = 'acknowledged' | 'unauthorized' | 'invalid' | 'unavailable' | 'error';

export interface SlackEventsReceiverOptions {
  /** `SLACK_SIGNING_SECRET`. Without it every request is refused (401). */
  readonly signingSecret: string | undefined;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, 'webhooks'>;
  /** The receiver's clock, epoch milliseconds; tests move it. Default `Date.now`. */
  readonly now?: () => number;
  /** How long a listener may take to call `ack()` before Slack's 3 s are up. Default 2 500 ms. */
  readonly ackTimeoutMs?: number;
}

/**
 * Bolt's receiver for `POST /slack/events` on the service's own express app (no second port):
 * Slack's interactivity (button clicks, form submissions) and Events API requests.
 *
 * - **Verify:** Slack's v0 signature with Bolt's `verifySlackRequest` under the injected
 *   clock, 5 minutes either way, a signature accepted once ({@link verifySlackEvent}); anything
 *   else is 401 and nothing happens. The same signed request marked as Slack's retry
 *   (`X-Slack-Retry-Num`) is answered 200 and nothing happens either: it was handled.
 * - **Acknowledge, then work:** each request becomes a Bolt `ReceiverEvent` whose `ack` is Bolt's
 *   {@link HTTPResponseAck}: the HTTP answer goes out the moment a listener calls `ack()`, and the
 *   listener carries on (correlation, replies) after it. A listener that has not acknowledged in
 *   `ackTimeoutMs` gets Bolt's unhandled-request answer.
 * - `X-Slack-Retry-Num` / `X-Slack-Retry-Reason` reach the listeners as `context.retryNum` /
 *   `retryReason`.
 * - `url_verification` is answered with its challenge; `ssl_check` with 200.
 *
 * Express 5's `ExpressReceiver` would mount its own router and body parser and verify with the
 * wall clock; this one is mounted like the other webhooks (`express.raw` in src/http/app.ts) and
 * takes the clock the tests move.
 */
export class SlackEventsReceiver implements Receiver {
  private bolt: App | undefined;
  private initializing: Promise<void> | undefined;
  private readonly auth: SlackRequestAuth;
  private readonly log: Logger;
  private readonly metrics: Pick<Metrics, 'webhooks'>;
  private readonly boltLog: SlackLogger;
  private readonly ackTimeoutMs: number;

  constructor(options: SlackEventsReceiverOptions) {
    this.auth = { signingSecret: options.signingSecret, seen: new SeenSignatures(), ...(options.now ? { now: options.now } : {}) };
    this.log = options.log.child({ source: 'slack' });
    this.metrics = options.metrics;
    this.boltLog = boltLogger(this.log);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 2_500;
  }

  init(bolt: App): void {
    this.bolt = bolt;
  }

  /** Nothing to start: the route lives on the service's HTTP server. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** The express handler of `POST /slack/events`; expects the raw body (`express.raw`). */
  readonly handler: RequestHandler = async (req: Request, res: Response) => {
    const log = requestLog(res).child({ source: 'slack' });
    const count = (result: SlackEventsResult) => this.metrics.webhooks.inc({ source: 'slack', result });
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';

    const auth = verifySlackEvent(this.auth, {
      rawBody,
      timestamp: req.get('x-slack-request-timestamp'),
      signature: req.get('x-slack-signature'),
    });
    if (!auth.ok && auth.reason === 'replayed' && req.get('x-slack-retry-num') !== undefined) {
      // Slack sending a delivery again that was handled already: acknowledged, nothing done.
      count('acknowledged');
      log.info({ retryNum: req.get('x-slack-retry-num'), retryReason: req.get('x-slack-retry-reason') }, 'slack retried a delivery that was handled already; nothing done');
      res.status(200).end();
      return;
    }
    if (!auth.ok) {
      count('unauthorized');
      log.warn({ reason: auth.reason }, 'slack request refused: not authenticated');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }

    const body = parseBody(rawBody, req.get('content-type'));
    if (body === undefined) {
      auth.release();
      count('invalid');
      log.warn('slack request rejected: the body is neither a form with a JSON payload nor JSON');
      res.status(400).json({ error: 'invalid_payload' });
      return;
    }
    if (body['ssl_check'] !== undefined) {
      res.status(200).end();
      return;
    }
    if (body['type'] === 'url_verification') {
      res.json({ challenge: body['challenge'] });
      return;
    }

    const bolt = this.bolt;
    try {
      if (!bolt) throw new Error('no Bolt app uses this receiver');
      await this.ready(bolt);
    } catch (error) {
      auth.release();
      count('unavailable');
      log.warn({ err: error }, 'slack request not handled: the Slack app could not initialise (auth.test); Slack shows the person an error and they can click again');
      res.status(503).json({ error: 'unavailable' });
      return;
    }

    const ack = new HTTPResponseAck({
      logger: this.boltLog,
      processBeforeResponse: false,
      unhandledRequestTimeoutMillis: this.ackTimeoutMs,
      httpRequest: req,
      httpRequestBody: body,
      httpResponse: res,
    });
    const retryNum = HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req);
    const retryReason = HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req);
    const event: ReceiverEvent = {
      body,
      ack: ack.bind(),
      ...(retryNum === undefined ? {} : { retryNum }),
      ...(retryReason === undefined ? {} : { retryReason }),
      customProperties: {},
    };
    try {
      await bolt.processEvent(event);
      count('acknowledged');
      if (ack.storedResponse !== undefined) HTTPModuleFunctions.buildContentResponse(res, ack.storedResponse);
    } catch (error) {
      count('error');
      log.error({ err: error, payloadType: body['type'] }, 'slack listener failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal_error' });
    }
  };

  /** `App#init` once (it checks the token with `auth.test`); a failed try is tried again on the next request. */
  private ready(bolt: App): Promise<void> {
    this.initializing ??= bolt.init().catch((error: unknown) => {
      this.initializing = undefined;
      throw error;
    });
    return this.initializing;
  }
}

/** How Slack's interactivity reaches the service, as configured. */
export type SlackInteractivity =
  | {
      readonly mode: 'http';
      readonly receiver: SlackEventsReceiver;
      /** Mount at `POST /slack/events` (AppDeps.slackEvents). */
      readonly eventsHandler: RequestHandler;
    }
  | { readonly mode: 'socket'; readonly receiver: SocketModeReceiver };

/**
 * The receiver for the Slack app: Bolt's `SocketModeReceiver` with `SLACK_SOCKET_MODE=true` and
 * the app-level token (an outbound WebSocket; no public URL needed; start it with `App#start`),
 * else {@link SlackEventsReceiver} on `POST /slack/events`.
 */
export function createSlackInteractivity(options: {
  readonly socketMode: boolean;
  readonly appToken?: string | undefined;
  readonly signingSecret?: string | undefined;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, 'webhooks'>;
  readonly now?: () => number;
}): SlackInteractivity {
  if (options.socketMode) {
    if (!options.appToken) throw new Error('SLACK_SOCKET_MODE=true needs SLACK_APP_TOKEN; the config loader should have said so');
    return { mode: 'socket', receiver: new SocketModeReceiver({ appToken: options.appToken, logger: boltLogger(options.log.child({ source: 'slack' })) }) };
  }
  const receiver = new SlackEventsReceiver({
    signingSecret: options.signingSecret,
    log: options.log,
    metrics: options.metrics,
    ...(options.now ? { now: options.now } : {}),
  });
  return { mode: 'http', receiver, eventsHandler: receiver.handler };
}

/** Interactivity comes as a form with a `payload` of JSON; Events API requests as JSON. */
function parseBody(rawBody: string, contentType: string | undefined): Record<string, unknown> | undefined {
  try {
    if (contentType?.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(rawBody);
      const payload = form.get('payload');
      if (payload !== null) return asObject(JSON.parse(payload));
      if (form.has('ssl_check')) return Object.fromEntries(form);
      return undefined;
    }
    return asObject(JSON.parse(rawBody));
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Bolt's logger interface over pino; Bolt's info is debug here, its errors stay errors. */
export function boltLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const text = (parts: unknown[]): string => parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => log.debug(text(parts)),
    info: (...parts: unknown[]) => log.debug(text(parts)),
    warn: (...parts: unknown[]) => log.warn(text(parts)),
    error: (...parts: unknown[]) => log.error(text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
