/**
 * A stand-in for the engine's external-task REST API, run as its own process by the bench:
 * every fetch-and-lock gets `maxTasks` tasks at once and every completion a 204. With the
 * engine's cost gone, what remains is what the worker side spends per task.
 * Prints `listening <port>` on stdout when ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const payload = { type: 'String', value: 'x'.repeat(256), valueInfo: {} };
let next = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'POST' && path.endsWith('/external-task/fetchAndLock')) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { maxTasks: number; topics: Array<{ topicName: string }> };
      const topic = body.topics[0]?.topicName ?? 'none';
      const tasks = Array.from({ length: body.maxTasks }, () => {
        const n = next++;
        return {
          id: `task-${n}`,
          topicName: topic,
          activityId: 'task',
          activityInstanceId: `task:${n}`,
          executionId: `exec-${n}`,
          processInstanceId: `pi-${n}`,
          processDefinitionKey: 'bench',
          businessKey: `bench-${n}`,
          retries: null,
          workerId: 'bench',
          errorMessage: null,
          variables: { i: { type: 'Long', value: n, valueInfo: {} }, payload },
        };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(tasks));
    } else if (req.method === 'POST' && path.endsWith('/complete')) {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"type":"NotFound","message":"not faked"}');
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
