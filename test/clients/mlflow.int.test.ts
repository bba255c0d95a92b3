import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { MlflowClient, type MlflowRun } from '../../src/clients/mlflow.ts';
import { mlflowUrl, runTrainScript } from '../support/mlflow-server.ts';
import { recordedRetry } from './support.ts';

// One experiment (the model name) per test file run, so reruns against MLFLOW_TEST_URL start clean.
const model = `churn-predictor-${randomUUID().slice(0, 8)}`;
const jiraKey = 'ML-42';
const goodBuild = `${jiraKey}-train-1`;
const weakBuild = `${jiraKey}-train-2`;

function trainingEnv(buildKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MLFLOW_EXPERIMENT_NAME: model,
    JIRA_KEY: jiraKey,
    BUILD_KEY: buildKey,
    GIT_COMMIT: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
    BUILD_URL: `https://jenkins.example.com/job/ml/job/${model}/${buildKey.at(-1)}/`,
    MODEL_NAME: model,
    MODEL_VERSION: '0.1.0',
    ...extra,
  };
}

let mlflow: MlflowClient;
let good: MlflowRun;
let weak: MlflowRun;

/** Versions of `name` carrying tag `key` = `value`, straight from the REST API. */
async function versionsTagged(name: string, key: string, value: string): Promise<string[]> {
  const url = new URL(`${mlflowUrl()}/api/2.0/mlflow/model-versions/search`);
  url.searchParams.set('filter', `name = '${name}' and tags.\`${key}\` = '${value}'`);
  const answer = (await (await fetch(url)).json()) as { model_versions?: Array<{ version: string }> };
  return (answer.model_versions ?? []).map((version) => version.version);
}

beforeAll(async () => {
  mlflow = new MlflowClient({ baseUrl: mlflowUrl(), retry: { retries: 0 } });
  // The defaults train a good model; SVC_C=0.001 SVC_KERNEL=poly underfits (train.py says so).
  const started = Date.now();
  const goodRun = await runTrainScript(mlflowUrl(), trainingEnv(goodBuild));
  const weakRun = await runTrainScript(mlflowUrl(), trainingEnv(weakBuild, { SVC_C: '0.001', SVC_KERNEL: 'poly' }));
  console.info(`train.py: two runs in ${Date.now() - started} ms`);
  const [first, second] = await Promise.all([mlflow.getRun(goodRun.runId), mlflow.getRun(weakRun.runId)]);
  if (!first || !second) throw new Error('the runs train.py reported are not on the server');
  good = first;
  weak = second;
});

