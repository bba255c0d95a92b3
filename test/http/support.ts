import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { EngineClient } from '../../src/engine/camunda7/rest.ts';
import { createApp, type AppDeps } from '../../src/http/app.ts';
import { signJiraBody } from '../../src/http/verify-jira.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';

export const ENGINE = 'http://engine.test/engine-rest';
export const SECRET = 'test-webhook-secret';
export const TOKEN = 'test-webhook-token-0123456789';

/** A payload fixture, as the exact text Jira would send. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/jira/webhooks/${name}.json`, import.meta.url), 'utf8');
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixture(name)) as Record<string, unknown>;
}

export interface RunningApp {
  readonly url: string;
  readonly metrics: Metrics;
  readonly logLines: string[];
  close(): Promise<void>;
}

type Overrides = Partial<Omit<AppDeps, 'jira' | 'lifecycle'>> & { jira?: Partial<AppDeps['jira']>; lifecycle?: Partial<AppDeps['lifecycle']> };

/** The app on an ephemeral loopback port, the engine at ENGINE (fake it with nock), logs captured. */
export async function startApp(overrides: Overrides = {}): Promise<RunningApp> {
  const logLines: string[] = [];
  const metrics = overrides.metrics ?? createMetrics({ defaultMetrics: false });
  const { jira, lifecycle, ...rest } = overrides;
  const app = createApp({
    engine: new EngineClient({ baseUrl: ENGINE, timeoutMs: 2_000 }),
    metrics,
    log: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }),
    jira: { project: 'BUG', issueType: 'Bug', statusRoles: { research: 'To Do', ready_for_training: 'In Progress' }, webhookSecret: SECRET, ...jira },
    lifecycle: { researchServerEnabled: true, statusReconcileInterval: 'PT5M', startSettle: 'PT5S', ...lifecycle },
    correlationRetry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
    ...rest,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    metrics,
    logLines,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

export interface Delivery {
  readonly body: string;
  readonly id?: string;
  /** `true` (default) signs with SECRET; a string is sent as the header as is; `false` sends none. */
  readonly signature?: boolean | string;
  readonly headers?: Record<string, string>;
  readonly query?: string;
}

/** POSTs a delivery the way Jira does. */
export async function deliver(app: RunningApp, delivery: Delivery): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'x-atlassian-webhook-flow': 'Primary', ...delivery.headers };
  if (delivery.id) headers['x-atlassian-webhook-identifier'] = delivery.id;
  const signature = delivery.signature ?? true;
  if (signature === true) headers['x-hub-signature'] = signJiraBody(SECRET, delivery.body);
  else if (typeof signature === 'string') headers['x-hub-signature'] = signature;
  const response = await fetch(`${app.url}/webhooks/jira${delivery.query ?? ''}`, { method: 'POST', headers, body: delivery.body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** `lifecycle_webhooks_total{source="jira",result}`. */
export async function webhookCount(metrics: Metrics, result: string): Promise<number> {
  const { values } = await metrics.webhooks.get();
  return values.find((v) => v.labels.source === 'jira' && v.labels.result === result)?.value ?? 0;
}

/** Loopback (the app under test) stays reachable; everything else must be faked. */
export function isolateNetwork(): void {
  nock.disableNetConnect();
  nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
}

/** A process instance as `POST /process-definition/key/{key}/start` answers it. */
export function startedInstance(id: string, businessKey: string) {
  return { links: [], id, definitionId: 'model-lifecycle:1:d1', businessKey, caseInstanceId: null, ended: false, suspended: false, tenantId: null };
}

/** A historic process instance as `GET /history/process-instance` lists it. */
export function historicInstance(id: string, businessKey: string, state = 'COMPLETED') {
  return {
    id,
    businessKey,
    processDefinitionId: 'model-lifecycle:1:d1',
    processDefinitionKey: 'model-lifecycle',
    processDefinitionName: 'Model lifecycle',
    startTime: '2026-01-05T10:00:00.000+0000',
    endTime: state === 'ACTIVE' ? null : '2026-01-09T10:00:00.000+0000',
    durationInMillis: null,
    startUserId: null,
    startActivityId: 'ticket_created',
    deleteReason: null,
    superProcessInstanceId: null,
    tenantId: null,
    state,
  };
}

/** The engine's answer when nothing waits for a message (MismatchingMessageCorrelationException). */
export function notAwaited(messageName: string) {
  return { type: 'RestException', message: `Cannot correlate message '${messageName}': No process definition or execution matches the parameters`, code: 0 };
}

export const optimisticLockingConflict = {
  type: 'OptimisticLockingException',
  message: 'ENGINE-03005 Execution of \'UPDATE ExecutionEntity[4f1c]\' failed. Entity was updated by another transaction concurrently.',
  code: 1,
};

/**
 * A refused connection, for `replyWithError`. An Error instance, not a plain object: nock 15
 * leaves a fetch hanging on a plain-object error.
 */
export function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:8080'), { code: 'ECONNREFUSED' });
}
