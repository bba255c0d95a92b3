import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ClientError } from '../../src/clients/errors.ts';
import { JupyterHubClient } from '../../src/clients/jupyterhub.ts';
import { JupyterHubStandIn, type JupyterHubStandInChange, type JupyterHubStandInOptions } from '../../standins/jupyterhub.ts';

// Strict schemas of the hub's answers, from the documented models under test/fixtures/jupyterhub
// (see its SOURCES.md). Each fixture passes them, and so must the stand-in.

const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
const serverModel = z.strictObject({
  name: z.string(),
  last_activity: isoTime,
  started: isoTime,
  pending: z.enum(['spawn', 'stop']).nullable(),
  ready: z.boolean(),
  url: z.string().regex(/^\/user\/[^/]+\/[^/]+\/$/),
  user_options: z.record(z.string(), z.unknown()),
  progress_url: z.string().regex(/^\/hub\/api\/users\/[^/]+\/servers\/[^/]+\/progress$/),
});
const userModel = z.strictObject({
  admin: z.boolean(),
  groups: z.array(z.string()),
  pending: z.string().nullable(),
  server: z.string().nullable(),
  name: z.string(),
  kind: z.literal('user'),
  last_activity: isoTime,
  created: isoTime,
  roles: z.array(z.string()),
  servers: z.record(z.string(), serverModel),
});
const hubError = z.strictObject({ status: z.number().int(), message: z.string() });

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/jupyterhub/${name}`, import.meta.url), 'utf8')) as unknown;
}

describe('the schemas accept what JupyterHub answers', () => {
  it.each([
    ['user-no-servers.json', userModel],
    ['user-server-pending.json', userModel],
    ['user-server-ready.json', userModel],
    ['user-without-servers-scope.json', userModel.omit({ servers: true, pending: true, server: true })],
    ['error-already-running.json', hubError],
    ['error-named-servers-disabled.json', hubError],
  ] as const)('%s', (name, schema) => {
    expect(schema.safeParse(fixture(name)).error).toBeUndefined();
  });
});

const TOKEN = 'hub-token';
let hub: JupyterHubStandIn;
let base: string;

async function start(options: Partial<JupyterHubStandInOptions> = {}): Promise<void> {
  await hub?.stop();
  hub = new JupyterHubStandIn({ token: TOKEN, spawnDelayMs: null, ...options });
  base = await hub.start();
}

function client(token = TOKEN): JupyterHubClient {
  return new JupyterHubClient({ baseUrl: base, token, retry: { retries: 2, sleep: async () => {} } });
}

async function get(path: string, token = TOKEN): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `token ${token}` } });
  return { status: response.status, body: await response.json() };
}

beforeEach(() => start());
afterEach(() => hub.stop());

describe('JupyterHubStandIn answers the real JupyterHubClient in the hub shapes', () => {
  it('starts a named server once: pending (202), then running, never a second spawn', async () => {
    expect(await client().startNamedServer({ user: 'mia', serverName: 'research' })).toEqual({ url: `${base}/user/mia/research/`, state: 'pending' });
    expect(await client().startNamedServer({ user: 'mia', serverName: 'research' })).toEqual({ url: `${base}/user/mia/research/`, state: 'pending' });
    const pending = userModel.parse((await get('/hub/api/users/mia')).body);
    expect(pending.servers.research).toMatchObject({ name: 'research', pending: 'spawn', ready: false, url: '/user/mia/research/' });

    expect(hub.finishSpawn('mia', 'research')).toBe(true);
    expect(await client().startNamedServer({ user: 'mia', serverName: 'research' })).toEqual({ url: `${base}/user/mia/research/`, state: 'running' });
    expect(userModel.parse((await get('/hub/api/users/mia')).body).servers.research).toMatchObject({ pending: null, ready: true });
    expect(hub.starts).toEqual(['mia/research']);
    expect(hub.servers.get('mia')?.get('research')).toEqual({ pending: null, ready: true });
    expect(hub.requests.filter((request) => request.startsWith('POST'))).toEqual(['POST /hub/api/users/mia/servers/research']);
  });

  it('answers 201 (started) when the spawn ends within the slow-spawn timeout, and readies a slow one later', async () => {
    await start({ spawnDelayMs: 5, slowSpawnTimeoutMs: 1000 });
    expect((await client().startNamedServer({ user: 'mia', serverName: 'research' })).state).toBe('started');
    await start({ spawnDelayMs: 30, slowSpawnTimeoutMs: 0 });
    expect((await client().startNamedServer({ user: 'mia', serverName: 'research' })).state).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(hub.servers.get('mia')?.get('research')).toEqual({ pending: null, ready: true });
  });

  it('refuses a second start with the hub 400s, which the client reads as a lost race', async () => {
    const post = () => fetch(`${base}/hub/api/users/mia/servers/research`, { method: 'POST', headers: { Authorization: `token ${TOKEN}` } });
    expect((await post()).status).toBe(202);
    expect(hubError.parse(await (await post()).json())).toEqual({ status: 400, message: 'mia:research is pending spawn' });
    hub.finishSpawn('mia', 'research');
    expect(await (await post()).json()).toEqual({ status: 400, message: 'mia:research is already running' });

    // The user model read just before another start won: the client's POST meets "already running".
    hub.onNextRequest({ method: 'GET', path: /^\/hub\/api\/users\/mia$/ }, { status: 200, body: JSON.stringify(fixture('user-no-servers.json')) });
    expect((await client().startNamedServer({ user: 'mia', serverName: 'research' })).state).toBe('running');
  });

  it('keeps one spawn when the answer to the start is lost: the retried POST meets "pending spawn"', async () => {
    hub.onNextRequest({ method: 'POST', path: /\/servers\/research$/ }, 'drop-answer');
    expect((await client().startNamedServer({ user: 'mia', serverName: 'research' })).state).toBe('pending');
    expect(hub.starts).toEqual(['mia/research']);
  });

  it('answers 404 for a user the hub does not know, and 400 without named servers', async () => {
    await start({ users: ['mia'] });
    const unknown = await client().startNamedServer({ user: 'bob', serverName: 'research' }).catch((caught: unknown) => caught);
    expect((unknown as ClientError).status).toBe(404);
    expect(String(unknown)).toContain('must log in to JupyterHub once');
    hub.addUser('bob');
    expect((await client().startNamedServer({ user: 'bob', serverName: 'research' })).state).toBe('pending');

    await start({ namedServers: false });
    const disabled = await client().startNamedServer({ user: 'mia', serverName: 'research' }).catch((caught: unknown) => caught);
    expect((disabled as ClientError).status).toBe(400);
    expect(String(disabled)).toContain('allow_named_servers');
  });

  it('refuses a missing or wrong token with 403', async () => {
    expect((await get('/hub/api/users/mia', 'wrong')).status).toBe(403);
    const anonymous = await fetch(`${base}/hub/api/users/mia`);
    expect(anonymous.status).toBe(403);
    expect(hubError.parse(await anonymous.json()).message).toBe('Action is not authorized with current scopes; requires any of [read:users]');
    const error = await client('wrong').startNamedServer({ user: 'mia', serverName: 'research' }).catch((caught: unknown) => caught);
    expect((error as ClientError).status).toBe(403);
    expect((await get('/hub/api/')).body).toEqual({ version: expect.any(String) });
  });

  it('stops a server with DELETE: no longer listed, and startable again', async () => {
    await client().startNamedServer({ user: 'mia', serverName: 'research' });
    const stopped = await fetch(`${base}/hub/api/users/mia/servers/research`, { method: 'DELETE', headers: { Authorization: `token ${TOKEN}` } });
    expect(stopped.status).toBe(204);
    expect(userModel.parse((await get('/hub/api/users/mia')).body).servers).toEqual({});
    expect((await client().startNamedServer({ user: 'mia', serverName: 'research' })).state).toBe('pending');
    expect(hub.starts).toEqual(['mia/research', 'mia/research']);
  });
});

describe('JupyterHubStandIn for a page', () => {
  it('emits a change for every state change and gives a JSON snapshot', async () => {
    const changes: JupyterHubStandInChange[] = [];
    const unsubscribe = hub.onChange((change) => changes.push(change));
    await client().startNamedServer({ user: 'mia', serverName: 'research' });
    hub.finishSpawn('mia', 'research');
    const snapshot = hub.snapshot();
    hub.stopServer('mia', 'research');
    unsubscribe();
    expect(changes).toEqual([
      { type: 'server-spawning', user: 'mia', server: 'research' },
      { type: 'server-ready', user: 'mia', server: 'research' },
      { type: 'server-stopped', user: 'mia', server: 'research' },
    ]);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.users).toEqual([{ name: 'mia', servers: [{ name: 'research', pending: null, ready: true, url: `${base}/user/mia/research/`, started: expect.any(String) }] }]);
    expect(hub.snapshot().users).toEqual([{ name: 'mia', servers: [] }]);
  });
});
