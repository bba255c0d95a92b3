import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '../../src/engine/camunda7/rest.ts';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A loopback engine that sends the head of an answer and drops the connection mid-body. */
async function engineThatDropsMidAnswer(): Promise<string> {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    response.write('[{"id":"');
    setTimeout(() => response.socket?.destroy(), 20);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/engine-rest`;
}

/** A loopback engine answering each request with the next of `answers` (status and JSON body), recording what it was sent. */
async function engineAnswering(answers: Array<{ status: number; body?: unknown }>, seen: string[]): Promise<string> {
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const answer = answers.shift() ?? { status: 500, body: { type: 'RestException', message: 'no answer left' } };
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/engine-rest`;
}

const conflict = {
  status: 500,
  body: {
    type: 'OptimisticLockingException',
    message: "ENGINE-03005 Execution of 'DELETE EventSubscriptionEntity[bf70]' failed. Entity was updated by another transaction concurrently.",
    code: 1,
  },
};

describe('EngineClient', () => {
  it('sends a delete again when a job of the instance committed at the same moment (optimistic-locking conflict)', async () => {
    const seen: string[] = [];
    const engine = new EngineClient({ baseUrl: await engineAnswering([conflict, conflict, { status: 204 }], seen), timeoutMs: 2_000 });

    await engine.deleteProcessInstance('pi-1');

    expect(seen).toEqual(Array(3).fill('DELETE /engine-rest/process-instance/pi-1?skipCustomListeners=true'));
  });

  it('gives up on a delete after five conflicts and on any other error at once', async () => {
    const seen: string[] = [];
    const engine = new EngineClient({ baseUrl: await engineAnswering(Array(6).fill(conflict), seen), timeoutMs: 2_000 });
    const conflictError = (await engine.deleteProcessInstance('pi-1').catch((e: unknown) => e)) as EngineError;
    expect(conflictError.optimisticLocking).toBe(true);
    expect(seen).toHaveLength(5);

    await new Promise<void>((resolve) => server!.close(() => resolve()));
    seen.length = 0;
    const missing = new EngineClient({
      baseUrl: await engineAnswering([{ status: 404, body: { type: 'InvalidRequestException', message: 'Process instance with id pi-2 does not exist' } }], seen),
      timeoutMs: 2_000,
    });
    const notFound = (await missing.deleteProcessInstance('pi-2').catch((e: unknown) => e)) as EngineError;
    expect(notFound.status).toBe(404);
    expect(seen).toHaveLength(1);
  });

  it('reports an answer cut off mid-body as "no answer" (status 0), which the webhooks turn into 503', async () => {
    const engine = new EngineClient({ baseUrl: await engineThatDropsMidAnswer(), timeoutMs: 2_000 });

    const error = (await engine.version().catch((e: unknown) => e)) as EngineError;

    expect(error).toBeInstanceOf(EngineError);
    expect(error.status).toBe(0);
    expect(error.unreachable).toBe(true);
    expect(error.message).toMatch(/did not answer GET \/version/);
  });
});
