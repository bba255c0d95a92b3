import type { Logger } from 'pino';
import { z } from 'zod';
import { ClientError, describeCause, genericHint, unexpectedAnswer } from './errors.ts';
import {
  createOnce,
  isRetryableStatus,
  resolveRetryPolicy,
  withRetry,
  type HeadersLike,
  type RetryOptions,
  type RetryPolicy,
  type RetryVerdict,
} from './retry.ts';

/** Options of {@link JenkinsClient}. */
export interface JenkinsClientOptions {
  /** Jenkins root URL, with its context path if any: `https://ci.acme.example/jenkins`. */
  readonly baseUrl: string;
  /** The Jenkins user the service triggers jobs as. */
  readonly user: string;
  /** An API token of that user (the user → Configure → API Token), not its password. */
  readonly apiToken: string;
  /** Retries of 429, 5xx (honouring `Retry-After`) and lost connections; `retries: 0` turns them off. */
  readonly retry?: RetryOptions;
  readonly log?: Logger;
  /**
   * The policy key that names each job, for the hints of errors:
   * `{ 'ml/train-model': 'training.job' }` makes a 404 say "check training.job in the policy file".
   */
  readonly jobSettings?: Readonly<Record<string, string>>;
  /** Newest builds of a job that {@link JenkinsClient.lookup} searches for a key. Default 50. */
  readonly recentBuilds?: number;
  /** Longest wait for one answer before it counts as lost. Default 30 s. */
  readonly timeoutMs?: number;
  /** Largest artifact {@link JenkinsClient.artifact} reads, in bytes; a larger one is an error. Default 5 MB. */
  readonly maxArtifactBytes?: number;
}

/** One file a build archived (`archiveArtifacts`), as the build's `artifacts` list names it. */
export interface JenkinsArtifact {
  /** Path under the build's archive, `/`-separated: `reports/junit.xml`. */
  readonly relativePath: string;
  /** The last segment of the path: `junit.xml`. */
  readonly fileName: string;
}

/** A finished build's result, as Jenkins names it (`hudson.model.Result`). */
export type JenkinsResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED';

/** A build, running or finished. */
export interface JenkinsBuild {
  /** Folders and job name joined by `/`: `ml/train-model`. */
  readonly jobPath: string;
  readonly number: number;
  /** The build page, as Jenkins names it (its configured root URL). */
  readonly url: string;
  readonly building: boolean;
  /** null while the build runs. */
  readonly result: JenkinsResult | null;
  /** ISO 8601, from the build's `timestamp` (when it started). */
  readonly startedAt: string;
  /** Jenkins' `duration`: 0 while building. */
  readonly durationMs: number;
  /** From the build's `TimeInQueueAction` (Metrics plugin) when present. */
  readonly queueWaitMs: number | null;
  /** The build's parameters (`ParametersAction`), values as text. */
  readonly parameters: Record<string, string>;
}

/** One stage of a Pipeline build, as the Pipeline REST API (`wfapi/describe`) reports it. */
export interface JenkinsStage {
  readonly name: string;
  /** `SUCCESS`, `FAILED`, `ABORTED`, `IN_PROGRESS`, `NOT_EXECUTED`, `UNSTABLE`, `PAUSED_PENDING_INPUT`… as wfapi says. */
  readonly status: string;
  readonly durationMs: number;
}

/** Where the build carrying a key is. */
export type BuildLookup =
  /** Neither queued nor built (among the recent builds). */
  | { readonly kind: 'missing' }
  | { readonly kind: 'queued'; readonly queueItemUrl: string; /** ISO 8601. */ readonly queuedSince: string }
  /** The queue item was cancelled before it ran. */
  | { readonly kind: 'cancelled'; readonly queueItemUrl: string; readonly why: string | null }
  /** Running or finished. */
  | { readonly kind: 'build'; readonly build: JenkinsBuild };

/** A {@link BuildLookup} that found something. */
export type FoundBuild = Exclude<BuildLookup, { kind: 'missing' }>;

/** The parameter that identifies a build: `{ name: 'BUILD_KEY', value: 'ML-7:train:1' }`. */
export interface BuildKey {
  readonly name: string;
  readonly value: string;
}

// ---- Answers, as the Jenkins remote access API and the Pipeline REST API document them ----

/** `{ _class, name, value }` of a `ParameterValue`; passwords and files carry no value. */
const parameterValue = z.object({ name: z.string(), value: z.unknown().optional() });

/** A list of parameter values; an entry of another shape (some plugin's action) is ignored. */
const parameterValues = z.array(parameterValue.nullable().catch(null));

/** Any action; only `ParametersAction` (`parameters`) and the Metrics plugin's `TimeInQueueAction` matter here. */
const action = z
  .object({
    parameters: parameterValues.optional(),
    queuingDurationMillis: z.number().optional(),
  })
  .nullable();

const actions = z.array(action).optional();

