/**
 * A real Prometheus server (Debian's `prometheus` package, /usr/bin/prometheus) on loopback,
 * for the canary-analysis tests and the local sandbox: it scrapes the targets it is given every
 * second and answers PromQL through its HTTP API, so the analysis runs real queries.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../src/engine/local.ts';
import { startChildServer } from './child-server.ts';

/** Where Debian's `prometheus` package installs the server (`apt-get install prometheus`). */
export const prometheusBinary = '/usr/bin/prometheus';

/** A scrape target: `host:port`, or with labels Prometheus adds to every series it scrapes there. */
export type PrometheusTarget = string | { readonly address: string; readonly labels?: Readonly<Record<string, string>> };

export interface PrometheusServer {
  /** Root URL, without a trailing slash: http://127.0.0.1:PORT */
  readonly url: string;
  /** The server's output. */
  readonly logFile: string;
  /** Scrapes exactly these targets from now on: rewrites the configuration and reloads it (`POST /-/reload`). */
  setTargets(targets: readonly PrometheusTarget[]): Promise<void>;
  /** The targets it scrapes now. */
  targets(): readonly PrometheusTarget[];
  /** Stops the server and removes its data unless `keepData`. */
  stop(): Promise<void>;
}

export interface StartPrometheusServerOptions {
  /** What to scrape at first; {@link PrometheusServer.setTargets} changes it. Default none. */
  readonly targets?: readonly PrometheusTarget[];
  /** `scrape_interval` (a Prometheus duration). Default "1s". */
  readonly scrapeInterval?: string;
  /** Listen on this port; default a free one. */
  readonly port?: number;
  /** The server binary; {@link prometheusBinary} by default. */
  readonly binary?: string;
  /** How long the server may take to answer /-/ready. Default 30 s. */
  readonly startupTimeoutMs?: number;
  /** Leave the data directory and the log in place after stop. */
  readonly keepData?: boolean;
}

/** True when the Prometheus server binary is installed. */
export function prometheusAvailable(binary: string = prometheusBinary): boolean {
  return existsSync(binary);
}

/** Why a Prometheus server cannot start here, or undefined when it can. */
export function prometheusUnavailableReason(binary: string = prometheusBinary): string | undefined {
  return prometheusAvailable(binary)
    ? undefined
    : `Prometheus is not installed (no ${binary}): install the Debian package, apt-get update && apt-get install -y prometheus`;
}

/**
 * The configuration file for `targets`: one job, `inference`, scraping each target's
 * `/metrics`. YAML is a superset of JSON, so the file is written as JSON.
 */
export function prometheusConfig(targets: readonly PrometheusTarget[], scrapeInterval = '1s'): string {
  const groups = targets.map((target) =>
    typeof target === 'string' ? { targets: [target] } : { targets: [target.address], ...(target.labels ? { labels: { ...target.labels } } : {}) },
  );
  return `${JSON.stringify(
    {
      global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
      scrape_configs: [{ job_name: 'inference', metrics_path: '/metrics', static_configs: groups }],
    },
    null,
    2,
  )}\n`;
}

/**
 * Starts {@link prometheusBinary} on a free loopback port with a throw-away data directory,
 * scraping `targets` every `scrapeInterval`, and waits until it answers `/-/ready`. The
 * lifecycle API is on (`--web.enable-lifecycle`) so {@link PrometheusServer.setTargets} can
 * reload the configuration. The server runs in its own process group, which stop() ends.
 */
export async function startPrometheusServer(options: StartPrometheusServerOptions = {}): Promise<PrometheusServer> {
  const binary = options.binary ?? prometheusBinary;
  const unavailable = prometheusUnavailableReason(binary);
  if (unavailable) throw new Error(unavailable);

  const dataDir = await mkdtemp(join(tmpdir(), 'model-lifecycle-prometheus-'));
  const configFile = join(dataDir, 'prometheus.yml');
  const logFile = join(dataDir, 'prometheus.log');
  const scrapeInterval = options.scrapeInterval ?? '1s';
  let current: readonly PrometheusTarget[] = [...(options.targets ?? [])];
  await writeFile(configFile, prometheusConfig(current, scrapeInterval));

  const port = options.port ?? (await findFreePort());
  const url = `http://127.0.0.1:${port}`;
  const { stop } = await startChildServer({
    name: 'Prometheus',
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--storage.tsdb.retention.time=1d',
    ],
    dataDir,
    logFile,
    url,
    readyPath: '/-/ready',
    startupTimeoutMs: options.startupTimeoutMs ?? 30_000,
    pollMs: 200,
    ...(options.keepData === undefined ? {} : { keepData: options.keepData }),
  });

  const setTargets = async (targets: readonly PrometheusTarget[]): Promise<void> => {
    current = [...targets];
    await writeFile(configFile, prometheusConfig(current, scrapeInterval));
    const response = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`Prometheus refused the new configuration: ${response.status} ${(await response.text()).trim()}`);
  };

  return { url, logFile, setTargets, targets: () => current, stop };
}
