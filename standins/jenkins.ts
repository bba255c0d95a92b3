/**
 * A stateful Jenkins stand-in on loopback, shared by the integration tests and the local
 * sandbox. It answers the calls {@link JenkinsClient} makes, with the JSON shapes of Jenkins'
 * remote access API and of the Pipeline REST API, and keeps state: jobs (by folder path), a
 * queue whose items become builds after a quiet period, and builds with parameters, result,
 * console, stages and timings.
 *
 * What it serves (all under the optional context path, all behind basic auth with the API token):
 *
 * | Call | Answer |
 * | --- | --- |
 * | `GET /crumbIssuer/api/json` | `DefaultCrumbIssuer` crumb, bound to a `JSESSIONID.…` session cookie |
 * | `POST /job/…/buildWithParameters` (form or query) | 201, `Location: <base>/queue/item/<id>/`; the same parameters already queued: that item's Location |
 * | `GET /queue/api/json` | `hudson.model.Queue` with `items` (`WaitingItem`, `BuildableItem`) |
 * | `GET /queue/item/<id>/api/json` | the item; once it left, a `LeftItem` with `executable` or `cancelled: true` |
 * | `GET /job/…/api/json` | `WorkflowJob` / `FreeStyleProject`, `builds` newest first (at most 100) |
 * | `GET /job/…/<n>/api/json` | `WorkflowRun` / `FreeStyleBuild` with `ParametersAction`, `CauseAction`, `TimeInQueueAction` |
 * | `GET /job/…/<n>/wfapi/describe` | the Pipeline REST API run description (404 for freestyle jobs) |
 * | `GET /job/…/<n>/consoleText` | the console as text |
 * | `GET /job/…/<n>/artifact/<path>` | a file the build archived ({@link StandInBuildContext.archive}); 404 when none |
 * | `GET /job/…/<n>/testReport/api/json` | the JUnit test report the build published ({@link StandInBuildContext.publishTestReport}); 404 when none |
 * | `POST /job/…/<n>/stop` | 302 to the build; aborts a running build, leaves a finished one alone |
 * | `POST /queue/cancelItem?id=<id>` | 204; 500 "Could not cancel run" once the item left; 404 unknown id |
 *
 * `?tree=` is honoured (nested `[…]` and ranges `{M,N}`), so any tree query gets what Jenkins
 * would give. Not served: anything else (404), `depth`, XML, left queue items expiring.
 * Authentication: no credentials → 403 "Authentication required" (anonymous), wrong ones →
 * 401, as Jenkins answers.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appendCapped, Faults, jsonAnswer, LoopbackServer, messageOf, serveUnderFault, writeAnswer, type LoopbackAnswer, type LoopbackFault, type LoopbackRequest } from './loopback.ts';

/** How a stand-in job ends its build. */
export type StandInResult = 'SUCCESS' | 'FAILURE' | 'UNSTABLE' | 'ABORTED';

/** What a job's runner gets for one build. */
export interface StandInBuildContext {
  readonly jobPath: string;
  readonly number: number;
  /** The build page: `<base>/job/ml/job/train-model/3/`. */
  readonly url: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** Appends to the console, verbatim (ANSI codes and console notes included); `\n` splits lines. */
  log(line: string): void;
  /**
   * Runs `work` as a Pipeline stage: recorded for `wfapi/describe` (IN_PROGRESS, then SUCCESS,
   * FAILED or ABORTED) with `[Pipeline]` console lines. A stage asked for after an abort does
   * not run. Freestyle jobs just run `work`.
   */
  stage<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Aborted by `POST …/stop` (and by {@link JenkinsStandIn.stop}). */
  readonly signal: AbortSignal;
  /**
   * Archives `content` as the artifact `relativePath` (`reports/junit.xml`), as `archiveArtifacts`
   * does: listed in the build's `artifacts` and served at `<build>/artifact/<relativePath>`.
   * Archiving a path again replaces the file.
   */
  archive(relativePath: string, content: string): void;
  /**
   * Publishes the build's JUnit test report, as the `junit` step does: `report` is served as
   * `<build>/testReport/api/json`, in the shape of the JUnit plugin's `hudson.tasks.junit.TestResult`
   * (see test/fixtures/jenkins/test-report.json). Publishing again replaces it.
   */
  publishTestReport(report: unknown): void;
}

/**
 * A job's behaviour. A thrown error fails the running stage and the build (FAILURE), its
 * message in the console; after an abort the build is ABORTED whatever the runner does.
 */
export type JobRunner = (build: StandInBuildContext) => Promise<StandInResult>;

