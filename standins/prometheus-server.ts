/**
 * A real Prometheus server (Debian's `prometheus` package, /usr/bin/prometheus) on loopback,
 * for the canary-analysis tests and the local sandbox: it scrapes the targets it is given every
 * second and answers PromQL through its HTTP API, so the analysis runs real queries.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../src/engine/local.ts';

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
  const out = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--storage.tsdb.retention.time=1d',
    ],
    { cwd: dataDir, detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Prometheus did not start: ${logTail(logFile)}`);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      done();
    }),
  );
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  };
  // A run that ends without stop() takes the server with it.
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    killGroup('SIGTERM');
    await Promise.race([exit, sleep(5_000)]);
    killGroup('SIGKILL');
    if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
  };

  const setTargets = async (targets: readonly PrometheusTarget[]): Promise<void> => {
    current = [...targets];
    await writeFile(configFile, prometheusConfig(current, scrapeInterval));
    const response = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`Prometheus refused the new configuration: ${response.status} ${(await response.text()).trim()}`);
  };

  const timeoutMs = options.startupTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`Prometheus exited during startup (${exited.signal ?? `code ${exited.code}`}): ${logTail(logFile)}`);
    }
    if (await ready(url)) return { url, logFile, setTargets, targets: () => current, stop };
    if (Date.now() > deadline) {
      const tail = logTail(logFile);
      await stop();
      throw new Error(`Prometheus did not answer ${url}/-/ready within ${timeoutMs} ms: ${tail}`);
    }
    await sleep(200);
  }
}

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
