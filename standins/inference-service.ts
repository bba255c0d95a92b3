/**
 * A stateful stand-in of a deployed model inference service on loopback, shared by the tests
 * and the sandbox. It answers as the model template's service does (deploy/model-template:
 * openapi.yaml, ml_model/inference/inference.py) and exposes the metrics a real service behind
 * its ingress gives Prometheus, so staging checks and canary analysis run against something
 * with the real shapes.
 *
 * | Call | Answer |
 * | --- | --- |
 * | `GET /healthz` | 200 `{ "status": "ok", "model_uri": "models:/<model>/<version>" }` once healthy; 503 `{ "status": "starting" }` while it is not (see {@link InferenceServiceStandIn.failNextProbes}); no answer at all while {@link InferenceServiceStandIn.setDown down} (connection refused) |
 * | `POST /v1/predict` | 200 `{ "predictions": [{ "class_id", "species" }, …] }`, one per instance in request order; 400 `{ "error", "detail" }` for a body that is not JSON or an instance that lacks a feature (inference.py's messages); 500 `{ "error": "internal error" }` for the share of requests {@link InferenceServiceBehaviour.errorRatio} says |
 * | `GET /metrics` | Prometheus text format from the instance's own prom-client registry (never the global one) |
 *
 * The predictions are deterministic: a two-split decision tree on the iris petals (petal length
 * below 2.5 cm → setosa; else petal width below 1.75 cm → versicolor; else virginica), which
 * answers the template's `tests_functional/v1_predict/test_request_01.json` exactly as its
 * `_response.json` records, so functional checks pass by default. {@link InferenceServiceBehaviour.wrongField}
 * makes one field of every answer wrong, for the failing path.
 *
 * **One instance is one deployment**: one model version of one service in one slot (`staging`,
 * `canary` or `stable`), on its own port, as a Kubernetes deployment is its own pods. Its metrics
 * carry the labels an ingress or service mesh would add: `service`, `track` (the slot) and
 * `version`:
 *
 * - `http_requests_total{service,track,version,method,path,code}` (counter);
 * - `http_request_duration_seconds_bucket{service,track,version,method,path,le}` (histogram,
 *   prom-client's default buckets, 5 ms to 10 s).
 *
 * A built-in traffic generator (a timer, no real HTTP) records {@link InferenceServiceBehaviour.requestsPerSecond}
 * predict requests a second into those metrics, with the error ratio and latency set per
 * instance, so Prometheus has data to query. Errors are spread evenly (request n fails when
 * ⌊(n+1)·ratio⌋ > ⌊n·ratio⌋) and latencies follow a fixed profile around
 * {@link InferenceServiceBehaviour.latencySeconds} (from 0.5× to 1.5×, p50 1×, p99 ≈ 1.49×; the tail
 * stays in the median's histogram bucket or the next, so a p99 estimate does not jump between
 * buckets from one window to the next), and two instances with the same settings give the same
 * quantiles. Real predict requests are counted
 * the same way (their recorded latency comes from the profile; nothing sleeps).
 *
 * {@link InferenceDeployments} keeps the deployments of many services by name and slot, each on
 * a free port; a deploy job's stand-in calls it, and Prometheus is pointed at its
 * {@link InferenceDeployments.targets}.
 */
import type { ServerResponse } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';
import { appendCapped, ChangeListeners, jsonAnswer, LoopbackServer, writeAnswer, type LoopbackRequest } from './loopback.ts';

/** Where a deployment runs: the staging environment, or one of production's two tracks. */
export type DeploymentSlot = 'staging' | 'canary' | 'stable';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What an instance does; every field can be changed while it runs ({@link InferenceServiceStandIn.configure}). */
export interface InferenceServiceBehaviour {
  /** Share of predict requests answered 500, 0..1. Default 0. */
  errorRatio: number;
  /** Typical (median) predict latency in seconds. Default 0.05. */
  latencySeconds: number;
  /** Synthetic predict requests a second recorded into the metrics; 0 stops the generator. Default 20. */
  requestsPerSecond: number;
  /**
   * Makes every predict answer wrong in one field: `path` into the answer (`["predictions", 1, "species"]`
   * or `"predictions.1.species"`), set to `value`. Null: answers are right. Default null.
   */
  wrongField: { readonly path: string | ReadonlyArray<string | number>; readonly value: Json } | null;
}

