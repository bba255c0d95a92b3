import { signJenkinsCallback } from '../src/http/verify-jenkins.ts';
import type { JobRunner } from '../standins/jenkins.ts';

/**
 * A fast stand-in for the training job, for `npm run bench:training`: instead of train.py it
 * logs a finished run straight to the real MLflow server over its REST API (the experiment of
 * the model name, the tags train.py sets, recall/precision/f1 passing the gate), then holds the
 * build until the bench releases it, then sends the signed end-of-build callback as
 * deploy/jenkins/train.Jenkinsfile does, and records when it was sent and answered. So the
 * bench decides when each callback goes, and the builds are already waiting when it does.
 */
export interface FastTrainingJobOptions {
  readonly mlflowUrl: string;
  /** JENKINS_CALLBACK_SECRET of the service. */
  readonly callbackSecret: string;
  /** Resolves when the build with this build key may send its callback. */
  readonly release: (buildKey: string) => Promise<void>;
  /** Called once the build's run is in MLflow and the build waits for its release. */
  readonly onReady?: (buildKey: string, runId: string) => void;
  /** Called with each callback: when it was sent and answered (epoch ms, sub-ms) and the status. */
  readonly onCallback?: (callback: SentCallback) => void;
  /** Epoch ms with sub-millisecond resolution; the bench's clock. */
  readonly now: () => number;
}

export interface SentCallback {
  readonly buildKey: string;
  readonly jiraKey: string;
  /** The first send (a retry keeps it: the latency counts from the job's first try). */
  readonly sentAt: number;
  readonly answeredAt: number;
  /** The last answer's status; 0 when no answer came. */
  readonly status: number;
  readonly tries: number;
}

/** What the bench's runs log: train.py's metrics, above the policy's recall.min of 0.9. */
const METRICS = { recall: 0.97, precision: 0.96, f1: 0.965 };

export function fastTrainingJob(options: FastTrainingJobOptions): JobRunner {
  return async (build) => {
    const p = build.parameters;
    const buildKey = p.BUILD_KEY ?? '';
    const runId = await build.stage('Train', () => logRun(options.mlflowUrl, p, build.url));
    build.log(`MLflow run ${runId}`);
    options.onReady?.(buildKey, runId);
    await untilReleased(options.release(buildKey), build.signal);
    await callback(options, build.url, p, runId, build.log);
    return 'SUCCESS';
  };
}

async function logRun(mlflowUrl: string, p: Readonly<Record<string, string>>, buildUrl: string): Promise<string> {
  const experimentId = await experimentIdOf(mlflowUrl, p.MODEL_NAME ?? 'model');
  const tags = {
    jira_key: p.JIRA_KEY,
    build_key: p.BUILD_KEY,
    git_commit: p.GIT_COMMIT,
    jenkins_build_url: buildUrl,
    model_name: p.MODEL_NAME,
    model_version: p.MODEL_VERSION,
  };
  const started = Date.now();
  const created = (await mlflow(mlflowUrl, 'runs/create', {
    experiment_id: experimentId,
    start_time: started,
    tags: Object.entries(tags).flatMap(([key, value]) => (value ? [{ key, value }] : [])),
  })) as { run: { info: { run_id: string } } };
  const runId = created.run.info.run_id;
  await mlflow(mlflowUrl, 'runs/log-batch', {
    run_id: runId,
    metrics: Object.entries(METRICS).map(([key, value]) => ({ key, value, timestamp: Date.now(), step: 0 })),
    params: [
      { key: 'C', value: '1.0' },
      { key: 'kernel', value: 'linear' },
    ],
  });
  await mlflow(mlflowUrl, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  return runId;
}

async function experimentIdOf(mlflowUrl: string, name: string): Promise<string> {
  const byName = await fetch(`${mlflowUrl}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`);
  if (byName.ok) return ((await byName.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
  if (byName.status !== 404) throw new Error(`MLflow experiments/get-by-name ${name}: ${byName.status} ${await byName.text()}`);
  return ((await mlflow(mlflowUrl, 'experiments/create', { name })) as { experiment_id: string }).experiment_id;
}

async function mlflow(mlflowUrl: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${mlflowUrl}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`MLflow ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function untilReleased(released: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    released.then(resolve, reject);
  });
}

async function callback(options: FastTrainingJobOptions, buildUrl: string, p: Readonly<Record<string, string>>, runId: string, log: (line: string) => void): Promise<void> {
  const url = p.CALLBACK_URL;
  if (!url) throw new Error('parameter CALLBACK_URL is empty');
  const buildKey = p.BUILD_KEY ?? '';
  const jiraKey = p.JIRA_KEY ?? '';
  const text = JSON.stringify({ buildKey, jiraKey, buildUrl, result: 'SUCCESS', outputs: { mlflow_run_id: runId } });
  const sentAt = options.now();
  let status = 0;
  let tries = 0;
  // As the Jenkinsfile's curl --retry 5: a 5xx or no answer is tried again.
  for (tries = 1; tries <= 6; tries++) {
    try {
      const headers = { 'content-type': 'application/json', ...signJenkinsCallback(options.callbackSecret, text, Math.floor(Date.now() / 1000)) };
      const response = await fetch(url, { method: 'POST', headers, body: text });
      await response.arrayBuffer();
      status = response.status;
      log(`callback ${url}: ${status}`);
      if (status < 500) break;
    } catch (error) {
      log(`callback ${url} failed: ${(error as Error).message}`);
    }
    await new Promise((done) => setTimeout(done, 500 * tries));
  }
  options.onCallback?.({ buildKey, jiraKey, sentAt, answeredAt: options.now(), status, tries: Math.min(tries, 6) });
}
