import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { EngineError, type EngineClient } from '../engine/camunda7/rest.ts';
import { correlateMessage, type CorrelationResult, type CorrelationRetry } from '../lifecycle/correlate.ts';
import type { KeyedMutex } from '../lifecycle/keyed-mutex.ts';
import { startLifecycleOnce } from '../lifecycle/start.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { DeliveryStore } from './delivery-store.ts';
import { routeJiraDelivery, type JiraRoute, type JiraRoutingConfig } from './jira-route.ts';
import { requestLog } from './request-log.ts';
import { verifyJiraRequest, type JiraAuthConfig } from './verify-jira.ts';

/** Every value of the `result` label of `lifecycle_webhooks_total{source="jira"}`. */
export type WebhookResult =
  | 'started'
  | 'duplicate'
  | 'correlated'
  | 'not_awaited'
  | 'ignored'
  | 'unauthorized'
  | 'invalid'
  | 'engine_unavailable'
  | 'error';

/** What a handled delivery answered; kept by the delivery store and replayed for redeliveries. */
export interface JiraReply {
  readonly result: 'started' | 'duplicate' | 'correlated' | 'not_awaited' | 'ignored';
  readonly body: Readonly<Record<string, unknown>> & { readonly result: string };
}

export interface JiraWebhookDeps {
  readonly engine: Pick<EngineClient, 'startProcess' | 'processInstances' | 'historicProcessInstances' | 'correlate'>;
  readonly metrics: Pick<Metrics, 'webhooks' | 'lifecyclesStarted' | 'messageCorrelations'>;
  readonly routing: JiraRoutingConfig;
  readonly auth: JiraAuthConfig;
  readonly lifecycle: { readonly researchServerEnabled: boolean; readonly statusReconcileInterval: string; readonly startSettle: string };
  readonly deliveries: DeliveryStore<JiraReply>;
  readonly locks: KeyedMutex;
  readonly correlationRetry?: CorrelationRetry;
  readonly now: () => Date;
}

/**
 * `POST /webhooks/jira`: verify → validate → dedupe by delivery id → start or correlate.
 *
 * Runs the engine call before answering: the engine answers in milliseconds, and Jira's own
 * retry (on 5xx, for ~30 minutes) is then the durable queue. So an engine that is down or
 * failing answers 503 and the delivery id is not remembered; an invalid body answers 400,
 * which Jira does not retry. Validation runs before dedupe because it is deterministic: a
 * redelivered bad body gets the same 400 rather than a "duplicate".
 *
 * Expects the body as raw bytes (`express.raw`) for the signature.
 */
export function createJiraWebhookHandler(deps: JiraWebhookDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const deliveryId = req.get('x-atlassian-webhook-identifier') || undefined;
    const log = requestLog(res).child({ source: 'jira', deliveryId, retry: req.get('x-atlassian-webhook-retry') });
    const count = (result: WebhookResult) => deps.metrics.webhooks.inc({ source: 'jira', result });
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

    const auth = verifyJiraRequest(deps.auth, {
      rawBody,
      signature: req.get('x-hub-signature'),
      authorization: req.get('authorization'),
      queryToken: typeof req.query.token === 'string' ? req.query.token : undefined,
    });
    if (!auth.ok) {
      count('unauthorized');
      log.warn({ reason: auth.reason }, 'jira delivery refused: not authenticated');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }

    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return reject(res, log, count, { field: 'body', message: 'body is not JSON' });
    }
    const route = routeJiraDelivery(json, deps.routing, deps.now);
    if (route.kind === 'invalid') return reject(res, log, count, route);

    const businessKey = route.issueKey;
    const deliveryLog = log.child({ businessKey, webhookEvent: route.webhookEvent, auth: auth.method });
    try {
      const handle = () => execute(deps, route, deliveryLog);
      const { value, replayed } = deliveryId ? await deps.deliveries.run(deliveryId, handle) : { value: await handle(), replayed: false };
      const reply: JiraReply = replayed ? { result: 'duplicate', body: { result: 'duplicate', reason: 'delivery', deliveryId, first: value.body } } : value;
      count(reply.result);
      // not_awaited is normal (an early or late event, a twin delivery that lost the race): info, counted per message.
      deliveryLog.info({ result: reply.result, reply: reply.body }, 'jira delivery handled');
      res.status(200).json(reply.body);
    } catch (error) {
      if (isEngineUnavailable(error)) {
        count('engine_unavailable');
        deliveryLog.warn({ err: error }, 'engine unavailable; answering 503 so Jira retries');
        res.status(503).set('retry-after', '30').json({ error: 'engine_unavailable' });
        return;
      }
      count('error');
      deliveryLog.error({ err: error }, 'jira delivery failed');
      res.status(500).json({ error: 'internal_error' });
    }
  };
}

async function execute(deps: JiraWebhookDeps, route: Exclude<JiraRoute, { kind: 'invalid' }>, log: Logger): Promise<JiraReply> {
  switch (route.kind) {
    case 'ignore':
      return { result: 'ignored', body: { result: 'ignored', reason: route.reason, ...(route.issueKey ? { issueKey: route.issueKey } : {}) } };
    case 'start': {
      const started = await startLifecycleOnce(
        { engine: deps.engine, metrics: deps.metrics, locks: deps.locks, ...deps.lifecycle },
        { issueKey: route.issueKey, createdAt: route.createdAt },
      );
      const reply = { result: started.result, issueKey: route.issueKey, processInstanceId: started.processInstanceId };
      return started.result === 'duplicate' ? { result: 'duplicate', body: { ...reply, reason: 'lifecycle_exists' } } : { result: 'started', body: reply };
    }
    case 'correlate': {
      const messages: Array<{ name: string; result: CorrelationResult }> = [];
      for (const name of route.messages) {
        const result = await correlateMessage({ engine: deps.engine, log, retry: deps.correlationRetry }, { messageName: name, businessKey: route.issueKey });
        messages.push({ name, result });
        deps.metrics.messageCorrelations.inc({ message: name, result });
      }
      // Correlated when anything waited for this update; otherwise it arrived early or late.
      const result = messages.some((message) => message.result === 'correlated') ? 'correlated' : (messages[0]?.result ?? 'not_awaited');
      return { result, body: { result, issueKey: route.issueKey, ...(route.status ? { status: route.status } : {}), messages } };
    }
  }
}

function reject(res: Response, log: Logger, count: (result: WebhookResult) => void, problem: { field: string; message: string }): void {
  count('invalid');
  log.warn(problem, 'jira delivery rejected: invalid payload');
  res.status(400).json({ error: 'invalid_payload', field: problem.field, message: problem.message });
}

/** Worth a retry by Jira: nothing answered, or a 5xx (an optimistic-locking conflict included, once its own retries are spent). */
function isEngineUnavailable(error: unknown): boolean {
  return error instanceof EngineError && (error.unreachable || error.status >= 500);
}
