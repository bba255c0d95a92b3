import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { appendCapped, ChangeListeners, Faults, LoopbackServer, serveUnderFault, writeAnswer, type LoopbackAnswer, type LoopbackFault } from '../../standins/loopback.ts';

let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A server that echoes what it got, under the faults it is given. */
async function echo(faults: Faults<LoopbackFault>, options: { maxBodyBytes?: number } = {}): Promise<{ base: string; worked: string[] }> {
  const worked: string[] = [];
  server = new LoopbackServer(async ({ method, url, body }, res) => {
    await serveUnderFault(
      res,
      faults.take(method, url.pathname),
      {
        faultAnswer: (fault): LoopbackAnswer => ({ status: fault.status, headers: { ...fault.headers }, body: fault.body ?? '' }),
        work: () => {
          worked.push(`${method} ${url.pathname}`);
          if (url.pathname === '/throw') throw new Error('boom');
          return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: `${method} ${url.pathname}${url.search} ${body}` };
        },
        failed: (error) => ({ status: 500, headers: {}, body: error instanceof Error ? error.message : '' }),
      },
      writeAnswer,
    );
  }, options);
  return { base: await server.start(), worked };
}

describe('LoopbackServer', () => {
  it('listens on 127.0.0.1, hands over the body read, and starts once', async () => {
    const { base } = await echo(new Faults());
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await server?.start()).toBe(base);
    const response = await fetch(`${base}/a/b?x=1`, { method: 'POST', body: 'héllo' });
    expect(await response.text()).toBe('POST /a/b?x=1 héllo');
  });

  it('answers 413 to a body above the cap, and drops a chunked one that grows past it', async () => {
    const { base, worked } = await echo(new Faults(), { maxBodyBytes: 8 });
    const declared = await fetch(`${base}/big`, { method: 'POST', body: '123456789' });
    expect(declared.status).toBe(413);
    const chunked = await new Promise<string>((resolve) => {
      const req = request(`${base}/big`, { method: 'POST' }, () => resolve('answered'));
      req.on('error', () => resolve('dropped'));
      req.write('12345');
      setTimeout(() => req.end('6789'), 20);
    });
    expect(chunked).toBe('dropped');
    expect(worked).toEqual([]);
  });

  it('closes, and closes its connections', async () => {
    const { base } = await echo(new Faults());
    await fetch(`${base}/`, { keepalive: true });
    await server?.stop();
    await expect(fetch(`${base}/`)).rejects.toThrow();
  });
});

describe('faults', () => {
  it('answers a status fault once without the work, and drops after doing the work', async () => {
    const faults = new Faults<LoopbackFault>();
    const { base, worked } = await echo(faults);
    faults.add({ method: 'get', path: /^\/x$/ }, { status: 503, body: 'later', headers: { 'Retry-After': '1' } });
    const refused = await fetch(`${base}/x`);
    expect([refused.status, refused.headers.get('retry-after'), await refused.text()]).toEqual([503, '1', 'later']);
    expect(worked).toEqual([]);

    faults.add({ method: 'POST', path: '/x' }, 'drop-answer');
    await expect(fetch(`${base}/x`, { method: 'POST' })).rejects.toThrow();
    expect(worked).toEqual(['POST /x']);
    expect((await fetch(`${base}/x`, { method: 'POST' })).status).toBe(200);
  });

  it('matches any method when none is given, and forgets what clear() clears', () => {
    const faults = new Faults<string>();
    faults.add({ path: 'chat.postMessage' }, 'first');
    faults.add({ path: /^conversations\./ }, 'second');
    expect(faults.take('GET', 'chat.update')).toBeUndefined();
    expect(faults.take('GET', 'conversations.history')).toBe('second');
    faults.clear();
    expect(faults.take('POST', 'chat.postMessage')).toBeUndefined();
  });

  it('answers the failed answer when the work throws', async () => {
    const { base } = await echo(new Faults());
    const response = await fetch(`${base}/throw`);
    expect([response.status, await response.text()]).toEqual([500, 'boom']);
  });
});

describe('request log and listeners', () => {
  it('keeps the latest entries', () => {
    const log: number[] = [];
    for (let entry = 0; entry < 5; entry++) appendCapped(log, entry, 3);
    expect(log).toEqual([2, 3, 4]);
  });

  it('calls listeners until they unsubscribe; one that throws breaks neither the others nor the caller', () => {
    const errors: unknown[] = [];
    const listeners = new ChangeListeners<number>((error) => errors.push(error));
    const heard: number[] = [];
    listeners.add(() => {
      throw new Error('page gone');
    });
    const unsubscribe = listeners.add((change) => heard.push(change));
    listeners.emit(1);
    unsubscribe();
    listeners.emit(2);
    expect(heard).toEqual([1]);
    expect(errors).toHaveLength(2);
  });
});
