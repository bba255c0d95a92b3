/**
 * The canary analysis against a real Prometheus (Debian's /usr/bin/prometheus) scraping
 * inference-service stand-ins every second: the default queries run as real PromQL through the
 * HTTP API, each tick folded into the analysis state as the delivery stage's timer does.
 *
 * Needs no engine: it is an integration test because it runs a real server. Four services are
 * deployed at once so one Prometheus and one warm-up serve every case:
 * - `healthy`: canary and stable alike → pass after min_samples;
 * - `erroring`: the canary answers 30% 500s → fail naming error-ratio and its value;
 * - `slow`: the canary is 5× slower → fail on latency-p99;
 * - `silent`: deployed without traffic, and `ghost`: not deployed at all → inconclusive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureQueries, PrometheusClient } from '../../src/clients/prometheus.ts';
import {
  DEFAULT_ANALYSIS_QUERIES,
  evaluateSample,
  finalVerdict,
  foldAnalysis,
  initialAnalysisState,
  planQueries,
  type AnalysisLimits,
  type AnalysisState,
} from '../../src/domain/canary-analysis.ts';
import { InferenceDeployments } from '../../standins/inference-service.ts';
import { prometheusUnavailableReason, startPrometheus, type PrometheusServer } from '../support/prometheus.ts';

const WINDOW = '10s';
const limits: AnalysisLimits = { failureLimit: 1, minSamples: 3 };
const TICKS = 4;

let prometheus: PrometheusServer;
let client: PrometheusClient;
const deployments = new InferenceDeployments({ requestsPerSecond: 40, latencySeconds: 0.05 });

/** What each service's analysis came to after each tick. */
const history = new Map<string, AnalysisState[]>();

async function tick(service: string, at: Date): Promise<void> {
  const planned = planQueries(DEFAULT_ANALYSIS_QUERIES, { service, window: WINDOW });
  const sample = evaluateSample(DEFAULT_ANALYSIS_QUERIES, await measureQueries(client, planned, at), at);
  const states = history.get(service) ?? [];
  states.push(foldAnalysis(states.at(-1) ?? initialAnalysisState(), sample, limits));
  history.set(service, states);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(async () => {
  const unavailable = prometheusUnavailableReason();
  if (unavailable) throw new Error(unavailable);
  for (const service of ['healthy', 'erroring', 'slow']) await deployments.deploy({ service, slot: 'stable', modelVersion: '1' });
  await deployments.deploy({ service: 'healthy', slot: 'canary', modelVersion: '2' });
  await deployments.deploy({ service: 'erroring', slot: 'canary', modelVersion: '2', errorRatio: 0.3 });
  await deployments.deploy({ service: 'slow', slot: 'canary', modelVersion: '2', latencySeconds: 0.25 });
  await deployments.deploy({ service: 'silent', slot: 'stable', modelVersion: '1', requestsPerSecond: 0 });
  await deployments.deploy({ service: 'silent', slot: 'canary', modelVersion: '2', requestsPerSecond: 0 });

  // Targets come in through a reload, as the sandbox adds a deployment to a running Prometheus.
  prometheus = await startPrometheus();
  await prometheus.setTargets(deployments.targets());
  client = new PrometheusClient({ baseUrl: prometheus.url, retry: { retries: 0 } });

  // Prometheus hands new targets to its scrapers every 5 s; wait until every trafficked track has a rate.
  const deadline = Date.now() + 45_000;
  const ready = async () => {
    const rates = await Promise.all(
      ['healthy', 'erroring', 'slow'].flatMap((service) =>
        ['canary', 'stable'].map((track) => client.queryValue(`sum(rate(http_requests_total{service="${service}",track="${track}"}[${WINDOW}]))`)),
      ),
    );
    return rates.every((rate) => rate !== null && rate > 0);
  };
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`Prometheus had no rates 45 s after the targets were set: see ${prometheus.logFile}`);
    await sleep(500);
  }

  for (let n = 0; n < TICKS; n += 1) {
    if (n > 0) await sleep(1_000);
    const at = new Date();
    for (const service of ['healthy', 'erroring', 'slow', 'silent', 'ghost']) await tick(service, at);
  }
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await deployments.stopAll();
});

function states(service: string): AnalysisState[] {
  return history.get(service) ?? [];
}

describe('canary analysis on a real Prometheus', () => {
  it('passes a canary like its stable version once min_samples samples passed', () => {
    const [first, second, third, fourth] = states('healthy');
    expect([first?.verdict, second?.verdict]).toEqual(['running', 'running']);
    expect(third?.verdict).toBe('pass');
    expect(fourth?.verdict).toBe('pass');
    expect(fourth?.reason).toBe('Canary analysis passed: 4 of 4 samples within every threshold (3 needed).');
    const errors = fourth?.queries.find((tally) => tally.name === 'error-ratio')?.last;
    expect(errors).toMatchObject({ status: 'pass', value: 0, stableValue: 0 });
    const p99 = fourth?.queries.find((tally) => tally.name === 'latency-p99')?.last;
    expect(p99?.value).toBeGreaterThan(0.05);
    expect(p99?.value).toBeLessThan(0.1);
  });

  it('fails a canary with a raised error ratio at the second failed sample, naming the query and the value', () => {
    const [first, second] = states('erroring');
    expect(first?.verdict).toBe('running');
    expect(second?.verdict).toBe('fail');
    const failed = second?.failure?.check;
    expect(failed).toMatchObject({ name: 'error-ratio', status: 'fail', stableValue: 0 });
    expect(failed?.value).toBeGreaterThan(0.25);
    expect(failed?.value).toBeLessThan(0.35);
    expect(second?.reason).toMatch(
      /^Canary analysis failed: error-ratio was 0\.[23]\d* on the canary, against at most 0\.01 \(stable 0 \+ 0\.01\), failing in 2 of 2 samples \(failure limit 1\)\.$/,
    );
    // The latency of that canary is fine: only the error ratio failed it.
    expect(second?.queries.find((tally) => tally.name === 'latency-p99')).toMatchObject({ failed: 0 });
    expect(states('erroring').slice(2).every((state) => state === second)).toBe(true);
  });

  it('fails a canary with a raised latency on p99 against the stable version', () => {
    const failedAt = states('slow').findIndex((state) => state.verdict === 'fail');
    expect(failedAt).toBe(1);
    const failed = states('slow')[failedAt];
    expect(failed?.failure?.check.name).toBe('latency-p99');
    expect(failed?.failure?.check.value).toBeGreaterThan(0.25);
    expect(failed?.reason).toMatch(/^Canary analysis failed: latency-p99 was 0\.\d+ on the canary, against at most 0\.1\d* \(stable 0\.0\d+ × 1\.2\)/);
  });

  it('is inconclusive, never a pass, without traffic or without any target', () => {
    for (const service of ['silent', 'ghost']) {
      const last = states(service).at(-1);
      expect(last?.verdict, service).toBe('inconclusive');
      expect(last).toMatchObject({ samples: TICKS, passed: 0, failed: 0, noData: TICKS });
      expect(last?.queries.map((tally) => tally.last.valueText)).toEqual(['no data', 'no data']);
      expect(last && finalVerdict(last)).toBe('inconclusive');
      expect(states(service).some((state) => state.verdict === 'pass')).toBe(false);
    }
  });
});
