import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { MlflowClient, type MlflowClientOptions } from '../../src/clients/mlflow.ts';
import { bodyObject, fixture, recordedRetry, useNock } from './support.ts';

useNock();

// Payloads recorded from MLflow 3.17.2 (the pin of scripts/setup-mlflow.sh) answering train.py's runs.
const BASE = 'https://mlflow.example.com';
const API = '/api/2.0/mlflow';
const RUN_ID = '5252bdd956014431965a52cadb40c4e0';
const OTHER_RUN_ID = 'c6764c477543499cbd408435e76e9f48';

function client(options: Partial<MlflowClientOptions> = {}): MlflowClient {
  return new MlflowClient({ baseUrl: `${BASE}/`, retry: { retries: 0 }, ...options });
}

const registration = {
  name: 'churn-predictor',
  runId: RUN_ID,
  source: `runs:/${RUN_ID}/model`,
  tags: { build_key: 'ML-7-train-1' },
  idempotencyTag: { key: 'lifecycle_registration', value: 'ML-7:training:1' },
};

describe('MlflowClient.getRun', () => {
  it('reads the run: latest metrics, params and tags as maps, times as ISO', async () => {
    nock(BASE).get(`${API}/runs/get`).query({ run_id: RUN_ID }).reply(200, fixture('mlflow/runs-get.json'));

    const run = await client().getRun(RUN_ID);

    expect(run).toMatchObject({
      runId: RUN_ID,
      experimentId: '1',
      runName: 'vaunted-stork-159',
      status: 'FINISHED',
      metrics: { recall: 1, precision: 1, f1: 1 },
      params: { C: '1.0', kernel: 'linear', random_state: '42', test_size: '0.3' },
      tags: { jira_key: 'ML-7', build_key: 'ML-7-train-1', model_name: 'churn-predictor', 'mlflow.runName': 'vaunted-stork-159' },
      artifactUri: `mlflow-artifacts:/1/${RUN_ID}/artifacts`,
    });
    expect(run?.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(run?.endTime).toMatch(/Z$/);
  });

  it('answers null when MLflow says RESOURCE_DOES_NOT_EXIST', async () => {
    nock(BASE).get(`${API}/runs/get`).query(true).reply(404, fixture('mlflow/error-run-not-found.json'));
    await expect(client().getRun('0123456789abcdef0123456789abcdef')).resolves.toBeNull();
  });

  it('retries 503 and 429, waiting what Retry-After asks', async () => {
    nock(BASE)
      .get(`${API}/runs/get`)
      .query(true)
      .reply(503, 'upstream connect error', { 'retry-after': '2' })
      .get(`${API}/runs/get`)
      .query(true)
      .reply(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'retry-after': '1' })
      .get(`${API}/runs/get`)
      .query(true)
      .reply(200, fixture('mlflow/runs-get.json'));
    const { retry, waits } = recordedRetry({ retries: 3 });

    await expect(client({ retry }).getRun(RUN_ID)).resolves.toMatchObject({ runId: RUN_ID });
    expect(waits).toEqual([2000, 1000]);
  });

  it('sends the token as a bearer, or user and password as basic auth', async () => {
    nock(BASE, { reqheaders: { authorization: 'Bearer mlflow-token' } }).get(`${API}/runs/get`).query(true).reply(200, fixture('mlflow/runs-get.json'));
    nock(BASE, { reqheaders: { authorization: `Basic ${Buffer.from('robot:secret').toString('base64')}` } })
      .get(`${API}/runs/get`)
      .query(true)
      .reply(200, fixture('mlflow/runs-get.json'));

    await client({ token: 'mlflow-token' }).getRun(RUN_ID);
    await client({ username: 'robot', password: 'secret' }).getRun(RUN_ID);
  });

  it('names the system, the call and the fix on 401', async () => {
    nock(BASE).get(`${API}/runs/get`).query(true).reply(401, 'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html');

    const error = (await client().getRun(RUN_ID).catch((e: unknown) => e)) as ClientError;

    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe(
      `MLflow: reading run ${RUN_ID} failed: 401 Unauthorized: You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html — check the MLflow token or user name and password given to the service`,
    );
    expect(error.retryable).toBe(false);
  });

  it('says the URL is wrong when the answer is a web page', async () => {
    nock(BASE).get(`${API}/runs/get`).query(true).reply(200, '<!doctype html><title>Sign in</title>');

    const error = (await client().getRun(RUN_ID).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      `MLflow: reading run ${RUN_ID} failed: MLflow answered with something that is not JSON — check the MLflow URL: it is the tracking server root, without /api`,
    );
    expect(error.retryable).toBe(false);
  });
});

