import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signJenkinsCallback } from '../src/http/verify-jenkins.ts';
import type { JobRunner } from './jenkins.ts';

/**
 * What deploy/jenkins/train.Jenkinsfile does, played by the Jenkins stand-in: the stages
 * "Checkout", "Validate input", "Train" (the model template's real train.py against a real
 * MLflow server) and "Validate output", then the signed end-of-build callback of its `post`
 * block. A behaviour chosen per ticket makes a build fail, hang, underfit or stay silent, so
 * every path of the training stage can be played.
 */
export interface TrainingBehaviour {
  /** Fail this stage with an error, e.g. "Train". */
  readonly failStage?: string;
  /** Train with hyperparameters that underfit (recall about 0.71), to miss a recall gate. */
  readonly underfit?: boolean;
  /** Skip MLflow: the build succeeds but logs no run. */
  readonly noRun?: boolean;
  /** Keep running this long before training, e.g. to outlast the policy's timeout. */
  readonly hangMs?: number;
  /** Send no callback (a lost callback): the lifecycle must find the end by polling. */
  readonly noCallback?: boolean;
}

export interface TrainingJobOptions {
  /** Python with mlflow and scikit-learn (the project's .venv-mlflow). */
  readonly python: string;
  /** The model template's ml_model/train/train.py. */
  readonly trainScript: string;
  readonly mlflowUrl: string;
  /** JENKINS_CALLBACK_SECRET of the service. */
  readonly callbackSecret: string;
  /** The behaviour for a build, by its parameters (e.g. by JIRA_KEY); default: a good training. */
  readonly behaviour?: (parameters: Readonly<Record<string, string>>) => TrainingBehaviour;
  /** Called with each callback sent and its HTTP status. */
  readonly onCallback?: (body: Record<string, unknown>, status: number) => void;
}

export function trainingJob(options: TrainingJobOptions): JobRunner {
  return async (build) => {
    const p = build.parameters;
    const behaviour = options.behaviour?.(p) ?? {};
    let runId: string | undefined;
    let result: 'SUCCESS' | 'FAILURE' | 'ABORTED' = 'SUCCESS';
    try {
      await build.stage('Checkout', async () => {
        build.log(`Checking out ${p.REPOSITORY ?? '?'} at ${p.GIT_COMMIT ?? '?'}`);
        if (behaviour.failStage === 'Checkout') throw new Error(`fatal: reference is not a tree: ${p.GIT_COMMIT ?? ''}`);
      });
      await build.stage('Validate input', async () => {
        for (const name of ['MODEL_NAME', 'JIRA_KEY', 'BUILD_KEY', 'GIT_COMMIT', 'CALLBACK_URL']) {
          if (!p[name]) throw new Error(`parameter ${name} is empty`);
        }
        build.log(`Trainer image ${p.TRAINER_IMAGE ?? '?'}`);
        if (behaviour.failStage === 'Validate input') throw new Error('dataset churn-train is not registered in DVC');
      });
      await build.stage('Train', async () => {
        if (behaviour.hangMs) await sleep(behaviour.hangMs, build.signal);
        if (behaviour.failStage === 'Train') {
          build.log('Traceback (most recent call last):');
          build.log('  File "ml_model/train/train.py", line 48, in main');
          build.log("KeyError: 'churn_label'");
          throw new Error('script returned exit code 1');
        }
        if (behaviour.noRun) {
          build.log('MLFLOW_TRACKING_URI is not set; nothing was logged');
          return;
        }
        runId = await train(options, p, build.url, behaviour.underfit === true, build.log, build.signal);
      });
      await build.stage('Validate output', async () => {
        build.log(runId ? `MLflow run ${runId}` : 'no MLflow run id');
      });
    } catch (error) {
      result = build.signal.aborted ? 'ABORTED' : 'FAILURE';
      build.log(`ERROR: ${(error as Error).message}`);
    } finally {
      // As the Jenkinsfile: the callback's body is archived, then sent.
      build.archive('callback.json', JSON.stringify(callbackBody(build.url, p, result, runId)));
      if (!behaviour.noCallback) await callback(options, build.url, p, result, runId, build.log);
    }
    return result;
  };
}

async function train(
  options: TrainingJobOptions,
  p: Readonly<Record<string, string>>,
  buildUrl: string,
  underfit: boolean,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'train-'));
  const runIdFile = join(dir, 'run-id');
  try {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      MLFLOW_TRACKING_URI: options.mlflowUrl,
      MLFLOW_EXPERIMENT_NAME: p.MODEL_NAME ?? 'model',
      MLFLOW_RUN_ID_FILE: runIdFile,
      JIRA_KEY: p.JIRA_KEY ?? '',
      BUILD_KEY: p.BUILD_KEY ?? '',
      GIT_COMMIT: p.GIT_COMMIT ?? '',
      BUILD_URL: buildUrl,
      MODEL_NAME: p.MODEL_NAME ?? '',
      MODEL_VERSION: p.MODEL_VERSION ?? '',
      ...(underfit ? { SVC_C: '0.001', SVC_KERNEL: 'poly' } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const child = spawn(options.python, [options.trainScript], { env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines = (chunk: Buffer) => chunk.toString('utf8').split('\n').filter((line) => line.trim() !== '').forEach(log);
      child.stdout.on('data', lines);
      child.stderr.on('data', lines);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`script returned exit code ${code}`))));
    });
    return (await readFile(runIdFile, 'utf8')).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function callback(
  options: TrainingJobOptions,
  buildUrl: string,
  p: Readonly<Record<string, string>>,
  result: string,
  runId: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  const url = p.CALLBACK_URL;
  if (!url) return;
  const body = callbackBody(buildUrl, p, result, runId);
  const text = JSON.stringify(body);
  // As the Jenkinsfile's curl --retry 5: a 5xx or no answer is tried again.
  for (let attempt = 1; attempt <= 6; attempt++) {
    try {
      const headers = { 'content-type': 'application/json', ...signJenkinsCallback(options.callbackSecret, text, Math.floor(Date.now() / 1000)) };
      const response = await fetch(url, { method: 'POST', headers, body: text });
      log(`callback ${url}: ${response.status}`);
      options.onCallback?.(body, response.status);
      if (response.status < 500) return;
    } catch (error) {
      log(`callback ${url} failed: ${(error as Error).message}`);
    }
    await sleep(500 * attempt);
  }
}

function callbackBody(buildUrl: string, p: Readonly<Record<string, string>>, result: string, runId: string | undefined): Record<string, unknown> {
  return { buildKey: p.BUILD_KEY, jiraKey: p.JIRA_KEY, buildUrl, result, outputs: runId ? { mlflow_run_id: runId } : {} };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}
