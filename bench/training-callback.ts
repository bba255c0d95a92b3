/**
 * Training callback → TRAIN_RESULT: `npm run bench:training`.
 *
 * The whole service in this process (real BPMN on a local engine with in-memory H2, our
 * workers and webhook ingress), a real MLflow server, the Jenkins stand-in running a fast
 * training job (bench/training-job.ts: a run logged to MLflow over REST, then the signed
 * callback), and Jira, GitHub and Slack as the tests' loopback stand-ins. Measured per build:
 * the time from the callback's send to the `[Success] TRAIN_RESULT` comment reaching the Jira
 * stand-in.
 *
 * - steady: N builds whose callbacks come at a steady rate (goal: p99 <= 2 s over 200 builds);
 * - burst: one round of builds whose callbacks all come at once.
 *
 * Builds go in rounds of at most 45: the round's tickets are created at "Ready for training"
 * and run into training, each build logs its run and holds its callback, and once every
 * lifecycle of the round waits for its build the callbacks are released; the next round is
 * set up once every comment of this one came, so no set-up work overlaps a measurement. The
 * rounds are there because the lifecycle finds its build again by key among the job's newest
 * 50 builds only (JenkinsClient `recentBuilds`): a build with 50 newer ones is not found
 * when its wait ends.
 *
 * With the percentiles: where the time went (the engine's history: correlated, build
 * collected, metrics evaluated, version registered; then the comment's arrival), the
 * handlers' mean time per step, and the machine's load during the measured windows. The
 * Jenkins poll is 10 minutes (bench/training-policy.toml), so only the callbacks end the waits.
 *
 * Environment: ENGINE_REST_URL (an engine to use instead of starting one), BENCH_TRAINING_N
 * [200], BENCH_TRAINING_RATE [4 callbacks/s], BENCH_TRAINING_ROUND [40, at most 45],
 * BENCH_TRAINING_BURST_N [40, at most 45; 0 skips it].
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JENKINS_BUILD_PROCESS_KEY, PROCESS_KEY, Topics } from '../src/bpmn/contract.ts';
import { loadConfig } from '../src/config/load.ts';
import { findFreePort, startLocalEngine } from '../src/engine/local.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService, type Service } from '../src/service.ts';
import { JenkinsStandIn } from '../standins/jenkins.ts';
import { startMlflowServer, type MlflowServer } from '../test/support/mlflow-server.ts';
import { installWorld, issueCreated, sendJiraWebhook, testEnv, uninstallWorld, type World } from '../test/support/service.ts';
import { atMost, fmt, percentile, renderTable } from './stats.ts';
import { busyPercent, machineCpu, othersPercent, processCpuMs } from './sys.ts';
import { fastTrainingJob, type SentCallback } from './training-job.ts';

const ROOT = resolve(import.meta.dirname, '..');
const POLICY_FILE = join(ROOT, 'bench', 'training-policy.toml');
const TRAIN_JOB = 'ml/train-model';
const GOAL_P99_MS = 2_000;
const SUCCESS = '[Success] TRAIN_RESULT';
const FAILURE = '[Failed] TRAIN_RESULT';

/** Epoch ms with sub-millisecond resolution: the one clock of the job, the fakes and the bench. */
const now = (): number => performance.timeOrigin + performance.now();
const started = now();
const progress = (message: string) => console.log(`[${((now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** At most this many builds in a round: the lifecycle looks for its build among the job's newest 50. */
const MAX_ROUND = 45;

function int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** What the bench learns about one ticket's build. */
interface Build {
  readonly key: string;
  readonly buildKey: string;
  ready: boolean;
  callback?: SentCallback;
  /** When `[Success] TRAIN_RESULT` reached the Jira stand-in. */
  commentAt?: number;
  failed: boolean;
}

/** The steps after the callback, as the engine's history has them: the activity whose end closes each step. */
const STEPS = [
  { name: 'correlated (callback event)', process: JENKINS_BUILD_PROCESS_KEY, activityId: 'Event_BuildCallback', topic: null },
  { name: 'build collected', process: JENKINS_BUILD_PROCESS_KEY, activityId: 'Task_CollectBuild', topic: Topics.collectBuild },
  { name: 'metrics evaluated', process: PROCESS_KEY, activityId: 'Task_EvaluateTraining', topic: Topics.evaluateTraining },
  { name: 'version registered', process: PROCESS_KEY, activityId: 'Task_RegisterModel', topic: Topics.registerModel },
] as const;

/** Everything a round needs. */
interface Bench {
  readonly service: Service;
  readonly restUrl: string;
  readonly enginePid: number | undefined;
  readonly world: World;
  /** Lets the build of this build key send its callback. */
  readonly release: (buildKey: string) => void;
}

async function main(): Promise<number> {
  const n = int('BENCH_TRAINING_N', 200, 1);
  const rate = positive('BENCH_TRAINING_RATE', 4);
  const round = int('BENCH_TRAINING_ROUND', 40, 1, MAX_ROUND);
  const burstN = int('BENCH_TRAINING_BURST_N', 40, 0, MAX_ROUND);
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const workDir = await mkdtemp(join(os.tmpdir(), 'model-lifecycle-bench-training-'));
  const cleanups: Array<() => Promise<void>> = [];
  console.log(`model-lifecycle bench (training callback → TRAIN_RESULT): ${os.cpus().length} cores, load ${load()}, node ${process.version}`);
  try {
    // The engine and MLflow start side by side: each takes 10-30 s.
    const [engineStart, mlflowStart] = await Promise.allSettled([
      process.env.ENGINE_REST_URL
        ? Promise.resolve({ restUrl: process.env.ENGINE_REST_URL, pid: undefined, stop: async () => {} })
        : startLocalEngine({ port: await findFreePort(), dataDir: join(workDir, 'engine'), dbUrl: 'jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1', log }),
      startMlflowServer(),
    ]);
    if (engineStart.status === 'fulfilled') cleanups.push(engineStart.value.stop);
    if (mlflowStart.status === 'fulfilled') cleanups.push(mlflowStart.value.stop);
    if (engineStart.status === 'rejected') throw engineStart.reason;
    if (mlflowStart.status === 'rejected') throw mlflowStart.reason;
    const engine = engineStart.value;
    const mlflowServer: MlflowServer = mlflowStart.value;
    progress(`engine at ${engine.restUrl}, MLflow at ${mlflowServer.url}`);

    const byBuildKey = new Map<string, Build>();
    const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
    const gate = (buildKey: string) => {
      let entry = gates.get(buildKey);
      if (!entry) {
        let open = () => {};
        const promise = new Promise<void>((resolve) => (open = resolve));
        entry = { promise, open };
        gates.set(buildKey, entry);
      }
      return entry;
    };

    const jenkins = new JenkinsStandIn({ user: testEnv.JENKINS_USER, apiToken: testEnv.JENKINS_API_TOKEN });
    const jenkinsUrl = await jenkins.start();
    cleanups.push(() => jenkins.stop());
    jenkins.defineJob(
      TRAIN_JOB,
      fastTrainingJob({
        mlflowUrl: mlflowServer.url,
        callbackSecret: testEnv.JENKINS_CALLBACK_SECRET,
        release: (buildKey) => gate(buildKey).promise,
        onReady: (buildKey) => {
          const build = byBuildKey.get(buildKey);
          if (build) build.ready = true;
        },
        onCallback: (callback) => {
          const build = byBuildKey.get(callback.buildKey);
          if (build) build.callback = callback;
        },
        now,
      }),
    );

    const world = await installWorld();
    cleanups.push(() => uninstallWorld());
    world.jira.onComment = (key, comment) => {
      const build = byBuildKey.get(`${key}/train/1`);
      if (!build) return;
      const text = JSON.stringify(comment.body);
      if (text.includes(SUCCESS)) build.commentAt ??= now();
      else if (text.includes(FAILURE)) build.failed = true;
    };

    const loaded = loadConfig({
      env: { ...testEnv, POLICY_FILE, JENKINS_URL: jenkinsUrl, MLFLOW_TRACKING_URI: mlflowServer.url, LOG_LEVEL: 'warn' },
      cwd: ROOT,
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    // A later stage (build and test) starts its own Jenkins job after TRAIN_RESULT: it runs until
    // the bench ends, so those lifecycles wait quietly for it instead of retrying a missing job.
    jenkins.defineJob(loaded.config.policy.build.job, async (build) => {
      await new Promise((resolve) => build.signal.addEventListener('abort', resolve, { once: true }));
      return 'ABORTED';
    });
    const service = await startService({ config: loaded.config, engineRestUrl: engine.restUrl, log: createLogger({ level: 'warn' }), port: 0 });
    // Stopping waits for the pending long poll (up to 30 s); the bench does not need it to end cleanly.
    cleanups.push(() => Promise.race([service.stop(), sleep(3_000)]));

    const bench: Bench = { service, restUrl: engine.restUrl, enginePid: engine.pid, world, release: (buildKey) => gate(buildKey).open() };
    let nextTicket = 20_000;
    const tickets = (count: number): Build[] =>
      Array.from({ length: count }, () => {
        const key = `MLM-${nextTicket++}`;
        const build: Build = { key, buildKey: `${key}/train/1`, ready: false, failed: false };
        byBuildKey.set(build.buildKey, build);
        return build;
      });

    const results: ScenarioResult[] = [];
    const steady = new ScenarioResult(`steady, ${n} builds, callbacks at ${fmt(rate, 1)}/s (rounds of ${Math.min(round, n)})`, true);
    for (let done = 0; done < n; done += round) await runRound(bench, steady, tickets(Math.min(round, n - done)), 1_000 / rate);
    results.push(steady);
    if (burstN > 0) {
      const burst = new ScenarioResult(`burst, ${burstN} builds, callbacks all at once`, false);
      await runRound(bench, burst, tickets(burstN), 0);
      results.push(burst);
    }

    const steps = await history(engine.restUrl);
    for (const result of results) report(result, steps);
    return results.every((result) => result.complete) ? 0 : 1;
  } catch (error) {
    console.error(`bench could not run: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(workDir, { recursive: true, force: true });
  }
}