describe('MlflowClient.findRunByTags', () => {
  it('searches the experiment for finished runs carrying the tags, newest first', async () => {
    let search: Record<string, unknown> = {};
    nock(BASE)
      .get(`${API}/experiments/get-by-name`)
      .query({ experiment_name: 'churn-predictor' })
      .reply(200, fixture('mlflow/experiments-get-by-name.json'))
      .post(`${API}/runs/search`, (body: unknown) => {
        search = bodyObject(body);
        return true;
      })
      .reply(200, fixture('mlflow/runs-search.json'));

    const run = await client().findRunByTags('churn-predictor', { build_key: 'ML-7-train-2' });

    expect(run).toMatchObject({ runId: OTHER_RUN_ID, params: { C: '0.001', kernel: 'poly' } });
    expect(run?.metrics.recall).toBeCloseTo(0.7111, 4);
    expect(search).toMatchObject({
      experiment_ids: ['1'],
      filter: "attributes.status = 'FINISHED' and tags.`build_key` = 'ML-7-train-2'",
      order_by: ['attributes.start_time DESC'],
      run_view_type: 'ACTIVE_ONLY',
    });
  });

  it('answers null when the experiment does not exist', async () => {
    nock(BASE).get(`${API}/experiments/get-by-name`).query(true).reply(404, fixture('mlflow/error-experiment-not-found.json'));
    await expect(client().findRunByTags('nope', { build_key: 'x' })).resolves.toBeNull();
  });

  it('quotes a value with an apostrophe in double quotes, and checks one it cannot quote itself', async () => {
    let filter = '';
    nock(BASE)
      .get(`${API}/experiments/get-by-name`)
      .query(true)
      .reply(200, fixture('mlflow/experiments-get-by-name.json'))
      .post(`${API}/runs/search`, (body: unknown) => {
        filter = String(bodyObject(body).filter);
        return true;
      })
      .reply(200, fixture('mlflow/runs-search.json'));

    await expect(client().findRunByTags('churn-predictor', { note: "it's", other: `both ' and "` })).resolves.toBeNull();
    expect(filter).toBe(`attributes.status = 'FINISHED' and tags.\`note\` = "it's"`);
  });
});

