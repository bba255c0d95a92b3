import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of the engine that counts the fetch-and-lock requests it
 * forwards: what the engine really receives, not what a client says it sent.
 */
export interface CountingProxy {
  /** The engine REST URL to hand to a client, e.g. http://127.0.0.1:41234/engine-rest */
  readonly restUrl: string;
  /** Arrival times (performance.now()) of every POST …/external-task/fetchAndLock. */
  readonly fetchTimes: readonly number[];
  /** Every request forwarded, fetch-and-lock or not. */
  requests(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(engineRestUrl: string): Promise<CountingProxy> {
  const target = new URL(engineRestUrl);
  const agent = new http.Agent({ keepAlive: true });
  const fetchTimes: number[] = [];
  let requests = 0;

  const server = http.createServer((req, res) => {
    requests++;
    if (req.method === 'POST' && (req.url ?? '').split('?')[0]?.endsWith('/external-task/fetchAndLock')) fetchTimes.push(performance.now());
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
    // A client that gives up on its long poll closes the socket: pass that on to the engine.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  // Long polls last longer than Node's default request timeout would allow.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    restUrl: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    fetchTimes,
    requests: () => requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