export interface StandInJobOptions {
  /** `pipeline` (default): a `WorkflowJob` with `wfapi`; `freestyle`: a `FreeStyleProject`, wfapi 404. */
  readonly kind?: 'pipeline' | 'freestyle';
  /**
   * The parameters the job declares, with their defaults. Given, Jenkins' rules apply: a
   * parameter not declared is dropped, a declared one not sent takes its default, and an empty
   * record makes the job not parameterized (buildWithParameters answers 400). Left out, every
   * parameter sent is taken.
   */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface StandInStage {
  /** Flow node id, as wfapi gives it. */
  readonly id: string;
  readonly name: string;
  /** `IN_PROGRESS`, `SUCCESS`, `FAILED`, `ABORTED`. */
  readonly status: string;
  readonly startTimeMillis: number;
  readonly durationMillis: number;
  readonly error?: { readonly message: string; readonly type: string };
}

/** A build as the tests assert on it. */
export interface StandInBuild {
  readonly jobPath: string;
  readonly number: number;
  readonly url: string;
  readonly queueId: number;
  readonly parameters: Readonly<Record<string, string>>;
  readonly building: boolean;
  readonly result: StandInResult | null;
  /** Start, epoch ms. */
  readonly timestamp: number;
  /** 0 while building. */
  readonly durationMs: number;
  readonly queueWaitMs: number;
  readonly console: readonly string[];
  readonly stages: readonly StandInStage[];
  /** Archived files by relative path, in archiving order. */
  readonly artifacts: Readonly<Record<string, string>>;
  /** The published JUnit test report, or null. */
  readonly testReport: unknown;
}

/** A queue item as the tests assert on it. */
export interface StandInQueueItem {
  readonly id: number;
  readonly jobPath: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly inQueueSince: number;
  /** `waiting`: quiet period; `buildable`: held ({@link JenkinsStandIn.holdQueue}); `left`: started or cancelled. */
  readonly state: 'waiting' | 'buildable' | 'left';
  readonly cancelled: boolean;
  readonly buildNumber: number | null;
}

/** A fault for the next matching request: do the work and drop the connection, or answer an error without doing it. */
export type StandInFault = LoopbackFault;

export interface JenkinsStandInOptions {
  readonly user: string;
  readonly apiToken: string;
  /** POSTs need a valid crumb with its session cookie, as when the API-token exemption is off. Default false. */
  readonly requireCrumb?: boolean;
  /** Quiet period of a new queue item: fixed, or drawn from [min, max]. Default [0, 50]. */
  readonly queueDelayMs?: number | readonly [number, number];
  /** Context path Jenkins runs under, e.g. `/jenkins`. Default none. */
  readonly contextPath?: string;
  /** Builds carry the Metrics plugin's `TimeInQueueAction`. Default true. */
  readonly timeInQueueAction?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

type Answer = LoopbackAnswer;

interface JobState {
  readonly path: string;
  readonly kind: 'pipeline' | 'freestyle';
  readonly declared: Readonly<Record<string, string>> | undefined;
  readonly run: JobRunner;
  nextBuildNumber: number;
  readonly builds: BuildState[];
}

interface QueueItemState {
  readonly id: number;
  readonly job: JobState;
  readonly parameters: Record<string, string>;
  readonly inQueueSince: number;
  readonly quietUntil: number;
  state: 'waiting' | 'buildable' | 'left';
  buildableSince: number | null;
  cancelled: boolean;
  build: BuildState | null;
  timer: NodeJS.Timeout | null;
}

interface StageState {
  id: string;
  name: string;
  status: string;
  startTimeMillis: number;
  endTimeMillis: number | null;
  error?: { message: string; type: string };
}

interface BuildState {
  readonly job: JobState;
  readonly number: number;
  readonly queueId: number;
  readonly parameters: Record<string, string>;
  readonly timestamp: number;
  readonly queuingMs: number;
  readonly waitingMs: number;
  readonly buildableMs: number;
  building: boolean;
  result: StandInResult | null;
  durationMs: number;
  readonly console: string[];
  readonly stages: StageState[];
  readonly artifacts: Map<string, string>;
  testReport: JsonObject | null;
  readonly abort: AbortController;
  abortedBy: string | null;
  nextNodeId: number;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

const PIPELINE = {
  job: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
  build: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
} as const;
const FREESTYLE = { job: 'hudson.model.FreeStyleProject', build: 'hudson.model.FreeStyleBuild' } as const;

/** A Jenkins for tests and the sandbox; see the module comment for what it serves. */
export class JenkinsStandIn {
  /** POSTs to buildWithParameters that created a queue item. */
  triggers = 0;
  /** Requests received (the latest 10 000), in order: method, path with query, answered status (0: dropped). */
  readonly requests: Array<{ method: string; path: string; status: number }> = [];

  private readonly options: Required<Omit<JenkinsStandInOptions, 'queueDelayMs'>> & { queueDelayMs: readonly [number, number] };
  private readonly jobs = new Map<string, JobState>();
  private readonly queueItems: QueueItemState[] = [];
  private readonly faults = new Faults<StandInFault>();
  private readonly sessions = new Map<string, string>();
  private readonly sessionCookie = `JSESSIONID.${randomBytes(4).toString('hex')}`;
  private readonly crumbSalt = randomBytes(16);
  private readonly waiters = new Map<string, { started: Deferred<StandInBuild>; finished: Deferred<StandInBuild> }>();
  private nextQueueId = 1;
  private held: string | null = null;
  private readonly http = new LoopbackServer((request, res) => this.handle(request, res));

  constructor(options: JenkinsStandInOptions) {
    const delay = options.queueDelayMs ?? [0, 50];
    this.options = {
      user: options.user,
      apiToken: options.apiToken,
      requireCrumb: options.requireCrumb ?? false,
      contextPath: (options.contextPath ?? '').replace(/\/+$/, ''),
      timeInQueueAction: options.timeInQueueAction ?? true,
      queueDelayMs: typeof delay === 'number' ? [delay, delay] : delay,
    };
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one); answers the base URL, context path included. */
  async start(port = 0): Promise<string> {
    await this.http.start(port);
    return this.baseUrl;
  }

  /** Aborts running builds, drops pending queue timers and closes the server. */
  async stop(): Promise<void> {
    for (const item of this.queueItems) if (item.timer) clearTimeout(item.timer);
    for (const job of this.jobs.values()) for (const build of job.builds) if (build.building) build.abort.abort();
    await this.http.stop();
  }

