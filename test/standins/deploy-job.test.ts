import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeenSignatures, verifyJenkinsCallback } from '../../src/http/verify-jenkins.ts';
import { deployJob, type DeployBehaviour } from '../../standins/deploy-job.ts';
import { InferenceDeployments } from '../../standins/inference-service.ts';
import type { StandInBuildContext } from '../../standins/jenkins.ts';

/**
 * The deploy job's stand-in, as the Jenkins stand-in runs it: by MODE it deploys staging and
 * the canary on loopback (answering the template's health and predict), promotes the canary to
 * stable or removes it, tells Prometheus the new targets before the build ends, and sends the
 * signed callback with where the service answers.
 */
const SECRET = 'deploy-job-callback-secret';
const callbacks: Array<{ body: Record<string, unknown>; verified: boolean }> = [];
const seen = new SeenSignatures();
let server: Server;
let callbackUrl: string;
const deployments = new InferenceDeployments({ requestsPerSecond: 0 });
const targetsSeen: string[][] = [];
const behaviours = new Map<string, DeployBehaviour>();
const run = deployJob({ deployments, callbackSecret: SECRET, onTargetsChanged: async (targets) => void targetsSeen.push([...targets]), behaviour: (p) => behaviours.get(p.MODE ?? '') ?? {} });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verified = verifyJenkinsCallback({ secret: SECRET, seen }, { rawBody: raw, timestamp: req.headers['x-lifecycle-timestamp'] as string, signature: req.headers['x-lifecycle-signature'] as string }).ok;
      callbacks.push({ body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, verified });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"correlated"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/jenkins`;
});

afterAll(async () => {
  await deployments.stopAll();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function build(mode: string, number: number): { context: StandInBuildContext; console: string[]; archived: Map<string, string> } {
  const console: string[] = [];
  const archived = new Map<string, string>();
  const parameters = { MODE: mode, MODEL_NAME: 'iris', MODEL_VERSION: '2', IMAGE: 'registry.test/ml/iris:2-abc', CPU_LIMIT: '500m', MEMORY_LIMIT: '1Gi', CANARY_WEIGHT: '10', JIRA_KEY: 'MLM-7', ATTEMPT: '1', BUILD_KEY: `MLM-7/${mode}/1`, CALLBACK_URL: callbackUrl };
  return {
    console,
    archived,
    context: {
      jobPath: 'ml/deploy-inference',
      number,
      url: `http://jenkins.test/job/ml/job/deploy-inference/${number}/`,
      parameters,
      log: (line) => void console.push(line),
      stage: async (_name, work) => work(),
      signal: new AbortController().signal,
      archive: (path, content) => void archived.set(path, content),
      publishTestReport: () => {},
    },
  };
}

describe('the deploy job stand-in', () => {
  it('deploys staging on loopback and reports where it answers in the signed callback', async () => {
    const { context, archived } = build('staging', 1);
    expect(await run(context)).toBe('SUCCESS');
    const staging = deployments.get('iris', 'staging');
    expect(staging).toBeDefined();
    const [callback] = callbacks.splice(0);
    expect(callback).toMatchObject({ verified: true, body: { buildKey: 'MLM-7/staging/1', jiraKey: 'MLM-7', result: 'SUCCESS', outputs: { service_url: staging!.url, health_url: `${staging!.url}/healthz` } } });
    expect(JSON.parse(archived.get('callback.json')!)).toEqual(callback!.body);
    expect((await fetch(`${staging!.url}/healthz`)).status).toBe(200);
    expect(targetsSeen.at(-1)).toContain(staging!.target);
  });

  it('puts the canary beside stable, promotes it to stable, and a rollback removes a canary', async () => {
    await deployments.deploy({ service: 'iris', slot: 'stable', modelVersion: '1' });
    expect(await run(build('canary', 2).context)).toBe('SUCCESS');
    expect(deployments.get('iris', 'canary')?.modelVersion).toBe('2');
    expect(await run(build('promote', 3).context)).toBe('SUCCESS');
    expect(deployments.get('iris', 'stable')?.modelVersion).toBe('2');
    expect(deployments.get('iris', 'canary')).toBeUndefined();
    expect(await run(build('canary', 4).context)).toBe('SUCCESS');
    expect(await run(build('rollback', 5).context)).toBe('SUCCESS');
    expect(deployments.get('iris', 'canary')).toBeUndefined();
    expect(callbacks.splice(0).map((callback) => [callback.body.buildKey, callback.body.result, callback.verified])).toEqual([
      ['MLM-7/canary/1', 'SUCCESS', true],
      ['MLM-7/promote/1', 'SUCCESS', true],
      ['MLM-7/canary/1', 'SUCCESS', true],
      ['MLM-7/rollback/1', 'SUCCESS', true],
    ]);
  });

  it('fails in its Deploy stage as told, and still sends the callback, without outputs', async () => {
    behaviours.set('canary', { breakWith: ['Error: UPGRADE FAILED: timed out waiting for the condition'] });
    const { context, console } = build('canary', 6);
    expect(await run(context)).toBe('FAILURE');
    expect(console).toContain('Error: UPGRADE FAILED: timed out waiting for the condition');
    expect(callbacks.splice(0)).toEqual([{ verified: true, body: expect.objectContaining({ result: 'FAILURE', outputs: {} }) }]);
    behaviours.clear();
  });
});
