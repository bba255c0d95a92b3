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

describe('EngineClient', () => {
  it('reports an answer cut off mid-body as "no answer" (status 0), which the webhooks turn into 503', async () => {
    const engine = new EngineClient({ baseUrl: await engineThatDropsMidAnswer(), timeoutMs: 2_000 });

    const error = (await engine.version().catch((e: unknown) => e)) as EngineError;

    expect(error).toBeInstanceOf(EngineError);
    expect(error.status).toBe(0);
    expect(error.unreachable).toBe(true);
    expect(error.message).toMatch(/did not answer GET \/version/);
  });
});