  /** `http://127.0.0.1:PORT` plus the context path; valid after {@link start}. */
  get baseUrl(): string {
    return `${this.http.origin}${this.options.contextPath}`;
  }

  /** Defines (or redefines) the job at folder path `jobPath` (`ml/train-model`); its folders need no definition. */
  defineJob(jobPath: string, run: JobRunner, options: StandInJobOptions = {}): void {
    const existing = this.jobs.get(jobPath);
    this.jobs.set(jobPath, {
      path: jobPath,
      kind: options.kind ?? 'pipeline',
      declared: options.parameters,
      run,
      nextBuildNumber: existing?.nextBuildNumber ?? 1,
      builds: existing?.builds ?? [],
    });
  }

  /** Builds, oldest first: of one job, or of all. */
  builds(jobPath?: string): readonly StandInBuild[] {
    const jobs = jobPath === undefined ? [...this.jobs.values()] : [this.jobs.get(jobPath)].filter((job) => job !== undefined);
    return jobs.flatMap((job) => job.builds.map((build) => this.snapshot(build)));
  }

  /** Build `number` of the job, if it exists. */
  build(jobPath: string, number: number): StandInBuild | undefined {
    const build = this.jobs.get(jobPath)?.builds.find((candidate) => candidate.number === number);
    return build && this.snapshot(build);
  }

  /** Every queue item ever created, left ones included. */
  queue(): readonly StandInQueueItem[] {
    return this.queueItems.map((item) => ({
      id: item.id,
      jobPath: item.job.path,
      parameters: { ...item.parameters },
      inQueueSince: item.inQueueSince,
      state: item.state,
      cancelled: item.cancelled,
      buildNumber: item.build?.number ?? null,
    }));
  }

  /**
   * The next request whose method and path (the URL path as received, context path included,
   * without the query) match gets `fault`: `'drop-answer'` does the work and destroys the socket
   * before answering; a status answers that error without doing the work.
   */
  onNextRequest(match: { method: string; path: RegExp }, fault: StandInFault): void {
    this.faults.add(match, fault);
  }

  /** Forgets the faults {@link onNextRequest} set that no request has met yet (Jenkins is back). */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Items whose quiet period ends stay in the queue as buildable, with `why`, until {@link releaseQueue}. */
  holdQueue(why = 'Waiting for next available executor'): void {
    this.held = why;
  }

  /** Starts every held item, oldest first, and lets later ones start after their quiet period. */
  releaseQueue(): void {
    this.held = null;
    for (const item of this.queueItems) if (item.state === 'buildable') this.startBuild(item);
  }

  /** Cancels a queue item that has not started, as `POST /queue/cancelItem` does; false when it already left. */
  cancelQueueItem(id: number): boolean {
    const item = this.queueItems.find((candidate) => candidate.id === id);
    if (!item || item.state === 'left') return false;
    if (item.timer) clearTimeout(item.timer);
    item.timer = null;
    item.state = 'left';
    item.cancelled = true;
    return true;
  }

  /** Forgets every session and its crumb, as a Jenkins restart does. */
  expireCrumbs(): void {
    this.sessions.clear();
  }

  /** Resolves when build `number` of the job has started (at once if it has). */
  whenStarted(jobPath: string, number: number): Promise<StandInBuild> {
    return this.waiter(jobPath, number).started.promise;
  }

  /** Resolves when build `number` of the job has finished (at once if it has). */
  whenFinished(jobPath: string, number: number): Promise<StandInBuild> {
    return this.waiter(jobPath, number).finished.promise;
  }

  // ---- HTTP ----

  private async handle({ req, method, url, body }: LoopbackRequest, res: ServerResponse): Promise<void> {
    const record = { method, path: `${url.pathname}${url.search}`, status: 0 };
    appendCapped(this.requests, record);
    const sent = await serveUnderFault(
      res,
      this.faults.take(method, url.pathname),
      {
        faultAnswer: (fault) => ({ status: fault.status, headers: { 'Content-Type': 'text/html;charset=utf-8', ...fault.headers }, body: fault.body ?? '' }),
        work: () => this.route(req, method, url, body),
        failed: (error) => page(500, 'Oops!', messageOf(error)),
      },
      (response, answer) => writeAnswer(response, answer, { 'X-Jenkins': '2.479.3' }),
    );
    record.status = sent?.status ?? 0;
  }

