import { z } from 'zod';
import { ClientError, genericHint, unexpectedAnswer } from './errors.ts';
import { classifyHttpError, fetchText, httpFailure, HttpStatusError, httpSettings, vendorErrorText, type HttpClientOptions, type HttpSettings } from './http.ts';
import { createOnce, withRetry } from './retry.ts';

/** Options of {@link MlflowClient}. */
export interface MlflowClientOptions extends HttpClientOptions {
  /** Tracking server root, without `/api`: `https://mlflow.example.com`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (a Databricks or proxy token). */
  readonly token?: string;
  /** With `password`: HTTP basic auth, as MLflow's own `--app-name basic-auth` takes it. */
  readonly username?: string;
}

/** A tracking run as the training workers read it. */
export interface MlflowRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string | null;
  /** `RUNNING`, `SCHEDULED`, `FINISHED`, `FAILED` or `KILLED`. */
  readonly status: string;
  /** ISO 8601. */
  readonly startTime: string | null;
  readonly endTime: string | null;
  /** The latest value of each metric. */
  readonly metrics: Record<string, number>;
  readonly params: Record<string, string>;
  /** Every tag, MLflow's own `mlflow.*` ones included. */
  readonly tags: Record<string, string>;
  readonly artifactUri: string | null;
}

/** What {@link MlflowClient.registerVersionOnce} registers. */
export interface RegisterVersionInput {
  /** Registered model name, created when missing. */
  readonly name: string;
  readonly runId: string;
  /** Where the model is: `runs:/<run id>/model`, `models:/<logged model id>`, or a path inside the run's artifacts. */
  readonly source: string;
  /** Tags of the version; set again on a version found by its idempotency tag. */
  readonly tags: Record<string, string>;
  /** The business identity of the registration (Jira key + stage + attempt); a second call with it registers nothing. */
  readonly idempotencyTag: { readonly key: string; readonly value: string };
  readonly description?: string;
}

/** A registered model version as the workers read it. */
export interface MlflowModelVersion {
  readonly version: string;
  readonly runId: string | null;
  readonly tags: Record<string, string>;
}

const API = '/api/2.0/mlflow';
/** Runs per `runs/search` page, and the most pages read looking for tags the filter cannot say. */
const SEARCH_PAGE_SIZE = 100;
const SEARCH_MAX_PAGES = 10;

// MLflow writes int64 fields as JSON numbers, protobuf's JSON mapping as strings; doubles may be "NaN".
const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]);
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]);
const keyValues = z.array(z.object({ key: z.string(), value: z.string().optional() })).optional();

const runAnswer = z.object({
  info: z.object({
    run_id: z.string(),
    experiment_id: z.string(),
    run_name: z.string().optional(),
    status: z.string().optional(),
    start_time: int64.optional(),
    end_time: int64.optional(),
    artifact_uri: z.string().optional(),
  }),
  data: z
    .object({
      metrics: z.array(z.object({ key: z.string(), value: double, timestamp: int64.optional(), step: int64.optional() })).optional(),
      params: keyValues,
      tags: keyValues,
    })
    .optional(),
});

const getRunAnswer = z.object({ run: runAnswer });
const searchRunsAnswer = z.object({ runs: z.array(runAnswer).optional(), next_page_token: z.string().optional() });
const experimentAnswer = z.object({ experiment: z.object({ experiment_id: z.string(), name: z.string() }) });

const modelVersionAnswer = z.object({
  name: z.string(),
  version: z.string(),
  run_id: z.string().optional(),
  status: z.string().optional(),
  tags: keyValues,
});
const searchVersionsAnswer = z.object({ model_versions: z.array(modelVersionAnswer).optional(), next_page_token: z.string().optional() });
const modelVersionEnvelope = z.object({ model_version: modelVersionAnswer });

/** MLflow's error body: `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "…"}`. */
const errorBody = z.object({ error_code: z.string().optional(), message: z.string().optional() });

/** An error answer, kept with its status, MLflow error code and headers for the retry loop. */
class MlflowHttpError extends HttpStatusError {
  override readonly name = 'MlflowHttpError';
  /** `RESOURCE_DOES_NOT_EXIST`, `INVALID_PARAMETER_VALUE`, … from MLflow's error body. */
  get errorCode(): string | undefined {
    return this.code;
  }
}

interface RequestOptions {
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: unknown;
  /** Sent once: a create inside {@link createOnce}, which looks before it repeats. */
  readonly once?: boolean;
}

type Hints = Readonly<Record<number, string>>;