/** One round: set up its lifecycles, then release their callbacks every `paceMs` (0: at once) and time the comments. */
async function runRound(bench: Bench, result: ScenarioResult, builds: readonly Build[], paceMs: number): Promise<void> {
  await setUp(bench, builds);
  const window = await measure(bench, async () => {
    const t0 = now();
    for (const [i, build] of builds.entries()) {
      const at = t0 + i * paceMs;
      if (at > now()) await sleep(at - now());
      bench.release(build.buildKey);
    }
    const deadline = now() + 60_000;
    while (builds.some((build) => build.commentAt === undefined && !build.failed) && now() < deadline) await sleep(50);
  });
  result.add(builds, window);
  const done = builds.filter((build) => build.commentAt !== undefined).length;
  const latencies = builds.flatMap((build) => (build.commentAt !== undefined && build.callback ? [build.commentAt - build.callback.sentAt] : []));
  progress(`  ${done}/${builds.length} TRAIN_RESULT comments in ${(window.elapsedMs / 1000).toFixed(1)} s; p50 ${fmt(percentile(latencies, 50))} ms, max ${fmt(Math.max(...latencies))} ms; load ${load()}`);
}

/** Creates the tickets and waits until each lifecycle waits for its build's callback and each build for its release. */
async function setUp(bench: Bench, builds: readonly Build[]): Promise<void> {
  for (const { key } of builds) {
    bench.world.jira.addIssue({
      key,
      summary: `Churn predictor ${key.toLowerCase()}`,
      status: 'Ready for training',
      components: ['search'],
      assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' },
    });
  }
  progress(`set-up: ${builds[0]?.key}…${builds.at(-1)?.key} at "Ready for training" run into training (repository, model.toml, build, MLflow run)`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < builds.length) {
        const { key } = builds[next++]!;
        // As Jira does, a delivery answered 503 (the engine too busy to answer in time) comes again.
        for (let attempt = 1; ; attempt++) {
          const answer = await sendJiraWebhook(bench.service, issueCreated(key, `Churn predictor ${key.toLowerCase()}`));
          if (answer.status < 500) break;
          if (attempt === 5) throw new Error(`the issue_created delivery of ${key} was answered ${answer.status} ${attempt} times`);
          await sleep(1_000);
        }
      }
    }),
  );

  const deadline = now() + 180_000;
  let lastReport = now();
  for (;;) {
    const awaited = await buildKeysAwaitingCallback(bench.restUrl);
    const waiting = builds.filter((build) => awaited.has(build.buildKey)).length;
    const ready = builds.filter((build) => build.ready).length;
    if (waiting >= builds.length && ready >= builds.length) break;
    if (now() > deadline) throw new Error(`set-up timed out: ${waiting}/${builds.length} lifecycles wait for the callback, ${ready} builds logged their run`);
    if (now() - lastReport > 15_000) {
      progress(`  ${waiting}/${builds.length} lifecycles wait for the callback, ${ready} builds logged their run`);
      lastReport = now();
    }
    await sleep(200);
  }
  // Let the set-up's stragglers (Slack, MLflow writes) settle before measuring.
  await sleep(1_000);
}