  private route(req: IncomingMessage, method: string, url: URL, body: string): Answer {
    const context = this.options.contextPath;
    if (context && url.pathname !== context && !url.pathname.startsWith(`${context}/`)) return notFound();
    const path = url.pathname.slice(context.length).replace(/\/+$/, '') || '/';

    const denied = this.authenticate(req);
    if (denied) return denied;

    if (path === '/crumbIssuer/api/json' && method === 'GET') return this.issueCrumb(req);
    if (method === 'POST' && this.options.requireCrumb && !this.crumbValid(req)) {
      return page(403, 'Error 403 No valid crumb was included in the request', 'No valid crumb was included in the request');
    }

    const tree = url.searchParams.get('tree');
    if (path === '/queue/api/json' && method === 'GET') {
      const items = this.queueItems.filter((item) => item.state !== 'left').map((item) => this.queueItemJson(item));
      return json({ _class: 'hudson.model.Queue', discoverableItems: [], items }, tree);
    }
    const queueItem = /^\/queue\/item\/(\d+)\/api\/json$/.exec(path);
    if (queueItem && method === 'GET') {
      const item = this.queueItems.find((candidate) => candidate.id === Number(queueItem[1]));
      return item ? json(this.queueItemJson(item), tree) : notFound();
    }

    if (path === '/queue/cancelItem') {
      if (method !== 'POST') return page(405, 'Error 405', 'This URL requires POST');
      const id = Number(url.searchParams.get('id'));
      const item = this.queueItems.find((candidate) => candidate.id === id);
      if (!item) return page(404, 'Error 404', `Provided id (${id}) not found`);
      return this.cancelQueueItem(id) ? { status: 204, headers: {}, body: '' } : page(500, 'Error 500', `Could not cancel run for id ${id}`);
    }

    const target = this.resolveJob(path);
    if (!target) return notFound();
    const { job, rest } = target;
    if (rest === 'api/json' && method === 'GET') return json(this.jobJson(job, tree !== null), tree);
    if (rest === 'buildWithParameters') {
      if (method !== 'POST') return page(405, 'Error 405', 'This URL requires POST');
      return this.trigger(req, job, url, body);
    }
    const artifactPath = /^(\d+)\/artifact\/(.+)$/.exec(rest);
    if (artifactPath && method === 'GET') {
      const build = job.builds.find((candidate) => candidate.number === Number(artifactPath[1]));
      return build ? this.artifactAnswer(build, artifactPath[2] ?? '') : notFound();
    }
    const buildPath = /^(\d+)\/(api\/json|wfapi\/describe|wfapi|consoleText|stop|testReport\/api\/json)$/.exec(rest);
    const build = buildPath ? job.builds.find((candidate) => candidate.number === Number(buildPath[1])) : undefined;
    if (!buildPath || !build) return notFound();
    switch (buildPath[2]) {
      case 'api/json':
        return method === 'GET' ? json(this.buildJson(build), tree) : notFound();
      case 'wfapi':
      case 'wfapi/describe':
        return job.kind === 'pipeline' && method === 'GET' ? json(this.describeJson(build), null) : notFound();
      case 'testReport/api/json':
        return method === 'GET' && build.testReport !== null ? json(build.testReport, tree) : notFound();
      case 'consoleText':
        return method === 'GET'
          ? { status: 200, headers: { 'Content-Type': 'text/plain;charset=utf-8' }, body: build.console.map((line) => `${line}\n`).join('') }
          : notFound();
      default:
        if (method !== 'POST') return page(405, 'Error 405', 'This URL requires POST');
        if (build.building && build.abortedBy === null) {
          build.abortedBy = this.options.user;
          build.abort.abort();
        }
        return { status: 302, headers: { Location: this.buildUrl(build) }, body: '' };
    }
  }

  /** `<build>/artifact/<path>`: the file as archived, its type guessed from the name as Jenkins' servlet container does. */
  private artifactAnswer(build: BuildState, encodedPath: string): Answer {
    let relativePath: string;
    try {
      relativePath = encodedPath.split('/').map(decodeURIComponent).join('/');
    } catch {
      return notFound();
    }
    const content = build.artifacts.get(relativePath);
    if (content === undefined) return notFound();
    return {
      status: 200,
      headers: { 'Content-Type': contentTypeOf(relativePath), 'Content-Length': String(Buffer.byteLength(content)) },
      body: content,
    };
  }

  private authenticate(req: IncomingMessage): Answer | undefined {
    const header = req.headers.authorization;
    if (!header) {
      const answer = page(403, 'Authentication required', 'Authentication required');
      answer.headers['X-You-Are-Authenticated-As'] = 'anonymous';
      answer.headers['X-Required-Permission'] = 'hudson.model.Hudson.Read';
      return answer;
    }
    const match = /^Basic\s+(\S+)$/i.exec(header);
    const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
    if (colon >= 0 && user === this.options.user && decoded.slice(colon + 1) === this.options.apiToken) return undefined;
    const answer = page(401, 'Error 401 Invalid password/token for user', `Invalid password/token for user: ${user}`);
    answer.headers['WWW-Authenticate'] = 'Basic realm="Jenkins"';
    return answer;
  }

  private issueCrumb(req: IncomingMessage): Answer {
    let session = this.sessionOf(req);
    const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json;charset=utf-8' };
    if (session === undefined || !this.sessions.has(session)) {
      session = randomBytes(12).toString('hex');
      this.sessions.set(session, createHmac('sha256', this.crumbSalt).update(session).digest('hex'));
      headers['Set-Cookie'] = `${this.sessionCookie}=node0${session}.node0; Path=${this.options.contextPath || '/'}; HttpOnly`;
    }
    return {
      status: 200,
      headers,
      body: JSON.stringify({ _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: this.sessions.get(session), crumbRequestField: 'Jenkins-Crumb' }),
    };
  }

  private crumbValid(req: IncomingMessage): boolean {
    const session = this.sessionOf(req);
    const expected = session === undefined ? undefined : this.sessions.get(session);
    return expected !== undefined && req.headers['jenkins-crumb'] === expected;
  }

  private sessionOf(req: IncomingMessage): string | undefined {
    for (const pair of (req.headers.cookie ?? '').split(';')) {
      const [name, value] = pair.trim().split('=');
      if (name === this.sessionCookie && value) return value.replace(/^node0/, '').replace(/\.node0$/, '');
    }
    return undefined;
  }

  /** `/job/a/job/b/rest` → job `a/b` and `rest`; the longest defined job path wins. */
  private resolveJob(path: string): { job: JobState; rest: string } | undefined {
    const segments = path.split('/').slice(1);
    const names: string[] = [];
    let found: { job: JobState; rest: string } | undefined;
    for (let index = 0; index + 1 < segments.length && segments[index] === 'job'; index += 2) {
      names.push(decodeURIComponent(segments[index + 1] ?? ''));
      const job = this.jobs.get(names.join('/'));
      if (job) found = { job, rest: segments.slice(index + 2).join('/') };
    }
    return found;
  }

