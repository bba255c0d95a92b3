import type { Server } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messages } from '../../src/bpmn/contract.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { engineClient, uniqueKey } from '../support/engine.ts';
import { awaitMessageBpmn, closeServer, listenOnLoopback, waitsAt } from './await-message.ts';
import { pushExample } from './github-examples.ts';

/**
 * The GitHub push webhook on a real engine: `github:push` goes, without a business key, to
 * every instance whose `repositoryFullName` variable is the pushed repository (`all: true` with
 * `correlationKeys` only), and to no other.
 */
describe('POST /webhooks/github on a real engine', () => {
  const client = engineClient();
  const secret = 'int-test-github-webhook-secret';
  const github = new Webhooks({ secret });
  const processKey = uniqueKey('github_push').replace(/-/g, '_');
  const suffix = Date.now() % 1_000_000_000;
  const repositories = { model: `acme-ml/churn-model-${suffix}`, other: `acme-ml/fraud-model-${suffix}`, unknown: `acme-ml/nobody-waits-${suffix}` };
  const instances: Record<'first' | 'second' | 'other', string> = { first: '', second: '', other: '' };
  let server: Server;
  let url: string;
  let deliveries = 0;

  const bpmn = awaitMessageBpmn({ processKey, processName: 'GitHub push test', messageName: Messages.githubPush, catchId: 'AwaitPush', catchName: 'Pushed to the default branch' });

  async function send(payload: unknown, sign = (body: string) => github.sign(body)) {
    const body = JSON.stringify(payload);
    const response = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `int-${processKey}-${++deliveries}`,
        'x-hub-signature-256': await sign(body),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const waitsForPush = (processInstanceId: string): Promise<boolean> => waitsAt(client, processInstanceId, 'AwaitPush');

  beforeAll(async () => {
    await client.deploy(`${processKey}-deployment`, [{ name: `${processKey}.bpmn`, content: bpmn }]);
    const start = async (businessKey: string, repositoryFullName: string) =>
      (await client.startProcess(processKey, { businessKey, variables: { repositoryFullName } })).id;
    // Two lifecycles of one repository (e.g. a restarted one), one of another.
    instances.first = await start(`MLM-${suffix}`, repositories.model);
    instances.second = await start(`MLM-${suffix + 1}`, repositories.model);
    instances.other = await start(`MLM-${suffix + 2}`, repositories.other);

    const app = createApp({
      engine: client,
      metrics: createMetrics({ defaultMetrics: false }),
      log: createLogger({ level: 'silent' }),
      jira: { project: 'MLM', issueType: 'Model', statusRoles: {} },
      github: { webhookSecret: secret },
      lifecycle: { researchServerEnabled: false, statusReconcileInterval: 'PT5M', startSettle: 'PT5S' },
    });
    ({ server, url } = await listenOnLoopback(app));
  });

  afterAll(async () => {
    await closeServer(server);
    for (const id of Object.values(instances)) if (id) await client.deleteProcessInstance(id).catch(() => undefined);
  });

  it('refuses a forged push with 401, and every instance still waits', async () => {
    const response = await send(pushExample({ fullName: repositories.model }), (body) => new Webhooks({ secret: 'not-the-secret' }).sign(body));

    expect(response).toEqual({ status: 401, body: { error: 'unauthorized' } });
    for (const id of Object.values(instances)) expect(await waitsForPush(id)).toBe(true);
  });

  it('correlates a signed push to every instance of that repository, with pushedCommit, and to no other', async () => {
    const commit = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

    const response = await send(pushExample({ fullName: repositories.model, after: commit }));

    expect(response).toEqual({
      status: 200,
      body: { result: 'correlated', repositoryFullName: repositories.model, pushedCommit: commit, instances: 2 },
    });
    for (const id of [instances.first, instances.second]) {
      expect(await waitsForPush(id)).toBe(false);
      expect(await client.variables(id)).toMatchObject({ repositoryFullName: repositories.model, pushedCommit: commit });
    }
    expect(await waitsForPush(instances.other)).toBe(true);
    expect(await client.variables(instances.other)).not.toHaveProperty('pushedCommit');
  });

  it('answers 202 not_awaited for a repository nothing waits for, or whose wait has ended', async () => {
    expect(await send(pushExample({ fullName: repositories.unknown }))).toMatchObject({ status: 202, body: { result: 'not_awaited', instances: 0 } });
    expect(await send(pushExample({ fullName: repositories.model }))).toMatchObject({ status: 202, body: { result: 'not_awaited', instances: 0 } });
    expect(await waitsForPush(instances.other)).toBe(true);
  });

  it('ignores a push of another branch of a waiting repository', async () => {
    expect(await send(pushExample({ fullName: repositories.other, ref: 'refs/heads/experiment' }))).toMatchObject({
      status: 202,
      body: { result: 'ignored', reason: 'not_default_branch' },
    });
    expect(await waitsForPush(instances.other)).toBe(true);
  });
});
