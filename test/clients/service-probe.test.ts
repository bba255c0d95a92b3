import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, probeHealth } from '../../src/clients/service-probe.ts';
import { functionalCases, initialHealthState, judgeFunctionalCase, nextHealth, type HealthVerdict } from '../../src/domain/staging-checks.ts';
import { InferenceServiceStandIn } from '../../standins/inference-service.ts';

// The real calls against the inference-service stand-in and, for broken answers, a bare loopback server.
const templateRoot = new URL('../../deploy/model-template/', import.meta.url);
const templateFile = (path: string): unknown => JSON.parse(readFileSync(new URL(path, templateRoot), 'utf8')) as unknown;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function standIn(options: Partial<ConstructorParameters<typeof InferenceServiceStandIn>[0]> = {}): Promise<InferenceServiceStandIn> {
  const service = new InferenceServiceStandIn({ service: 'iris-classifier', slot: 'staging', modelVersion: '4', requestsPerSecond: 0, ...options });
  await service.start();
  cleanups.push(() => service.stop());
  return service;
}

async function loopback(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const noWait = { sleep: async () => undefined };

describe('probeHealth', () => {
  it('reports the status, latency and body; a service that is loading, then healthy, folds to healthy', async () => {
    const service = await standIn({ unhealthyProbes: 1 });
    const url = `${service.url}/healthz`;
    const verdicts: HealthVerdict[] = [];
    let state = initialHealthState();
    for (let n = 0; n < 3; n += 1) {
      const probe = await probeHealth(url);
      const step = nextHealth(state, probe, { consecutive: 2, deadlineAt: new Date(Date.now() + 60_000), now: new Date(probe.at) });
      state = step.state;
      verdicts.push(step.verdict);
    }
    expect(verdicts).toEqual(['waiting', 'waiting', 'healthy']);
    expect(state.lastBad).toMatchObject({ url, status: 503, bodyExcerpt: '{"status":"starting"}' });
    expect(state.last).toMatchObject({ status: 200, bodyExcerpt: '{"status":"ok","model_uri":"models:/iris-classifier/4"}' });
    expect(state.last?.latencyMs).toBeGreaterThan(0);
  });

  it('never throws: a refused connection and a timeout are probes with status 0 and the reason', async () => {
    const service = await standIn();
    await service.setDown(true);
    await expect(probeHealth(`${service.url}/healthz`)).resolves.toMatchObject({ status: 0, bodyExcerpt: '', error: 'connection refused' });

    const slow = await loopback(() => undefined);
    await expect(probeHealth(`${slow}/healthz`, { timeoutMs: 100 })).resolves.toMatchObject({ status: 0, error: 'timed out after 100 ms' });
  });

  it('cuts a long body to 500 characters', async () => {
    const url = await loopback((_, res) => res.writeHead(500, { 'content-type': 'text/html' }).end(`<html>${'x'.repeat(2000)}</html>`));
    const probe = await probeHealth(url);
    expect(probe.status).toBe(500);
    expect(probe.bodyExcerpt).toHaveLength(500);
  });
});

describe('postJson', () => {
  it("sends the template's functional requests; the answers match the recorded ones, and a wrong field shows in the diff", async () => {
    const service = await standIn();
    const { cases, problems } = functionalCases(['tests_functional/v1_predict/test_request_01.json', 'tests_functional/v1_predict/test_request_01_response.json']);
    expect(problems).toEqual([]);
    const [testCase] = cases;
    if (!testCase) throw new Error('no case');

    const answer = await postJson(`${service.url}${testCase.endpoint}`, templateFile(testCase.requestPath));
    expect(answer).toMatchObject({ status: 200, attempts: 1 });
    expect(judgeFunctionalCase(testCase, templateFile(testCase.responsePath), answer)).toMatchObject({ outcome: 'match', status: 200 });

    service.configure({ wrongField: { path: ['predictions', 2, 'class_id'], value: 1 } });
    const wrong = await postJson(`${service.url}${testCase.endpoint}`, templateFile(testCase.requestPath));
    expect(judgeFunctionalCase(testCase, templateFile(testCase.responsePath), wrong)).toMatchObject({
      outcome: 'mismatch',
      diff: '$.predictions[2].class_id: expected 2, got 1 (off by 1, tolerance 2e-9)',
    });
  });

  it('retries 5xx and refused connections, but not 4xx, and returns the last answer', async () => {
    let calls = 0;
    const flaky = await loopback((req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(503).end('warming up');
      else if (calls === 2) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"predictions":[]}');
    });
    await expect(postJson(`${flaky}/v1/predict`, { instances: [] }, { retry: noWait })).resolves.toMatchObject({ status: 200, body: { predictions: [] }, attempts: 3 });

    const service = await standIn();
    const bad = await postJson(`${service.url}/v1/predict`, { instances: [{}] }, { retry: noWait });
    expect(bad).toMatchObject({ status: 400, attempts: 1, body: { error: 'invalid request', detail: expect.stringContaining('instances[0] lacks') } });

    await service.setDown(true);
    await expect(postJson(`${service.url}/v1/predict`, {}, { retries: 2, retry: noWait })).resolves.toMatchObject({ status: 0, error: 'connection refused', attempts: 3 });
  });

  it('keeps a body that is not JSON as an excerpt', async () => {
    const url = await loopback((_, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    const answer = await postJson(url, {});
    expect(answer).toMatchObject({ status: 200, bodyExcerpt: 'ok' });
    expect(answer.body).toBeUndefined();
  });
});