const buildAnswer = z.object({
  number: z.number().int(),
  url: z.string(),
  building: z.boolean(),
  result: z.enum(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']).nullable(),
  timestamp: z.number(),
  duration: z.number(),
  actions,
});

const jobBuildsAnswer = z.object({ builds: z.array(buildAnswer).optional() });

const queueItemAnswer = z.object({
  id: z.number().int(),
  inQueueSince: z.number(),
  why: z.string().nullish(),
  task: z.object({ url: z.string().optional() }).nullish(),
  actions,
  /** Only on a `Queue$LeftItem`. */
  cancelled: z.boolean().optional(),
  /** Only on a `Queue$LeftItem`: the build once it started, null before and when cancelled. */
  executable: z.object({ number: z.number().int(), url: z.string().optional() }).nullish(),
});

const queueAnswer = z.object({ items: z.array(queueItemAnswer) });

const crumbAnswer = z.object({ crumb: z.string().min(1), crumbRequestField: z.string().min(1) });

const wfapiRunAnswer = z.object({
  stages: z.array(z.object({ name: z.string(), status: z.string(), durationMillis: z.number() })),
});

const BUILD_TREE = 'number,url,building,result,timestamp,duration,actions[parameters[name,value],queuingDurationMillis]';
const QUEUE_TREE = 'items[id,inQueueSince,why,task[url],actions[parameters[name,value]]]';
const QUEUE_ITEM_TREE = 'id,inQueueSince,why,cancelled,executable[number,url],task[url],actions[parameters[name,value]]';
const ARTIFACTS_TREE = 'artifacts[relativePath,fileName]';

/** A run's `artifacts` (`hudson.model.Run.Artifact`: `displayPath`, `fileName`, `relativePath`). */
const artifactsAnswer = z.object({
  artifacts: z.array(z.object({ relativePath: z.string().min(1), fileName: z.string() })).optional(),
});

const DEFAULT_MAX_ARTIFACT_BYTES = 5 * 1024 * 1024;

/** Jenkins' names for the permissions an `X-Required-Permission` header carries. */
const permissionNames: Readonly<Record<string, string>> = {
  'hudson.model.Hudson.Read': 'Overall/Read',
  'hudson.model.Item.Read': 'Job/Read',
  'hudson.model.Item.Discover': 'Job/Discover',
  'hudson.model.Item.Build': 'Job/Build',
  'hudson.model.Item.Cancel': 'Job/Cancel',
};

/** An error answer, kept with its status, headers and body for the retry loop and the message. */
class JenkinsHttpError extends Error {
  override readonly name = 'JenkinsHttpError';
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeadersLike;
  readonly vendorMessage: string | undefined;
  /** The answer's body, cut to 2000 characters. */
  readonly body: string;
  constructor(status: number, statusText: string, headers: Headers, body: string) {
    const vendorMessage = jenkinsErrorText(headers, body);
    super(`${status} ${statusText}${vendorMessage ? `: ${vendorMessage}` : ''}`);
    this.body = body.slice(0, 2000);
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.vendorMessage = vendorMessage;
  }
}

type Crumb = { readonly field: string; readonly value: string; readonly cookie: string | undefined };

/**
 * A thin typed client for the Jenkins jobs of the lifecycle, over fetch and Jenkins' remote
 * access API (https://www.jenkins.io/doc/book/using/remote-access-api/) and the Pipeline REST
 * API (`wfapi`, https://github.com/jenkinsci/pipeline-stage-view-plugin/tree/master/rest-api).
 *
 * - **Auth:** the user's API token as HTTP basic auth.
 * - **CSRF:** before its first POST the client fetches a crumb (`/crumbIssuer/api/json`) and sends
 *   it in the header Jenkins names, with the session cookie the crumb is bound to; a 403 "No
 *   valid crumb" fetches a new one once. API-token requests are usually exempt; some
 *   installations still ask.
 * - **Jobs** are named by folder path: `ml/train-model` is `/job/ml/job/train-model`.
 * - **Once:** {@link triggerOnce} finds a build by a key parameter before it starts one, so a
 *   retried task or a lost answer never starts a second build for the same key.
 * - **Retries:** reads retry 429, 5xx and lost connections, honouring `Retry-After`.
 */
export class JenkinsClient {
  private readonly baseUrl: string;
  private readonly authorization: string;
  private readonly user: string;
  private readonly policy: RetryPolicy;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private readonly log: Logger | undefined;
  private readonly jobSettings: Readonly<Record<string, string>>;
  private readonly recentBuilds: number;
  private readonly timeoutMs: number;
  private readonly maxArtifactBytes: number;
  /** undefined: not fetched yet; null: this Jenkins issues no crumbs. */
  private crumb: Crumb | null | undefined;

  constructor(options: JenkinsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.user = options.user;
    this.authorization = `Basic ${Buffer.from(`${options.user}:${options.apiToken}`).toString('base64')}`;
    this.policy = resolveRetryPolicy(options.retry);
    this.sleep = options.retry?.sleep;
    this.log = options.log;
    this.jobSettings = options.jobSettings ?? {};
    this.recentBuilds = Math.max(1, Math.floor(options.recentBuilds ?? 50));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxArtifactBytes = Math.max(1, Math.floor(options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES));
  }

  /**
   * Finds the build whose parameter `key.name` equals `key.value`: first in the queue (items of
   * this job carrying the key), then among the job's newest builds. With `queueItemUrl` (what
   * {@link triggerOnce} answered) that item is read first: it tells a cancelled item, and a
   * started one leads to its build even when it has left the queue.
   *
   * Jenkins forgets left queue items after 5 minutes, and a build older than the newest
   * `recentBuilds` is not searched: both read as `missing`. Without `queueItemUrl`, an item
   * is found only while it waits in the queue or once its build exists; Jenkins creates the
   * build a moment after the item leaves the queue, and a lookup falling wholly inside that
   * moment reads `missing` too.
   */
  async lookup(jobPath: string, key: BuildKey, options: { readonly queueItemUrl?: string } = {}): Promise<BuildLookup> {
    return this.find(jobPath, key, options.queueItemUrl, `reading the builds of job ${jobPath}`, this.readHints(jobPath, 'Job/Read', { 404: this.jobNotFoundHint(jobPath) }));
  }

  /** {@link lookup}, with the job's errors named as `jobOperation` (the trigger it is part of). */
  private async find(
    jobPath: string,
    key: BuildKey,
    queueItemUrl: string | undefined,
    jobOperation: string,
    jobHints: Readonly<Record<number, string>>,
  ): Promise<BuildLookup> {
    const jobUrl = this.jobUrlPath(jobPath);
    if (queueItemUrl !== undefined) {
      const found = await this.lookupQueueItem(jobPath, key, queueItemUrl);
      if (found) return found;
    }

    const queueOperation = `reading the Jenkins queue for ${key.name}=${key.value}`;
    const queue = await this.read(queueOperation, `/queue/api/json?tree=${encodeURIComponent(QUEUE_TREE)}`, queueAnswer, {
      401: this.credentialsHint(),
      403: `the Jenkins user ${this.user} needs the Overall/Read permission`,
    });
    const queued = queue.items
      .filter((item) => isTaskOf(item.task?.url, jobUrl) && carriesKey(item.actions, key))
      .sort((a, b) => a.id - b.id)[0];
    if (queued) return { kind: 'queued', queueItemUrl: this.queueItemUrl(queued.id), queuedSince: new Date(queued.inQueueSince).toISOString() };

    const tree = `builds[${BUILD_TREE}]{0,${this.recentBuilds}}`;
    const job = await this.read(jobOperation, `${jobUrl}/api/json?tree=${encodeURIComponent(tree)}`, jobBuildsAnswer, jobHints);
    const matching = (job.builds ?? []).filter((build) => carriesKey(build.actions, key)).sort((a, b) => b.number - a.number);
    const newest = matching[0];
    if (!newest) return { kind: 'missing' };
    if (matching.length > 1) {
      this.log?.warn({ jobPath, key: key.name, value: key.value, builds: matching.map((build) => build.number) }, 'several Jenkins builds carry the same key; following the newest');
    }
    return { kind: 'build', build: toBuild(jobPath, newest) };
  }

  /**
   * Starts the job with `parameters` unless a build (or queue item) carrying the same value of
   * the key parameter `keyName` exists: looks first, and after a failed or lost trigger looks
   * again before it triggers again ({@link createOnce}). `created` tells whether this call
   * queued it.
   *
   * The job must declare the key parameter: Jenkins drops parameters a job does not declare,
   * and a build without its key could not be found again, so that is reported (not retried).
   */
  async triggerOnce(jobPath: string, parameters: Readonly<Record<string, string>>, keyName: string): Promise<{ lookup: FoundBuild; created: boolean }> {
    const value = parameters[keyName];
    if (value === undefined) throw new TypeError(`triggerOnce: the key parameter ${keyName} is not among the parameters`);
    const key = { name: keyName, value };
    const jobUrl = this.jobUrlPath(jobPath);
    const operation = `triggering job ${jobPath}`;
    const hints = this.triggerHints(jobPath);
    try {
      const { value: found, created } = await createOnce<FoundBuild>({
        look: async () => {
          // A job that is missing or not visible fails here, before anything is sent.
          const found = await this.find(jobPath, key, undefined, operation, hints);
          return found.kind === 'missing' ? undefined : found;
        },
        create: async () => {
          const form = new URLSearchParams(Object.entries(parameters));
          const answer = await this.send('POST', `${jobUrl}/buildWithParameters`, { form });
          await answer.body?.cancel();
          const id = queueItemId(answer.headers.get('location'));
          if (id === undefined) {
            // A proxy that drops Location: the queue still knows the item.
            const found = await this.lookup(jobPath, key);
            if (found.kind !== 'missing') return found;
            throw new ClientError({
              system: 'Jenkins',
              operation,
              status: answer.status,
              problem: `Jenkins answered ${answer.status} without the queue item's Location, and no queued build carries ${keyName}=${value}`,
              hint: 'check that a proxy in front of Jenkins passes the Location header',
              retryable: false,
            });
          }
          return this.afterTrigger(jobPath, key, id);
        },
        classify: (error) => classifyJenkinsError(error),
        policy: this.policy,
        what: `Jenkins POST ${jobUrl}/buildWithParameters`,
        log: this.log,
        sleep: this.sleep,
      });
      if (!created) this.log?.info({ jobPath, key: keyName, value, found: found.kind }, 'Jenkins build already triggered');
      return { lookup: found, created };
    } catch (error) {
      throw jenkinsFailure(error, operation, hints);
    }
  }

  /** Reads build `number` of the job. */
  async build(jobPath: string, number: number): Promise<JenkinsBuild> {
    const answer = await this.read(
      `reading build #${number} of job ${jobPath}`,
      `${this.buildUrlPath(jobPath, number)}/api/json?tree=${encodeURIComponent(BUILD_TREE)}`,
      buildAnswer,
      this.readHints(jobPath, 'Job/Read', { 404: this.buildNotFoundHint(jobPath, number) }),
    );
    return toBuild(jobPath, answer);
  }

  /**
   * The stages of a Pipeline build as the Pipeline REST API reports them (`wfapi/describe`);
   * null when the job is not a Pipeline (or the build does not exist: wfapi answers 404 to both).
   */
  async stages(jobPath: string, number: number): Promise<JenkinsStage[] | null> {
    const operation = `reading the stages of build #${number} of job ${jobPath}`;
    let answer: z.infer<typeof wfapiRunAnswer>;
    try {
      answer = await this.read(operation, `${this.buildUrlPath(jobPath, number)}/wfapi/describe`, wfapiRunAnswer, this.readHints(jobPath, 'Job/Read'));
    } catch (error) {
      if (error instanceof ClientError && error.status === 404) return null;
      throw error;
    }
    return answer.stages.map((stage) => ({ name: stage.name, status: stage.status, durationMs: stage.durationMillis }));
  }

  /**
   * The last `maxLines` lines of the build's console (`consoleText`), with ANSI escapes and
   * Jenkins' hidden console annotations removed. The log is streamed, keeping only the tail.
   */
  async consoleTail(jobPath: string, number: number, maxLines: number): Promise<string[]> {
    const limit = Math.max(0, Math.floor(maxLines));
    const path = `${this.buildUrlPath(jobPath, number)}/consoleText`;
    const operation = `reading the console of build #${number} of job ${jobPath}`;
    try {
      return await this.withReadRetry(path, async () => {
        // The whole log streams through, so it gets longer than a single answer.
        const response = await this.send('GET', path, { accept: 'text/plain', timeoutMs: Math.max(this.timeoutMs, 120_000) });
        if (response.status >= 300) {
          await response.body?.cancel();
          throw new ClientError({
            system: 'Jenkins',
            operation,
            status: response.status,
            problem: `Jenkins redirected to ${response.headers.get('location') ?? 'another address'}`,
            hint: 'check JENKINS_URL (scheme, host and context path)',
            retryable: false,
          });
        }
        return tailLines(response, limit);
      });
    } catch (error) {
      throw jenkinsFailure(error, operation, this.readHints(jobPath, 'Job/Read', { 404: this.buildNotFoundHint(jobPath, number) }));
    }
  }

  /**
   * Aborts build `number` (`POST …/stop`). A build that has already finished is left as it is,
   * without an error. A Pipeline runs its `post` steps before it ends as `ABORTED`.
   */
  async abort(jobPath: string, number: number): Promise<void> {
    const path = `${this.buildUrlPath(jobPath, number)}/stop`;
    const operation = `aborting build #${number} of job ${jobPath}`;
    try {
      // Stopping twice is harmless, so a failed stop is simply sent again.
      await this.withReadRetry(path, async () => {
        const answer = await this.send('POST', path, {});
        await answer.body?.cancel();
      });
    } catch (error) {
      throw jenkinsFailure(error, operation, {
        ...this.readHints(jobPath, 'Job/Cancel'),
        404: this.buildNotFoundHint(jobPath, number),
      });
    }
  }

  /**
   * Cancels a queue item that has not started (`POST /queue/cancelItem?id=…`). Answers false
   * when it is no longer in the queue: it started (then abort its build) or was cancelled or
   * forgotten already.
   */
  async cancelQueueItem(queueItemUrl: string): Promise<boolean> {
    const id = queueItemId(queueItemUrl);
    if (id === undefined) throw new TypeError(`not a Jenkins queue item URL: ${queueItemUrl}`);
    const path = `/queue/cancelItem?id=${id}`;
    try {
      // Cancelling twice is harmless, so a failed cancel is simply sent again.
      return await this.withReadRetry(path, async () => {
        try {
          const answer = await this.send('POST', path, {});
          await answer.body?.cancel();
          return true;
        } catch (error) {
          // 404: not in the queue; 500 "Could not cancel": it left the queue (Jenkins 2.x).
          if (error instanceof JenkinsHttpError && (error.status === 404 || (error.status === 500 && /could not cancel/i.test(error.body)))) return false;
          throw error;
        }
      });
    } catch (error) {
      throw jenkinsFailure(error, `cancelling queue item ${id}`, {
        401: this.credentialsHint(),
        403: `the Jenkins user ${this.user} needs the Job/Cancel permission`,
      });
    }
  }

  /** The files build `number` archived (its `artifacts` in `api/json`), in Jenkins' order; empty when it archived none. */
  async artifacts(jobPath: string, number: number): Promise<JenkinsArtifact[]> {
    const answer = await this.read(
      `reading the artifacts of build #${number} of job ${jobPath}`,
      `${this.buildUrlPath(jobPath, number)}/api/json?tree=${encodeURIComponent(ARTIFACTS_TREE)}`,
      artifactsAnswer,
      this.readHints(jobPath, 'Job/Read', { 404: this.buildNotFoundHint(jobPath, number) }),
    );
    return (answer.artifacts ?? []).map((artifact) => ({ relativePath: artifact.relativePath, fileName: artifact.fileName }));
  }

  /**
   * The text of the file build `number` archived at `relativePath` (`GET <build>/artifact/<path>`),
   * decoded as UTF-8; null when the build has no such artifact (or the build does not exist:
   * Jenkins answers 404 to both). A file over `maxArtifactBytes` (default 5 MB) is not read: it
   * is an error, not retried, saying so. An artifact manager that redirects downloads (to S3,
   * say) is reported as a redirect.
   */
  async artifact(jobPath: string, number: number, relativePath: string): Promise<string | null> {
    const path = `${this.buildUrlPath(jobPath, number)}/artifact/${artifactUrlPath(relativePath)}`;
    const operation = `reading artifact ${relativePath} of build #${number} of job ${jobPath}`;
    const limit = this.maxArtifactBytes;
    try {
      return await this.withReadRetry(path, async () => {
        let response: Response;
        try {
          response = await this.send('GET', path, { accept: '*/*', timeoutMs: Math.max(this.timeoutMs, 120_000) });
        } catch (error) {
          if (error instanceof JenkinsHttpError && error.status === 404) return null;
          throw error;
        }
        if (response.status >= 300) {
          await response.body?.cancel();
          throw new ClientError({
            system: 'Jenkins',
            operation,
            status: response.status,
            problem: `Jenkins redirected to ${response.headers.get('location') ?? 'another address'}`,
            hint: 'check JENKINS_URL (scheme, host and context path); artifacts kept by an artifact manager that redirects downloads are not read',
            retryable: false,
          });
        }
        const tooLarge = (size: string) =>
          new ClientError({
            system: 'Jenkins',
            operation,
            status: response.status,
            problem: `the artifact is ${size}, over the ${limit}-byte limit of what the service reads`,
            hint: 'archive a smaller file (a summary) for the service, or raise maxArtifactBytes',
            retryable: false,
          });
        const declared = Number(response.headers.get('content-length') ?? Number.NaN);
        if (Number.isFinite(declared) && declared > limit) {
          await response.body?.cancel();
          throw tooLarge(`${declared} bytes`);
        }
        const text = await readTextCapped(response, limit);
        if (text === undefined) throw tooLarge('larger');
        return text;
      });
    } catch (error) {
      throw jenkinsFailure(error, operation, this.readHints(jobPath, 'Job/Read'));
    }
  }

  /**
   * The JUnit plugin's test report of build `number` (`GET <build>/testReport/api/json`, a
   * `hudson.tasks.junit.TestResult`: counts and `suites[].cases[]`), as Jenkins sends it; null
   * when the build published none (or does not exist: Jenkins answers 404 to both).
   */
  async testReport(jobPath: string, number: number): Promise<unknown | null> {
    try {
      return await this.read(
        `reading the test report of build #${number} of job ${jobPath}`,
        `${this.buildUrlPath(jobPath, number)}/testReport/api/json`,
        z.unknown(),
        this.readHints(jobPath, 'Job/Read'),
      );
    } catch (error) {
      if (error instanceof ClientError && error.status === 404) return null;
      throw error;
    }
  }

  /** `{baseUrl}/job/ml/job/train-model/{number}/artifact/reports/junit.xml`: an artifact's download link. */
  artifactUrl(jobPath: string, number: number, relativePath: string): string {
    return `${this.buildUrl(jobPath, number)}artifact/${artifactUrlPath(relativePath)}`;
  }

  /** `{baseUrl}/job/ml/job/train-model/{number}/`: the build page. */
  buildUrl(jobPath: string, number: number): string {
    return `${this.baseUrl}${this.buildUrlPath(jobPath, number)}/`;
  }

  /** `{baseUrl}/job/ml/job/train-model/{number}/console`: the build's console page. */
  consoleUrl(jobPath: string, number: number): string {
    return `${this.buildUrl(jobPath, number)}console`;
  }

  /** `{baseUrl}/job/ml/job/train-model/`: the job page. */
  jobUrl(jobPath: string): string {
    return `${this.baseUrl}${this.jobUrlPath(jobPath)}/`;
  }

  // ---- internals ----

  /** The item a trigger queued, read back: it must carry the key, and may already be a build. */
  private async afterTrigger(jobPath: string, key: BuildKey, id: number): Promise<FoundBuild> {
    const queueItemUrl = this.queueItemUrl(id);
    let item: z.infer<typeof queueItemAnswer>;
    try {
      item = await this.read(`reading queue item ${id} of job ${jobPath}`, `/queue/item/${id}/api/json?tree=${encodeURIComponent(QUEUE_ITEM_TREE)}`, queueItemAnswer, {});
    } catch (error) {
      // The build is queued; the item is only read for its details.
      this.log?.warn({ jobPath, queueItemUrl, reason: error instanceof Error ? error.message : String(error) }, 'could not read the Jenkins queue item just created');
      return { kind: 'queued', queueItemUrl, queuedSince: new Date().toISOString() };
    }
    if (parametersOf(item.actions)[key.name] === undefined) {
      throw new ClientError({
        system: 'Jenkins',
        operation: `triggering job ${jobPath}`,
        status: 201,
        problem: `the job does not declare the parameter ${key.name}, so Jenkins dropped it and the build cannot be found again (queue item ${id})`,
        hint: `declare ${key.name} among the job's parameters (a Pipeline's parameters are known to Jenkins after its first run), then cancel queue item ${id} and retry`,
        retryable: false,
      });
    }
    return this.resolveQueueItem(jobPath, item);
  }

  /** What the queue item at `queueItemUrl` says, or undefined when Jenkins forgot it or it is another build's. */
  private async lookupQueueItem(jobPath: string, key: BuildKey, queueItemUrl: string): Promise<FoundBuild | undefined> {
    const id = queueItemId(queueItemUrl);
    if (id === undefined) return undefined;
    let item: z.infer<typeof queueItemAnswer>;
    try {
      item = await this.read(`reading queue item ${id} of job ${jobPath}`, `/queue/item/${id}/api/json?tree=${encodeURIComponent(QUEUE_ITEM_TREE)}`, queueItemAnswer, this.readHints(jobPath, 'Job/Read'));
    } catch (error) {
      if (error instanceof ClientError && error.status === 404) return undefined;
      throw error;
    }
    if (!isTaskOf(item.task?.url, this.jobUrlPath(jobPath)) || !carriesKey(item.actions, key)) return undefined;
    return this.resolveQueueItem(jobPath, item);
  }

  private async resolveQueueItem(jobPath: string, item: z.infer<typeof queueItemAnswer>): Promise<FoundBuild> {
    const queueItemUrl = this.queueItemUrl(item.id);
    if (item.cancelled === true) return { kind: 'cancelled', queueItemUrl, why: item.why ?? null };
    if (item.executable) return { kind: 'build', build: await this.build(jobPath, item.executable.number) };
    // Waiting, or left the queue with its build not created yet: it is about to start.
    return { kind: 'queued', queueItemUrl, queuedSince: new Date(item.inQueueSince).toISOString() };
  }

  private async read<T>(operation: string, path: string, schema: z.ZodType<T>, hints: Readonly<Record<number, string>>): Promise<T> {
    let body: unknown;
    try {
      body = await this.withReadRetry(path, async () => {
        const response = await this.send('GET', path, {});
        const text = await response.text();
        if (response.status >= 300) {
          throw new ClientError({
            system: 'Jenkins',
            operation,
            status: response.status,
            problem: `Jenkins redirected to ${response.headers.get('location') ?? 'another address'}`,
            hint: 'check JENKINS_URL (scheme, host and context path); a redirect to a login page means the credentials were not accepted',
            retryable: false,
          });
        }
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          throw new ClientError({
            system: 'Jenkins',
            operation,
            status: response.status,
            problem: `Jenkins answered ${response.status} with something other than JSON (${text.trim().slice(0, 80) || 'an empty body'})`,
            hint: 'check JENKINS_URL: it is the Jenkins root, with its context path (e.g. https://ci.acme.example/jenkins)',
            retryable: false,
            cause: error,
          });
        }
      });
    } catch (error) {
      throw jenkinsFailure(error, operation, hints);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw unexpectedAnswer('Jenkins', operation, parsed.error, 'check JENKINS_URL: it is the Jenkins root, with its context path');
    return parsed.data;
  }

  private withReadRetry<T>(path: string, operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, {
      policy: this.policy,
      classify: classifyJenkinsError,
      what: `Jenkins ${path.split('?')[0]}`,
      log: this.log,
      sleep: this.sleep,
    });
  }

  /**
   * One HTTP exchange, no retries. POSTs carry the crumb (fetched on first use) and are sent
   * again once with a fresh crumb when Jenkins says the crumb is not valid. Answers 2xx and 3xx
   * (redirects are not followed); throws {@link JenkinsHttpError} for the others.
   */
  private async send(method: 'GET' | 'POST', path: string, options: { form?: URLSearchParams; accept?: string; timeoutMs?: number }): Promise<Response> {
    for (let refreshed = false; ; refreshed = true) {
      const crumb = method === 'POST' ? await this.currentCrumb(refreshed) : null;
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
        headers: {
          Authorization: this.authorization,
          Accept: options.accept ?? 'application/json',
          ...(options.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
          ...(crumb ? { [crumb.field]: crumb.value, ...(crumb.cookie ? { Cookie: crumb.cookie } : {}) } : {}),
        },
        ...(options.form ? { body: options.form.toString() } : {}),
      });
      if (response.status < 400) return response;
      const text = await response.text();
      if (method === 'POST' && response.status === 403 && !refreshed && /no valid crumb/i.test(text)) {
        this.log?.info({ path }, 'Jenkins refused the crumb; fetching a new one');
        this.crumb = undefined;
        continue;
      }
      throw new JenkinsHttpError(response.status, response.statusText, response.headers, text);
    }
  }

  /** The crumb for POSTs, fetched once and again when `refresh`; null when Jenkins issues none. */
  private async currentCrumb(refresh: boolean): Promise<Crumb | null> {
    if (this.crumb !== undefined && !refresh) return this.crumb;
    const operation = 'fetching a CSRF crumb';
    const path = '/crumbIssuer/api/json';
    try {
      this.crumb = await this.withReadRetry(path, async () => {
        const response = await fetch(`${this.baseUrl}${path}`, {
          headers: { Authorization: this.authorization, Accept: 'application/json' },
          redirect: 'manual',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await response.text();
        // No crumb issuer (CSRF protection off, Jenkins before 2.222): POSTs need none.
        if (response.status === 404) return null;
        if (!response.ok) throw new JenkinsHttpError(response.status, response.statusText, response.headers, text);
        const parsed = crumbAnswer.safeParse(safeJson(text));
        if (!parsed.success) throw unexpectedAnswer('Jenkins', operation, parsed.error, 'check JENKINS_URL: it is the Jenkins root, with its context path');
        // Since Jenkins 2.176.2 a crumb is valid only in the web session it was issued in.
        const cookie = response.headers
          .getSetCookie()
          .map((header) => header.split(';')[0]?.trim() ?? '')
          .filter((pair) => pair.includes('='))
          .join('; ');
        return { field: parsed.data.crumbRequestField, value: parsed.data.crumb, cookie: cookie || undefined };
      });
    } catch (error) {
      throw jenkinsFailure(error, operation, { 403: `the Jenkins user ${this.user} needs the Overall/Read permission` });
    }
    return this.crumb;
  }

  /** `/job/ml/job/train-model` for `ml/train-model`. */
  private jobUrlPath(jobPath: string): string {
    const segments = jobPath.split('/');
    if (jobPath.trim() === '' || segments.some((segment) => segment.trim() === '')) {
      throw new TypeError(`not a Jenkins job path: "${jobPath}" (folders and job name joined by "/", e.g. ml/train-model)`);
    }
    return segments.map((segment) => `/job/${encodeURIComponent(segment)}`).join('');
  }

  private buildUrlPath(jobPath: string, number: number): string {
    if (!Number.isInteger(number) || number < 1) throw new TypeError(`not a Jenkins build number: ${number}`);
    return `${this.jobUrlPath(jobPath)}/${number}`;
  }

  private queueItemUrl(id: number): string {
    return `${this.baseUrl}/queue/item/${id}/`;
  }

  private jobNotFoundHint(jobPath: string): string {
    const setting = this.jobSettings[jobPath];
    return `check ${setting ?? 'the job path'} in the policy file (folders as a/b) and that the user can see the job`;
  }

  private buildNotFoundHint(jobPath: string, number: number): string {
    return `build #${number} of ${jobPath} does not exist (deleted, or discarded by the job's build retention); ${this.jobNotFoundHint(jobPath)}`;
  }

  private readHints(jobPath: string, permission: string, extra: Readonly<Record<number, string>> = {}): Readonly<Record<number, string>> {
    return {
      401: this.credentialsHint(),
      403: `the Jenkins user ${this.user} needs the ${permission} permission on ${jobPath}`,
      ...extra,
    };
  }

  private triggerHints(jobPath: string): Readonly<Record<number, string>> {
    return {
      400: `the job must be parameterized with the parameters the service sends (a Pipeline's parameters are known to Jenkins after its first run); ${this.jobNotFoundHint(jobPath)}`,
      401: this.credentialsHint(),
      403: `the Jenkins user ${this.user} needs the Job/Build permission on ${jobPath} (and Job/Read to see it)`,
      404: this.jobNotFoundHint(jobPath),
      409: 'the job is disabled; enable it in Jenkins',
    };
  }

  private credentialsHint(): string {
    return `check JENKINS_USER (${this.user}) and JENKINS_API_TOKEN: an API token of that user (Jenkins → the user → Configure → API Token), not its password`;
  }
}

function toBuild(jobPath: string, answer: z.infer<typeof buildAnswer>): JenkinsBuild {
  const timeInQueue = (answer.actions ?? []).find((candidate) => typeof candidate?.queuingDurationMillis === 'number');
  return {
    jobPath,
    number: answer.number,
    url: answer.url,
    building: answer.building,
    result: answer.building ? null : answer.result,
    startedAt: new Date(answer.timestamp).toISOString(),
    durationMs: answer.duration,
    queueWaitMs: timeInQueue?.queuingDurationMillis ?? null,
    parameters: parametersOf(answer.actions),
  };
}

/** The parameters of a run or queue item (`ParametersAction`), values as text; secret values are left out. */
function parametersOf(list: z.infer<typeof actions>): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const entry of list ?? []) {
    for (const parameter of entry?.parameters ?? []) {
      if (!parameter) continue;
      const { value } = parameter;
      if (typeof value === 'string') parameters[parameter.name] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') parameters[parameter.name] = String(value);
    }
  }
  return parameters;
}

