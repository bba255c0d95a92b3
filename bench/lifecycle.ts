/**
 * Lifecycle benchmarks, each runnable alone: `npm run bench -- burst` and `npm run bench -- recovery`.
 *
 * - burst: the service in a process of its own, as the Docker image runs it (the Dockerfile's
 *   CMD, node flags and ENV, read from the Dockerfile: bench/production.ts; compiled first with
 *   `npm run build`), or as `npm start` does with BENCH_SERVICE=source: real BPMN on a local
 *   engine, our workers and webhook ingress, plus bench/memory-preload.mjs to read its memory
 *   (its forced GC needs --expose-gc, which also turns on src/runtime/memory-reducer.ts in source mode);
 *   Jira, GitHub and Slack as zero-latency loopback stand-ins (standins/) in this process,
 *   holding N tickets; N signed `jira:issue_created` deliveries sent at once, then the drain:
 *   lifecycles reaching the ready-for-training wait per second, beside the engine's bare no-op
 *   task throughput measured in the same run with the same parallelism, the load average and
 *   the CPU each process used. Also the service's memory after a full GC idle, on the way, with
 *   the N lifecycles waiting and after BENCH_SETTLE_S more seconds left alone (goal: RSS <= 150 MB
 *   and flat), its peak RSS, and where it goes before any work (bench/memory-baseline.mjs: empty
 *   Node, each dependency, our code). Writes bench/results/burst-<timestamp>.json.
 * - recovery: a worker process (test/runtime/fixtures/crash-worker.ts) SIGKILLed right after
 *   its effect, K times, each time restarted at once: kill → completion p50 and max, effects
 *   made once; and the lock-extension requests a 60 s handler costs.
 *
 * Environment: ENGINE_REST_URL, BENCH_BURST_N [1000], BENCH_BURST_SEND_CONCURRENCY [50],
 * BENCH_BARE_N [2000], BENCH_BURST_MAX_S [600], BENCH_SETTLE_S [45], BENCH_SERVICE [production]
 * or source, BENCH_BUILD [1] (0: run the dist/ there is), BENCH_SERVICE_NODE_FLAGS (more node
 * flags, e.g. --max-semi-space-size=16), BENCH_SERVICE_ENV (variables over the runtime's, e.g.
 * `MALLOC_ARENA_MAX=8 NODE_OPTIONS=`), BENCH_KILLS [20], BENCH_LONG_HANDLER_S [60],
 * BENCH_CPU_PROF (a directory: the burst's service runs under `--cpu-prof --cpu-prof-dir=<dir>`
 * and writes its V8 CPU profile there when it exits; summarise it with
 * `npm exec -- node bench/cpu-profile-summary.ts <dir>/*.cpuprofile`. The profile spans the
 * service's whole life, so BENCH_SETTLE_S=0 keeps it to start-up, the burst and its drain).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type Task, type TaskService } from 'camunda-external-task-client-js';
import { GitHubStandIn } from '../standins/github.ts';
import { JiraStandIn } from '../standins/jira.ts';
import { SlackStandIn } from '../standins/slack.ts';
import { EngineClient } from '../src/engine/camunda7/rest.ts';
import { findFreePort, startLocalEngine } from '../src/engine/local.ts';
import { signJiraBody } from '../src/http/verify-jira.ts';
import { createLogger } from '../src/observability/logger.ts';
import { mib, parseMemoryLine, type MemoryReading } from './memory.ts';
import { parseEnvAssignments, productionRuntime, SOURCE_RUNTIME, type ServiceRuntime } from './production.ts';
import { startCountingProxy } from './proxy.ts';
import { fmt, percentile, renderTable } from './stats.ts';
import { busyPercent, machineCpu, othersPercent, processCpuMs, processPeakRssMb, processRssMb } from './sys.ts';

const ROOT = resolve(import.meta.dirname, '..');
const started = performance.now();
const progress = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);
const int = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
};

export type LifecycleScenario = 'burst' | 'recovery';

/** Runs one lifecycle scenario on a local engine (or ENGINE_REST_URL); resolves to the exit code. */
export async function runLifecycleBench(scenario: LifecycleScenario): Promise<number> {
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const workDir = await mkdtemp(join(os.tmpdir(), 'model-lifecycle-bench-'));
  let stopEngine: () => Promise<void> = async () => {};
  let enginePid: number | undefined;
  try {
    console.log(`model-lifecycle bench (${scenario}): ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`);
    let restUrl = process.env.ENGINE_REST_URL;
    if (!restUrl) {
      const engine = await startLocalEngine({ port: await findFreePort(), dataDir: join(workDir, 'engine'), dbUrl: 'jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1', log });
      stopEngine = engine.stop;
      restUrl = engine.restUrl;
      enginePid = engine.pid;
      progress(`engine up at ${restUrl}`);
    }
    if (scenario === 'burst') await burst(restUrl, workDir, enginePid);
    else await recovery(restUrl);
    return 0;
  } catch (error) {
    console.error(`bench could not run: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    await stopEngine();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** A one-task process on a fresh topic. */
function oneTaskXml(key: string, topic: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d-${key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${key}" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="${topic}"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
}

/** Credentials the stand-ins accept and the service is given: loopback only, for this bench. */
const BURST_ENV = {
  JIRA_EMAIL: 'lifecycle-robot@acme.test',
  JIRA_API_TOKEN: 'jira-api-token',
  JIRA_WEBHOOK_SECRET: 'bench-jira-webhook-secret',
  GITHUB_TOKEN: 'ghp_benchtoken',
  GITHUB_WEBHOOK_SECRET: 'bench-github-webhook-secret',
  SLACK_BOT_TOKEN: 'xoxb-bench-token',
  SLACK_SIGNING_SECRET: 'bench-slack-signing-secret',
  // Stage 1 never reaches Jenkins or MLflow: nothing listens there.
  JENKINS_URL: 'http://127.0.0.1:9',
  JENKINS_USER: 'model-lifecycle',
  JENKINS_API_TOKEN: 'jenkins-api-token',
  JENKINS_CALLBACK_SECRET: 'bench-jenkins-callback-secret',
  MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
} as const;
const MAX_PARALLEL = 8;
const createdFixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/jira/webhooks/issue_created.json'), 'utf8'));

/** Jira's published `jira:issue_created` delivery for an issue of the bench's project (as test/support/service.ts's `issueCreated`, without its nock). */
function issueCreated(key: string): string {
  const issue = createdFixture.issue;
  return JSON.stringify({
    ...createdFixture,
    timestamp: Date.now(),
    issue: {
      ...issue,
      key,
      id: String(20_000 + Number(key.split('-')[1])),
      fields: { ...issue.fields, summary: `Churn predictor ${key.toLowerCase()}`, project: { ...issue.fields.project, key: 'MLM' }, issuetype: { ...issue.fields.issuetype, name: 'Model' } },
    },
  });
}

const mb = (bytes: number | undefined) => fmt(bytes === undefined ? Number.NaN : mib(bytes));
const loadNow = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const describeMemory = (m: MemoryReading | undefined) =>
  m ? `RSS ${mb(m.rss)} MB (anonymous ${mb(m.rssAnon)}, files ${mb(m.rssFile)}; malloc brk heap ${mb(m.brkHeap)}), heap used ${mb(m.heapUsed)} MB of ${mb(m.heapTotal)} held (new space ${mb(m.committed.new_space)}, old space ${mb(m.spaces.old_space)} of ${mb(m.committed.old_space)}, code ${mb(m.spaces.code_space)}), external ${mb(m.external)} MB, V8 malloc ${mb(m.malloced)} MB${m.gc ? `; GC so far ${m.gc.count}× ${fmt(m.gc.pauseMs)} ms` : ''}` : 'unknown';

async function burst(restUrl: string, workDir: string, enginePid: number | undefined): Promise<void> {
  const n = int('BENCH_BURST_N', 1_000);
  const sendConcurrency = int('BENCH_BURST_SEND_CONCURRENCY', 50);
  const bareN = int('BENCH_BARE_N', 2_000);
  const deadlineMs = int('BENCH_BURST_MAX_S', 600) * 1_000;
  const engine = new EngineClient({ baseUrl: restUrl, timeoutMs: 30_000 });

  // The flow-test policy with the production settle wait and worker settings.
  const policyFile = join(workDir, 'policy.toml');
  const flowPolicy = await readFile(join(ROOT, 'test/fixtures/policy/flow.toml'), 'utf8');
  await writeFile(
    policyFile,
    flowPolicy
      .replace(/start_settle = "[^"]*"/, 'start_settle = "PT5S"')
      .replace(/max_parallel = \d+/, `max_parallel = ${MAX_PARALLEL}`)
      .replace(/long_poll_ms = \d+/, 'long_poll_ms = 30000')
      .replace(/lock_duration_ms = \d+/, 'lock_duration_ms = 60000'),
  );

  // The engine's bare task throughput, same parallelism, same run: the ceiling the drain is compared with.
  const bareKey = `bench_bare_${Date.now().toString(36)}`;
  const bareTopic = `bench:bare:${bareKey}`;
  await engine.deploy(bareKey, [{ name: `${bareKey}.bpmn`, content: oneTaskXml(bareKey, bareTopic) }]);
  for (let i = 0; i < bareN; i += 50) await Promise.all(Array.from({ length: Math.min(50, bareN - i) }, (_, j) => engine.startProcess(bareKey, { businessKey: `b-${i + j}`, variables: {} })));
  let bareDone = 0;
  const bare = new Client({ baseUrl: restUrl, workerId: 'bench-bare', maxTasks: MAX_PARALLEL, maxParallelExecutions: MAX_PARALLEL, asyncResponseTimeout: 30_000, interval: 20, autoPoll: false });
  bare.subscribe(bareTopic, { lockDuration: 60_000 }, async ({ task, taskService }: { task: Task; taskService: TaskService }) => {
    await taskService.complete(task);
    bareDone++;
  });
  const bareLoad = loadNow();
  const bareWindow = cpuWindow(enginePid);
  const bare0 = performance.now();
  bare.start();
  while (bareDone < bareN && performance.now() - bare0 < 120_000) await sleep(50);
  const bareMs = performance.now() - bare0;
  const bareCpu = bareWindow.end();
  const bareTasksPerSecond = (bareDone * 1000) / bareMs;
  bare.stop();
  progress(
    `engine bare no-op throughput: ${bareDone} tasks in ${(bareMs / 1000).toFixed(1)} s = ${fmt(bareTasksPerSecond)} tasks/s (maxParallel ${MAX_PARALLEL}; ` +
      `engine ${fmt((bareCpu.engineMs ?? Number.NaN) / Math.max(1, bareDone), 2)} ms CPU/task, others ${fmt(bareCpu.othersPct)}% of the machine; load before ${bareLoad})`,
  );

  // The stand-ins live here, in the bench's process; the service gets their URLs by environment.
  const jira = new JiraStandIn({ statuses: ['Backlog', 'Research', 'Ready for training', 'Ready for build'], email: BURST_ENV.JIRA_EMAIL, apiToken: BURST_ENV.JIRA_API_TOKEN });
  const github = new GitHubStandIn({ token: BURST_ENV.GITHUB_TOKEN });
  const slack = new SlackStandIn({ token: BURST_ENV.SLACK_BOT_TOKEN });
  const [jiraUrl, githubUrl, slackUrl] = await Promise.all([jira.start(), github.start(), slack.start()]);
  const keys = Array.from({ length: n }, (_, i) => `MLM-${10_000 + i}`);
  for (const key of keys) {
    jira.addIssue({
      key,
      summary: `Churn predictor ${key.toLowerCase()}`,
      status: 'Backlog',
      components: ['search'],
      assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' },
      reporter: null,
      issueType: 'Model',
      description: null,
      labels: [],
      fields: {},
    });
  }

  // The service in its own process, as the Dockerfile runs it (or as `npm start` does), with the memory probe preloaded.
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await serviceRuntime();
  const runtime = describeRuntime(service);
  const cpuProfDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  const profileFlags = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...profileFlags, ...service.flags, '--import', './bench/memory-preload.mjs', service.entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      SANDBOX: 'off',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKER_ID: 'bench-burst',
      CAMUNDA_URL: restUrl,
      POLICY_FILE: policyFile,
      JIRA_BASE_URL: jiraUrl,
      GITHUB_API_URL: githubUrl,
      SLACK_API_URL: slackUrl,
      ...BURST_ENV,
      ...service.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  /** The service's memory after a full GC. */
  const memory = async (): Promise<MemoryReading | undefined> => {
    const seen = out.length;
    child.kill('SIGUSR2');
    for (let waited = 0; waited < 10_000; waited += 20) {
      const reading = parseMemoryLine(out.slice(seen));
      if (reading) return reading;
      await sleep(20);
    }
    return undefined;
  };
  try {
    const ready = await Promise.race([
      (async () => {
        for (let waited = 0; waited < 120_000; waited += 200) {
          const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
          if (ok) return true;
          await sleep(200);
        }
        return false;
      })(),
      exited.then(() => false),
    ]);
    if (!ready) throw new Error(`the service did not become ready at ${url}`);
    await sleep(5_000);
    const idle = await memory();
    progress(`service idle (pid ${child.pid}, ${runtime}): ${describeMemory(idle)}`);

    const burstLoad = loadNow();
    progress(`burst: ${n} signed jira:issue_created deliveries, ${sendConcurrency} at a time (load ${burstLoad})`);
    const acks: number[] = [];
    const statuses = new Map<number, number>();
    const window = cpuWindow(enginePid, child.pid);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: sendConcurrency }, async () => {
        while (next < n) {
          const key = keys[next++]!;
          const body = issueCreated(key);
          const sent = performance.now();
          const answer = await fetch(`${url}/webhooks/jira`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': `bench-${key}`, 'x-hub-signature': signJiraBody(BURST_ENV.JIRA_WEBHOOK_SECRET, body) },
            body,
          });
          await answer.arrayBuffer();
          acks.push(performance.now() - sent);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      }),
    );
    const sentMs = performance.now() - t0;
    progress(`sent in ${(sentMs / 1000).toFixed(1)} s; ack p50 ${fmt(percentile(acks, 50))} ms, p99 ${fmt(percentile(acks, 99))} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

    // A lifecycle at the ready-for-training wait holds a subscription to that message.
    const waiting = async () => {
      const response = await fetch(`${restUrl}/event-subscription/count?eventType=message&eventName=${encodeURIComponent('jira-status:ready_for_training')}`);
      return ((await response.json()) as { count: number }).count;
    };
    const samples: Array<{ t: number; waiting: number }> = [];
    const marks: Array<{ waiting: number; memory: MemoryReading | undefined }> = [];
    let firstAt: number | undefined;
    for (;;) {
      const count = await waiting();
      const t = performance.now();
      samples.push({ t, waiting: count });
      if (count > 0 && firstAt === undefined) firstAt = t;
      if (count >= n || t - t0 > deadlineMs) break;
      // The memory on the way, at each quarter, to see whether it grows with the lifecycles waiting.
      if (count >= ((marks.length + 1) * n) / 4) marks.push({ waiting: count, memory: await memory() });
      await sleep(250);
    }
    const cpu = window.end();
    const drainLoad = loadNow();
    const last = samples.at(-1)!;
    const drainMs = last.t - t0;
    const drainRate = (last.waiting * 1000) / drainMs;
    const steadyRate = firstAt !== undefined && last.t > firstAt ? (last.waiting * 1000) / (last.t - firstAt) : Number.NaN;
    const tasks = await fetch(`${restUrl}/history/external-task-log/count?processDefinitionKey=model-lifecycle&successLog=true`).then(async (r) => ((await r.json()) as { count: number }).count);
    const tasksPerLifecycle = tasks / Math.max(1, last.waiting);
    progress(
      `drain: ${last.waiting}/${n} lifecycles at the wait ${(drainMs / 1000).toFixed(1)} s after the first delivery = ${fmt(drainRate, 1)} lifecycles/s ` +
        `(${fmt(steadyRate, 1)}/s from the first arrival ${fmt(((firstAt ?? last.t) - t0) / 1000, 1)} s in); ${tasks} external tasks = ${fmt(tasksPerLifecycle, 1)} a lifecycle; load after ${drainLoad}`,
    );
    await sleep(5_000);
    const peakRss = child.pid ? processPeakRssMb(child.pid) : undefined;
    const loaded = await memory();
    // Left alone with the lifecycles waiting: the resident memory every 5 s, no GC forced.
    const settleS = Number(process.env.BENCH_SETTLE_S || 45);
    const settling: string[] = [];
    for (let s = 5; s <= settleS; s += 5) {
      await sleep(5_000);
      settling.push(`${s} s ${fmt(child.pid ? (processRssMb(child.pid) ?? Number.NaN) : Number.NaN)}`);
    }
    const settled = settleS >= 5 ? await memory() : undefined;
    const engineCeiling = bareTasksPerSecond / tasksPerLifecycle;
    // The issue's goal: RSS <= 150 MB idle and with N waiting, and flat: what the service holds
    // after a GC does not follow the number of lifecycles waiting (from the first quarter to all N).
    // The lifecycles wait for days: the state that counts is the service's once the burst is over.
    const waitingRss = (settled ?? loaded)?.rss ?? Number.NaN;
    const firstMark = marks[0]?.memory;
    const heapGrowth = (loaded?.heapUsed ?? Number.NaN) - (firstMark?.heapUsed ?? Number.NaN);
    const goals = [
      { name: 'RSS <= 150 MB idle', value: `${mb(idle?.rss)} MB`, pass: (idle?.rss ?? Infinity) <= 150 * 2 ** 20 },
      {
        name: `RSS <= 150 MB with ${last.waiting} lifecycles waiting, ${settled ? `${settleS}` : '5'} s after the last arrived`,
        value: `${mb(waitingRss)} MB, +${mb(waitingRss - (idle?.rss ?? Number.NaN))} over idle; ${mb(loaded?.rss)} MB 5 s after, peak ${fmt(peakRss ?? Number.NaN)} MB`,
        pass: waitingRss <= 150 * 2 ** 20,
      },
      {
        name: `flat: heap used grows <= 5 MB from ${marks[0]?.waiting ?? '?'} to ${last.waiting} waiting`,
        value: `${mb(firstMark?.heapUsed)} → ${mb(loaded?.heapUsed)} MB; RSS ${mb(firstMark?.rss)} → ${mb(loaded?.rss)} MB`,
        pass: heapGrowth <= 5 * 2 ** 20,
      },
      { name: 'every lifecycle reached the wait', value: `${last.waiting}/${n}`, pass: last.waiting >= n },
      { name: 'drain >= 8 lifecycles/s', value: `${fmt(drainRate, 1)}; drain/bare ${fmt(drainRate / engineCeiling, 2)}, others took ${fmt(cpu.othersPct)}% of the machine`, pass: drainRate >= 8 },
    ];
    const perLifecycle = (ms: number | undefined) => fmt(ms === undefined ? Number.NaN : ms / Math.max(1, last.waiting), 1);
    console.log(
      `\nburst N=${n} (load average ${burstLoad} before, ${drainLoad} after; other processes took ${fmt(cpu.othersPct)}% of the machine during the drain):\n` +
        `  drain ${fmt(drainRate, 1)} lifecycles/s from the first delivery, ${fmt(steadyRate, 1)}/s from the first arrival at the wait ` +
        `(${fmt(drainRate * tasksPerLifecycle)} external tasks/s at ${fmt(tasksPerLifecycle, 1)} a lifecycle)\n` +
        `  engine bare no-op, same run: ${fmt(bareTasksPerSecond)} tasks/s = ${fmt(engineCeiling, 1)} lifecycles/s at ${fmt(tasksPerLifecycle, 1)} tasks each; drain/bare ${fmt(drainRate / engineCeiling, 2)}\n` +
        `  CPU per lifecycle during the drain: engine ${perLifecycle(cpu.engineMs)} ms, service ${perLifecycle(cpu.childMs)} ms, bench + stand-ins ${perLifecycle(cpu.ownMs)} ms; ` +
        `machine ${fmt(cpu.busyPct)}% busy\n` +
        `  acks p50 ${fmt(percentile(acks, 50))} ms, p99 ${fmt(percentile(acks, 99))} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n` +
        `memory of the service process alone (${runtime}; after a full GC):\n` +
        `  idle: ${describeMemory(idle)}\n` +
        marks.map((mark) => `  ${mark.waiting} waiting: ${describeMemory(mark.memory)}\n`).join('') +
        `  ${last.waiting} waiting, drained: ${describeMemory(loaded)}\n` +
        (settled ? `  left alone (RSS MB, no GC: ${settling.join(', ')}), then: ${describeMemory(settled)}\n` : '') +
        `  peak RSS during the burst (VmHWM): ${fmt(peakRss ?? Number.NaN)} MB\n` +
        goals.map((goal) => `  ${goal.pass ? 'PASS' : 'MISS'}  ${goal.name} (${goal.value})`).join('\n'),
    );
    const resultsDir = join(ROOT, 'bench/results');
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `burst-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(
      file,
      `${JSON.stringify(
        {
          scenario: 'burst',
          config: { n, sendConcurrency, bareN, maxParallel: MAX_PARALLEL, runtime: service },
          environment: { node: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model, loadBefore: burstLoad, loadAfter: drainLoad, othersPct: cpu.othersPct },
          drain: { lifecyclesPerSecond: drainRate, steadyPerSecond: steadyRate, bareTasksPerSecond, engineCeiling, tasksPerLifecycle, cpuMsPerLifecycle: { engine: cpu.engineMs, service: cpu.childMs, bench: cpu.ownMs } },
          acks: { p50: percentile(acks, 50), p99: percentile(acks, 99), statuses: Object.fromEntries(statuses) },
          memory: { idle, marks, drained: loaded, settled, settling, peakRssMb: peakRss },
          goals,
        },
        null,
        2,
      )}\n`,
    );
    progress(`results written to ${file}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
    await Promise.all([jira.stop(), github.stop(), slack.stop()]);
  }
  if (cpuProfDir) progress(`the service's CPU profile is in ${cpuProfDir}: npm exec -- node bench/cpu-profile-summary.ts ${cpuProfDir}/*.cpuprofile`);
  await printMemoryBaseline(service, runtime);
}

/**
 * The service's runtime: BENCH_SERVICE `production` (default: the Dockerfile's command and
 * settings, the build compiled first unless BENCH_BUILD=0) or `source` (`npm start`), with
 * BENCH_SERVICE_NODE_FLAGS added to its node flags and BENCH_SERVICE_ENV's variables over its
 * environment (e.g. `MALLOC_ARENA_MAX=4 NODE_OPTIONS=`: an empty value removes the variable).
 */
async function serviceRuntime(): Promise<ServiceRuntime> {
  const which = process.env.BENCH_SERVICE || 'production';
  if (which !== 'production' && which !== 'source') throw new Error(`BENCH_SERVICE must be production or source, got "${which}"`);
  const base = which === 'production' ? productionRuntime(ROOT) : SOURCE_RUNTIME;
  if (which === 'production' && process.env.BENCH_BUILD !== '0') {
    progress('compiling the service as the image does (npm run build: tsc -p tsconfig.build.json into dist/)');
    const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    tsc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    tsc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => tsc.once('exit', done));
    if (code !== 0) throw new Error(`npm run build failed (fix it, or BENCH_BUILD=0 to run the dist/ there is):\n${output}`);
  }
  const overrides = parseEnvAssignments(process.env.BENCH_SERVICE_ENV);
  const env = Object.fromEntries(Object.entries({ ...base.env, ...overrides }).filter(([, value]) => value !== ''));
  const flags = [...base.flags, ...(process.env.BENCH_SERVICE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
  return { ...base, flags, env };
}

const describeRuntime = (service: ServiceRuntime) =>
  `${service.name}: node ${[...service.flags, service.entry].join(' ')}${Object.entries(service.env).map(([name, value]) => `, ${name}=${value}`).join('')}`;

/** CPU used between now and `end()`: the engine's, the child's, this process's, and the rest of the machine's share. */
function cpuWindow(enginePid: number | undefined, childPid?: number) {
  const engine0 = enginePid ? processCpuMs(enginePid) : undefined;
  const child0 = childPid ? processCpuMs(childPid) : undefined;
  const own0 = process.cpuUsage();
  const machine0 = machineCpu();
  return {
    end() {
      const engine1 = enginePid ? processCpuMs(enginePid) : undefined;
      const child1 = childPid ? processCpuMs(childPid) : undefined;
      const own = process.cpuUsage(own0);
      const machine1 = machineCpu();
      const engineMs = engine0 !== undefined && engine1 !== undefined ? engine1 - engine0 : undefined;
      const childMs = child0 !== undefined && child1 !== undefined ? child1 - child0 : undefined;
      const ownMs = (own.user + own.system) / 1000;
      return {
        engineMs,
        childMs,
        ownMs,
        busyPct: busyPercent(machine0, machine1),
        othersPct: othersPercent(machine0, machine1, ownMs + (childMs ?? 0), engineMs),
      };
    },
  };
}

/** Where the memory goes before any work: an empty Node process, then each dependency and our code (bench/memory-baseline.mjs), in the service's runtime. */
async function printMemoryBaseline(service: ServiceRuntime, runtime: string): Promise<void> {
  const child = spawn(process.execPath, ['--expose-gc', ...service.flags, join(ROOT, 'bench/memory-baseline.mjs'), service.name === 'production' ? 'dist' : 'src'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...service.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  await new Promise((done) => child.once('exit', done));
  const rows: string[][] = [];
  let previous: MemoryReading | undefined;
  for (const line of out.split('\n')) {
    const match = /^step (.*)\t(\{.*\})$/.exec(line);
    if (!match) continue;
    const reading = JSON.parse(match[2]!) as MemoryReading;
    rows.push([match[1]!, mb(reading.rss), previous ? `+${mb(reading.rss - previous.rss)}` : '', mb(reading.heapUsed), mb(reading.committed.new_space), mb(reading.external)]);
    previous = reading;
  }
  console.log(`\nmemory before any work, one process importing step by step (${runtime}; after a full GC each):\n${renderTable(['import', 'RSS MB', 'step MB', 'heap used MB', 'new space MB', 'external MB'], rows)}`);
}

async function recovery(restUrl: string): Promise<void> {
  const kills = int('BENCH_KILLS', 20);
  const longHandlerS = int('BENCH_LONG_HANDLER_S', 60);
  const engine = new EngineClient({ baseUrl: restUrl, timeoutMs: 30_000 });
  const key = `bench_crash_${Date.now().toString(36)}`;
  const topic = `bench:crash:${key}`;
  await engine.deploy(key, [{ name: `${key}.bpmn`, content: oneTaskXml(key, topic) }]);

  const counts = new Map<string, number>();
  const effects = createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '/').split('/').at(-1) ?? '');
    if (req.method === 'POST') counts.set(id, (counts.get(id) ?? 0) + 1);
    res.statusCode = req.method === 'POST' || counts.has(id) ? 200 : 404;
    res.end();
  });
  await new Promise<void>((done) => effects.listen(0, '127.0.0.1', done));
  const effectsUrl = `http://127.0.0.1:${(effects.address() as AddressInfo).port}/effects`;

  const spawnWorker = (id: string, env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [join(ROOT, 'test/runtime/fixtures/crash-worker.ts')], {
      env: { ...process.env, ENGINE_REST_URL: restUrl, TOPIC: topic, EFFECTS_URL: effectsUrl, WORKER_ID: id, HANG_AFTER_EFFECT: '1', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
    });
    return { child, lines };
  };
  const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };

  const recoveries: number[] = [];
  let worker: { child: ChildProcess; lines: string[] } = spawnWorker(`${key}-0`);
  await until(() => worker.lines.includes('polling'), 20_000, 'the first worker');
  progress(`recovery: ${kills} SIGKILLs right after the effect, each followed at once by a new worker process`);
  for (let i = 1; i <= kills; i++) {
    const businessKey = `${key}-${i}`;
    await engine.startProcess(key, { businessKey, variables: { n: i } });
    await until(() => worker.lines.includes(`effect ${businessKey}`), 20_000, `the effect of ${businessKey}`);
    worker.child.kill('SIGKILL');
    const killedAt = performance.now();
    await new Promise((done) => worker.child.once('exit', done));
    worker = spawnWorker(`${key}-${i}`);
    await until(async () => (await engine.historicProcessInstances({ processDefinitionKey: key, businessKey }))[0]?.state === 'COMPLETED', 60_000, `${businessKey} completed`);
    recoveries.push(performance.now() - killedAt);
    progress(`kill ${i}: completed ${fmt(recoveries.at(-1)! / 1000, 1)} s after the kill; effects ${counts.get(businessKey)}`);
  }
  worker.child.kill('SIGKILL');
  const doubled = [...counts.values()].filter((count) => count !== 1).length;

  // Extension traffic of one long handler, counted at a proxy in front of the engine. On a
  // topic of its own: the last killed worker's orphan long poll still waits on the first one.
  const longKey = `${key}_long`;
  const longTopic = `${topic}:long`;
  await engine.deploy(longKey, [{ name: `${longKey}.bpmn`, content: oneTaskXml(longKey, longTopic) }]);
  const proxy = await startCountingProxy(restUrl);
  const extendKey = `${key}-long`;
  const long = spawnWorker(`${key}-long`, { ENGINE_REST_URL: proxy.restUrl, TOPIC: longTopic, HANG_AFTER_EFFECT: '1' });
  await until(() => long.lines.includes('polling'), 20_000, 'the long-handler worker');
  await engine.startProcess(longKey, { businessKey: extendKey, variables: { n: 0 } });
  await until(() => long.lines.includes(`effect ${extendKey}`), 20_000, 'the long handler');
  const before = proxy.requests();
  await sleep(longHandlerS * 1_000);
  const during = proxy.requests() - before;
  long.child.kill('SIGKILL');
  await proxy.close();
  effects.close();

  console.log(
    `\nrecovery over ${kills} kills: kill → completion p50 ${fmt(percentile(recoveries, 50) / 1000, 1)} s, max ${fmt(Math.max(...recoveries) / 1000, 1)} s; ` +
      `effects made twice: ${doubled}\n` +
      `  ${Math.max(...recoveries) <= 15_000 ? 'PASS' : 'MISS'}  every interrupted task ran again within 15 s\n` +
      `  ${doubled === 0 ? 'PASS' : 'MISS'}  every effect made once\n` +
      `lock extension: a handler running ${longHandlerS} s sent ${during} requests to the engine meanwhile ` +
      `(${fmt((during * 60) / longHandlerS, 1)}/min: extensions every 5 s, plus the worker's idle long poll and dead-lock scans)`,
  );
}
