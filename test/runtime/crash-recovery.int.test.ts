import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineClient, engineRestUrl, uniqueKey, waitFor } from '../support/engine.ts';

/**
 * A real worker process is SIGKILLed right after its effect, mid-step, and a new one (another
 * worker id, as a restarted pod gets) is started at once: the interrupted task runs again
 * within 15 s, not after its lock (60 s lease; the step asks for 120 s) and a long poll.
 */
const engine = engineClient();
const children: ChildProcess[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A loopback "external system" that records keyed effects: GET answers 404 until POSTed. */
async function startEffects(): Promise<{ url: string; counts: Map<string, number> }> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? '/').split('/').at(-1) ?? '');
    if (req.method === 'POST') counts.set(key, (counts.get(key) ?? 0) + 1);
    res.statusCode = req.method === 'POST' || counts.has(key) ? 200 : 404;
    res.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/effects`, counts };
}

function startWorkerProcess(env: Record<string, string>): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'crash-worker.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  return { child, lines };
}

async function deployOneTask(topic: string, key: string): Promise<void> {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d-${key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${key}" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="${topic}"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
  await engine.deploy(key, [{ name: `${key}.bpmn`, content: xml }]);
}

describe('crash recovery', () => {
  it('runs a task again within 15 s after its worker process was SIGKILLed mid-step and restarted, with the effect made once', async () => {
    const key = uniqueKey('crash').replace(/[^a-z0-9]/gi, '_');
    const topic = `test:crash:${key}`;
    await deployOneTask(topic, key);
    const effects = await startEffects();
    const env = { ENGINE_REST_URL: engineRestUrl(), TOPIC: topic, EFFECTS_URL: effects.url, HANG_AFTER_EFFECT: '1' };

    const first = startWorkerProcess({ ...env, WORKER_ID: `${key}-first` });
    await waitFor(() => first.lines.includes('polling'), { message: 'first worker polling' });
    const businessKey = `${key}-1`;
    await engine.startProcess(key, { businessKey, variables: { n: 1 } });
    await waitFor(() => first.lines.includes(`effect ${businessKey}`), { message: 'effect made' });

    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((resolve) => first.child.once('exit', resolve));
    // The restarted worker: a new process, a new id; it would hang again on a new effect, never on this one.
    const second = startWorkerProcess({ ...env, WORKER_ID: `${key}-second`, LOG_LEVEL: 'warn' });
    await waitFor(() => second.lines.includes('polling'), { message: 'second worker polling' });

    await waitFor(async () => (await engine.historicProcessInstances({ processDefinitionKey: key, businessKey }))[0]?.state === 'COMPLETED', {
      timeoutMs: 30_000,
      message: 'the interrupted task completed',
    }).catch((error: Error) => {
      throw new Error(`${error.message}\nfirst worker:\n${first.lines.join('\n')}\nsecond worker:\n${second.lines.join('\n')}`);
    });
    const recoveryMs = Date.now() - killedAt;
    expect(recoveryMs).toBeLessThan(15_000);
    expect(effects.counts.get(businessKey)).toBe(1);
    // Logged once the re-release rounds are over, which can be after the task completed.
    await waitFor(() => second.lines.some((line) => line.includes('released tasks whose worker stopped extending their locks')), {
      timeoutMs: 5_000,
      message: `the release logged (second worker: ${second.lines.join('\n')})`,
    });
  });
});