  private trigger(req: IncomingMessage, job: JobState, url: URL, body: string): Answer {
    const sent: Record<string, string> = Object.fromEntries(url.searchParams);
    if (/application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) Object.assign(sent, Object.fromEntries(new URLSearchParams(body)));
    delete sent.token;
    delete sent.delay;
    let parameters = sent;
    if (job.declared !== undefined) {
      if (Object.keys(job.declared).length === 0) return page(400, 'Error 400', `${job.path} is not parameterized`);
      parameters = Object.fromEntries(Object.entries(job.declared).map(([name, fallback]) => [name, sent[name] ?? fallback]));
    }
    const location = (item: QueueItemState) => `http://${req.headers.host ?? '127.0.0.1'}${this.options.contextPath}/queue/item/${item.id}/`;
    // Jenkins folds a request into a queued item of the same job with the same parameters.
    const same = this.queueItems.find((item) => item.job === job && item.state !== 'left' && sameParameters(item.parameters, parameters));
    if (same) return { status: 201, headers: { Location: location(same) }, body: '' };

    const now = Date.now();
    const [min, max] = this.options.queueDelayMs;
    const delay = Math.round(min + Math.random() * Math.max(0, max - min));
    const item: QueueItemState = {
      id: this.nextQueueId++,
      job,
      parameters,
      inQueueSince: now,
      quietUntil: now + delay,
      state: 'waiting',
      buildableSince: null,
      cancelled: false,
      build: null,
      timer: null,
    };
    item.timer = setTimeout(() => this.quietPeriodOver(item), delay);
    this.queueItems.push(item);
    this.triggers += 1;
    return { status: 201, headers: { Location: location(item) }, body: '' };
  }

  // ---- queue and builds ----

  private quietPeriodOver(item: QueueItemState): void {
    item.timer = null;
    if (item.state !== 'waiting') return;
    if (this.held !== null) {
      item.state = 'buildable';
      item.buildableSince = Date.now();
      return;
    }
    this.startBuild(item);
  }

  private startBuild(item: QueueItemState): void {
    const now = Date.now();
    const job = item.job;
    const waitingMs = Math.max(0, Math.min(now, item.quietUntil) - item.inQueueSince);
    const build: BuildState = {
      job,
      number: job.nextBuildNumber++,
      queueId: item.id,
      parameters: { ...item.parameters },
      timestamp: now,
      queuingMs: now - item.inQueueSince,
      waitingMs,
      buildableMs: item.buildableSince === null ? 0 : now - item.buildableSince,
      building: true,
      result: null,
      durationMs: 0,
      console: [`Started by user ${this.options.user}`],
      stages: [],
      artifacts: new Map(),
      testReport: null,
      abort: new AbortController(),
      abortedBy: null,
      nextNodeId: 3,
    };
    if (job.kind === 'pipeline') build.console.push('[Pipeline] Start of Pipeline');
    else build.console.push(`Building in workspace /var/jenkins_home/workspace/${job.path}`);
    job.builds.push(build);
    item.state = 'left';
    item.build = build;
    this.waiter(job.path, build.number).started.resolve(this.snapshot(build));
    void this.runBuild(build);
  }

