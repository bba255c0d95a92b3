import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { failsAt, InferenceDeployments, InferenceServiceStandIn, latencyFactor, type InferenceDeploymentChange } from '../../standins/inference-service.ts';

// The answer shapes of the model template's contract (deploy/model-template/openapi.yaml).
const prediction = z.strictObject({ class_id: z.number().int().min(0).max(2), species: z.enum(['setosa', 'versicolor', 'virginica']) });
const predictResponse = z.strictObject({ predictions: z.array(prediction) });
const health = z.strictObject({ status: z.string(), model_uri: z.string().optional() });
const errorBody = z.strictObject({ error: z.string(), detail: z.string().optional() });

const template = new URL('../../deploy/model-template/tests_functional/v1_predict/', import.meta.url);
const request01 = JSON.parse(readFileSync(new URL('test_request_01.json', template), 'utf8')) as unknown;
const response01 = JSON.parse(readFileSync(new URL('test_request_01_response.json', template), 'utf8')) as unknown;

const running: Array<InferenceServiceStandIn | InferenceDeployments> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => (item instanceof InferenceDeployments ? item.stopAll() : item.stop())));
});

async function start(options: ConstructorParameters<typeof InferenceServiceStandIn>[0]): Promise<InferenceServiceStandIn> {
  const instance = new InferenceServiceStandIn({ requestsPerSecond: 0, ...options });
  running.push(instance);
  await instance.start();
  return instance;
}

