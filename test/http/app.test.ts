import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionRefused, ENGINE, isolateNetwork, startApp, type RunningApp } from './support.ts';

let app: RunningApp;

beforeEach(async () => {
  isolateNetwork();
  app = await startApp({ http: { readinessTimeoutMs: 200 } });
});

afterEach(async () => {
  await app.close();
  nock.abortPendingRequests();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('GET /healthz', () => {
  it('answers 200 while the process runs, engine or not', async () => {
    const response = await fetch(`${app.url}/healthz`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 with the engine version when the engine answers', async () => {
    nock(ENGINE).get('/version').reply(200, { version: '7.24.0' });

    const response = await fetch(`${app.url}/readyz`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', engine: { version: '7.24.0' } });
  });

  it('answers 503 with the reason when the engine is unreachable', async () => {
    nock(ENGINE).get('/version').replyWithError(connectionRefused());

    const response = await fetch(`${app.url}/readyz`);

    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; reason: string };
    expect(body.status).toBe('not_ready');
    expect(body.reason).toContain('did not answer GET /version');
  });

  it('answers 503 when the engine is slower than the readiness timeout', async () => {
    nock(ENGINE).get('/version').delay(1_000).reply(200, { version: '7.24.0' });

    const started = Date.now();
    const response = await fetch(`${app.url}/readyz`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not_ready', reason: 'engine did not answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('answers 503 when the engine answers with an error', async () => {
    nock(ENGINE).get('/version').reply(401, { type: 'AuthenticationException', message: 'Unauthorized', code: 0 });

    const response = await fetch(`${app.url}/readyz`);

    expect(response.status).toBe(503);
  });
});

describe('GET /metrics', () => {
  it('serves the registry in Prometheus text format', async () => {
    app.metrics.webhooks.inc({ source: 'jira', result: 'started' });

    const response = await fetch(`${app.url}/metrics`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('lifecycle_webhooks_total{source="jira",result="started"} 1');
  });
});

describe('other routes', () => {
  it('answers 404 in JSON', async () => {
    const response = await fetch(`${app.url}/nope`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found' });
  });

  it('logs one line per request with the path but not the query string', async () => {
    await fetch(`${app.url}/nope?token=secret-in-query`);

    const lines = app.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', path: '/nope', status: 404 });
    expect(app.logLines.join('\n')).not.toContain('secret-in-query');
  });
});