/** Options of {@link InferenceServiceStandIn}. */
export interface InferenceServiceOptions extends Partial<InferenceServiceBehaviour> {
  /** The service's name, e.g. the model name "iris-classifier"; the `service` label. */
  readonly service: string;
  /** The slot it is deployed to; the `track` label. Default "stable". */
  readonly slot?: DeploymentSlot;
  /** The registered model version it serves; the `version` label and `models:/<model>/<version>`. Default "1". */
  readonly modelVersion?: string;
  /** The registered model name for `model_uri`. Default {@link service}. */
  readonly modelName?: string;
  /** Health probes answered 503 before the service reports healthy. Default 0. */
  readonly unhealthyProbes?: number;
}

/** A request the instance answered (the latest 10 000). */
export interface InferenceServiceRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** Names the iris measurements carry, in the model's order (ml_model/shared FEATURES). */
export const FEATURES = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm'] as const;
/** The species of each class index (ml_model/shared CLASSES). */
export const CLASSES = ['setosa', 'versicolor', 'virginica'] as const;

const JSON_TYPE = 'application/json';
const PREDICT_PATH = '/v1/predict';
const TICK_MS = 100;

/** The default behaviour, for a healthy service with steady traffic. */
export const defaultBehaviour: Readonly<InferenceServiceBehaviour> = {
  errorRatio: 0,
  latencySeconds: 0.05,
  requestsPerSecond: 20,
  wrongField: null,
};

/** The class the stand-in's model gives one flower; see the module comment. */
export function classify(flower: Readonly<Record<string, number>>): number {
  const petalLength = flower.petal_length_cm ?? 0;
  const petalWidth = flower.petal_width_cm ?? 0;
  if (petalLength < 2.5) return 0;
  return petalWidth < 1.75 ? 1 : 2;
}

/**
 * The latency of request number `n` as a multiple of the median: a fixed profile visited in a
 * scrambled order (37 is coprime with 100), so every window of traffic has the same spread.
 */
export function latencyFactor(n: number): number {
  const position = ((n * 37) % 100) / 100;
  return position >= 0.99 ? 1.5 : 0.5 + position;
}

/** Whether request number `n` (from 0) fails at `ratio`: failures spread evenly, ⌊n·ratio⌋ of the first n. */
export function failsAt(n: number, ratio: number): boolean {
  if (ratio <= 0) return false;
  if (ratio >= 1) return true;
  return Math.floor((n + 1) * ratio) > Math.floor(n * ratio);
}

/** One deployed inference service; see the module comment. */
export class InferenceServiceStandIn {
  readonly service: string;
  readonly slot: DeploymentSlot;
  /** Its own registry: two instances in one process never share metrics. */
  readonly registry = new Registry();
  /** Every request answered (the latest 10 000). */
  readonly requests: InferenceServiceRequest[] = [];

  private modelVersionValue: string;
  private readonly modelName: string;
  private readonly behaviour: InferenceServiceBehaviour;
  private unhealthyProbesLeft: number;
  private down = false;
  private port = 0;
  private served = 0;
  private pendingRequests = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly http = new LoopbackServer((request, res) => this.handle(request, res));
  private readonly requestsTotal: Counter<'service' | 'track' | 'version' | 'method' | 'path' | 'code'>;
  private readonly duration: Histogram<'service' | 'track' | 'version' | 'method' | 'path'>;

