import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { EngineClient } from '../engine/camunda7/rest.ts';
import type { CorrelationRetry } from '../lifecycle/correlate.ts';
import { KeyedMutex } from '../lifecycle/keyed-mutex.ts';
import type { Metrics } from '../observability/metrics.ts';
import { DeliveryStore } from './delivery-store.ts';
import { createGitHubWebhookHandler, type GitHubReply } from './github-webhook.ts';
import { createJenkinsWebhookHandler } from './jenkins-webhook.ts';
import { createJiraWebhookHandler, type JiraReply } from './jira-webhook.ts';
import { requestLog, requestLogging } from './request-log.ts';
import { createGitHubVerifier } from './verify-github.ts';
import { SeenSignatures } from './verify-jenkins.ts';

/** Everything the HTTP ingress needs, wired once in `src/main.ts`. */
export interface AppDeps {
  /** The Camunda 7 REST client. Its `timeoutMs` bounds how long a webhook waits on the engine; keep it well under Jira's delivery timeout (10 s). */
  readonly engine: Pick<EngineClient, 'version' | 'startProcess' | 'processInstances' | 'historicProcessInstances' | 'correlate' | 'correlateAll'>;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly jira: {
    /** `policy.jira.project`, e.g. "MLM". */
    readonly project: string;
    /** `policy.jira.issue_type`, e.g. "Model". */
    readonly issueType: string;
    /** `policy.jira.statuses`: role → status name; a move to one of these correlates `jira-status:<role>`. */
    readonly statusRoles: Readonly<Record<string, string>>;
    /** The webhook's secret: deliveries must carry `X-Hub-Signature: sha256=<HMAC of the body>`. */
    readonly webhookSecret?: string | undefined;
    /** Shared token for senders that cannot sign: `Authorization: Bearer <token>` or `?token=<token>`. */
    readonly webhookToken?: string | undefined;
  };
  /** The end-of-build callback of the Jenkins jobs. Without a secret `POST /webhooks/jenkins` refuses everything (401). */
  readonly jenkins?: {
    /** Shared secret the jobs sign `"<timestamp>.<body>"` with: `X-Lifecycle-Signature: sha256=<HMAC>`. */
    readonly callbackSecret?: string | undefined;
  };
  /** The GitHub webhook of the model repositories. Without a secret `POST /webhooks/github` refuses everything (401). */
  readonly github?: {
    /** `GITHUB_WEBHOOK_SECRET`: deliveries must carry `X-Hub-Signature-256: sha256=<HMAC of the body>`. */
    readonly webhookSecret?: string | undefined;
  };
  readonly lifecycle: {
    /** `policy.jupyterhub.enabled`. */
    readonly researchServerEnabled: boolean;
    /** `policy.timings.status_reconcile_interval`, an ISO-8601 duration such as "PT5M". */
    readonly statusReconcileInterval: string;
    /** `policy.timings.start_settle`, an ISO-8601 duration such as "PT5S". */
    readonly startSettle: string;
  };
  readonly http?: {
    /** Largest webhook body accepted (bytes or "1mb"); larger ones get 413. Default "1mb". */
    readonly bodyLimit?: number | string;
    /** How long `/readyz` waits for the engine. Default 2000 ms. */
    readonly readinessTimeoutMs?: number;
  };
  /** Clock for dates a payload does not carry. Default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * `POST /slack/events`: the handler of Bolt's receiver for Slack's interactivity
   * (`SlackEventsReceiver.handler`, src/http/slack-events.ts). Left out (Slack not configured, or
   * Socket Mode), the route refuses everything (401).
   */
  readonly slackEvents?: RequestHandler;
  /** More routers to mount, e.g. the local sandbox's page at `/sandbox`. */
  readonly routes?: ReadonlyArray<{ readonly path: string; readonly router: RequestHandler }>;
  /** Remembered webhook deliveries. Default: 35-minute TTL, 10 000 ids. */
  readonly deliveries?: DeliveryStore<JiraReply>;
  /** Back-off for optimistic-locking conflicts on correlation; tests pass one without delays. */
  readonly correlationRetry?: CorrelationRetry;
}