/**
 * A thin typed client for the MLflow tracking server and model registry, over fetch and
 * MLflow's REST API 2.0 (https://mlflow.org/docs/latest/api_reference/rest-api.html): reads
 * runs, registers model versions once per idempotency tag, and moves aliases.
 */
export class MlflowClient {
  private readonly http: HttpSettings;

  constructor(options: MlflowClientOptions) {
    this.http = httpSettings(options);
  }

  /** The run, or null when MLflow does not know it (`RESOURCE_DOES_NOT_EXIST`). */
  async getRun(runId: string): Promise<MlflowRun | null> {
    const operation = `reading run ${runId}`;
    try {
      const answer = await this.call(operation, 'GET', '/runs/get', getRunAnswer, { query: { run_id: runId } });
      return toRun(answer.run);
    } catch (error) {
      if (isDoesNotExist(error)) return null;
      throw error;
    }
  }

  /**
   * The newest FINISHED run of `experimentName` carrying every one of `tags`, or null when
   * the experiment or such a run does not exist. Deleted runs are not searched.
   */
  async findRunByTags(experimentName: string, tags: Record<string, string>): Promise<MlflowRun | null> {
    const experimentId = await this.experimentIdByName(experimentName);
    if (experimentId === null) return null;
    const conditions = ["attributes.status = 'FINISHED'", ...Object.entries(tags).flatMap(([key, value]) => tagCondition(key, value) ?? [])];
    const described = Object.entries(tags)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
    const operation = `searching experiment ${experimentName} for the finished run tagged ${described || '(no tags)'}`;
    let pageToken: string | undefined;
    for (let page = 0; page < SEARCH_MAX_PAGES; page += 1) {
      const answer = await this.call(operation, 'POST', '/runs/search', searchRunsAnswer, {
        body: {
          experiment_ids: [experimentId],
          filter: conditions.join(' and '),
          run_view_type: 'ACTIVE_ONLY',
          order_by: ['attributes.start_time DESC'],
          max_results: SEARCH_PAGE_SIZE,
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      });
      // The filter says every tag it can; a tag it cannot quote is checked here.
      const match = (answer.runs ?? []).map(toRun).find((run) => carriesTags(run.tags, tags));
      if (match) return match;
      pageToken = answer.next_page_token || undefined;
      if (!pageToken) return null;
    }
    return null;
  }

  /**
   * Registers `source` as a new version of `name` once per `idempotencyTag`. The registered
   * model is created when missing. A version already carrying the idempotency tag (an earlier
   * run's, or this call's own create whose answer was lost) is returned with `created: false`
   * and gets `tags` set again; a failed create is repeated only when a new search finds no
   * such version ({@link createOnce}). The tags travel with the create, so a version never
   * exists without its idempotency tag.
   */
  async registerVersionOnce(input: RegisterVersionInput): Promise<{ version: string; created: boolean }> {
    const operation = `registering model ${input.name} version from run ${input.runId}`;
    const hints: Hints = {
      400: `check the source ${input.source}: it must be runs:/${input.runId}/<artifact path>, models:/<logged model id>, or a path inside the run's artifact directory, and run ${input.runId} must exist`,
      401: 'check the MLflow token or user name and password given to the service',
      403: `the MLflow account of the service lacks the EDIT permission on registered model ${input.name}`,
      404: `check that run ${input.runId} exists on this MLflow server`,
    };
    await this.ensureRegisteredModel(input.name, operation, hints);
    const tags = { ...input.tags, [input.idempotencyTag.key]: input.idempotencyTag.value };
    const { value: found, created } = await createOnce({
      look: async () => (await this.findVersionByTag(input.name, input.idempotencyTag, operation, hints)) ?? undefined,
      create: async () => {
        const answer = await this.call(
          operation,
          'POST',
          '/model-versions/create',
          modelVersionEnvelope,
          {
            body: {
              name: input.name,
              source: input.source,
              run_id: input.runId,
              tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
              ...(input.description === undefined ? {} : { description: input.description }),
            },
            once: true,
          },
          hints,
        );
        return toVersion(answer.model_version);
      },
      classify: (error) => classifyMlflowError(error instanceof ClientError ? error.cause : error),
      policy: this.http.policy,
      what: `MLflow POST ${API}/model-versions/create`,
      log: this.http.log,
      sleep: this.http.sleep,
    });
    if (!created) {
      this.http.log?.info({ model: input.name, version: found.version, idempotencyTag: input.idempotencyTag }, 'MLflow model version already registered');
      for (const [key, value] of Object.entries(tags)) {
        if (found.tags[key] !== value) await this.setVersionTag(input.name, found.version, key, value);
      }
    }
    return { version: found.version, created };
  }

  /** Sets one tag on a model version (a put: repeating it changes nothing). */
  async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call(`setting tag ${key} on model ${name} version ${version}`, 'POST', '/model-versions/set-tag', z.unknown(), { body: { name, version, key, value } }, {
      403: `the MLflow account of the service lacks the EDIT permission on registered model ${name}`,
      404: `check that model ${name} has a version ${version}`,
    });
  }

