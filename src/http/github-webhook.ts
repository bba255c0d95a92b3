import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { EngineError, type EngineClient } from '../engine/camunda7/rest.ts';
import { correlateMessageToAll, type CorrelationRetry } from '../lifecycle/correlate.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { DeliveryStore } from './delivery-store.ts';
import { routeGitHubDelivery, type GitHubRoute } from './github-route.ts';
import { requestLog } from './request-log.ts';
import type { GitHubVerifier } from './verify-github.ts';

/** Every value of the `result` label of `lifecycle_webhooks_total{source="github"}`. */
export type GitHubWebhookResult =
  | 'correlated'
  | 'not_awaited'
  | 'ignored'
  | 'pong'
  | 'duplicate'
  | 'unauthorized'
  | 'invalid'
  | 'engine_unavailable'
  | 'error';

/** What a handled delivery answered; kept by the delivery store and replayed for redeliveries. */
export interface GitHubReply {
  readonly result: 'correlated' | 'not_awaited' | 'ignored' | 'pong';
  /** 200 when the lifecycle took it (or a ping), 202 when nothing moved. */
  readonly status: 200 | 202;
  readonly body: Readonly<Record<string, unknown>> & { readonly result: string };
}

export interface GitHubWebhookDeps {
  readonly engine: Pick<EngineClient, 'correlateAll'>;
  readonly metrics: Pick<Metrics, 'webhooks' | 'messageCorrelations'>;
  /** Checks `X-Hub-Signature-256`; refuses everything when no secret is configured. */
  readonly verify: GitHubVerifier;
  readonly deliveries: DeliveryStore<GitHubReply>;
  readonly correlationRetry?: CorrelationRetry | undefined;
}

/**
 * `POST /webhooks/github`: a repository or organization webhook of GitHub, content type
 * `application/json` (or `application/x-www-form-urlencoded`, whose `payload` field is read).
 * Verify → validate → dedupe by `X-GitHub-Delivery` → correlate.
 *
 * Answers:
 * - 200 `{ result: 'correlated', repositoryFullName, pushedCommit, instances }`: a push to the
 *   default branch reached the lifecycles waiting for one (message `github:push`);
 * - 200 `{ result: 'correlated', event: 'pull_request_review', repositoryFullName, review, instances }`:
 *   a submitted review (message `github:pr-review`);
 * - 200 `{ result: 'correlated', event: 'pull_request', repositoryFullName, mergedPr, instances }`:
 *   a merged pull request (message `github:pr-merged`);
 * - 200 `{ result: 'correlated', event: 'pull_request', repositoryFullName, changedPr, instances }`:
 *   a pull request closed without merging, or reopened (message `github:pr-changed`);
 * - 200 `{ result: 'pong' }`: the `ping` GitHub sends when the webhook is created;
 * - 200 `{ result: 'duplicate', reason: 'delivery', deliveryId, first }`: a delivery id handled
 *   before (GitHub's "Redeliver" keeps the id); nothing is done again;
 * - 202 `{ result: 'not_awaited', … }`: nothing waits for that message from that repository;
 * - 202 `{ result: 'ignored', event, reason }`: a tag, another branch, a deleted branch, a
 *   pull request action other than closed or reopened, a review action other than `submitted`, or an
 *   event not handled;
 * - 400 `{ error: 'invalid_payload', field, message }`: no `X-GitHub-Event`, or a body that is
 *   not JSON or lacks what routing reads;
 * - 401 `{ error: 'unauthorized' }`: unsigned or forged (always, without a secret); nothing
 *   correlated;
 * - 503 `{ error: 'engine_unavailable' }` with `Retry-After`: the engine did not take it.
 *   GitHub does not retry by itself: redeliver from the webhook's *Recent Deliveries*.
 *
 * Expects the body as raw bytes (`express.raw`) for the signature.
 */
