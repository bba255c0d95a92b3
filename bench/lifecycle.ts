/**
 * Lifecycle benchmarks, each runnable alone: `npm run bench -- burst` and `npm run bench -- recovery`.
 *
 * - burst: the whole service in this process (real BPMN on a local engine, our workers and
 *   webhook ingress; Jira, GitHub and Slack as the tests' loopback stand-ins), N
 *   `jira:issue_created` deliveries sent at once, then the drain: lifecycles reaching the
 *   ready-for-training wait per second, beside the engine's bare no-op task throughput
 *   measured in the same run with the same parallelism. Also the process's RSS idle and with
 *   the N lifecycles waiting (memory goal: <= 150 MB and flat).
 * - recovery: a worker process (test/runtime/fixtures/crash-worker.ts) SIGKILLed right after
 *   its effect, K times, each time restarted at once: kill → completion p50 and max, effects
 *   made once; and the lock-extension requests a 60 s handler costs.
 *
 * Environment: ENGINE_REST_URL, BENCH_BURST_N [1000], BENCH_BURST_SEND_CONCURRENCY [50],
 * BENCH_BARE_N [2000], BENCH_KILLS [20], BENCH_LONG_HANDLER_S [60].
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type Task, type TaskService } from 'camunda-external-task-client-js';
import { loadConfig } from '../src/config/load.ts';
import { EngineClient } from '../src/engine/camunda7/rest.ts';
import { findFreePort, startLocalEngine } from '../src/engine/local.ts';
import { createLogger } from '../src/observability/logger.ts';
import type { Service } from '../src/service.ts';
import { issueCreated, sendJiraWebhook, testEnv } from '../test/support/service.ts';
import { startCountingProxy } from './proxy.ts';
import { fmt, percentile } from './stats.ts';
import { processRssMb } from './sys.ts';

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
  try {
    console.log(`model-lifecycle bench (${scenario}): ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`);
    let restUrl = process.env.ENGINE_REST_URL;
    if (!restUrl) {
      const engine = await startLocalEngine({ port: await findFreePort(), dataDir: join(workDir, 'engine'), dbUrl: 'jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1', log });
      stopEngine = engine.stop;
      restUrl = engine.restUrl;
      progress(`engine up at ${restUrl}`);
    }
    if (scenario === 'burst') await burst(restUrl, workDir);
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

async function burst(restUrl: string, workDir: string): Promise<void> {
  const n = int('BENCH_BURST_N', 1_000);
  const sendConcurrency = int('BENCH_BURST_SEND_CONCURRENCY', 50);
  const bareN = int('BENCH_BARE_N', 2_000);
  const engine = new EngineClient({ baseUrl: restUrl, timeoutMs: 30_000 });

  // The flow-test policy with the production settle wait and worker settings.
  const policyFile = join(workDir, 'policy.toml');
  const flowPolicy = await readFile(join(ROOT, 'test/fixtures/policy/flow.toml'), 'utf8');
  await writeFile(
    policyFile,
    flowPolicy
      .replace(/start_settle = "[^"]*"/, 'start_settle = "PT5S"')
      .replace(/max_parallel = \d+/, 'max_parallel = 8')
      .replace(/long_poll_ms = \d+/, 'long_poll_ms = 30000')
      .replace(/lock_duration_ms = \d+/, 'lock_duration_ms = 60000'),
  );
  const loaded = loadConfig({ env: { ...testEnv, POLICY_FILE: policyFile, LOG_LEVEL: 'warn' }, cwd: ROOT });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const maxParallel = loaded.config.policy.worker.max_parallel;

  // The engine's bare task throughput, same parallelism, same run: the ceiling the drain is compared with.
  const bareKey = `bench_bare_${Date.now().toString(36)}`;
  const bareTopic = `bench:bare:${bareKey}`;
  await engine.deploy(bareKey, [{ name: `${bareKey}.bpmn`, content: oneTaskXml(bareKey, bareTopic) }]);
  for (let i = 0; i < bareN; i += 50) await Promise.all(Array.from({ length: Math.min(50, bareN - i) }, (_, j) => engine.startProcess(bareKey, { businessKey: `b-${i + j}`, variables: {} })));
  let bareDone = 0;
  const bare = new Client({ baseUrl: restUrl, workerId: 'bench-bare', maxTasks: maxParallel, maxParallelExecutions: maxParallel, asyncResponseTimeout: 30_000, interval: 20, autoPoll: false });
  bare.subscribe(bareTopic, { lockDuration: 60_000 }, async ({ task, taskService }: { task: Task; taskService: TaskService }) => {
    await taskService.complete(task);
    bareDone++;
  });
  const bare0 = performance.now();
  bare.start();
  while (bareDone < bareN && performance.now() - bare0 < 120_000) await sleep(50);
  const bareTasksPerSecond = (bareDone * 1000) / (performance.now() - bare0);
  bare.stop();
  progress(`engine bare no-op throughput: ${bareDone} tasks in ${((performance.now() - bare0) / 1000).toFixed(1)} s = ${fmt(bareTasksPerSecond)} tasks/s (maxParallel ${maxParallel})`);

  // The service in its own process (bench/service-child.ts), so the RSS read is the service's.
  const child = spawn(process.execPath, ['--expose-gc', join(ROOT, 'bench/service-child.ts')], {
    cwd: ROOT,
    env: { ...process.env, ENGINE_REST_URL: restUrl, POLICY_FILE: policyFile, BENCH_BURST_N: String(n) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  /** The service's RSS and V8 heap after a full GC, MB. */
  const memory = async (): Promise<{ rss: number; heap: number }> => {
    const seen = out.length;
    child.kill('SIGUSR2');
    for (let waited = 0; waited < 10_000; waited += 50) {
      const match = /mem (\S+) (\S+)/.exec(out.slice(seen));
      if (match) return { rss: Number(match[1]), heap: Number(match[2]) };
      await sleep(50);
    }
    return { rss: processRssMb(child.pid!) ?? Number.NaN, heap: Number.NaN };
  };
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setInterval(() => {
      const match = /url (\S+)/.exec(out);
      if (match) {
        clearInterval(timer);
        resolveUrl(match[1]!);
      }
    }, 50);
    child.once('exit', (code) => reject(new Error(`the service exited with ${code} before listening`)));
  });
  // sendJiraWebhook reads only the ingress url.
  const service = { url } as Pick<Service, 'url'>;
  const keys = Array.from({ length: n }, (_, i) => `MLM-${10_000 + i}`);
  try {
    await sleep(5_000);
    const idle = await memory();
    const rssIdleMb = idle.rss;
    progress(`burst: ${n} signed jira:issue_created deliveries, ${sendConcurrency} at a time`);
    const acks: number[] = [];
    const statuses = new Map<number, number>();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: sendConcurrency }, async () => {
        while (next < n) {
          const key = keys[next++]!;
          const sent = performance.now();
          const answer = await sendJiraWebhook(service as Service, issueCreated(key, `Churn predictor ${key.toLowerCase()}`));
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
    const deadline = t0 + Math.max(180_000, n * 500);
    let firstAt: number | undefined;
    for (;;) {
      const count = await waiting();
      const t = performance.now();
      samples.push({ t, waiting: count });
      if (count > 0 && firstAt === undefined) firstAt = t;
      if (count >= n || t > deadline) break;
      await sleep(250);
    }
    const last = samples.at(-1)!;
    const drainMs = last.t - t0;
    const drainRate = (last.waiting * 1000) / drainMs;
    const steadyRate = firstAt !== undefined && last.t > firstAt ? (last.waiting * 1000) / (last.t - firstAt) : Number.NaN;
    const peak = Math.max(...samples.slice(1).map((s, i) => ((s.waiting - samples[i]!.waiting) * 1000) / (s.t - samples[i]!.t)));
    const tasksPerLifecycle = 9;
    progress(
      `drain: ${last.waiting}/${n} lifecycles at the wait ${(drainMs / 1000).toFixed(1)} s after the first delivery = ${fmt(drainRate, 1)} lifecycles/s ` +
        `(${fmt(steadyRate, 1)}/s from the first arrival, peak ${fmt(peak, 1)}/s; first after ${fmt(((firstAt ?? last.t) - t0) / 1000, 1)} s)`,
    );
    await sleep(5_000);
    const waitingMemory = await memory();
    const rssWaitingMb = waitingMemory.rss;
    console.log(
      `\nburst N=${n}: drain ${fmt(drainRate, 1)} lifecycles/s overall, ${fmt(steadyRate, 1)}/s once the first arrived ` +
        `(≈ ${fmt(steadyRate * tasksPerLifecycle)} external tasks/s at ${tasksPerLifecycle} tasks a lifecycle); engine bare no-op ${fmt(bareTasksPerSecond)} tasks/s ` +
        `= ${fmt(bareTasksPerSecond / tasksPerLifecycle, 1)} lifecycles/s at most.\n` +
        `  ${last.waiting >= n ? 'PASS' : 'MISS'}  every lifecycle reached the wait\n` +
        `  ${drainRate >= 8 ? 'PASS' : 'MISS'}  drain >= 8 lifecycles/s (${fmt(drainRate, 1)})\n` +
        `memory (the service process, stand-ins included): RSS after GC idle ${fmt(rssIdleMb)} MB (heap ${fmt(idle.heap)} MB), with ${last.waiting} lifecycles waiting ${fmt(rssWaitingMb)} MB (heap ${fmt(waitingMemory.heap)} MB)\n  ${rssWaitingMb <= 150 ? 'PASS' : 'MISS'}  RSS <= 150 MB with the lifecycles waiting`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
  }
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