  /** Points `alias` of registered model `name` at `version`, moving it from any other version. */
  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call(`pointing alias ${alias} of model ${name} at version ${version}`, 'POST', '/registered-models/alias', z.unknown(), { body: { name, alias, version } }, {
      400: `check the alias ${alias}: MLflow reserves "latest" and names like v1, and version ${version} must exist`,
      403: `the MLflow account of the service lacks the EDIT permission on registered model ${name}`,
      404: `check that model ${name} has a version ${version}`,
    });
  }

  /** The version `alias` points at, or null when the model or the alias does not exist. */
  async versionByAlias(name: string, alias: string): Promise<MlflowModelVersion | null> {
    try {
      const answer = await this.call(`reading alias ${alias} of model ${name}`, 'GET', '/registered-models/alias', modelVersionEnvelope, { query: { name, alias } });
      return toVersion(answer.model_version);
    } catch (error) {
      // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE "Registered model alias … not found."
      if (isDoesNotExist(error) || isMissingAlias(error)) return null;
      throw error;
    }
  }

  /** The run's page in the MLflow UI: `<base>/#/experiments/<exp>/runs/<run>`. */
  runUrl(run: { experimentId: string; runId: string }): string {
    return `${this.http.baseUrl}/#/experiments/${encodeURIComponent(run.experimentId)}/runs/${encodeURIComponent(run.runId)}`;
  }

  /** The model version's page in the MLflow UI: `<base>/#/models/<name>/versions/<version>`. */
  modelVersionUrl(name: string, version: string): string {
    return `${this.http.baseUrl}/#/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
  }

  private async experimentIdByName(name: string): Promise<string | null> {
    try {
      const answer = await this.call(`reading experiment ${name}`, 'GET', '/experiments/get-by-name', experimentAnswer, { query: { experiment_name: name } });
      return answer.experiment.experiment_id;
    } catch (error) {
      if (isDoesNotExist(error)) return null;
      throw error;
    }
  }

  /** Creates the registered model; one that exists already is fine. */
  private async ensureRegisteredModel(name: string, operation: string, hints: Hints): Promise<void> {
    try {
      await this.call(`${operation}: creating registered model ${name}`, 'POST', '/registered-models/create', z.unknown(), { body: { name } }, hints);
    } catch (error) {
      if (error instanceof ClientError && error.cause instanceof MlflowHttpError && error.cause.errorCode === 'RESOURCE_ALREADY_EXISTS') return;
      throw error;
    }
  }

  private async findVersionByTag(name: string, tag: { key: string; value: string }, operation: string, hints: Hints): Promise<MlflowModelVersion | null> {
    const conditions = [nameCondition(name), tagCondition(tag.key, tag.value)].filter((condition): condition is string => condition !== undefined);
    let pageToken: string | undefined;
    for (let page = 0; page < SEARCH_MAX_PAGES; page += 1) {
      const query: Record<string, string> = { filter: conditions.join(' and '), max_results: String(SEARCH_PAGE_SIZE) };
      if (pageToken) query.page_token = pageToken;
      const answer = await this.call(`${operation}: looking for a version tagged ${tag.key}=${tag.value}`, 'GET', '/model-versions/search', searchVersionsAnswer, { query }, hints);
      const match = (answer.model_versions ?? []).find((version) => version.name === name && tagMap(version.tags)[tag.key] === tag.value);
      if (match) return toVersion(match);
      pageToken = answer.next_page_token || undefined;
      if (!pageToken) return null;
    }
    return null;
  }

  /** One call with retries (none when `once`), its answer parsed; failures become a {@link ClientError}. */
  private async call<T>(operation: string, method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, options: RequestOptions = {}, hints: Hints = {}): Promise<T> {
    let body: unknown;
    try {
      body = await withRetry(() => this.send(method, path, options), {
        policy: options.once ? { ...this.http.policy, retries: 0 } : this.http.policy,
        classify: classifyMlflowError,
        what: `MLflow ${method} ${API}${path}`,
        log: this.http.log,
        sleep: this.http.sleep,
      });
    } catch (error) {
      throw mlflowFailure(error, operation, hints);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw unexpectedAnswer('MLflow', operation, parsed.error, 'check the MLflow URL: it is the tracking server root, without /api');
    }
    return parsed.data;
  }

  private async send(method: 'GET' | 'POST', path: string, options: RequestOptions): Promise<unknown> {
    const url = new URL(`${this.http.baseUrl}${API}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      for (const item of typeof value === 'string' ? [value] : value) url.searchParams.append(key, item);
    }
    const { response, text } = await fetchText(url, {
      method,
      authorization: this.http.authorization,
      timeoutMs: this.http.timeoutMs,
      ...(options.body === undefined ? {} : { body: { contentType: 'application/json', text: JSON.stringify(options.body) } }),
    });
    if (!response.ok) {
      const { errorCode, message } = mlflowErrorText(text);
      throw new MlflowHttpError(response.status, response.statusText, response.headers, errorCode, message);
    }
    return text === '' ? {} : (JSON.parse(text) as unknown);
  }
}