/**
 * The HTTP ingress of the service.
 *
 * - `POST /webhooks/jira`: Jira (Cloud or Data Center) webhooks and Jira Automation web
 *   requests. `jira:issue_created` of a model ticket starts its lifecycle (once);
 *   `jira:issue_updated` correlates `jira-status:<role>` and `jira-ticket:updated`.
 *   Answers `{ result: 'started' | 'duplicate' | 'correlated' | 'not_awaited' | 'ignored', … }`,
 *   401 when not authenticated, 400 naming the bad field, 503 when the engine is unavailable.
 * - `POST /webhooks/jenkins`: the signed callback a Jenkins build sends as its last step
 *   (`X-Lifecycle-Timestamp`, `X-Lifecycle-Signature`); correlates `jenkins-build:finished`
 *   to the lifecycle `jiraKey`, only to the instance waiting for its `buildKey`. Answers 200
 *   `{ result: 'correlated' }`, 202 `{ result: 'not_awaited' }` when nothing waits for that
 *   attempt, 401 when unsigned, forged, stale or replayed (always, without
 *   `jenkins.callbackSecret`), 400 naming the bad field, 503 when the engine is unavailable.
 * - `POST /webhooks/github`: GitHub webhooks signed with `X-Hub-Signature-256`, deduplicated by
 *   `X-GitHub-Delivery`. A `push` to a repository's default branch correlates `github:push` to
 *   every instance whose `repositoryFullName` is that repository, with `pushedCommit`. Answers
 *   200 `{ result: 'correlated' | 'pong' | 'duplicate' }`, 202 `{ result: 'not_awaited' | 'ignored' }`
 *   (tags, other branches, other events), 401 when unsigned or forged (always, without
 *   `github.webhookSecret`), 400 naming the bad field, 503 when the engine is unavailable.
 * - `POST /slack/events`: Slack's interactivity (the canary's Approve/Reject, the Reject form),
 *   signed with Slack's v0 signature; acknowledged at once, the work done after the answer
 *   (src/http/slack-events.ts, src/http/slack-canary.ts). 401 when unsigned, forged, stale or
 *   replayed (always, without `slackEvents`).
 * - `GET /healthz`: 200 while the process runs.
 * - `GET /readyz`: 200 when the engine answers `GET /version` in time, else 503 with the reason.
 * - `GET /metrics`: Prometheus text from `metrics.registry`.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging(deps.log));

  const readinessTimeoutMs = deps.http?.readinessTimeoutMs ?? 2_000;
  const webhook = createJiraWebhookHandler({
    engine: deps.engine,
    metrics: deps.metrics,
    routing: { project: deps.jira.project, issueType: deps.jira.issueType, statusRoles: deps.jira.statusRoles },
    auth: { secret: deps.jira.webhookSecret, token: deps.jira.webhookToken },
    lifecycle: deps.lifecycle,
    deliveries: deps.deliveries ?? new DeliveryStore<JiraReply>(),
    locks: new KeyedMutex(),
    now: deps.now ?? (() => new Date()),
    ...(deps.correlationRetry ? { correlationRetry: deps.correlationRetry } : {}),
  });

  // Raw bytes whatever the content type: the signature covers the exact body, and the
  // handler parses JSON only after the sender is verified.
  app.post('/webhooks/jira', express.raw({ type: () => true, limit: deps.http?.bodyLimit ?? '1mb' }), webhook);

  const now = deps.now ?? (() => new Date());
  const jenkinsCallback = createJenkinsWebhookHandler({
    engine: deps.engine,
    metrics: deps.metrics,
    auth: { secret: deps.jenkins?.callbackSecret, seen: new SeenSignatures(), now: () => now().getTime() },
    correlationRetry: deps.correlationRetry,
  });
  // A callback carries a few short fields; 64 kB is ample and bounds the bytes hashed before the signature is known good.
  app.post('/webhooks/jenkins', express.raw({ type: () => true, limit: JENKINS_BODY_LIMIT }), jenkinsCallback);

  const githubWebhook = createGitHubWebhookHandler({
    engine: deps.engine,
    metrics: deps.metrics,
    verify: createGitHubVerifier(deps.github?.webhookSecret),
    // GitHub does not retry on its own; a redelivery is a person's click, maybe hours later.
    deliveries: new DeliveryStore<GitHubReply>({ ttlMs: 24 * 60 * 60_000 }),
    correlationRetry: deps.correlationRetry,
  });
  // GitHub caps a payload at 25 MB; a push listing many commits may pass 1 MB.
  app.post('/webhooks/github', express.raw({ type: () => true, limit: GITHUB_BODY_LIMIT }), githubWebhook);

  // Slack caps an interaction payload well under 1 MB; the receiver verifies the exact bytes.
  app.post('/slack/events', express.raw({ type: () => true, limit: SLACK_BODY_LIMIT }), deps.slackEvents ?? refuseSlackEvents(deps.metrics));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const engine = await probeEngine(deps.engine, readinessTimeoutMs);
    if (engine.ok) {
      res.json({ status: 'ready', engine: { version: engine.version } });
    } else {
      requestLog(res).warn({ reason: engine.reason }, 'not ready');
      res.status(503).json({ status: 'not_ready', reason: engine.reason });
    }
  });

  app.get('/metrics', async (_req, res) => {
    const text = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).send(text);
  });

  for (const route of deps.routes ?? []) app.use(route.path, route.router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  const onError: ErrorRequestHandler = (error: { status?: unknown; type?: unknown }, req, res, _next) => {
    // body-parser errors carry a 4xx `status` and a `type` such as "entity.too.large".
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    const code = status === 500 ? 'internal_error' : typeof error.type === 'string' ? error.type : 'bad_request';
    const source = webhookSources.get(req.path);
    if (source) deps.metrics.webhooks.inc({ source, result: status === 500 ? 'error' : 'invalid' });
    const log = requestLogSafe(res);
    if (status === 500) log?.error({ err: error }, 'request failed');
    else log?.warn({ error: code }, 'request rejected');
    if (res.headersSent) return;
    res.status(status).json({ error: code });
  };
  app.use(onError);

  return app;
}

const JENKINS_BODY_LIMIT = '64kb';
const GITHUB_BODY_LIMIT = '25mb';
const SLACK_BODY_LIMIT = '1mb';

/** `POST /slack/events` while Slack's interactivity is off here: nothing can be verified, so nothing is accepted. */
function refuseSlackEvents(metrics: Metrics): RequestHandler {
  return (_req, res) => {
    metrics.webhooks.inc({ source: 'slack', result: 'unauthorized' });
    requestLog(res).warn({ source: 'slack' }, 'slack request refused: interactivity is not configured here (SLACK_SIGNING_SECRET, or Socket Mode)');
    res.status(401).json({ error: 'unauthorized' });
  };
}

/** The `source` label of `lifecycle_webhooks_total` by webhook path, for failures before a handler runs (413, bad encoding). */
const webhookSources: ReadonlyMap<string, string> = new Map([
  ['/webhooks/jira', 'jira'],
  ['/webhooks/jenkins', 'jenkins'],
  ['/webhooks/github', 'github'],
  ['/slack/events', 'slack'],
]);

async function probeEngine(
  engine: Pick<EngineClient, 'version'>,
  timeoutMs: number,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `engine did not answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const answer = engine.version().then(
    (version) => ({ ok: true as const, version }),
    (error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) }),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function requestLogSafe(res: Parameters<typeof requestLog>[0]): Logger | undefined {
  try {
    return requestLog(res);
  } catch {
    return undefined;
  }
}