  private async runBuild(build: BuildState): Promise<void> {
    const job = build.job;
    const context: StandInBuildContext = {
      jobPath: job.path,
      number: build.number,
      url: this.buildUrl(build),
      parameters: { ...build.parameters },
      signal: build.abort.signal,
      log: (text) => build.console.push(...text.split('\n')),
      stage: (name, work) => (job.kind === 'pipeline' ? this.runStage(build, name, work) : work()),
      archive: (relativePath, content) => {
        if (!isArtifactPath(relativePath)) throw new TypeError(`not an artifact path: "${relativePath}" (e.g. reports/junit.xml)`);
        build.artifacts.set(relativePath, content);
      },
      publishTestReport: (report) => {
        const json = JSON.parse(JSON.stringify(report)) as unknown;
        if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TypeError('a test report is a JSON object (hudson.tasks.junit.TestResult)');
        build.testReport = json as JsonObject;
      },
    };
    let result: StandInResult;
    try {
      result = await Promise.resolve().then(() => job.run(context));
    } catch (error) {
      result = 'FAILURE';
      if (build.abortedBy === null) build.console.push(`ERROR: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (build.abortedBy !== null) {
      result = 'ABORTED';
      build.console.push(`Aborted by ${build.abortedBy}`);
    } else if (build.abort.signal.aborted) {
      result = 'ABORTED';
    }
    if (job.kind === 'pipeline') build.console.push('[Pipeline] End of Pipeline');
    build.console.push(`Finished: ${result}`);
    build.result = result;
    build.durationMs = Math.max(1, Date.now() - build.timestamp);
    build.building = false;
    this.waiter(job.path, build.number).finished.resolve(this.snapshot(build));
  }

  private async runStage<T>(build: BuildState, name: string, work: () => Promise<T>): Promise<T> {
    if (build.abort.signal.aborted) throw build.abort.signal.reason ?? new Error('aborted');
    const stage: StageState = { id: String(build.nextNodeId), name, status: 'IN_PROGRESS', startTimeMillis: Date.now(), endTimeMillis: null };
    build.nextNodeId += 4;
    build.stages.push(stage);
    build.console.push('[Pipeline] stage', `[Pipeline] { (${name})`);
    try {
      const value = await work();
      stage.status = build.abort.signal.aborted ? 'ABORTED' : 'SUCCESS';
      return value;
    } catch (error) {
      const aborted = build.abort.signal.aborted;
      stage.status = aborted ? 'ABORTED' : 'FAILED';
      stage.error = aborted
        ? { message: '', type: 'org.jenkinsci.plugins.workflow.steps.FlowInterruptedException' }
        : { message: error instanceof Error ? error.message : String(error), type: 'hudson.AbortException' };
      throw error;
    } finally {
      stage.endTimeMillis = Date.now();
      build.console.push('[Pipeline] }', '[Pipeline] // stage');
    }
  }

  private waiter(jobPath: string, number: number): { started: Deferred<StandInBuild>; finished: Deferred<StandInBuild> } {
    const key = `${jobPath}#${number}`;
    let entry = this.waiters.get(key);
    if (!entry) {
      entry = { started: deferred(), finished: deferred() };
      this.waiters.set(key, entry);
      const build = this.jobs.get(jobPath)?.builds.find((candidate) => candidate.number === number);
      if (build) {
        entry.started.resolve(this.snapshot(build));
        if (!build.building) entry.finished.resolve(this.snapshot(build));
      }
    }
    return entry;
  }

  private snapshot(build: BuildState): StandInBuild {
    return {
      jobPath: build.job.path,
      number: build.number,
      url: this.buildUrl(build),
      queueId: build.queueId,
      parameters: { ...build.parameters },
      building: build.building,
      result: build.result,
      timestamp: build.timestamp,
      durationMs: build.durationMs,
      queueWaitMs: build.queuingMs,
      console: [...build.console],
      artifacts: Object.fromEntries(build.artifacts),
      testReport: build.testReport === null ? null : structuredClone(build.testReport),
      stages: build.stages.map((stage) => ({
        id: stage.id,
        name: stage.name,
        status: stage.status,
        startTimeMillis: stage.startTimeMillis,
        durationMillis: (stage.endTimeMillis ?? Date.now()) - stage.startTimeMillis,
        ...(stage.error ? { error: { ...stage.error } } : {}),
      })),
    };
  }

  // ---- JSON, in the shapes Jenkins exports ----

  private jobUrl(job: JobState): string {
    return `${this.baseUrl}${job.path
      .split('/')
      .map((segment) => `/job/${encodeURIComponent(segment)}`)
      .join('')}/`;
  }

  private buildUrl(build: BuildState): string {
    return `${this.jobUrl(build.job)}${build.number}/`;
  }

  private classes(job: JobState): { job: string; build: string } {
    return job.kind === 'pipeline' ? PIPELINE : FREESTYLE;
  }

  private color(job: JobState): string {
    const done = [...job.builds].reverse().find((build) => !build.building);
    const base = !done ? 'notbuilt' : ({ SUCCESS: 'blue', UNSTABLE: 'yellow', FAILURE: 'red', ABORTED: 'aborted' } as const)[done.result ?? 'ABORTED'];
    return job.builds.some((build) => build.building) ? `${base}_anime` : base;
  }

  private taskJson(job: JobState): JsonObject {
    return { _class: this.classes(job).job, name: lastSegment(job.path), url: this.jobUrl(job), color: this.color(job) };
  }

  private parametersAction(parameters: Readonly<Record<string, string>>): JsonObject {
    return {
      _class: 'hudson.model.ParametersAction',
      parameters: Object.entries(parameters).map(([name, value]) => ({ _class: 'hudson.model.StringParameterValue', name, value })),
    };
  }

  private causeAction(): JsonObject {
    const user = this.options.user;
    return {
      _class: 'hudson.model.CauseAction',
      causes: [{ _class: 'hudson.model.Cause$UserIdCause', shortDescription: `Started by user ${user}`, userId: user, userName: user }],
    };
  }

  private queueItemJson(item: QueueItemState): JsonObject {
    const common: JsonObject = {
      actions: [this.parametersAction(item.parameters), this.causeAction()],
      blocked: false,
      buildable: item.state === 'buildable',
      id: item.id,
      inQueueSince: item.inQueueSince,
      params: Object.entries(item.parameters)
        .map(([name, value]) => `\n${name}=${value}`)
        .join(''),
      stuck: false,
      task: this.taskJson(item.job),
      url: `queue/item/${item.id}/`,
    };
    if (item.state === 'waiting') {
      const remaining = Math.max(0, item.quietUntil - Date.now());
      const left = remaining < 1000 ? `${remaining} ms` : `${(remaining / 1000).toFixed(1)} sec`;
      return { _class: 'hudson.model.Queue$WaitingItem', ...common, why: `In the quiet period. Expires in ${left}`, timestamp: item.quietUntil };
    }
    if (item.state === 'buildable') {
      return {
        _class: 'hudson.model.Queue$BuildableItem',
        ...common,
        why: this.held ?? 'Waiting for next available executor',
        buildableStartMilliseconds: item.buildableSince ?? item.quietUntil,
        pending: false,
      };
    }
    const build = item.build;
    return {
      _class: 'hudson.model.Queue$LeftItem',
      ...common,
      why: null,
      cancelled: item.cancelled,
      executable: build ? { _class: this.classes(item.job).build, number: build.number, url: this.buildUrl(build) } : null,
    };
  }

  private buildRef(build: BuildState | undefined): Json {
    return build ? { _class: this.classes(build.job).build, number: build.number, url: this.buildUrl(build) } : null;
  }

  private buildJson(build: BuildState): JsonObject {
    const job = build.job;
    const previous = job.builds.filter((candidate) => candidate.number < build.number && !candidate.building);
    const lastDone = previous.at(-1);
    const actions: Json[] = [this.parametersAction(build.parameters), this.causeAction()];
    if (this.options.timeInQueueAction) {
      actions.push({
        _class: 'jenkins.metrics.impl.TimeInQueueAction',
        queuingDurationMillis: build.queuingMs,
        queuingTimeMillis: build.queuingMs,
        totalDurationMillis: build.queuingMs + build.durationMs,
      });
    }
    actions.push({});
    // Declared as the run's own class, so Jenkins leaves their _class out.
    const neighbours = (offset: number): Json => {
      const other = job.builds.find((candidate) => candidate.number === build.number + offset);
      return other ? { number: other.number, url: this.buildUrl(other) } : null;
    };
    const common: JsonObject = {
      _class: this.classes(job).build,
      actions,
      artifacts: artifactsJson([...build.artifacts.keys()]),
      building: build.building,
      description: null,
      displayName: `#${build.number}`,
      duration: build.building ? 0 : build.durationMs,
      estimatedDuration: lastDone ? lastDone.durationMs : -1,
      executor: build.building ? (job.kind === 'pipeline' ? { _class: 'hudson.model.OneOffExecutor' } : {}) : null,
      fullDisplayName: `${job.path.split('/').join(' » ')} #${build.number}`,
      id: String(build.number),
      keepLog: false,
      number: build.number,
      queueId: build.queueId,
      result: build.building ? null : build.result,
      timestamp: build.timestamp,
      url: this.buildUrl(build),
    };
    if (job.kind === 'pipeline') return { ...common, changeSets: [], culprits: [], nextBuild: neighbours(1), previousBuild: neighbours(-1) };
    return {
      ...common,
      builtOn: '',
      changeSet: { _class: 'hudson.scm.EmptyChangeLogSet', items: [], kind: null },
      culprits: [],
      nextBuild: neighbours(1),
      previousBuild: neighbours(-1),
    };
  }

  /** The job; `deep` expands the builds (what a `tree` query can reach) instead of Jenkins' depth-0 references. */
  private jobJson(job: JobState, deep: boolean): JsonObject {
    const newestFirst = [...job.builds].reverse();
    const ref = (build: BuildState | undefined): Json => (build === undefined ? null : deep ? this.buildJson(build) : this.buildRef(build));
    const done = newestFirst.filter((build) => !build.building);
    const queued = this.queueItems.find((item) => item.job === job && item.state !== 'left');
    const declared = job.declared;
    const property: Json[] =
      declared && Object.keys(declared).length > 0
        ? [
            {
              _class: 'hudson.model.ParametersDefinitionProperty',
              parameterDefinitions: Object.entries(declared).map(([name, value]) => ({
                _class: 'hudson.model.StringParameterDefinition',
                defaultParameterValue: { _class: 'hudson.model.StringParameterValue', name, value },
                description: null,
                name,
                type: 'StringParameterDefinition',
              })),
            },
          ]
        : [];
    const common: JsonObject = {
      _class: this.classes(job).job,
      actions: [{}, { _class: 'org.jenkinsci.plugins.displayurlapi.actions.JobDisplayAction' }],
      description: '',
      displayName: lastSegment(job.path),
      displayNameOrNull: null,
      fullDisplayName: job.path.split('/').join(' » '),
      fullName: job.path,
      name: lastSegment(job.path),
      url: this.jobUrl(job),
      buildable: true,
      // Jenkins lists the newest 100 builds (allBuilds has all); a tree range applies to these.
      builds: newestFirst.slice(0, 100).map((build) => ref(build)),
      color: this.color(job),
      firstBuild: ref(job.builds[0]),
      healthReport: [],
      inQueue: queued !== undefined,
      keepDependencies: false,
      lastBuild: ref(newestFirst[0]),
      lastCompletedBuild: ref(done[0]),
      lastFailedBuild: ref(done.find((build) => build.result === 'FAILURE')),
      lastStableBuild: ref(done.find((build) => build.result === 'SUCCESS')),
      lastSuccessfulBuild: ref(done.find((build) => build.result === 'SUCCESS' || build.result === 'UNSTABLE')),
      lastUnstableBuild: ref(done.find((build) => build.result === 'UNSTABLE')),
      lastUnsuccessfulBuild: ref(done.find((build) => build.result !== 'SUCCESS')),
      nextBuildNumber: job.nextBuildNumber,
      property,
      queueItem: queued ? this.queueItemJson(queued) : null,
      concurrentBuild: true,
    };
    return job.kind === 'pipeline' ? { ...common, resumeBlocked: false } : { ...common, scm: { _class: 'hudson.scm.NullSCM' } };
  }

  /** `wfapi/describe` of a run, as the Pipeline REST API's RunExt computes it. */
  private describeJson(build: BuildState): JsonObject {
    const now = Date.now();
    // wfapi links are paths from the server root, context path included.
    const href = new URL(this.buildUrl(build)).pathname;
    const status = build.building
      ? 'IN_PROGRESS'
      : ({ SUCCESS: 'SUCCESS', UNSTABLE: 'UNSTABLE', FAILURE: 'FAILED', ABORTED: 'ABORTED' } as const)[build.result ?? 'ABORTED'];
    const stages = build.stages.map((stage) => ({
      _links: { self: { href: `${href}execution/node/${stage.id}/wfapi/describe` } },
      id: stage.id,
      name: stage.name,
      execNode: '',
      status: stage.status,
      ...(stage.error ? { error: { ...stage.error } } : {}),
      startTimeMillis: stage.startTimeMillis,
      durationMillis: (stage.endTimeMillis ?? now) - stage.startTimeMillis,
      pauseDurationMillis: 0,
    }));
    const endTimeMillis = build.building ? now : build.timestamp + build.durationMs;
    const first = build.stages[0];
    const queueDurationMillis = first ? first.startTimeMillis - build.timestamp : now - build.timestamp;
    return {
      _links: { self: { href: `${href}wfapi/describe` } },
      id: String(build.number),
      name: `#${build.number}`,
      status,
      startTimeMillis: build.timestamp,
      endTimeMillis,
      durationMillis: Math.max(0, endTimeMillis - build.timestamp - queueDurationMillis),
      queueDurationMillis,
      pauseDurationMillis: 0,
      stages,
    };
  }
}

/**
 * A run's `artifacts` as Jenkins exports them (`hudson.model.Run.Artifact`): ordered by path,
 * directory by directory, and each `displayPath` the shortest tail of the path no other artifact
 * shares (`Run.ArtifactList#computeDisplayName`).
 */
function artifactsJson(paths: readonly string[]): Json[] {
  const sorted = [...paths].sort((a, b) => compareSegments(a.split('/'), b.split('/')));
  const segments = sorted.map((path) => path.split('/'));
  return sorted.map((relativePath, index) => {
    const own = segments[index] ?? [];
    let depth = 1;
    const tail = (parts: readonly string[], length: number) => parts.slice(-length).join('/');
    while (depth < own.length && segments.some((other, at) => at !== index && tail(other, depth) === tail(own, depth))) depth += 1;
    return { displayPath: tail(own, depth), fileName: own.at(-1) ?? relativePath, relativePath };
  });
}

function compareSegments(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const left = a[index] ?? '';
    const right = b[index] ?? '';
    if (left !== right) return left < right ? -1 : 1;
  }
  return a.length - b.length;
}

function isArtifactPath(path: string): boolean {
  return path.trim() !== '' && path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('\\'));
}

function contentTypeOf(path: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  const types: Readonly<Record<string, string>> = { xml: 'application/xml', json: 'application/json', html: 'text/html', txt: 'text/plain', log: 'text/plain' };
  return extension && types[extension] ? types[extension] : 'application/octet-stream';
}

function lastSegment(path: string): string {
  return path.split('/').at(-1) ?? path;
}

function sameParameters(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

function json(value: JsonObject, tree: string | null): Answer {
  return jsonAnswer(200, tree === null ? value : applyTree(value, parseTree(tree)), 'application/json;charset=utf-8');
}

/** Jenkins answers errors with an HTML page; its first paragraph says what went wrong. */
function page(status: number, title: string, message: string): Answer {
  const escape = (text: string) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
  return {
    status,
    headers: { 'Content-Type': 'text/html;charset=utf-8' },
    body: `<html><head><title>${escape(title)}</title></head><body><h2>${escape(title)}</h2><p>${escape(message)}</p></body></html>\n`,
  };
}

function notFound(): Answer {
  return page(404, 'Not Found', 'This page may not exist, or you may not have permission to see it.');
}

// ---- ?tree= (https://www.jenkins.io/doc/book/using/remote-access-api/, "Controlling the amount of data you fetch") ----

interface TreeNode {
  readonly children: TreeSpec | null;
  readonly range: readonly [number, number | undefined] | null;
}
type TreeSpec = Map<string, TreeNode>;

/** Parses `builds[number,actions[parameters[name,value]]]{0,50},name`. */
export function parseTree(text: string): TreeSpec {
  let position = 0;
  const fail = (): never => {
    throw new Error(`malformed tree parameter at ${position}: ${text}`);
  };
  const list = (): TreeSpec => {
    const spec: TreeSpec = new Map();
    for (;;) {
      const name = /^[A-Za-z_$][\w$]*/.exec(text.slice(position))?.[0] ?? fail();
      position += name.length;
      let children: TreeSpec | null = null;
      let range: readonly [number, number | undefined] | null = null;
      if (text[position] === '[') {
        position += 1;
        children = list();
        if (text[position] !== ']') fail();
        position += 1;
      }
      if (text[position] === '{') {
        const match = /^\{(\d*)(,?)(\d*)\}/.exec(text.slice(position)) ?? fail();
        const [, from = '', comma = '', to = ''] = match;
        const start = from === '' ? 0 : Number(from);
        range = comma === '' ? [start, start + 1] : [start, to === '' ? undefined : Number(to)];
        position += match[0].length;
      }
      spec.set(name, { children, range });
      if (text[position] !== ',') return spec;
      position += 1;
    }
  };
  const spec = list();
  if (position !== text.length) fail();
  return spec;
}

/** Keeps what the tree names (and `_class`, which Jenkins always sends), ranges applied to arrays. */
export function applyTree(value: Json, spec: TreeSpec): Json {
  if (Array.isArray(value)) return value.map((element) => applyTree(element, spec));
  if (value === null || typeof value !== 'object') return value;
  const kept: JsonObject = {};
  if ('_class' in value && value._class !== undefined) kept._class = value._class;
  for (const [name, node] of spec) {
    if (!(name in value)) continue;
    let child = value[name] as Json;
    if (node.range && Array.isArray(child)) child = child.slice(node.range[0], node.range[1]);
    kept[name] = node.children ? applyTree(child, node.children) : child;
  }
  return kept;
}