  constructor(options: InferenceServiceOptions) {
    this.service = options.service;
    this.slot = options.slot ?? 'stable';
    this.modelName = options.modelName ?? options.service;
    this.modelVersionValue = options.modelVersion ?? '1';
    this.unhealthyProbesLeft = Math.max(0, options.unhealthyProbes ?? 0);
    this.behaviour = {
      errorRatio: options.errorRatio ?? defaultBehaviour.errorRatio,
      latencySeconds: options.latencySeconds ?? defaultBehaviour.latencySeconds,
      requestsPerSecond: options.requestsPerSecond ?? defaultBehaviour.requestsPerSecond,
      wrongField: options.wrongField ?? defaultBehaviour.wrongField,
    };
    this.requestsTotal = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by service, track, version, method, path and status code',
      labelNames: ['service', 'track', 'version', 'method', 'path', 'code'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by service, track, version, method and path',
      labelNames: ['service', 'track', 'version', 'method', 'path'],
      registers: [this.registry],
    });
  }

  /** `http://127.0.0.1:PORT`; '' before {@link start}. */
  get url(): string {
    return this.port ? `http://127.0.0.1:${this.port}` : '';
  }

  /** `127.0.0.1:PORT`, as a Prometheus static target. */
  get target(): string {
    return this.port ? `127.0.0.1:${this.port}` : '';
  }

  /** The model version it serves. */
  get modelVersion(): string {
    return this.modelVersionValue;
  }

  /** `models:/<model>/<version>`, as /healthz reports it. */
  get modelUri(): string {
    return `models:/${this.modelName}/${this.modelVersionValue}`;
  }

  /** The current behaviour (a copy). */
  get settings(): Readonly<InferenceServiceBehaviour> {
    return { ...this.behaviour };
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one) and starts the traffic generator; answers {@link url}. */
  async start(port = 0): Promise<string> {
    const origin = await this.http.start(port || this.port);
    this.port = Number(new URL(origin).port);
    this.down = false;
    this.startTraffic();
    return this.url;
  }

  /** Stops the traffic and closes the server. */
  async stop(): Promise<void> {
    this.stopTraffic();
    await this.http.stop();
  }

  /**
   * Down: the port refuses connections (the pods are gone) and no traffic is recorded; up again:
   * it listens on the same port. Health probes then answer as before.
   */
  async setDown(down: boolean): Promise<void> {
    if (down === this.down) return;
    this.down = down;
    if (down) {
      this.stopTraffic();
      await this.http.stop();
    } else {
      await this.http.start(this.port);
      this.startTraffic();
    }
  }

  /** The next `count` health probes answer 503, as a service whose model is still loading. */
  failNextProbes(count: number): void {
    this.unhealthyProbesLeft = Math.max(0, Math.floor(count));
  }

  /** Changes what the instance does from now on; fields left out keep their value. */
  configure(change: Partial<InferenceServiceBehaviour>): void {
    Object.assign(this.behaviour, Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)));
    if (this.timer) {
      this.stopTraffic();
      this.startTraffic();
    }
  }

  /** Serves another model version (a redeploy in place: same port, same metrics registry). */
  redeploy(modelVersion: string, unhealthyProbes = 0): void {
    this.modelVersionValue = modelVersion;
    this.unhealthyProbesLeft = Math.max(0, unhealthyProbes);
  }

  /** The predict answer for a request body, as the service gives it (without the error ratio). */
  predict(body: unknown): { status: number; body: Json } {
    const problem = requestProblem(body);
    if (problem) return { status: 400, body: { error: 'invalid request', detail: problem } };
    const instances = (body as { instances: Array<Record<string, number>> }).instances;
    const answer: Json = {
      predictions: instances.map((instance) => {
        const classId = classify(instance);
        return { class_id: classId, species: CLASSES[classId] ?? 'unknown' };
      }),
    };
    return { status: 200, body: this.behaviour.wrongField ? withField(answer, this.behaviour.wrongField.path, this.behaviour.wrongField.value) : answer };
  }

  /** Records `count` predict requests into the metrics, as the traffic generator does each tick. */
  recordTraffic(count: number): void {
    for (let i = 0; i < count; i += 1) this.record(failsAt(this.served, this.behaviour.errorRatio) ? 500 : 200);
  }

  private record(status: number): void {
    const labels = { service: this.service, track: this.slot, version: this.modelVersionValue, method: 'POST', path: PREDICT_PATH };
    this.requestsTotal.inc({ ...labels, code: String(status) });
    this.duration.observe(labels, this.behaviour.latencySeconds * latencyFactor(this.served));
    this.served += 1;
  }

  private startTraffic(): void {
    if (this.timer || this.behaviour.requestsPerSecond <= 0) return;
    this.timer = setInterval(() => {
      this.pendingRequests += (this.behaviour.requestsPerSecond * TICK_MS) / 1000;
      const whole = Math.floor(this.pendingRequests);
      this.pendingRequests -= whole;
      this.recordTraffic(whole);
    }, TICK_MS);
    this.timer.unref();
  }

  private stopTraffic(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async handle({ method, url, body }: LoopbackRequest, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    const answer = (status: number, value: Json): void => {
      appendCapped(this.requests, { method, path, status });
      writeAnswer(res, jsonAnswer(status, value, JSON_TYPE));
    };
    if (path === '/healthz' && method === 'GET') {
      if (this.unhealthyProbesLeft > 0) {
        this.unhealthyProbesLeft -= 1;
        answer(503, { status: 'starting' });
      } else answer(200, { status: 'ok', model_uri: this.modelUri });
      return;
    }
    if (path === PREDICT_PATH && method === 'POST') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        answer(400, { error: 'invalid request', detail: 'the body is not JSON' });
        return;
      }
      if (failsAt(this.served, this.behaviour.errorRatio)) {
        this.record(500);
        answer(500, { error: 'internal error' });
        return;
      }
      const result = this.predict(parsed);
      this.record(result.status);
      answer(result.status, result.body);
      return;
    }
    if (path === '/metrics' && method === 'GET') {
      appendCapped(this.requests, { method, path, status: 200 });
      writeAnswer(res, { status: 200, headers: { 'Content-Type': this.registry.contentType }, body: await this.registry.metrics() });
      return;
    }
    answer(404, { error: 'not found', detail: `${method} ${path}` });
  }
}