describe('MlflowClient against a real MLflow server', () => {
  it('reads a run train.py made: status, latest metrics, params, tags, times', () => {
    expect(good).toMatchObject({
      experimentId: expect.any(String),
      status: 'FINISHED',
      metrics: { recall: 1, precision: 1, f1: 1 },
      params: { C: '1.0', kernel: 'linear', random_state: '42' },
      tags: {
        jira_key: jiraKey,
        build_key: goodBuild,
        git_commit: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        jenkins_build_url: `https://jenkins.example.com/job/ml/job/${model}/1/`,
        model_name: model,
        model_version: '0.1.0',
      },
    });
    expect(good.runName).toEqual(expect.any(String));
    expect(Date.parse(good.startTime ?? '')).toBeLessThanOrEqual(Date.parse(good.endTime ?? ''));
    expect(good.artifactUri).toMatch(/^mlflow-artifacts:\//);
  });

  it('sees the weak setting fail a recall gate of 0.9, deterministically', () => {
    expect(weak.params).toMatchObject({ C: '0.001', kernel: 'poly' });
    expect(weak.metrics.recall).toBeCloseTo(0.7111, 4);
    expect(weak.metrics.recall).toBeLessThan(0.9);
  });

  it('answers null for a run MLflow does not know', async () => {
    await expect(mlflow.getRun('0123456789abcdef0123456789abcdef')).resolves.toBeNull();
  });

  it('finds the finished run by its tags, and the newest when several carry them', async () => {
    await expect(mlflow.findRunByTags(model, { build_key: goodBuild })).resolves.toMatchObject({ runId: good.runId });
    await expect(mlflow.findRunByTags(model, { jira_key: jiraKey, build_key: weakBuild })).resolves.toMatchObject({ runId: weak.runId });
    // The weak run was trained second.
    await expect(mlflow.findRunByTags(model, { jira_key: jiraKey })).resolves.toMatchObject({ runId: weak.runId });
  });

  it('checks a tag the search grammar cannot quote itself', async () => {
    await expect(mlflow.findRunByTags(model, { build_key: goodBuild, jira_key: `it's "${jiraKey}"` })).resolves.toBeNull();
  });

  it('answers null for a missing run or experiment', async () => {
    await expect(mlflow.findRunByTags(model, { build_key: `${jiraKey}-train-99` })).resolves.toBeNull();
    await expect(mlflow.findRunByTags(`${model}-nope`, { build_key: goodBuild })).resolves.toBeNull();
  });

  it('registers a version once per idempotency tag and sets its tags', async () => {
    const input = {
      name: model,
      runId: good.runId,
      source: `runs:/${good.runId}/model`,
      tags: { jira_key: jiraKey, build_key: goodBuild },
      idempotencyTag: { key: 'lifecycle_registration', value: `${jiraKey}:training:1` },
      description: `Trained by ${goodBuild}`,
    };

    const first = await mlflow.registerVersionOnce(input);
    const second = await mlflow.registerVersionOnce(input);

    expect(first).toEqual({ version: '1', created: true });
    expect(second).toEqual({ version: '1', created: false });
    expect(await versionsTagged(model, 'lifecycle_registration', `${jiraKey}:training:1`)).toEqual(['1']);
    await mlflow.setAlias(model, 'candidate', '1');
    await expect(mlflow.versionByAlias(model, 'candidate')).resolves.toEqual({
      version: '1',
      runId: good.runId,
      tags: { jira_key: jiraKey, build_key: goodBuild, lifecycle_registration: `${jiraKey}:training:1` },
    });
  });

  it('does not register twice when the answer to the create is lost', async () => {
    const proxy = await answerDroppingProxy(mlflowUrl(), '/api/2.0/mlflow/model-versions/create');
    try {
      const { retry, waits } = recordedRetry();
      const throughProxy = new MlflowClient({ baseUrl: proxy.url, retry });
      const tag = { key: 'lifecycle_registration', value: `${jiraKey}:training:2` };

      const result = await throughProxy.registerVersionOnce({ name: model, runId: weak.runId, source: `runs:/${weak.runId}/model`, tags: { build_key: weakBuild }, idempotencyTag: tag });

      // The create took effect; its answer never came; the retry looked, found it and sent nothing.
      expect(proxy.creates).toBe(1);
      expect(waits).toHaveLength(1);
      expect(result).toEqual({ version: '2', created: false });
      expect(await versionsTagged(model, tag.key, tag.value)).toEqual(['2']);
    } finally {
      await proxy.close();
    }
  });

  it('moves an alias and reads the version it points at', async () => {
    await mlflow.setAlias(model, 'champion', '1');
    await expect(mlflow.versionByAlias(model, 'champion')).resolves.toMatchObject({ version: '1', runId: good.runId });

    await mlflow.setAlias(model, 'champion', '2');
    await expect(mlflow.versionByAlias(model, 'champion')).resolves.toMatchObject({ version: '2', runId: weak.runId, tags: { build_key: weakBuild } });

    await expect(mlflow.versionByAlias(model, 'no-such-alias')).resolves.toBeNull();
    await expect(mlflow.versionByAlias(`${model}-nope`, 'champion')).resolves.toBeNull();
  });

  it('says what was wrong with a bad registration, and does not retry it', async () => {
    const error = await mlflow
      .registerVersionOnce({
        name: model,
        runId: good.runId,
        source: `runs:/${weak.runId}/model`,
        tags: {},
        idempotencyTag: { key: 'lifecycle_registration', value: `${jiraKey}:training:3` },
      })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClientError);
    const clientError = error as ClientError;
    expect(clientError.message).toBe(
      `MLflow: registering model ${model} version from run ${good.runId} failed: 400 Bad Request: INVALID_PARAMETER_VALUE: ` +
        `Invalid model version source: 'runs:/${weak.runId}/model'. The run_id request parameter must identify the resource that contains the source. — ` +
        `check the source runs:/${weak.runId}/model: it must be runs:/${good.runId}/<artifact path>, models:/<logged model id>, or a path inside the run's artifact directory, and run ${good.runId} must exist`,
    );
    expect(clientError.retryable).toBe(false);
    expect(await versionsTagged(model, 'lifecycle_registration', `${jiraKey}:training:3`)).toEqual([]);
  });

  it('links to the run and the model version in the MLflow UI', async () => {
    expect(mlflow.runUrl(good)).toBe(`${mlflowUrl()}/#/experiments/${good.experimentId}/runs/${good.runId}`);
    expect(mlflow.modelVersionUrl(model, '1')).toBe(`${mlflowUrl()}/#/models/${model}/versions/1`);
    // The UI itself is served at the root the links start from.
    const page = await fetch(`${mlflowUrl()}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});

/**
 * A loopback proxy to `target` that lets the first POST to `dropPath` through to the server
 * and, once the server has answered, cuts the connection instead of passing the answer on.
 */
async function answerDroppingProxy(target: string, dropPath: string): Promise<{ url: string; creates: number; close(): Promise<void> }> {
  const upstream = new URL(target);
  const state = { creates: 0, dropped: false };
  const server: Server = createServer((incoming, outgoing) => {
    const drop = incoming.method === 'POST' && incoming.url === dropPath && !state.dropped;
    if (incoming.method === 'POST' && incoming.url === dropPath) state.creates += 1;
    if (drop) state.dropped = true;
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: upstream.host } },
      (answer) => {
        if (drop) {
          answer.resume();
          answer.once('end', () => incoming.socket.destroy());
          return;
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.once('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get creates() {
      return state.creates;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