export function createGitHubWebhookHandler(deps: GitHubWebhookDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const deliveryId = req.get('x-github-delivery') || undefined;
    const event = req.get('x-github-event') || undefined;
    const log = requestLog(res).child({ source: 'github', deliveryId, event, hookId: req.get('x-github-hook-id') });
    const count = (result: GitHubWebhookResult) => deps.metrics.webhooks.inc({ source: 'github', result });
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

    const auth = await deps.verify(rawBody, req.get('x-hub-signature-256'));
    if (!auth.ok) {
      count('unauthorized');
      log.warn({ reason: auth.reason }, 'github delivery refused: not authenticated');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }

    const parsed = parseBody(rawBody, req.get('content-type'));
    const route: GitHubRoute = parsed.ok ? routeGitHubDelivery(event, parsed.json) : { kind: 'invalid', field: 'body', message: parsed.message };
    if (route.kind === 'invalid') {
      count('invalid');
      log.warn({ field: route.field, message: route.message }, 'github delivery rejected: invalid payload');
      res.status(400).json({ error: 'invalid_payload', field: route.field, message: route.message });
      return;
    }

    const deliveryLog = route.kind === 'correlate' || (route.kind === 'ignore' && route.repositoryFullName) ? log.child({ repositoryFullName: route.repositoryFullName }) : log;
    try {
      const handle = () => execute(deps, route, deliveryLog);
      const { value, replayed } = deliveryId ? await deps.deliveries.run(deliveryId, handle) : { value: await handle(), replayed: false };
      if (replayed) {
        count('duplicate');
        deliveryLog.info({ result: 'duplicate', first: value.body }, 'github delivery already handled');
        res.status(200).json({ result: 'duplicate', reason: 'delivery', deliveryId, first: value.body });
        return;
      }
      count(value.result);
      deliveryLog.info({ result: value.result, reply: value.body }, 'github delivery handled');
      res.status(value.status).json(value.body);
    } catch (error) {
      if (isEngineUnavailable(error)) {
        count('engine_unavailable');
        deliveryLog.warn({ err: error }, 'engine unavailable; answering 503 (redeliver from GitHub once the engine is back)');
        res.status(503).set('retry-after', '30').json({ error: 'engine_unavailable' });
        return;
      }
      count('error');
      deliveryLog.error({ err: error }, 'github delivery failed');
      res.status(500).json({ error: 'internal_error' });
    }
  };
}

async function execute(deps: GitHubWebhookDeps, route: Exclude<GitHubRoute, { kind: 'invalid' }>, log: Logger): Promise<GitHubReply> {
  switch (route.kind) {
    case 'pong':
      return { result: 'pong', status: 200, body: { result: 'pong' } };
    case 'ignore':
      return {
        result: 'ignored',
        status: 202,
        body: {
          result: 'ignored',
          event: route.event,
          reason: route.reason,
          ...(route.repositoryFullName ? { repositoryFullName: route.repositoryFullName } : {}),
          ...(route.ref ? { ref: route.ref } : {}),
        },
      };
    case 'correlate': {
      const { result, count } = await correlateMessageToAll(
        { engine: deps.engine, log, ...(deps.correlationRetry ? { retry: deps.correlationRetry } : {}) },
        { messageName: route.messageName, correlationKeys: route.correlationKeys, variables: route.variables },
      );
      deps.metrics.messageCorrelations.inc({ message: route.messageName, result });
      return {
        result,
        status: result === 'correlated' ? 200 : 202,
        body:
          route.event === 'push'
            ? { result, repositoryFullName: route.repositoryFullName, pushedCommit: route.variables.pushedCommit, instances: count }
            : { result, event: route.event, repositoryFullName: route.repositoryFullName, ...route.variables, instances: count },
      };
    }
  }
}

/** JSON, or the `payload` field of a form-encoded delivery (the webhook's other content type). */
function parseBody(rawBody: Buffer, contentType: string | undefined): { ok: true; json: unknown } | { ok: false; message: string } {
  let text = rawBody.toString('utf8');
  if (/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) return { ok: false, message: 'a form-encoded delivery without its payload field' };
    text = payload;
  }
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'body is not JSON' };
  }
}

/** Worth a redelivery: nothing answered, or a 5xx (an optimistic-locking conflict included, once its own retries are spent). */
function isEngineUnavailable(error: unknown): boolean {
  return error instanceof EngineError && (error.unreachable || error.status >= 500);
}
