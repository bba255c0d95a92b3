import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messages } from '../../src/bpmn/contract.ts';
import { createApp } from '../../src/http/app.ts';
import { signJenkinsCallback } from '../../src/http/verify-jenkins.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { engineClient, uniqueKey } from '../support/engine.ts';
import { awaitMessageBpmn, closeServer, listenOnLoopback, waitsAt } from './await-message.ts';

/**
 * The Jenkins callback on a real engine: `correlationKeys: { buildKey }` picks the one
 * instance waiting for that build attempt among instances of the same business key.
 */
describe('POST /webhooks/jenkins on a real engine', () => {
  const client = engineClient();
  const secret = 'int-test-jenkins-callback-secret';
  const processKey = uniqueKey('jenkins_callback').replace(/-/g, '_');
  const jiraKey = `MLM-${Date.now() % 1_000_000_000}`;
  const buildKeys = { first: `${jiraKey}/train/1`, second: `${jiraKey}/train/2`, unknown: `${jiraKey}/train/3` };
  const instances: Record<'first' | 'second', string> = { first: '', second: '' };
  let server: Server;
  let url: string;

  const bpmn = awaitMessageBpmn({ processKey, processName: 'Jenkins callback test', messageName: Messages.jenkinsBuildFinished, catchId: 'AwaitBuild', catchName: 'Build finished' });

  const callbackFor = (buildKey: string) =>
    JSON.stringify({ buildKey, jiraKey, buildUrl: 'https://jenkins.acme.test/job/ml/job/train-model/17/', result: 'SUCCESS', outputs: { mlflow_run_id: 'run-17' } });

  async function send(body: string, headers = signJenkinsCallback(secret, body, Math.floor(Date.now() / 1_000))) {
    const response = await fetch(`${url}/webhooks/jenkins`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const waitsForBuild = (processInstanceId: string): Promise<boolean> => waitsAt(client, processInstanceId, 'AwaitBuild');

  beforeAll(async () => {
    await client.deploy(`${processKey}-deployment`, [{ name: `${processKey}.bpmn`, content: bpmn }]);
    for (const which of ['first', 'second'] as const) {
      const started = await client.startProcess(processKey, { businessKey: jiraKey, variables: { buildKey: buildKeys[which] } });
      instances[which] = started.id;
    }

    const app = createApp({
      engine: client,
      metrics: createMetrics({ defaultMetrics: false }),
      log: createLogger({ level: 'silent' }),
      jira: { project: 'MLM', issueType: 'Model', statusRoles: {} },
      jenkins: { callbackSecret: secret },
      lifecycle: { researchServerEnabled: false, statusReconcileInterval: 'PT5M', startSettle: 'PT5S' },
    });
    ({ server, url } = await listenOnLoopback(app));
  });

  afterAll(async () => {
    await closeServer(server);
    for (const id of Object.values(instances)) if (id) await client.deleteProcessInstance(id).catch(() => undefined);
  });

  it('refuses a forged callback with 401, and both instances still wait', async () => {
    const body = callbackFor(buildKeys.first);

    const response = await send(body, signJenkinsCallback('not-the-secret', body, Math.floor(Date.now() / 1_000)));

    expect(response).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await waitsForBuild(instances.first)).toBe(true);
    expect(await waitsForBuild(instances.second)).toBe(true);
  });

  it('correlates a signed callback to exactly the instance waiting for its build key, with buildCallback', async () => {
    const response = await send(callbackFor(buildKeys.first));

    expect(response).toEqual({ status: 200, body: { result: 'correlated', buildKey: buildKeys.first } });
    expect(await waitsForBuild(instances.first)).toBe(false);
    expect(await client.variables(instances.first)).toMatchObject({
      buildKey: buildKeys.first,
      buildCallback: { buildKey: buildKeys.first, jiraKey, result: 'SUCCESS', outputs: { mlflow_run_id: 'run-17' } },
    });
    expect(await waitsForBuild(instances.second)).toBe(true);
    expect(await client.variables(instances.second)).not.toHaveProperty('buildCallback');
  });

  it('answers 202 not_awaited for a build key nothing waits for, or an attempt whose wait has ended', async () => {
    expect(await send(callbackFor(buildKeys.unknown))).toEqual({ status: 202, body: { result: 'not_awaited', buildKey: buildKeys.unknown } });
    // Signed anew (a minute back, so not the signature already spent): a resend, not a replay; its wait is over.
    expect(await send(callbackFor(buildKeys.first), signJenkinsCallback(secret, callbackFor(buildKeys.first), Math.floor(Date.now() / 1_000) - 60))).toEqual({
      status: 202,
      body: { result: 'not_awaited', buildKey: buildKeys.first },
    });
    expect(await waitsForBuild(instances.second)).toBe(true);
  });
});
