/**
 * A real Prometheus for tests: standins/prometheus-server.ts, scraping every second. Tests that
 * need it call {@link startPrometheus} in `beforeAll` and `stop()` in `afterAll`; where the
 * binary is missing they skip with {@link prometheusUnavailableReason}'s message.
 */
import { startPrometheusServer, type PrometheusServer, type PrometheusTarget } from '../../standins/prometheus-server.ts';

export * from '../../standins/prometheus-server.ts';

/** Starts /usr/bin/prometheus on a free loopback port, scraping `targets` every second. */
export function startPrometheus(targets: readonly PrometheusTarget[] = []): Promise<PrometheusServer> {
  return startPrometheusServer({ targets, scrapeInterval: '1s' });
}
