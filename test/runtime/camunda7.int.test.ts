import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { startCamunda7Workers, type Camunda7RuntimeOptions, type WorkerRuntime } from '../../src/runtime/camunda7.ts';
import { defineWorker, type AnyWorker } from '../../src/runtime/worker.ts';
import { engineClient, engineRestUrl, waitFor } from '../support/engine.ts';

/** The worker runtime against the real engine: shutdown, lock extension and lost connections. */
const engine = engineClient();
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const running: WorkerRuntime[] = [];
let topicCounter = 0;

afterEach(async () => {
  await Promise.all(running.splice(0).map((runtime) => runtime.stop(5_000)));
});

/** Deploys a one-task process on a fresh topic and returns its key and topic. */
async function deployOneTask(): Promise<{ key: string; topic: string }> {
  const n = `${process.pid}-${++topicCounter}`;
  const key = `runtime-test-${n}`;
  const topic = `test:runtime:${n}`;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d-${n}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${key}" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="${topic}"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
  await engine.deploy(key, [{ name: `${key}.bpmn`, content: xml }]);
  return { key, topic };
}

function sleepingWorker(topic: string, ms: number, calls: string[]): AnyWorker {
  return defineWorker({
    topic,
    description: 'sleeps, then doubles n',
    input: z.object({ n: z.number() }),
    output: z.object({ doubled: z.number() }),
    errors: {},
    examples: [],
    async run(ctx) {
      calls.push(ctx.task.id);
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ctx.complete({ doubled: ctx.input.n * 2 });
    },
  });
}

function start(workers: AnyWorker[], overrides: Partial<Camunda7RuntimeOptions> = {}): WorkerRuntime {
  const runtime = startCamunda7Workers(workers, {
    baseUrl: engineRestUrl(),
    workerId: `runtime-test-${running.length}`,
    maxParallel: 4,
    longPollMs: 2_000,
    lockDurationMs: 20_000,
    maxRetries: 3,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 500,
    pollErrorBackoffMs: 200,
    log,
    metrics: createMetrics({ defaultMetrics: false }),
    ...overrides,
  });
  running.push(runtime);
  return runtime;
}

interface Started {
  readonly processKey: string;
  readonly businessKey: string;
}

async function startInstance(processKey: string, n: number): Promise<Started> {
  const businessKey = `rt-${process.pid}-${++topicCounter}`;
  await engine.startProcess(processKey, { businessKey, variables: { n } });
  return { processKey, businessKey };
}

async function finished(started: Started): Promise<boolean> {
  const [instance] = await engine.historicProcessInstances({ processDefinitionKey: started.processKey, businessKey: started.businessKey });
  return instance?.state === 'COMPLETED';
}

describe('Camunda 7 worker runtime', () => {
  it('lets a running handler finish on stop and completes its task', async () => {
    const { key, topic } = await deployOneTask();
    const calls: string[] = [];
    const runtime = start([sleepingWorker(topic, 1_500, calls)]);
    const instance = await startInstance(key, 21);
    await waitFor(() => calls.length === 1, { message: 'handler started' });

    const stopped = Date.now();
    await runtime.stop();
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(500);
    expect(await finished(instance)).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('strands no task after a worker stopped: the next worker picks it up at once', async () => {
    const { key, topic } = await deployOneTask();
    const first = start([sleepingWorker(topic, 0, [])], { workerId: 'stopping-worker' });
    await new Promise((resolve) => setTimeout(resolve, 300)); // its long poll is pending now
    await first.stop();

    const calls: string[] = [];
    start([sleepingWorker(topic, 0, calls)], { workerId: 'next-worker' });
    const began = Date.now();
    const instance = await startInstance(key, 1);
    await waitFor(() => finished(instance), { timeoutMs: 15_000, message: 'task completed by the next worker' });
    // Far below the 20 s lock a stranded task would wait for.
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(calls).toHaveLength(1);
  });

  it('extends the lock of a long step so no other worker runs it twice', async () => {
    const { key, topic } = await deployOneTask();
    const calls: string[] = [];
    // A 2 s lock and a 5 s step: without extension the second worker would take the task over.
    start([{ ...sleepingWorker(topic, 5_000, calls), lockDurationMs: 2_000 }], { workerId: 'slow-a' });
    const instance = await startInstance(key, 2);
    await waitFor(() => calls.length === 1, { message: 'first worker started' });
    start([{ ...sleepingWorker(topic, 0, calls), lockDurationMs: 2_000 }], { workerId: 'eager-b' });

    await waitFor(() => finished(instance), { timeoutMs: 15_000, message: 'task completed' });
    expect(calls).toHaveLength(1);
  });

  it('drops the result of a task an interrupting message cancelled while it ran, at info and without an error', async () => {
    const n = `${process.pid}-${++topicCounter}`;
    const key = `runtime-interrupt-${n}`;
    const topic = `test:runtime:${n}`;
    const message = `test-interrupt-${n}`;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d-${n}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="m" name="${message}" />
  <bpmn:process id="${key}" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="${topic}"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:boundaryEvent id="interrupt" attachedToRef="work"><bpmn:outgoing>f3</bpmn:outgoing><bpmn:messageEventDefinition messageRef="m" /></bpmn:boundaryEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="interrupted"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="interrupt" targetRef="interrupted" />
  </bpmn:process>
</bpmn:definitions>`;
    await engine.deploy(key, [{ name: `${key}.bpmn`, content: xml }]);
    const lines: Array<{ level: string; msg: string }> = [];
    const captured = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: string; msg: string }) } });
    const calls: string[] = [];
    start([sleepingWorker(topic, 1_500, calls)], { log: captured });
    const instance = await startInstance(key, 3);
    await waitFor(() => calls.length === 1, { message: 'handler started' });
    await engine.correlate({ messageName: message, businessKey: instance.businessKey });

    await waitFor(() => lines.some((line) => line.msg.startsWith('an event moved the process on')), { timeoutMs: 10_000, message: 'the dropped result logged' });
    expect(await finished(instance)).toBe(true);
    expect(lines.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
  });

  it('recovers when the engine connection drops and comes back', async () => {
    const { key, topic } = await deployOneTask();
    const proxy = await startProxy(new URL(engineRestUrl()));
    try {
      const calls: string[] = [];
      const metrics = createMetrics({ defaultMetrics: false });
      start([sleepingWorker(topic, 0, calls)], { baseUrl: `http://127.0.0.1:${proxy.port}/engine-rest`, metrics });
      await new Promise((resolve) => setTimeout(resolve, 300));

      await proxy.down(); // cuts the pending long poll, refuses new connections
      const instance = await startInstance(key, 3);
      await waitFor(async () => ((await metrics.pollErrors.get()).values[0]?.value ?? 0) > 0, { message: 'poll errors counted' });
      expect(calls).toEqual([]);

      await proxy.up();
      const back = Date.now();
      await waitFor(() => finished(instance), { timeoutMs: 30_000, message: 'task completed after the engine came back' });
      // The engine locked the task to the dropped long poll; the runtime releases it rather
      // than waiting out the 20 s lock.
      expect(Date.now() - back).toBeLessThan(10_000);
      expect(calls).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});

/** A loopback TCP proxy to the engine that can drop every connection and refuse new ones. */
async function startProxy(target: URL): Promise<{ port: number; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (server) server.close(() => resolve());
      else resolve();
      server = null;
    });
  await listen();
  return { port, down: shut, up: listen, close: shut };
}