function carriesKey(list: z.infer<typeof actions>, key: BuildKey): boolean {
  return parametersOf(list)[key.name] === key.value;
}

/**
 * Whether a queue item's task is the job: Jenkins names it with its configured root URL, which
 * may differ from the URL the service uses (a proxy, http vs https), so the paths are compared.
 */
function isTaskOf(taskUrl: string | undefined, jobUrlPath: string): boolean {
  if (!taskUrl) return false;
  let path: string;
  try {
    path = new URL(taskUrl, 'http://jenkins.invalid/').pathname;
  } catch {
    return false;
  }
  return `${path.replace(/\/+$/, '')}/`.endsWith(`${jobUrlPath}/`);
}

/** The id in `…/queue/item/<id>/`, the Location a trigger answers with. */
function queueItemId(location: string | null | undefined): number | undefined {
  const match = /\/queue\/item\/(\d+)\/?(?:[?#].*)?$/.exec(location ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Jenkins prefixes each hidden console annotation (a serialized ConsoleNote) with ESC[8mha: and ends it with ESC[0m. */
// eslint-disable-next-line no-control-regex -- escape sequences are what is matched
const CONSOLE_NOTE = /\u001b\[8mha:[^\u001b]*\u001b\[0m/g;
/** ANSI control sequences (CSI, OSC) and any stray escape or control character left. */
// eslint-disable-next-line no-control-regex -- control characters are what is matched
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]?|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** A console line as a person reads it: annotations and colours removed, a carriage-return rewrite resolved. */
export function cleanConsoleLine(line: string): string {
  const withoutNotes = line.replace(CONSOLE_NOTE, '');
  // A progress bar rewrites its line after \r; the terminal shows the last rewrite.
  const shown = withoutNotes.replace(/[\r\n]+$/, '').split('\r').at(-1) ?? '';
  return shown.replace(ANSI, '').trimEnd();
}

/** `reports/junit.xml` as URL path segments; a path that could leave the archive is refused. */
function artifactUrlPath(relativePath: string): string {
  const segments = relativePath.split('/');
  if (relativePath.trim() === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\\'))) {
    throw new TypeError(`not an artifact path: "${relativePath}" (a path under the build's archive, e.g. reports/junit.xml)`);
  }
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}

/** The body as UTF-8 text, or undefined (the rest of the body cancelled) once it passes `limit` bytes. */
async function readTextCapped(response: Response, limit: number): Promise<string | undefined> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

async function tailLines(response: Response, limit: number): Promise<string[]> {
  if (limit === 0 || !response.body) {
    await response.body?.cancel();
    return [];
  }
  const tail: string[] = [];
  let partial = '';
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > limit) tail.shift();
  };
  const decoder = new TextDecoder();
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) keep(line);
  }
  partial += decoder.decode();
  if (partial !== '') keep(partial);
  return tail.map(cleanConsoleLine);
}