/** The build keys whose jenkins-build instance waits at the callback event (not in its entry check). */
async function buildKeysAwaitingCallback(restUrl: string): Promise<Set<string>> {
  const query = new URLSearchParams({ eventType: 'message', eventName: 'jenkins-build:finished', activityId: 'Event_BuildCallback', maxResults: '10000' });
  const subscriptions = (await (await fetch(`${restUrl}/event-subscription?${query}`)).json()) as Array<{ processInstanceId: string }>;
  if (subscriptions.length === 0) return new Set();
  const response = await fetch(`${restUrl}/variable-instance?maxResults=10000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ variableName: 'buildKey', processInstanceIdIn: subscriptions.map((subscription) => subscription.processInstanceId) }),
  });
  return new Set(((await response.json()) as Array<{ value: unknown }>).map((variable) => String(variable.value)));
}

/** CPU and handler time of a measured window. */
interface Window {
  readonly elapsedMs: number;
  readonly machineBusyMs: number;
  readonly machineTotalMs: number;
  readonly ownMs: number;
  readonly engineMs: number | undefined;
  /** This process's children other than the engine: the MLflow server. */
  readonly mlflowMs: number | undefined;
  readonly handlers: ReadonlyMap<string, { sum: number; count: number }>;
}

async function measure(bench: Bench, work: () => Promise<void>): Promise<Window> {
  const cpu0 = machineCpu();
  const own0 = process.cpuUsage();
  const engine0 = bench.enginePid === undefined ? undefined : processCpuMs(bench.enginePid);
  const children0 = descendantsCpuMs(process.pid);
  const handlers0 = await handlerTotals(bench.service);
  const t0 = now();
  await work();
  const elapsedMs = now() - t0;
  const cpu1 = machineCpu();
  const own = process.cpuUsage(own0);
  const engine1 = bench.enginePid === undefined ? undefined : processCpuMs(bench.enginePid);
  const children1 = descendantsCpuMs(process.pid);
  const handlers = new Map<string, { sum: number; count: number }>();
  for (const [topic, after] of await handlerTotals(bench.service)) {
    const before = handlers0.get(topic) ?? { sum: 0, count: 0 };
    handlers.set(topic, { sum: after.sum - before.sum, count: after.count - before.count });
  }
  return {
    elapsedMs,
    machineBusyMs: cpu0 && cpu1 ? cpu1.busy - cpu0.busy : Number.NaN,
    machineTotalMs: cpu0 && cpu1 ? cpu1.total - cpu0.total : Number.NaN,
    ownMs: (own.user + own.system) / 1_000,
    engineMs: engine0 !== undefined && engine1 !== undefined ? engine1 - engine0 : undefined,
    mlflowMs:
      engine0 !== undefined && engine1 !== undefined && children0 !== undefined && children1 !== undefined ? children1 - children0 - (engine1 - engine0) : undefined,
    handlers,
  };
}

/** CPU ms used so far by the living descendants of `pid` (Linux /proc); undefined without /proc. */
function descendantsCpuMs(pid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const pending = [...(children.get(pid) ?? [])];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    total += processCpuMs(next) ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}

/** A scenario's builds and its measured windows, summed over its rounds. */
class ScenarioResult {
  readonly name: string;
  /** Whether the p99 goal applies. */
  readonly goal: boolean;
  readonly builds: Build[] = [];
  elapsedMs = 0;
  private machineBusyMs = 0;
  private machineTotalMs = 0;
  private ownMs = 0;
  private engineMs: number | undefined = 0;
  private mlflowMs: number | undefined = 0;
  private readonly handlers = new Map<string, { sum: number; count: number }>();
  private readonly loads: string[] = [];

  constructor(name: string, goal: boolean) {
    this.name = name;
    this.goal = goal;
  }

  add(builds: readonly Build[], window: Window): void {
    this.builds.push(...builds);
    this.elapsedMs += window.elapsedMs;
    this.machineBusyMs += window.machineBusyMs;
    this.machineTotalMs += window.machineTotalMs;
    this.ownMs += window.ownMs;
    this.engineMs = this.engineMs === undefined || window.engineMs === undefined ? undefined : this.engineMs + window.engineMs;
    this.mlflowMs = this.mlflowMs === undefined || window.mlflowMs === undefined ? undefined : this.mlflowMs + window.mlflowMs;
    for (const [topic, { sum, count }] of window.handlers) {
      const entry = this.handlers.get(topic) ?? { sum: 0, count: 0 };
      this.handlers.set(topic, { sum: entry.sum + sum, count: entry.count + count });
    }
    this.loads.push(os.loadavg()[0]!.toFixed(1));
  }

  get complete(): boolean {
    return this.builds.every((build) => build.commentAt !== undefined);
  }

  /** Mean handler time of a topic in the measured windows, ms. */
  handlerMs(topic: string): number | undefined {
    const entry = this.handlers.get(topic);
    return entry && entry.count > 0 ? (entry.sum * 1_000) / entry.count : undefined;
  }

  /** Machine load in the measured windows, in words. */
  describeLoad(): string {
    const total = { busy: this.machineBusyMs, total: this.machineTotalMs };
    const zero = { busy: 0, total: 0 };
    const share = (ms: number | undefined) => (ms === undefined || !(this.machineTotalMs > 0) ? Number.NaN : (100 * ms) / this.machineTotalMs);
    return (
      `1-min load average after each round ${this.loads.join(', ')} (${os.cpus().length} cores); CPU busy ${fmt(busyPercent(zero, total))}% of all cores: ` +
      `this process (service, stand-ins, bench) ${fmt(share(this.ownMs))}%, engine ${fmt(share(this.engineMs))}%, MLflow ${fmt(share(this.mlflowMs))}%, ` +
      `other users of the machine ${fmt(othersPercent(zero, total, this.ownMs + (this.mlflowMs ?? 0), this.engineMs))}%`
    );
  }
}

/** Sum (s) and count of `lifecycle_task_duration_seconds` per topic. */
async function handlerTotals(service: Service): Promise<Map<string, { sum: number; count: number }>> {
  const totals = new Map<string, { sum: number; count: number }>();
  for (const sample of (await service.metrics.taskDuration.get()).values) {
    const topic = String(sample.labels.topic);
    const entry = totals.get(topic) ?? { sum: 0, count: 0 };
    if (sample.metricName?.endsWith('_sum')) entry.sum += sample.value;
    else if (sample.metricName?.endsWith('_count')) entry.count += sample.value;
    totals.set(topic, entry);
  }
  return totals;
}

/** End time (epoch ms) of each step's activity, by business key. */
type StepEnds = ReadonlyArray<ReadonlyMap<string, number>>;

async function history(restUrl: string): Promise<StepEnds> {
  const get = async <T>(path: string, query: Record<string, string>): Promise<T[]> => {
    const response = await fetch(`${restUrl}${path}?${new URLSearchParams({ ...query, maxResults: '10000' })}`);
    if (!response.ok) throw new Error(`engine ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T[];
  };
  const businessKeys = new Map<string, string>();
  for (const key of [PROCESS_KEY, JENKINS_BUILD_PROCESS_KEY]) {
    for (const instance of await get<{ id: string; businessKey: string }>('/history/process-instance', { processDefinitionKey: key })) {
      businessKeys.set(instance.id, instance.businessKey);
    }
  }
  return Promise.all(
    STEPS.map(async (step) => {
      const ends = new Map<string, number>();
      for (const activity of await get<{ processInstanceId: string; endTime: string | null }>('/history/activity-instance', { activityId: step.activityId, finished: 'true' })) {
        const key = businessKeys.get(activity.processInstanceId);
        // The earliest: a later stage's own Jenkins build (same business key) ends later.
        if (key !== undefined && activity.endTime) ends.set(key, Math.min(ends.get(key) ?? Infinity, Date.parse(activity.endTime)));
      }
      return ends;
    }),
  );
}

