import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusAvailable, prometheusConfig, prometheusUnavailableReason, startPrometheus, type PrometheusServer } from '../support/prometheus.ts';

describe('prometheusConfig', () => {
  it('scrapes each target every interval, with its labels', () => {
    expect(JSON.parse(prometheusConfig(['127.0.0.1:9001', { address: '127.0.0.1:9002', labels: { env: 'test' } }], '2s'))).toEqual({
      global: { scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '2s' },
      scrape_configs: [
        {
          job_name: 'inference',
          metrics_path: '/metrics',
          static_configs: [{ targets: ['127.0.0.1:9001'] }, { targets: ['127.0.0.1:9002'], labels: { env: 'test' } }],
        },
      ],
    });
  });

  it('says how to install Prometheus when the binary is missing', () => {
    expect(prometheusUnavailableReason('/nonexistent/prometheus')).toBe(
      'Prometheus is not installed (no /nonexistent/prometheus): install the Debian package, apt-get update && apt-get install -y prometheus',
    );
  });
});

describe.skipIf(!prometheusAvailable())('a real Prometheus on loopback', () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    prometheus = await startPrometheus(['127.0.0.1:9']);
  });
  afterAll(() => prometheus?.stop());

  it('is ready, answers PromQL, and takes new targets with a reload', async () => {
    const answer = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('vector(1) + 1')}`)).json()) as unknown;
    expect(answer).toMatchObject({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [expect.any(Number), '2'] }] } });

    await prometheus.setTargets(['127.0.0.1:19001', '127.0.0.1:19002']);
    const status = (await (await fetch(`${prometheus.url}/api/v1/status/config`)).json()) as { data: { yaml: string } };
    expect(status.data.yaml).toContain('- 127.0.0.1:19001');
    expect(status.data.yaml).toContain('- 127.0.0.1:19002');
    expect(status.data.yaml).not.toContain('127.0.0.1:9\n');
    expect(prometheus.targets()).toEqual(['127.0.0.1:19001', '127.0.0.1:19002']);
  });
});