function classifyJenkinsError(error: unknown): RetryVerdict {
  if (error instanceof JenkinsHttpError) return { retry: isRetryableStatus(error.status), headers: error.headers };
  if (error instanceof ClientError) return { retry: error.retryable };
  // fetch rejects with a TypeError when the connection fails or drops, and a TimeoutError when no answer came.
  if (error instanceof Error && (error.name === 'TypeError' || error.name === 'TimeoutError' || error.name === 'AbortError')) return { retry: true };
  return { retry: false };
}

/**
 * The operator-readable part of an error answer. Jenkins answers errors with HTML pages, so
 * only a short plain-text body, the crumb complaint and the permission headers of a 403
 * (`X-You-Are-Authenticated-As`, `X-Required-Permission`) are kept.
 */
function jenkinsErrorText(headers: Headers, body: string): string | undefined {
  const permission = headers.get('x-required-permission');
  if (permission) {
    const who = headers.get('x-you-are-authenticated-as') ?? 'the user';
    return `${who} is missing the ${permissionNames[permission] ?? permission} permission`;
  }
  const crumb = /No valid crumb was included in the request/i.exec(body);
  if (crumb) return crumb[0];
  const text = body.trim();
  const contentType = headers.get('content-type') ?? '';
  if (text && text.length <= 300 && /^text\/plain/i.test(contentType)) return text;
  return undefined;
}

function jenkinsFailure(error: unknown, operation: string, hints: Readonly<Record<number, string>>): ClientError {
  if (error instanceof ClientError) return error;
  if (error instanceof JenkinsHttpError) {
    return new ClientError({
      system: 'Jenkins',
      operation,
      status: error.status,
      statusText: error.statusText,
      vendorMessage: error.vendorMessage,
      hint: hints[error.status] ?? genericHint('Jenkins', error.status),
      cause: error,
    });
  }
  return new ClientError({ system: 'Jenkins', operation, status: 0, vendorMessage: describeCause(error), hint: genericHint('Jenkins', 0), cause: error });
}
