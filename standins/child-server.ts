/**
 * The process plumbing of the real servers the tests and the sandbox start (MLflow,
 * Prometheus): launch in its own process group with its output in a log file, wait until it
 * answers a readiness path, and stop the whole group.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';

export interface ChildServerOptions {
  /** How errors name the server: "Prometheus", "MLflow server". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Working directory, removed on stop unless `keepData`. */
  readonly dataDir: string;
  /** Where the server's stdout and stderr go. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Root URL, without a trailing slash. */
  readonly url: string;
  /** Answers 2xx once the server is ready: `/-/ready`, `/health`. */
  readonly readyPath: string;
  readonly startupTimeoutMs: number;
  /** Pause between readiness checks. */
  readonly pollMs: number;
  readonly keepData?: boolean;
}

export interface ChildServer {
  /** Ends the process group (SIGTERM, then SIGKILL after at most 5 s) and removes the data unless `keepData`; twice is fine. */
  stop(): Promise<void>;
}

/**
 * Spawns the server detached (its own process group, so stop() also ends what it starts) and
 * resolves once `readyPath` answers. A server that exits or stays silent past the startup
 * timeout is stopped and the error carries the end of its log. A run that ends without stop()
 * takes the server with it.
 */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const { name, url, logFile } = options;
  const out = openSync(logFile, 'a');
  const child = spawn(options.command, options.args, {
    cwd: options.dataDir,
    detached: true,
    stdio: ['ignore', out, out],
    ...(options.env ? { env: options.env } : {}),
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start: ${logTail(logFile)}`);

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
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    killGroup('SIGTERM');
    await Promise.race([exit, sleep(5_000)]);
    // Workers (uvicorn's) and anything else the server left behind.
    killGroup('SIGKILL');
    if (!options.keepData) await rm(options.dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + options.startupTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`${name} exited during startup (${exited.signal ?? `code ${exited.code}`}): ${logTail(logFile)}`);
    }
    if (await answers(`${url}${options.readyPath}`)) return { stop };
    if (Date.now() > deadline) {
      const tail = logTail(logFile);
      await stop();
      throw new Error(`${name} did not answer ${url}${options.readyPath} within ${options.startupTimeoutMs} ms: ${tail}`);
    }
    await sleep(options.pollMs);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
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