function report(result: ScenarioResult, steps: StepEnds): void {
  const measured = result.builds.filter((build) => build.callback && build.commentAt !== undefined);
  const latencies = measured.map((build) => build.commentAt! - build.callback!.sentAt);
  const statuses = new Map<number, number>();
  for (const build of result.builds) statuses.set(build.callback?.status ?? 0, (statuses.get(build.callback?.status ?? 0) ?? 0) + 1);
  const retried = result.builds.filter((build) => (build.callback?.tries ?? 1) > 1).length;
  const failed = result.builds.filter((build) => build.failed).length;

  // Where the time went: each step from the end of the one before (engine clock, ms).
  const rows: string[][] = [];
  const row = (label: string, values: number[], note = '') =>
    rows.push([label, fmt(percentile(values, 50)), fmt(percentile(values, 95)), fmt(percentile(values, 99)), fmt(values.length ? Math.max(...values) : Number.NaN), note]);
  row('callback answered (HTTP 200)', measured.map((build) => build.callback!.answeredAt - build.callback!.sentAt));
  let previous = (build: Build) => build.callback!.sentAt;
  for (const [i, step] of STEPS.entries()) {
    const from = previous;
    const values = measured.flatMap((build) => {
      const end = steps[i]!.get(build.key);
      return end === undefined ? [] : [end - from(build)];
    });
    const handler = step.topic ? result.handlerMs(step.topic) : undefined;
    row(`→ ${step.name}`, values, handler === undefined ? '' : `handler mean ${fmt(handler)} ms`);
    previous = (build) => steps[i]!.get(build.key) ?? Number.NaN;
  }
  const report = result.handlerMs(Topics.reportTraining);
  row('→ comment at Jira', measured.map((build) => build.commentAt! - previous(build)).filter(Number.isFinite), report === undefined ? '' : `handler mean ${fmt(report)} ms (whole task)`);
  row('send → comment (total)', latencies);

  const p99 = percentile(latencies, 99);
  const goal = atMost('p99', p99, GOAL_P99_MS, `p99 <= ${GOAL_P99_MS} ms`);
  console.log(
    `\n${result.name}: ${measured.length}/${result.builds.length} TRAIN_RESULT comments in ${(result.elapsedMs / 1000).toFixed(1)} s of measured windows; ` +
      `callback answers ${JSON.stringify(Object.fromEntries(statuses))}${retried ? `, ${retried} retried` : ''}${failed ? `, ${failed} [Failed] comments` : ''}\n` +
      `  callback sent → [Success] TRAIN_RESULT at the Jira stand-in: p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(percentile(latencies, 95))} ms, ` +
      `p99 ${fmt(p99)} ms, max ${fmt(latencies.length ? Math.max(...latencies) : Number.NaN)} ms\n` +
      (result.goal
        ? `  ${goal.pass && result.complete ? 'PASS' : 'MISS'}  ${goal.rule} (${fmt(goal.value)} ms)`
        : `  (no goal: the goal is for callbacks at a steady rate)`) +
      `${result.complete ? '' : '; not every build got its comment within 60 s'}\n` +
      `  ${result.describeLoad()}\n` +
      `  where the time went (ms; each step from the end of the one before, engine history):\n` +
      renderTable(['step', 'p50', 'p95', 'p99', 'max', ''], rows)
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n'),
  );
}

// process.exit: the service's clients may still hold keep-alive sockets.
process.exit(await main());
