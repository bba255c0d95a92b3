import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { parseSampleValue, PrometheusClient, type PrometheusClientOptions } from '../../src/clients/prometheus.ts';
import { bodyObject, fixture, recordedRetry, useNock } from './support.ts';

useNock();

// Answers recorded from Prometheus 2.42 (test/fixtures/prometheus/SOURCES.md).
const BASE = 'https://prometheus.example.com';
const ERROR_RATIO = '(sum(rate(http_requests_total{service="iris-classifier",track="canary",code=~"5.."}[10s])) or vector(0)) / sum(rate(http_requests_total{service="iris-classifier",track="canary"}[10s]))';

function client(options: Partial<PrometheusClientOptions> = {}): PrometheusClient {
  return new PrometheusClient({ baseUrl: `${BASE}/`, retry: { retries: 0 }, ...options });
}

describe('PrometheusClient.query', () => {
  it('posts the query form-encoded to /api/v1/query and reads a vector with its labels and values', async () => {
    let sent: Record<string, unknown> = {};
    nock(BASE)
      .post('/api/v1/query', (body: unknown) => {
        sent = bodyObject(body);
        return true;
      })
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(200, fixture('prometheus/query-vector-several.json'));

    const result = await client().query('sum by (track) (rate(http_requests_total{service="iris-classifier"}[10s]))', new Date('2026-11-30T12:00:00.250Z'));

    expect(sent).toEqual({ query: 'sum by (track) (rate(http_requests_total{service="iris-classifier"}[10s]))', time: '1796040000.250' });
    expect(result.resultType).toBe('vector');
    if (result.resultType !== 'vector') return;
    expect(result.series.map((series) => series.metric)).toEqual([{ track: 'stable' }, { track: 'canary' }]);
    expect(result.series[0]?.value).toBeCloseTo(15.328, 3);
    expect(result.series[0]?.timestamp).toBeCloseTo(1796042996.514, 3);
  });

  it('reads a scalar', async () => {
    nock(BASE).post('/api/v1/query').reply(200, fixture('prometheus/query-scalar.json'));
    await expect(client().query('scalar(vector(0.25))')).resolves.toMatchObject({ resultType: 'scalar', value: 0.25 });
  });

  it('sends a bearer token, or basic auth', async () => {
    nock(BASE).post('/api/v1/query').matchHeader('authorization', 'Bearer s3cret').reply(200, fixture('prometheus/query-scalar.json'));
    await client({ token: 's3cret' }).query('scalar(vector(0.25))');
    nock(BASE)
      .post('/api/v1/query')
      .matchHeader('authorization', `Basic ${Buffer.from('robot:pw').toString('base64')}`)
      .reply(200, fixture('prometheus/query-scalar.json'));
    await client({ username: 'robot', password: 'pw' }).query('scalar(vector(0.25))');
  });

  it('turns status "error" into a ClientError naming the query and Prometheus\' text, not retried', async () => {
    const { retry, waits } = recordedRetry();
    nock(BASE).post('/api/v1/query').reply(400, fixture('prometheus/error-bad-data.json'));
    const bad = 'sum(rate(http_requests_total{service="iris-classifier"[1m]))';

    const error = await client({ retry }).query(bad).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).retryable).toBe(false);
    expect((error as ClientError).message).toBe(
      `Prometheus: evaluating the query ${bad} failed: 400 Bad Request: bad_data: invalid parameter "query": 1:55: parse error: unexpected character inside braces: '[' — fix the query in [[delivery.canary.analysis.queries]] of the policy`,
    );
    expect(waits).toEqual([]);
  });

  it('retries 503, waiting what Retry-After asks', async () => {
    const { retry, waits } = recordedRetry({ retries: 3 });
    nock(BASE)
      .post('/api/v1/query')
      .reply(503, 'Service Unavailable', { 'retry-after': '2' })
      .post('/api/v1/query')
      .reply(502, 'Bad Gateway')
      .post('/api/v1/query')
      .reply(200, fixture('prometheus/query-vector.json'));

    await expect(client({ retry }).queryValue(ERROR_RATIO)).resolves.toBeCloseTo(0.2034, 4);
    expect(waits).toEqual([2_000, 2]);
  });

  it('retries a dropped connection', async () => {
    // nock cannot drop a fetch's socket: a loopback server drops the first request and answers the second.
    nock.enableNetConnect('127.0.0.1');
    let requests = 0;
    const server = createServer((req, res) => {
      requests += 1;
      if (requests === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixture('prometheus/query-vector-p99.json')));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { retry, waits } = recordedRetry();
      const port = (server.address() as AddressInfo).port;
      await expect(new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}`, retry }).queryValue('p99')).resolves.toBeCloseTo(0.145, 3);
      expect(waits).toEqual([1]);
      expect(requests).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      nock.disableNetConnect();
    }
  });

  it('gives up after the retries with the status and a hint', async () => {
    const { retry } = recordedRetry({ retries: 1 });
    nock(BASE).post('/api/v1/query').times(2).reply(503, 'Service Unavailable');
    await expect(client({ retry }).query('up')).rejects.toThrow(/^Prometheus: evaluating the query up failed: 503 Service Unavailable — Prometheus failed on its side/);
  });

  it('refuses a range vector: an analysis query must give one number', async () => {
    nock(BASE).post('/api/v1/query').reply(200, fixture('prometheus/query-matrix.json'));
    await expect(client().query('http_requests_total[2s]')).rejects.toThrow(/the query gives a matrix, not one number — a canary query is an instant query/);
  });

  it('names a wrong base URL when the answer is not the API', async () => {
    nock(BASE).post('/api/v1/query').reply(200, '<html>login</html>');
    await expect(client().query('up')).rejects.toThrow(/not JSON — check PROMETHEUS_URL/);
  });
});

describe('PrometheusClient.queryValue', () => {
  it('answers the one number of a single-series vector', async () => {
    nock(BASE).post('/api/v1/query').reply(200, fixture('prometheus/query-vector-p99.json'));
    await expect(client().queryValue('histogram_quantile(…)')).resolves.toBeCloseTo(0.145, 3);
  });

  it('answers null for an empty vector (no series, no traffic) and for NaN (0/0)', async () => {
    nock(BASE).post('/api/v1/query').reply(200, fixture('prometheus/query-vector-empty.json'));
    await expect(client().queryValue('sum(rate(http_requests_total{service="no-such-service"}[10s]))')).resolves.toBeNull();
    nock(BASE).post('/api/v1/query').reply(200, fixture('prometheus/query-vector-nan.json'));
    await expect(client().queryValue('x / 0')).resolves.toBeNull();
  });

  it('refuses several series, asking for an aggregation', async () => {
    nock(BASE).post('/api/v1/query').reply(200, fixture('prometheus/query-vector-several.json'));
    await expect(client().queryValue('sum by (track) (x)')).rejects.toThrow(
      'Prometheus: evaluating the query sum by (track) (x) failed: the query gives 2 series ({track="stable"}, {track="canary"}), not one number — aggregate it to one series, e.g. sum(…) or max(…)',
    );
  });
});

describe('parseSampleValue', () => {
  it('reads floats and the special values Prometheus writes', () => {
    expect(parseSampleValue('0.25')).toBe(0.25);
    expect(parseSampleValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('1e-3')).toBe(0.001);
  });
});