describe('MlflowClient.registerVersionOnce', () => {
  it('creates the model if missing, looks for the tag, then creates the version with every tag', async () => {
    let created: Record<string, unknown> = {};
    nock(BASE)
      .post(`${API}/registered-models/create`, { name: 'churn-predictor' })
      .reply(200, fixture('mlflow/registered-models-create.json'))
      .get(`${API}/model-versions/search`)
      .query({ filter: "name = 'churn-predictor' and tags.`lifecycle_registration` = 'ML-7:training:1'", max_results: '100' })
      .reply(200, fixture('mlflow/model-versions-search-empty.json'))
      .post(`${API}/model-versions/create`, (body: unknown) => {
        created = bodyObject(body);
        return true;
      })
      .reply(200, fixture('mlflow/model-versions-create.json'));

    await expect(client().registerVersionOnce({ ...registration, description: 'Trained by ML-7-train-1' })).resolves.toEqual({ version: '1', created: true });
    expect(created).toEqual({
      name: 'churn-predictor',
      source: `runs:/${RUN_ID}/model`,
      run_id: RUN_ID,
      tags: [
        { key: 'build_key', value: 'ML-7-train-1' },
        { key: 'lifecycle_registration', value: 'ML-7:training:1' },
      ],
      description: 'Trained by ML-7-train-1',
    });
  });

  it('returns the version found by the idempotency tag and sets tags that changed', async () => {
    nock(BASE)
      .post(`${API}/registered-models/create`)
      .reply(400, fixture('mlflow/error-registered-model-exists.json'))
      .get(`${API}/model-versions/search`)
      .query(true)
      .reply(200, fixture('mlflow/model-versions-search.json'))
      .post(`${API}/model-versions/set-tag`, { name: 'churn-predictor', version: '1', key: 'build_key', value: 'ML-7-train-1b' })
      .reply(200, fixture('mlflow/model-versions-set-tag.json'));

    await expect(client().registerVersionOnce({ ...registration, tags: { build_key: 'ML-7-train-1b' } })).resolves.toEqual({ version: '1', created: false });
  });

  it('looks again instead of creating again when the create failed on the server side', async () => {
    nock(BASE)
      .post(`${API}/registered-models/create`)
      .reply(400, fixture('mlflow/error-registered-model-exists.json'))
      .get(`${API}/model-versions/search`)
      .query(true)
      .reply(200, fixture('mlflow/model-versions-search-empty.json'))
      .post(`${API}/model-versions/create`)
      .reply(502, 'Bad Gateway')
      .get(`${API}/model-versions/search`)
      .query(true)
      .reply(200, fixture('mlflow/model-versions-search.json'));
    const { retry, waits } = recordedRetry();

    await expect(client({ retry }).registerVersionOnce(registration)).resolves.toEqual({ version: '1', created: false });
    expect(waits).toHaveLength(1);
  });

  it('explains a 403 on the registration', async () => {
    nock(BASE)
      .post(`${API}/registered-models/create`)
      .reply(400, fixture('mlflow/error-registered-model-exists.json'))
      .get(`${API}/model-versions/search`)
      .query(true)
      .reply(200, fixture('mlflow/model-versions-search-empty.json'))
      .post(`${API}/model-versions/create`)
      .reply(403, { error_code: 'PERMISSION_DENIED', message: 'Permission denied' });

    const error = (await client().registerVersionOnce(registration).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      `MLflow: registering model churn-predictor version from run ${RUN_ID} failed: 403 Forbidden: PERMISSION_DENIED: Permission denied — the MLflow account of the service lacks the EDIT permission on registered model churn-predictor`,
    );
    expect(error.retryable).toBe(false);
  });

  it('explains a source MLflow refuses', async () => {
    nock(BASE)
      .post(`${API}/registered-models/create`)
      .reply(400, fixture('mlflow/error-registered-model-exists.json'))
      .get(`${API}/model-versions/search`)
      .query(true)
      .reply(200, fixture('mlflow/model-versions-search-empty.json'))
      .post(`${API}/model-versions/create`)
      .reply(400, fixture('mlflow/error-invalid-source.json'));

    const error = (await client()
      .registerVersionOnce({ ...registration, source: `runs:/${OTHER_RUN_ID}/model` })
      .catch((e: unknown) => e)) as ClientError;

    expect(error.message).toMatch(
      new RegExp(`^MLflow: registering model churn-predictor version from run ${RUN_ID} failed: 400 Bad Request: INVALID_PARAMETER_VALUE: Invalid model version source: .* — check the source runs:/${OTHER_RUN_ID}/model: `),
    );
  });
});

describe('MlflowClient aliases and links', () => {
  it('sets an alias', async () => {
    nock(BASE).post(`${API}/registered-models/alias`, { name: 'churn-predictor', alias: 'champion', version: '1' }).reply(200, fixture('mlflow/registered-models-alias-set.json'));
    await client().setAlias('churn-predictor', 'champion', '1');
  });

  it('reads the version an alias points at', async () => {
    nock(BASE).get(`${API}/registered-models/alias`).query({ name: 'churn-predictor', alias: 'champion' }).reply(200, fixture('mlflow/registered-models-alias-get.json'));
    await expect(client().versionByAlias('churn-predictor', 'champion')).resolves.toEqual({
      version: '1',
      runId: RUN_ID,
      tags: { build_key: 'ML-7-train-1', lifecycle_registration: 'ML-7:training:1' },
    });
  });

  it('answers null for a missing alias (400 from MLflow) or a missing model (404)', async () => {
    nock(BASE)
      .get(`${API}/registered-models/alias`)
      .query(true)
      .reply(400, fixture('mlflow/error-alias-not-found.json'))
      .get(`${API}/registered-models/alias`)
      .query(true)
      .reply(404, fixture('mlflow/error-alias-model-not-found.json'));

    await expect(client().versionByAlias('churn-predictor', 'nope')).resolves.toBeNull();
    await expect(client().versionByAlias('nope', 'champion')).resolves.toBeNull();
  });

  it('links to the MLflow UI', () => {
    const mlflow = client();
    expect(mlflow.runUrl({ experimentId: '1', runId: RUN_ID })).toBe(`${BASE}/#/experiments/1/runs/${RUN_ID}`);
    expect(mlflow.modelVersionUrl('churn-predictor', '3')).toBe(`${BASE}/#/models/churn-predictor/versions/3`);
  });
});