function toRun(run: z.infer<typeof runAnswer>): MlflowRun {
  const tags = tagMap(run.data?.tags);
  return {
    runId: run.info.run_id,
    experimentId: run.info.experiment_id,
    runName: run.info.run_name || tags['mlflow.runName'] || null,
    status: run.info.status ?? 'UNKNOWN',
    startTime: isoTime(run.info.start_time),
    endTime: isoTime(run.info.end_time),
    metrics: Object.fromEntries((run.data?.metrics ?? []).map((metric) => [metric.key, metric.value])),
    params: tagMap(run.data?.params),
    tags,
    artifactUri: run.info.artifact_uri || null,
  };
}

function toVersion(version: z.infer<typeof modelVersionAnswer>): MlflowModelVersion {
  return { version: version.version, runId: version.run_id || null, tags: tagMap(version.tags) };
}

function tagMap(entries: ReadonlyArray<{ key: string; value?: string | undefined }> | undefined): Record<string, string> {
  return Object.fromEntries((entries ?? []).map((entry) => [entry.key, entry.value ?? '']));
}

function isoTime(epochMs: number | undefined): string | null {
  return epochMs === undefined || epochMs <= 0 ? null : new Date(epochMs).toISOString();
}

function carriesTags(actual: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => actual[key] === value);
}

/**
 * A string literal of MLflow's search grammar. It has no escapes: a value with a single
 * quote is written in double quotes, and one with both cannot be written (undefined).
 */
function quote(value: string): string | undefined {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return undefined;
}

/** `tags.\`key\` = 'value'`, or undefined when the grammar cannot say it (the caller checks the tag itself). */
function tagCondition(key: string, value: string): string | undefined {
  const literal = quote(value);
  return key.includes('`') || literal === undefined ? undefined : `tags.\`${key}\` = ${literal}`;
}

function nameCondition(name: string): string | undefined {
  const literal = quote(name);
  return literal === undefined ? undefined : `name = ${literal}`;
}

function mlflowErrorText(text: string): { errorCode: string | undefined; message: string | undefined } {
  const { code, message } = vendorErrorText(text, (body) => {
    const parsed = errorBody.safeParse(body);
    return parsed.success && (parsed.data.error_code || parsed.data.message)
      ? { code: parsed.data.error_code, message: parsed.data.message?.trim().slice(0, 500) }
      : undefined;
  });
  return { errorCode: code, message };
}

function isDoesNotExist(error: unknown): boolean {
  const cause = error instanceof ClientError ? error.cause : error;
  return cause instanceof MlflowHttpError && (cause.errorCode === 'RESOURCE_DOES_NOT_EXIST' || (cause.errorCode === undefined && cause.status === 404));
}

function isMissingAlias(error: unknown): boolean {
  const cause = error instanceof ClientError ? error.cause : error;
  return cause instanceof MlflowHttpError && cause.errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(cause.vendorMessage ?? '');
}

const classifyMlflowError = classifyHttpError(MlflowHttpError);

function mlflowFailure(error: unknown, operation: string, hints: Hints): ClientError {
  return httpFailure(error, {
    system: 'MLflow',
    operation,
    hint: (answer) => hints[answer.status] ?? defaultHint(answer.status),
    notJsonHint: 'check the MLflow URL: it is the tracking server root, without /api',
  });
}

function defaultHint(status: number): string | undefined {
  if (status === 401) return 'check the MLflow token or user name and password given to the service';
  if (status === 403) return 'the MLflow account of the service lacks the permission for this';
  return genericHint('MLflow', status);
}
