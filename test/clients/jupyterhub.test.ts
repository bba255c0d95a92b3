import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { JupyterHubClient } from '../../src/clients/jupyterhub.ts';
import type { RetryOptions } from '../../src/clients/retry.ts';
import { fixture, recordedRetry, useNock } from './support.ts';

useNock();

const HUB = 'https://hub.example.com';
const serverUrl = 'https://hub.example.com/user/test-1/research/';
const target = { user: 'test-1', serverName: 'research' };

function hub(retry: RetryOptions = { retries: 0 }): JupyterHubClient {
  return new JupyterHubClient({ baseUrl: `${HUB}/`, token: 'hub-token', retry });
}

describe('JupyterHubClient.startNamedServer', () => {
  it('starts the server when the user has none; 202 means it is spawning', async () => {
    const scope = nock(HUB, { reqheaders: { authorization: 'token hub-token' } })
      .get('/hub/api/users/test-1')
      .reply(200, fixture('jupyterhub/user-no-servers.json'))
      .post('/hub/api/users/test-1/servers/research')
      .reply(202);

    await expect(hub().startNamedServer(target)).resolves.toEqual({ url: serverUrl, state: 'pending' });
    expect(scope.isDone()).toBe(true);
  });

  it('reports 201 as started', async () => {
    nock(HUB).get('/hub/api/users/test-1').reply(200, fixture('jupyterhub/user-no-servers.json')).post('/hub/api/users/test-1/servers/research').reply(201);
    await expect(hub().startNamedServer(target)).resolves.toEqual({ url: serverUrl, state: 'started' });
  });

  it('asks for nothing when the server is already running', async () => {
    nock(HUB).get('/hub/api/users/test-1').reply(200, fixture('jupyterhub/user-server-ready.json'));
    await expect(hub().startNamedServer(target)).resolves.toEqual({ url: serverUrl, state: 'running' });
  });

  it('asks for nothing while the server is spawning', async () => {
    nock(HUB).get('/hub/api/users/test-1').reply(200, fixture('jupyterhub/user-server-pending.json'));
    await expect(hub().startNamedServer(target)).resolves.toEqual({ url: serverUrl, state: 'pending' });
  });

  it('takes "already running" for an answer when the token cannot read servers', async () => {
    nock(HUB)
      .get('/hub/api/users/test-1')
      .reply(200, fixture('jupyterhub/user-without-servers-scope.json'))
      .post('/hub/api/users/test-1/servers/research')
      .reply(400, fixture('jupyterhub/error-already-running.json'));

    await expect(hub().startNamedServer(target)).resolves.toEqual({ url: serverUrl, state: 'running' });
  });

  it('says how to enable named servers', async () => {
    nock(HUB)
      .get('/hub/api/users/test-1')
      .reply(200, fixture('jupyterhub/user-no-servers.json'))
      .post('/hub/api/users/test-1/servers/research')
      .reply(400, fixture('jupyterhub/error-named-servers-disabled.json'));

    const error = (await hub().startNamedServer(target).catch((e: unknown) => e)) as ClientError;

    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe(
      'JupyterHub: starting server "research" of JupyterHub user test-1 failed: 400 Bad Request: Named servers are not enabled. — enable named servers in JupyterHub (c.JupyterHub.allow_named_servers = True)',
    );
    expect(error.retryable).toBe(false);
  });

  it('says the developer must log in once when the user is unknown', async () => {
    nock(HUB).get('/hub/api/users/nobody').reply(404, { status: 404, message: 'Not Found' });

    const error = (await hub().startNamedServer({ user: 'nobody', serverName: 'research' }).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toBe(
      'JupyterHub: reading JupyterHub user nobody failed: 404 Not Found — user nobody is not known to JupyterHub; the developer must log in to JupyterHub once',
    );
  });

  it('retries a 429, waiting until the Retry-After date', async () => {
    const { retry, waits } = recordedRetry();
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    nock(HUB)
      .get('/hub/api/users/test-1')
      .reply(429, { status: 429, message: 'Too many requests' }, { 'Retry-After': inTwoSeconds })
      .get('/hub/api/users/test-1')
      .reply(200, fixture('jupyterhub/user-server-ready.json'));

    await expect(hub(retry).startNamedServer(target)).resolves.toMatchObject({ state: 'running' });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
  });

  it('retries 5xx answers until one succeeds', async () => {
    const { retry, waits } = recordedRetry();
    nock(HUB)
      .get('/hub/api/users/test-1')
      .reply(502, 'Bad Gateway')
      .get('/hub/api/users/test-1')
      .reply(200, fixture('jupyterhub/user-no-servers.json'))
      .post('/hub/api/users/test-1/servers/research')
      .reply(503, '')
      .post('/hub/api/users/test-1/servers/research')
      .reply(202);

    await expect(hub(retry).startNamedServer(target)).resolves.toEqual({ url: serverUrl, state: 'pending' });
    expect(waits).toEqual([1, 1]);
  });
});
