/**
 * A real MLflow tracking server from the project's venv (scripts/setup-mlflow.sh), for the
 * integration tests and the local sandbox.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../src/engine/local.ts';
import { startChildServer } from './child-server.ts';

const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The virtual environment scripts/setup-mlflow.sh installs MLflow into. */
export const mlflowVenv = join(projectRoot, '.venv-mlflow');

/** The Python of {@link mlflowVenv}, with mlflow and scikit-learn. */
export const mlflowPython = join(mlflowVenv, 'bin', 'python');

/** The model template's training script. */
export const trainScript = join(projectRoot, 'deploy', 'model-template', 'ml_model', 'train', 'train.py');

export interface MlflowServer {
  /** Root URL, without a trailing slash: http://127.0.0.1:PORT */
  readonly url: string;
  /** The server's output. */
  readonly logFile: string;
  /** Stops the server and every process it started, and removes its data unless `keepData`. */
  stop(): Promise<void>;
}

export interface StartMlflowServerOptions {
  /** Listen on this port; default a free one. */
  readonly port?: number;
  /** The venv with MLflow; {@link mlflowVenv} by default. */
  readonly venv?: string;
  /** How long the server may take to answer /health; 90 s by default (about 12 s on 2 cores). */
  readonly startupTimeoutMs?: number;
  /** Leave the database, artifacts and log in place after stop. */
  readonly keepData?: boolean;
}

/**
 * Starts a real MLflow tracking server from {@link mlflowVenv} on a free loopback port, with
 * a throw-away SQLite database and artifact store in a temporary directory. Artifacts are
 * proxied by the server (`mlflow-artifacts:/`), as in a shared deployment, so clients need no
 * access to its disk. MLflow's background job runner (GenAI evaluation jobs) is switched off:
 * it starts a handful of busy consumers the tests do not need. The server runs in its own
 * process group, which stop() ends as a whole.
 */
export async function startMlflowServer(options: StartMlflowServerOptions = {}): Promise<MlflowServer> {
  const mlflow = join(options.venv ?? mlflowVenv, 'bin', 'mlflow');
  if (!existsSync(mlflow)) throw new Error(`MLflow is not installed: run scripts/setup-mlflow.sh (no ${mlflow})`);

  const dataDir = await mkdtemp(join(tmpdir(), 'model-lifecycle-mlflow-'));
  const logFile = join(dataDir, 'mlflow.log');
  const port = options.port ?? (await findFreePort());
  const url = `http://127.0.0.1:${port}`;
  const { stop } = await startChildServer({
    name: 'MLflow server',
    command: mlflow,
    args: [
      'server',
      '--host', '127.0.0.1',
      '--port', String(port),
      '--backend-store-uri', `sqlite:///${join(dataDir, 'mlflow.db')}`,
      '--artifacts-destination', join(dataDir, 'artifacts'),
      '--workers', '1',
    ],
    env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', PYTHONUNBUFFERED: '1' },
    dataDir,
    logFile,
    url,
    readyPath: '/health',
    startupTimeoutMs: options.startupTimeoutMs ?? 90_000,
    pollMs: 250,
    ...(options.keepData === undefined ? {} : { keepData: options.keepData }),
  });
  return { url, logFile, stop };
}

export interface TrainingRun {
  readonly runId: string;
  /** Everything the script printed. */
  readonly output: string;
}

/**
 * Runs the model template's train.py with the venv's Python against `trackingUri`, the way
 * the training build does: settings through the environment, the run id on the last line.
 */
export async function runTrainScript(trackingUri: string, env: Readonly<Record<string, string>>): Promise<TrainingRun> {
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, MLFLOW_TRACKING_URI: trackingUri, ...env };
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done, fail) =>
    execFile(mlflowPython, [trainScript], { env: childEnv, cwd: tmpdir(), timeout: 120_000, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`train.py failed: ${error.message}\n${stdout}\n${stderr}`));
      else done({ stdout, stderr });
    }),
  );
  const lastLine = stdout.trimEnd().split('\n').at(-1) ?? '';
  if (!lastLine.startsWith('MLFLOW_RUN_ID=')) throw new Error(`train.py did not end with an MLFLOW_RUN_ID line:\n${stdout}\n${stderr}`);
  return { runId: lastLine.slice('MLFLOW_RUN_ID='.length).trim(), output: `${stdout}${stderr}` };
}