async function post(url: string, body: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('InferenceServiceStandIn', () => {
  it("answers the template's recorded functional request exactly as its _response.json, in the contract's shape", async () => {
    const service = await start({ service: 'iris-classifier' });
    const answer = await post(service.url, JSON.stringify(request01));
    expect(answer.status).toBe(200);
    expect(predictResponse.parse(answer.body)).toEqual(response01);
  });

  it("answers 400 as inference.py words it, for a body that is not JSON or a flower without a feature", async () => {
    const service = await start({ service: 'iris-classifier' });
    const notJson = await post(service.url, '{');
    expect(notJson.status).toBe(400);
    expect(errorBody.parse(notJson.body)).toEqual({ error: 'invalid request', detail: 'the body is not JSON' });
    const missing = await post(service.url, JSON.stringify({ instances: [{ sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4 }] }));
    expect(missing).toEqual({ status: 400, body: { error: 'invalid request', detail: 'instances[0] lacks petal_width_cm' } });
    expect((await post(service.url, JSON.stringify({ instances: [] }))).body).toMatchObject({ detail: 'instances must be a non-empty list' });
  });

  it('gives a wrong value in one field when told to', async () => {
    const service = await start({ service: 'iris-classifier', wrongField: { path: 'predictions.1.species', value: 'virginica' } });
    const answer = await post(service.url, JSON.stringify(request01));
    expect(answer.body).toEqual({
      predictions: [
        { class_id: 0, species: 'setosa' },
        { class_id: 1, species: 'virginica' },
        { class_id: 2, species: 'virginica' },
      ],
    });
    service.configure({ wrongField: null });
    expect((await post(service.url, JSON.stringify(request01))).body).toEqual(response01);
  });

  it('is unhealthy (503) for the first probes, then healthy with its model URI; down refuses connections', async () => {
    const service = await start({ service: 'iris-classifier', slot: 'staging', modelVersion: '3', unhealthyProbes: 2 });
    const probe = async () => {
      const response = await fetch(`${service.url}/healthz`);
      return { status: response.status, body: health.parse(await response.json()) };
    };
    expect(await probe()).toEqual({ status: 503, body: { status: 'starting' } });
    expect(await probe()).toEqual({ status: 503, body: { status: 'starting' } });
    expect(await probe()).toEqual({ status: 200, body: { status: 'ok', model_uri: 'models:/iris-classifier/3' } });

    await service.setDown(true);
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
    await service.setDown(false);
    expect((await probe()).status).toBe(200);
  });

  it('exposes request counters and latency histograms with its service, track and version on its own registry', async () => {
    const canary = await start({ service: 'iris-classifier', slot: 'canary', modelVersion: '2', errorRatio: 0.25, latencySeconds: 0.2 });
    const stable = await start({ service: 'iris-classifier', slot: 'stable', modelVersion: '1' });
    canary.recordTraffic(100);
    stable.recordTraffic(10);

    const text = await (await fetch(`${canary.url}/metrics`)).text();
    const labels = 'service="iris-classifier",track="canary",version="2",method="POST",path="/v1/predict"';
    expect(text).toContain(`http_requests_total{${labels},code="200"} 75`);
    expect(text).toContain(`http_requests_total{${labels},code="500"} 25`);
    expect(text).toContain(`http_request_duration_seconds_count{${labels}} 100`);
    expect(text).not.toContain('track="stable"');
    expect(await stable.registry.getSingleMetricAsString('http_requests_total')).toContain('track="stable",version="1",method="POST",path="/v1/predict",code="200"} 10');
  });

  it('records traffic by itself while running', async () => {
    const service = await start({ service: 'iris-classifier', requestsPerSecond: 50 });
    await new Promise((done) => setTimeout(done, 450));
    const counted = (await service.registry.getMetricsAsJSON()).find((metric) => metric.name === 'http_requests_total');
    const total = counted?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
    expect(total).toBeGreaterThanOrEqual(10);
    expect(total).toBeLessThanOrEqual(25);
  });
});

describe('the traffic profile', () => {
  it('spreads failures evenly at the ratio', () => {
    const failures = (ratio: number, count: number) => Array.from({ length: count }, (_, n) => failsAt(n, ratio)).filter(Boolean).length;
    expect(failures(0.25, 100)).toBe(25);
    expect(failures(0.01, 1000)).toBe(10);
    expect(failures(0, 100)).toBe(0);
    expect(failures(1, 7)).toBe(7);
  });

  it('has a median of 1× and its top percent at 1.5× the latency', () => {
    const factors = Array.from({ length: 100 }, (_, n) => latencyFactor(n)).sort((a, b) => a - b);
    expect(factors[50]).toBeCloseTo(1, 5);
    expect(factors[99]).toBe(1.5);
    expect(factors[98]).toBeCloseTo(1.48, 5);
  });
});

describe('InferenceDeployments', () => {
  it('deploys services by slot on their own ports, redeploys in place, promotes the canary and removes it', async () => {
    const deployments = new InferenceDeployments({ requestsPerSecond: 0 });
    running.push(deployments);
    const changes: InferenceDeploymentChange[] = [];
    deployments.onChange((change) => changes.push(change));

    const stable = await deployments.deploy({ service: 'iris-classifier', slot: 'stable', modelVersion: '1' });
    const canary = await deployments.deploy({ service: 'iris-classifier', slot: 'canary', modelVersion: '2', errorRatio: 0.1 });
    expect(stable.url).not.toBe(canary.url);
    expect(deployments.targets()).toEqual([stable.target, canary.target]);

    const again = await deployments.deploy({ service: 'iris-classifier', slot: 'canary', modelVersion: '3' });
    expect(again).toBe(canary);
    expect(again.modelVersion).toBe('3');
    expect(again.settings.errorRatio).toBe(0);

    const promoted = await deployments.promote('iris-classifier');
    expect(promoted).toBe(stable);
    expect(stable.modelVersion).toBe('3');
    expect(deployments.get('iris-classifier', 'canary')).toBeUndefined();
    await expect(fetch(`${canary.url}/healthz`)).rejects.toThrow();
    expect(await (await fetch(`${stable.url}/healthz`)).json()).toEqual({ status: 'ok', model_uri: 'models:/iris-classifier/3' });

    expect(changes.map((change) => `${change.type} ${change.slot}${change.type === 'deployed' ? ` v${change.version}` : ''}`)).toEqual([
      'deployed stable v1',
      'deployed canary v2',
      'deployed canary v3',
      'deployed stable v3',
      'removed canary',
    ]);
    expect(await deployments.remove('iris-classifier', 'canary')).toBe(false);
    expect(deployments.snapshot()).toEqual([expect.objectContaining({ service: 'iris-classifier', slot: 'stable', version: '3', url: stable.url })]);
  });
});
