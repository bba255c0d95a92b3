import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyTree, JenkinsStandIn, parseTree, type JenkinsStandInOptions } from '../../standins/jenkins.ts';

// Strict schemas of Jenkins' answers, from the recorded answers under test/fixtures/jenkins/
// and the Jenkins sources named in its SOURCES.md. Each fixture passes them, and so must the
// stand-in: a field Jenkins does not send fails the strict object.

const className = z.string().regex(/^[\w.$]+$/);
const cause = z.strictObject({ _class: className, shortDescription: z.string(), userId: z.string().nullable().optional(), userName: z.string().optional() });
const parameterValue = z.strictObject({ _class: className, name: z.string(), value: z.unknown() });
const action = z.union([
  z.strictObject({}),
  z.strictObject({ _class: className }),
  z.strictObject({ _class: z.literal('hudson.model.CauseAction'), causes: z.array(cause) }),
  z.strictObject({ _class: z.literal('hudson.model.ParametersAction'), parameters: z.array(parameterValue) }),
  z.strictObject({
    _class: z.literal('jenkins.metrics.impl.TimeInQueueAction'),
    queuingDurationMillis: z.number(),
    queuingTimeMillis: z.number().optional(),
    totalDurationMillis: z.number(),
  }),
]);
const task = z.strictObject({ _class: className, name: z.string().optional(), url: z.string().optional(), color: z.string().optional() });
const itemCommon = {
  actions: z.array(action),
  blocked: z.boolean(),
  buildable: z.boolean(),
  id: z.number().int(),
  inQueueSince: z.number(),
  params: z.string(),
  stuck: z.boolean(),
  task,
  url: z.string().regex(/^queue\/item\/\d+\/$/),
  why: z.string().nullable(),
};
const buildRef = z.strictObject({
  _class: className.optional(),
  number: z.number().int(),
  url: z.string(),
  displayName: z.string().optional(),
  building: z.boolean().optional(),
});
const waitingItem = z.strictObject({ _class: z.literal('hudson.model.Queue$WaitingItem'), ...itemCommon, timestamp: z.number() });
const blockedItem = z.strictObject({ _class: z.literal('hudson.model.Queue$BlockedItem'), ...itemCommon, buildableStartMilliseconds: z.number() });
const buildableItem = z.strictObject({
  _class: z.literal('hudson.model.Queue$BuildableItem'),
  ...itemCommon,
  buildableStartMilliseconds: z.number(),
  pending: z.boolean(),
});
const leftItem = z.strictObject({
  _class: z.literal('hudson.model.Queue$LeftItem'),
  ...itemCommon,
  cancelled: z.boolean(),
  executable: z.strictObject({ _class: className, number: z.number().int(), url: z.string() }).nullable(),
});
const queue = z.strictObject({
  _class: z.literal('hudson.model.Queue'),
  discoverableItems: z.array(z.unknown()),
  items: z.array(z.union([waitingItem, blockedItem, buildableItem])),
});
const result = z.enum(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']).nullable();
// hudson.model.Run.Artifact (Jenkins core).
const artifact = z.strictObject({ displayPath: z.string().nullable(), fileName: z.string(), relativePath: z.string() });
const runCommon = {
  actions: z.array(action),
  artifacts: z.array(artifact),
  building: z.boolean(),
  description: z.string().nullable(),
  displayName: z.string(),
  duration: z.number(),
  estimatedDuration: z.number(),
  executor: z.strictObject({ _class: className.optional() }).nullable(),
  fullDisplayName: z.string(),
  id: z.string(),
  keepLog: z.boolean(),
  number: z.number().int(),
  queueId: z.number().int(),
  result,
  timestamp: z.number(),
  url: z.string(),
  culprits: z.array(z.unknown()),
  nextBuild: buildRef.nullable(),
  previousBuild: buildRef.nullable(),
};
const workflowRun = z.strictObject({ _class: z.literal('org.jenkinsci.plugins.workflow.job.WorkflowRun'), ...runCommon, changeSets: z.array(z.unknown()) });
// A FreeStyleBuild as silas/node-jenkins recorded one (test/assets.js): builtOn and changeSet instead of changeSets.
const freeStyleBuild = z.strictObject({
  _class: z.literal('hudson.model.FreeStyleBuild'),
  ...runCommon,
  builtOn: z.string(),
  changeSet: z.strictObject({ _class: className.optional(), items: z.array(z.unknown()), kind: z.string().nullable() }),
});
const parameterDefinition = z.strictObject({
  _class: className,
  defaultParameterValue: parameterValue,
  description: z.string().nullable(),
  name: z.string(),
  type: z.string(),
});
const job = z.strictObject({
  _class: z.enum(['org.jenkinsci.plugins.workflow.job.WorkflowJob', 'hudson.model.FreeStyleProject']),
  actions: z.array(action),
  description: z.string().nullable(),
  displayName: z.string(),
  displayNameOrNull: z.string().nullable(),
  fullDisplayName: z.string(),
  fullName: z.string(),
  name: z.string(),
  url: z.string(),
  buildable: z.boolean(),
  builds: z.array(buildRef),
  color: z.string(),
  firstBuild: buildRef.nullable(),
  healthReport: z.array(z.unknown()),
  inQueue: z.boolean(),
  keepDependencies: z.boolean(),
  lastBuild: buildRef.nullable(),
  lastCompletedBuild: buildRef.nullable(),
  lastFailedBuild: buildRef.nullable(),
  lastStableBuild: buildRef.nullable(),
  lastSuccessfulBuild: buildRef.nullable(),
  lastUnstableBuild: buildRef.nullable(),
  lastUnsuccessfulBuild: buildRef.nullable(),
  nextBuildNumber: z.number().int(),
  property: z.array(z.strictObject({ _class: className, parameterDefinitions: z.array(parameterDefinition).optional() })),
  queueItem: z.unknown(),
  concurrentBuild: z.boolean(),
  resumeBlocked: z.boolean().optional(),
  scm: z.strictObject({ _class: className }).optional(),
});
const link = z.strictObject({ href: z.string() });
const wfapiStatus = z.enum(['NOT_EXECUTED', 'ABORTED', 'SUCCESS', 'IN_PROGRESS', 'PAUSED_PENDING_INPUT', 'FAILED', 'SKIPPED', 'UNSTABLE']);
const wfapiRun = z.strictObject({
  _links: z.record(z.string(), link),
  id: z.string(),
  name: z.string(),
  status: wfapiStatus,
  startTimeMillis: z.number(),
  endTimeMillis: z.number(),
  durationMillis: z.number(),
  queueDurationMillis: z.number().optional(),
  pauseDurationMillis: z.number().optional(),
  stages: z.array(
    z.strictObject({
      _links: z.record(z.string(), link),
      id: z.string(),
      name: z.string(),
      execNode: z.string().optional(),
      status: wfapiStatus,
      error: z.strictObject({ message: z.string(), type: z.string() }).optional(),
      startTimeMillis: z.number(),
      durationMillis: z.number(),
      pauseDurationMillis: z.number().optional(),
    }),
  ),
});
const testActions = z.array(z.unknown());
const testCase = z.strictObject({
  testActions,
  age: z.number().int(),
  className: z.string(),
  duration: z.number(),
  errorDetails: z.string().nullable(),
  errorStackTrace: z.string().nullable(),
  failedSince: z.number().int(),
  flakyFailures: z.array(z.unknown()).optional(),
  name: z.string(),
  properties: z.record(z.string(), z.string()).optional(),
  rerunFailures: z.array(z.unknown()).optional(),
  skipped: z.boolean(),
  skippedMessage: z.string().nullable(),
  status: z.enum(['PASSED', 'SKIPPED', 'FAILED', 'FIXED', 'REGRESSION']),
  stderr: z.string().nullable(),
  stdout: z.string().nullable(),
});
const testSuite = z.strictObject({
  cases: z.array(testCase),
  duration: z.number(),
  enclosingBlockNames: z.array(z.string()),
  enclosingBlocks: z.array(z.string()),
  id: z.string().nullable(),
  name: z.string(),
  nodeId: z.string().nullable(),
  properties: z.record(z.string(), z.string()).optional(),
  stderr: z.string().nullable(),
  stdout: z.string().nullable(),
  timestamp: z.string().nullable(),
});
const testReport = z.strictObject({
  _class: z.literal('hudson.tasks.junit.TestResult'),
  testActions,
  duration: z.number(),
  empty: z.boolean(),
  failCount: z.number().int(),
  passCount: z.number().int(),
  skipCount: z.number().int(),
  suites: z.array(testSuite),
});
const crumbIssuer = z.strictObject({ _class: z.literal('hudson.security.csrf.DefaultCrumbIssuer'), crumb: z.string(), crumbRequestField: z.string() });

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/jenkins/${name}`, import.meta.url), 'utf8')) as unknown;
}

describe('the schemas accept what Jenkins answers', () => {
  it.each([
    ['queue.json', queue],
    ['queue-item-waiting.json', waitingItem],
    ['queue-item-left.json', leftItem],
    ['workflow-run.json', workflowRun],
    ['workflow-job.json', job],
    ['wfapi-describe.json', wfapiRun],
    ['crumb-issuer.json', crumbIssuer],
    ['test-report.json', testReport],
  ] as const)('%s', (name, schema) => {
    expect(schema.safeParse(fixture(name)).error).toBeUndefined();
  });
});

const USER = 'model-lifecycle';
const TOKEN = 'api-token-1';
const auth = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`;

let jenkins: JenkinsStandIn;
let base: string;

async function start(options: Partial<JenkinsStandInOptions> = {}): Promise<void> {
  await jenkins?.stop();
  jenkins = new JenkinsStandIn({ user: USER, apiToken: TOKEN, queueDelayMs: 0, ...options });
  base = await jenkins.start();
}

async function call(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: { Authorization: auth, ...(init.body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

async function getJson(path: string): Promise<unknown> {
  const response = await call('GET', path);
  expect(response.status).toBe(200);
  return response.json();
}

/** Triggers and answers the queue item id. */
async function trigger(jobUrl: string, parameters: Record<string, string>): Promise<number> {
  const response = await call('POST', `${jobUrl}/buildWithParameters`, { body: new URLSearchParams(parameters).toString() });
  expect(response.status).toBe(201);
  return Number(/\/queue\/item\/(\d+)\/$/.exec(response.headers.get('location') ?? '')?.[1]);
}

beforeEach(() => start());
afterEach(() => jenkins.stop());

describe('JenkinsStandIn answers in Jenkins shapes', () => {
  it('queues a build, shows it in the queue, then as a LeftItem with its executable, then the build', async () => {
    jenkins.holdQueue();
    jenkins.defineJob('ml/train-model', async (build) => {
      build.log(`training ${build.parameters.MODEL_NAME}`);
      return 'SUCCESS';
    });
    const id = await trigger('/job/ml/job/train-model', { BUILD_KEY: 'ML-1/train/1', MODEL_NAME: 'churn' });
    expect(jenkins.triggers).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 5));
    const waiting = queue.parse(await getJson('/queue/api/json'));
    expect(waiting.items).toHaveLength(1);
    expect(waiting.items[0]).toMatchObject({
      _class: 'hudson.model.Queue$BuildableItem',
      id,
      why: 'Waiting for next available executor',
      params: '\nBUILD_KEY=ML-1/train/1\nMODEL_NAME=churn',
      task: { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob', name: 'train-model', url: `${base}/job/ml/job/train-model/`, color: 'notbuilt' },
    });
    buildableItem.parse(await getJson(`/queue/item/${id}/api/json`));

    jenkins.releaseQueue();
    const done = await jenkins.whenFinished('ml/train-model', 1);
    expect(done).toMatchObject({ result: 'SUCCESS', building: false, queueId: id, parameters: { BUILD_KEY: 'ML-1/train/1', MODEL_NAME: 'churn' } });
    expect(done.console).toEqual(['Started by user model-lifecycle', '[Pipeline] Start of Pipeline', 'training churn', '[Pipeline] End of Pipeline', 'Finished: SUCCESS']);

    const left = leftItem.parse(await getJson(`/queue/item/${id}/api/json`));
    expect(left).toMatchObject({ cancelled: false, executable: { number: 1, url: `${base}/job/ml/job/train-model/1/` } });
    expect(queue.parse(await getJson('/queue/api/json')).items).toEqual([]);

    const run = workflowRun.parse(await getJson('/job/ml/job/train-model/1/api/json'));
    expect(run).toMatchObject({ number: 1, id: '1', building: false, result: 'SUCCESS', queueId: id, fullDisplayName: 'ml » train-model #1', executor: null });
    expect(run.duration).toBeGreaterThan(0);
    expect(run.actions).toContainEqual({
      _class: 'hudson.model.ParametersAction',
      parameters: [
        { _class: 'hudson.model.StringParameterValue', name: 'BUILD_KEY', value: 'ML-1/train/1' },
        { _class: 'hudson.model.StringParameterValue', name: 'MODEL_NAME', value: 'churn' },
      ],
    });
    expect(run.actions.some((entry) => '_class' in entry && entry._class === 'jenkins.metrics.impl.TimeInQueueAction')).toBe(true);

    const jobAnswer = job.parse(await getJson('/job/ml/job/train-model/api/json'));
    expect(jobAnswer).toMatchObject({ fullName: 'ml/train-model', name: 'train-model', color: 'blue', nextBuildNumber: 2, inQueue: false });
    expect(jobAnswer.builds).toEqual([{ _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun', number: 1, url: `${base}/job/ml/job/train-model/1/` }]);
  });

  it('shows a waiting item in its quiet period', async () => {
    await start({ queueDelayMs: 10_000 });
    jenkins.defineJob('train', async () => 'SUCCESS');
    const id = await trigger('/job/train', { BUILD_KEY: 'k' });
    const item = waitingItem.parse(await getJson(`/queue/item/${id}/api/json`));
    expect(item.why).toMatch(/^In the quiet period\. Expires in \d+\.\d sec$/);
  });

  it('honours tree, with nested fields and ranges, and keeps _class', async () => {
    jenkins.defineJob('ml/train-model', async () => 'SUCCESS');
    for (const key of ['a', 'b', 'c']) {
      await trigger('/job/ml/job/train-model', { BUILD_KEY: key });
      await jenkins.whenFinished('ml/train-model', jenkins.triggers);
    }
    const tree = encodeURIComponent('builds[number,result,actions[parameters[name,value]]]{0,2}');
    expect(await getJson(`/job/ml/job/train-model/api/json?tree=${tree}`)).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      builds: [3, 2].map((number) => ({
        _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
        number,
        result: 'SUCCESS',
        actions: [
          { _class: 'hudson.model.ParametersAction', parameters: [{ _class: 'hudson.model.StringParameterValue', name: 'BUILD_KEY', value: ['a', 'b', 'c'][number - 1] }] },
          { _class: 'hudson.model.CauseAction' },
          { _class: 'jenkins.metrics.impl.TimeInQueueAction' },
          {},
        ],
      })),
    });
  });

  it('folds a trigger with the same parameters into the queued item, as Jenkins does', async () => {
    jenkins.holdQueue();
    jenkins.defineJob('train', async () => 'SUCCESS');
    const first = await trigger('/job/train', { BUILD_KEY: 'k' });
    expect(await trigger('/job/train', { BUILD_KEY: 'k' })).toBe(first);
    expect(await trigger('/job/train', { BUILD_KEY: 'other' })).not.toBe(first);
    expect(jenkins.triggers).toBe(2);
  });

  it('applies declared parameters: unknown ones dropped, defaults filled, none declared is 400', async () => {
    jenkins.defineJob('declared', async () => 'SUCCESS', { parameters: { BUILD_KEY: '', ATTEMPT: '1' } });
    jenkins.defineJob('plain', async () => 'SUCCESS', { parameters: {} });
    await trigger('/job/declared', { BUILD_KEY: 'k', EXTRA: 'x' });
    expect((await jenkins.whenFinished('declared', 1)).parameters).toEqual({ BUILD_KEY: 'k', ATTEMPT: '1' });
    const declared = job.parse(await getJson('/job/declared/api/json'));
    expect(declared.property[0]?.parameterDefinitions?.map((definition) => definition.name)).toEqual(['BUILD_KEY', 'ATTEMPT']);
    expect((await call('POST', '/job/plain/buildWithParameters', { body: 'BUILD_KEY=k' })).status).toBe(400);
  });

  it('records Pipeline stages for wfapi, a failed one with its error', async () => {
    jenkins.defineJob('ml/train-model', async (build) => {
      await build.stage('Checkout', async () => build.log('checked out'));
      await build.stage('Train', async () => {
        throw new Error('script returned exit code 1');
      });
      return 'SUCCESS';
    });
    await trigger('/job/ml/job/train-model', { BUILD_KEY: 'k' });
    const done = await jenkins.whenFinished('ml/train-model', 1);
    expect(done.result).toBe('FAILURE');
    expect(done.console).toContain('ERROR: script returned exit code 1');

    const describe = wfapiRun.parse(await getJson('/job/ml/job/train-model/1/wfapi/describe'));
    expect(describe).toMatchObject({ id: '1', name: '#1', status: 'FAILED', _links: { self: { href: '/job/ml/job/train-model/1/wfapi/describe' } } });
    expect(describe.stages.map((stage) => [stage.name, stage.status])).toEqual([
      ['Checkout', 'SUCCESS'],
      ['Train', 'FAILED'],
    ]);
    expect(describe.stages[1]?.error).toEqual({ message: 'script returned exit code 1', type: 'hudson.AbortException' });
  });

  it('serves a freestyle job without wfapi', async () => {
    jenkins.defineJob('legacy', async (build) => build.stage('ignored', async () => 'SUCCESS' as const), { kind: 'freestyle' });
    await trigger('/job/legacy', { BUILD_KEY: 'k' });
    await jenkins.whenFinished('legacy', 1);
    freeStyleBuild.parse(await getJson('/job/legacy/1/api/json'));
    job.parse(await getJson('/job/legacy/api/json'));
    expect((await call('GET', '/job/legacy/1/wfapi/describe')).status).toBe(404);
    expect(jenkins.build('legacy', 1)?.stages).toEqual([]);
  });

  it('serves the console as text', async () => {
    jenkins.defineJob('train', async (build) => {
      build.log('\u001b[32mgreen\u001b[0m\nsecond line');
      return 'UNSTABLE';
    });
    await trigger('/job/train', { BUILD_KEY: 'k' });
    await jenkins.whenFinished('train', 1);
    const response = await call('GET', '/job/train/1/consoleText');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(
      'Started by user model-lifecycle\n[Pipeline] Start of Pipeline\n\u001b[32mgreen\u001b[0m\nsecond line\n[Pipeline] End of Pipeline\nFinished: UNSTABLE\n',
    );
  });

  it('stops a running build: 302 to the build, ABORTED, the stage aborted; a finished build is left alone', async () => {
    jenkins.defineJob('train', async (build) => {
      await build.stage('Train', () => new Promise((_, reject) => build.signal.addEventListener('abort', () => reject(new Error('interrupted')))));
      return 'SUCCESS';
    });
    await trigger('/job/train', { BUILD_KEY: 'k' });
    await jenkins.whenStarted('train', 1);
    const running = workflowRun.parse(await getJson('/job/train/1/api/json'));
    expect(running).toMatchObject({ building: true, result: null, duration: 0, executor: { _class: 'hudson.model.OneOffExecutor' } });
    expect(wfapiRun.parse(await getJson('/job/train/1/wfapi/describe')).status).toBe('IN_PROGRESS');

    const stop = await call('POST', '/job/train/1/stop');
    expect(stop.status).toBe(302);
    expect(stop.headers.get('location')).toBe(`${base}/job/train/1/`);
    const done = await jenkins.whenFinished('train', 1);
    expect(done.result).toBe('ABORTED');
    expect(done.stages[0]?.status).toBe('ABORTED');
    expect(done.console.slice(-3)).toEqual(['Aborted by model-lifecycle', '[Pipeline] End of Pipeline', 'Finished: ABORTED']);

    expect((await call('POST', '/job/train/1/stop')).status).toBe(302);
    expect(jenkins.build('train', 1)?.result).toBe('ABORTED');
    expect((await call('GET', '/job/train/1/stop')).status).toBe(405);
  });

  it('cancels a queue item: 204, then a LeftItem with cancelled and no executable; 500 once left; 404 unknown', async () => {
    jenkins.holdQueue();
    jenkins.defineJob('train', async () => 'SUCCESS');
    const id = await trigger('/job/train', { BUILD_KEY: 'k' });
    expect((await call('POST', `/queue/cancelItem?id=${id}`)).status).toBe(204);
    expect(leftItem.parse(await getJson(`/queue/item/${id}/api/json`))).toMatchObject({ cancelled: true, executable: null });
    expect((await call('POST', `/queue/cancelItem?id=${id}`)).status).toBe(500);
    expect((await call('POST', '/queue/cancelItem?id=999')).status).toBe(404);
    jenkins.releaseQueue();
    expect(jenkins.builds('train')).toEqual([]);
  });

  it('authenticates as Jenkins does: anonymous 403, a wrong token 401', async () => {
    jenkins.defineJob('train', async () => 'SUCCESS');
    const anonymous = await fetch(`${base}/job/train/api/json`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('x-you-are-authenticated-as')).toBe('anonymous');
    const wrong = await call('GET', '/job/train/api/json', { headers: { Authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain(`Invalid password/token for user: ${USER}`);
  });

  it('answers 404 for unknown jobs and builds, and 405 for a GET trigger', async () => {
    jenkins.defineJob('ml/train-model', async () => 'SUCCESS');
    expect((await call('GET', '/job/ml/job/nope/api/json')).status).toBe(404);
    expect((await call('GET', '/job/ml/api/json')).status).toBe(404);
    expect((await call('GET', '/job/ml/job/train-model/7/api/json')).status).toBe(404);
    expect((await call('POST', '/job/nope/buildWithParameters', { body: 'A=1' })).status).toBe(404);
    expect((await call('GET', '/job/ml/job/train-model/buildWithParameters')).status).toBe(405);
  });

  it('requires a crumb bound to its session when asked to', async () => {
    await start({ requireCrumb: true });
    jenkins.defineJob('train', async () => 'SUCCESS');
    expect((await call('POST', '/job/train/buildWithParameters', { body: 'BUILD_KEY=k' })).status).toBe(403);

    const issued = await call('GET', '/crumbIssuer/api/json');
    const crumb = crumbIssuer.parse(await issued.json());
    const cookie = issued.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    expect(cookie).toMatch(/^JSESSIONID\.[0-9a-f]{8}=/);
    const noCookie = await call('POST', '/job/train/buildWithParameters', { body: 'BUILD_KEY=k', headers: { [crumb.crumbRequestField]: crumb.crumb } });
    expect(noCookie.status).toBe(403);
    expect(await noCookie.text()).toContain('No valid crumb was included in the request');
    const ok = await call('POST', '/job/train/buildWithParameters', { body: 'BUILD_KEY=k', headers: { [crumb.crumbRequestField]: crumb.crumb, Cookie: cookie } });
    expect(ok.status).toBe(201);

    jenkins.expireCrumbs();
    const expired = await call('POST', '/job/train/buildWithParameters', { body: 'BUILD_KEY=j', headers: { [crumb.crumbRequestField]: crumb.crumb, Cookie: cookie } });
    expect(expired.status).toBe(403);
  });

  it('serves under a context path', async () => {
    await start({ contextPath: '/jenkins' });
    expect(base).toMatch(/\/jenkins$/);
    jenkins.defineJob('train', async (build) => build.stage('One', async () => 'SUCCESS' as const));
    await trigger('/job/train', { BUILD_KEY: 'k' });
    await jenkins.whenFinished('train', 1);
    expect(wfapiRun.parse(await getJson('/job/train/1/wfapi/describe'))._links.self?.href).toBe('/jenkins/job/train/1/wfapi/describe');
    expect((await fetch(`${base.replace(/\/jenkins$/, '')}/job/train/api/json`, { headers: { Authorization: auth } })).status).toBe(404);
  });

  it('injects faults: an error answer without the work, or the work with the answer dropped', async () => {
    jenkins.defineJob('train', async () => 'SUCCESS');
    jenkins.onNextRequest({ method: 'POST', path: /buildWithParameters$/ }, { status: 503, headers: { 'Retry-After': '3' } });
    const refused = await call('POST', '/job/train/buildWithParameters', { body: 'BUILD_KEY=k' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(jenkins.triggers).toBe(0);

    jenkins.onNextRequest({ method: 'POST', path: /buildWithParameters$/ }, 'drop-answer');
    await expect(call('POST', '/job/train/buildWithParameters', { body: 'BUILD_KEY=k' })).rejects.toThrow();
    expect(jenkins.triggers).toBe(1);
    expect(jenkins.requests.map((request) => request.status)).toEqual([503, 0]);
  });
});

describe('JenkinsStandIn artifacts and test reports', () => {
  function fixtureText(name: string): string {
    return readFileSync(new URL(`../fixtures/jenkins/${name}`, import.meta.url), 'utf8');
  }

  it('lists archived files in the run, in path order with Jenkins display paths, and serves each', async () => {
    jenkins.defineJob('ml/build-model', async (build) => {
      build.archive('reports/unit/junit.xml', '<testsuites tests="1"/>');
      build.archive('reports/functional/junit.xml', '<testsuites tests="2"/>');
      build.archive('coverage.json', '{"line": 0.91}');
      build.archive('coverage.json', '{"line": 0.93}');
      return 'SUCCESS';
    });
    await trigger('/job/ml/job/build-model', { BUILD_KEY: 'ML-1/build/1' });
    const done = await jenkins.whenFinished('ml/build-model', 1);
    expect(done.artifacts).toEqual({
      'reports/unit/junit.xml': '<testsuites tests="1"/>',
      'reports/functional/junit.xml': '<testsuites tests="2"/>',
      'coverage.json': '{"line": 0.93}',
    });

    const run = workflowRun.parse(await getJson('/job/ml/job/build-model/1/api/json'));
    expect(run.artifacts).toEqual([
      { displayPath: 'coverage.json', fileName: 'coverage.json', relativePath: 'coverage.json' },
      { displayPath: 'functional/junit.xml', fileName: 'junit.xml', relativePath: 'reports/functional/junit.xml' },
      { displayPath: 'unit/junit.xml', fileName: 'junit.xml', relativePath: 'reports/unit/junit.xml' },
    ]);
    expect(await getJson(`/job/ml/job/build-model/1/api/json?tree=${encodeURIComponent('artifacts[relativePath]')}`)).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
      artifacts: [{ relativePath: 'coverage.json' }, { relativePath: 'reports/functional/junit.xml' }, { relativePath: 'reports/unit/junit.xml' }],
    });

    const file = await call('GET', '/job/ml/job/build-model/1/artifact/reports/unit/junit.xml');
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/xml');
    expect(await file.text()).toBe('<testsuites tests="1"/>');
    expect((await call('GET', '/job/ml/job/build-model/1/artifact/reports/none.xml')).status).toBe(404);
    expect((await call('GET', '/job/ml/job/build-model/2/artifact/coverage.json')).status).toBe(404);
  });

  it('lists no artifacts for a build that archived none', async () => {
    jenkins.defineJob('train', async () => 'SUCCESS');
    await trigger('/job/train', { BUILD_KEY: 'k' });
    await jenkins.whenFinished('train', 1);
    expect(workflowRun.parse(await getJson('/job/train/1/api/json')).artifacts).toEqual([]);
  });

  it('refuses an artifact path that would leave the archive', async () => {
    const refused: unknown[] = [];
    jenkins.defineJob('train', async (build) => {
      for (const path of ['../secrets.txt', '/abs.txt', 'a//b', '']) {
        try {
          build.archive(path, 'x');
        } catch (error) {
          refused.push(error);
        }
      }
      return 'SUCCESS';
    });
    await trigger('/job/train', { BUILD_KEY: 'k' });
    expect((await jenkins.whenFinished('train', 1)).artifacts).toEqual({});
    expect(refused).toHaveLength(4);
  });

  it('serves the published JUnit test report in the JUnit plugin shape, honouring tree; 404 when none', async () => {
    const report = JSON.parse(fixtureText('test-report.json')) as unknown;
    jenkins.defineJob('ml/build-model', async (build) => {
      if (build.parameters.BUILD_KEY === 'with-tests') build.publishTestReport(report);
      return 'UNSTABLE';
    });
    await trigger('/job/ml/job/build-model', { BUILD_KEY: 'with-tests' });
    await jenkins.whenFinished('ml/build-model', 1);
    await trigger('/job/ml/job/build-model', { BUILD_KEY: 'without' });
    await jenkins.whenFinished('ml/build-model', 2);

    const served = testReport.parse(await getJson('/job/ml/job/build-model/1/testReport/api/json'));
    expect(served).toEqual(report);
    expect(await getJson(`/job/ml/job/build-model/1/testReport/api/json?tree=${encodeURIComponent('failCount,suites[cases[name,status]]')}`)).toEqual({
      _class: 'hudson.tasks.junit.TestResult',
      failCount: 2,
      suites: [{ cases: [{ name: 'test_exists', status: 'PASSED' }] }],
    });
    expect(jenkins.build('ml/build-model', 1)?.testReport).toEqual(report);

    const none = await call('GET', '/job/ml/job/build-model/2/testReport/api/json');
    expect(none.status).toBe(404);
    expect(jenkins.build('ml/build-model', 2)?.testReport).toBeNull();
  });
});

describe('tree parameter', () => {
  it('parses nested fields and the four range forms', () => {
    const spec = parseTree('a,b[c,d[e]]{1,3},f{2},g{,2},h{1,}');
    expect(spec.get('b')?.range).toEqual([1, 3]);
    expect(spec.get('b')?.children?.get('d')?.children?.has('e')).toBe(true);
    expect(spec.get('f')?.range).toEqual([2, 3]);
    expect(spec.get('g')?.range).toEqual([0, 2]);
    expect(spec.get('h')?.range).toEqual([1, undefined]);
    expect(() => parseTree('a[b')).toThrow(/malformed/);
  });

  it('keeps the named fields and _class', () => {
    const value = { _class: 'X', a: 1, b: [{ _class: 'Y', c: 1, d: 2 }, { c: 3 }, { c: 4 }], z: true };
    expect(applyTree(value as Parameters<typeof applyTree>[0], parseTree('a,b[c]{0,2}'))).toEqual({ _class: 'X', a: 1, b: [{ _class: 'Y', c: 1 }, { c: 3 }] });
  });
});