/** What inference.py's to_matrix says about a bad request, or undefined when it is fine. */
function requestProblem(body: unknown): string | undefined {
  const instances = body && typeof body === 'object' ? (body as { instances?: unknown }).instances : undefined;
  if (!Array.isArray(instances) || instances.length === 0) return 'instances must be a non-empty list';
  for (const [index, instance] of instances.entries()) {
    const missing = FEATURES.filter((name) => !instance || typeof instance !== 'object' || !(name in instance));
    if (missing.length > 0) return `instances[${index}] lacks ${missing.join(', ')}`;
    const notNumber = FEATURES.find((name) => typeof (instance as Record<string, unknown>)[name] !== 'number');
    if (notNumber) return `instances[${index}].${notNumber} must be a number`;
  }
  return undefined;
}

/** A copy of `value` with the field at `path` set to `field` (created when missing). */
function withField(value: Json, path: string | ReadonlyArray<string | number>, field: Json): Json {
  const segments = typeof path === 'string' ? path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)) : [...path];
  const copy = structuredClone(value);
  if (segments.length === 0) return field;
  let node: Json = copy;
  for (const segment of segments.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return copy;
    node = (node as Record<string | number, Json>)[segment] ?? null;
  }
  if (node !== null && typeof node === 'object') (node as Record<string | number, Json>)[segments.at(-1) as string | number] = field;
  return copy;
}

/** A change to the deployments, for a page or for pointing Prometheus at the new targets. */
export type InferenceDeploymentChange =
  | { readonly type: 'deployed'; readonly service: string; readonly slot: DeploymentSlot; readonly version: string; readonly url: string }
  | { readonly type: 'removed'; readonly service: string; readonly slot: DeploymentSlot };

/** What {@link InferenceDeployments.deploy} deploys. */
export interface DeployRequest extends Partial<InferenceServiceBehaviour> {
  readonly service: string;
  readonly slot: DeploymentSlot;
  readonly modelVersion: string;
  readonly modelName?: string;
  /** Health probes answered 503 before it is healthy (a model that takes time to load). Default 0. */
  readonly unhealthyProbes?: number;
}

/** A deployment as a page shows it. */
export interface InferenceDeploymentSnapshot {
  readonly service: string;
  readonly slot: DeploymentSlot;
  readonly version: string;
  readonly url: string;
  readonly settings: Readonly<InferenceServiceBehaviour>;
}

/**
 * The deployed inference services of a sandbox or a test, by service and slot, each an
 * {@link InferenceServiceStandIn} on its own free port. Deploying to a taken slot redeploys in
 * place (same URL, so Prometheus keeps scraping it); {@link promote} moves the canary's version
 * to stable and removes the canary; {@link remove} is a rollback of the canary.
 */
export class InferenceDeployments {
  private readonly deployments = new Map<string, InferenceServiceStandIn>();
  private readonly listeners = new ChangeListeners<InferenceDeploymentChange>();
  private readonly defaults: Partial<InferenceServiceBehaviour>;

  /** `defaults`: behaviour every new deployment starts with (e.g. less traffic in a sandbox). */
  constructor(defaults: Partial<InferenceServiceBehaviour> = {}) {
    this.defaults = defaults;
  }

  /** Deploys (or redeploys in place) `modelVersion` of `service` to `slot`; answers the running instance. */
  async deploy(request: DeployRequest): Promise<InferenceServiceStandIn> {
    const key = keyOf(request.service, request.slot);
    const existing = this.deployments.get(key);
    const { service, slot, modelVersion, modelName, unhealthyProbes, ...behaviour } = request;
    let instance: InferenceServiceStandIn;
    if (existing) {
      existing.redeploy(modelVersion, unhealthyProbes);
      // A new version starts from the defaults: faults set on the old one do not carry over.
      existing.configure({ ...defaultBehaviour, ...this.defaults, ...behaviour });
      await existing.setDown(false);
      instance = existing;
    } else {
      instance = new InferenceServiceStandIn({
        ...this.defaults,
        ...behaviour,
        service,
        slot,
        modelVersion,
        ...(modelName === undefined ? {} : { modelName }),
        ...(unhealthyProbes === undefined ? {} : { unhealthyProbes }),
      });
      await instance.start();
      this.deployments.set(key, instance);
    }
    this.listeners.emit({ type: 'deployed', service, slot, version: modelVersion, url: instance.url });
    return instance;
  }

  /** The deployment of `service` in `slot`, if any. */
  get(service: string, slot: DeploymentSlot): InferenceServiceStandIn | undefined {
    return this.deployments.get(keyOf(service, slot));
  }

  /** Stops and forgets the deployment; false when there was none. */
  async remove(service: string, slot: DeploymentSlot): Promise<boolean> {
    const key = keyOf(service, slot);
    const instance = this.deployments.get(key);
    if (!instance) return false;
    this.deployments.delete(key);
    await instance.stop();
    this.listeners.emit({ type: 'removed', service, slot });
    return true;
  }

  /** The canary's version becomes stable (deployed in place) and the canary goes; the new stable instance. */
  async promote(service: string): Promise<InferenceServiceStandIn> {
    const canary = this.get(service, 'canary');
    if (!canary) throw new Error(`${service} has no canary deployment to promote`);
    const stable = await this.deploy({ service, slot: 'stable', modelVersion: canary.modelVersion, ...canary.settings });
    await this.remove(service, 'canary');
    return stable;
  }

  /** Every deployment. */
  list(): InferenceServiceStandIn[] {
    return [...this.deployments.values()];
  }

  /** `127.0.0.1:PORT` of every deployment, for Prometheus' static targets. */
  targets(): string[] {
    return this.list().map((instance) => instance.target);
  }

  /** The deployments as plain JSON. */
  snapshot(): InferenceDeploymentSnapshot[] {
    return this.list().map((instance) => ({
      service: instance.service,
      slot: instance.slot,
      version: instance.modelVersion,
      url: instance.url,
      settings: instance.settings,
    }));
  }

  /** Calls `listener` on every deploy and removal; answers the unsubscribe. */
  onChange(listener: (change: InferenceDeploymentChange) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Stops every deployment. */
  async stopAll(): Promise<void> {
    const all = [...this.deployments.entries()];
    this.deployments.clear();
    await Promise.all(all.map(([, instance]) => instance.stop()));
  }
}

function keyOf(service: string, slot: DeploymentSlot): string {
  return `${service}\u0000${slot}`;
}
