import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { cleanConsoleLine, JenkinsClient, type JenkinsClientOptions } from '../../src/clients/jenkins.ts';
import type { RetryOptions } from '../../src/clients/retry.ts';
import { JenkinsStandIn, type JenkinsStandInOptions, type JobRunner } from '../../standins/jenkins.ts';

// The client against the Jenkins stand-in on loopback: real HTTP, Jenkins' shapes, state kept.

const USER = 'model-lifecycle';
const TOKEN = 'api-token-1';
const JOB = 'ml/train-model';

let jenkins: JenkinsStandIn;
let base: string;
let waits: number[];

async function start(options: Partial<JenkinsStandInOptions> = {}): Promise<void> {
  await jenkins?.stop();
  jenkins = new JenkinsStandIn({ user: USER, apiToken: TOKEN, queueDelayMs: 0, ...options });
  base = await jenkins.start();
}

/** Retries on, with the waits recorded instead of slept. */
function client(options: Partial<JenkinsClientOptions> = {}, retry: RetryOptions = {}): JenkinsClient {
  return new JenkinsClient({
    baseUrl: `${base}/`,
    user: USER,
    apiToken: TOKEN,
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 4, sleep: async (ms: number) => void waits.push(ms), ...retry },
    jobSettings: { [JOB]: 'training.job' },
    ...options,
  });
}

/** A job whose builds wait until released (or aborted). */
function gatedJob(): { run: JobRunner; release: () => void } {
  const gates: Array<() => void> = [];
  let open = false;
  return {
    run: async (build) => {
      await build.stage('Train', async () => {
        if (open) return;
        await new Promise<void>((resolve, reject) => {
          gates.push(resolve);
          build.signal.addEventListener('abort', () => reject(new Error('interrupted')));
        });
      });
      return 'SUCCESS';
    },
    release: () => {
      open = true;
      gates.splice(0).forEach((resolve) => resolve());
    },
  };
}

const params = (key: string) => ({ BUILD_KEY: key, MODEL_NAME: 'churn', JIRA_KEY: 'ML-7' });
const key = (value: string) => ({ name: 'BUILD_KEY', value });

async function failure(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

beforeEach(async () => {
  waits = [];
  await start();
});
afterEach(() => jenkins.stop());

describe('job paths', () => {
  it('maps folders to /job/a/job/b, encoding each name', async () => {
    const jenkinsClient = client();
    expect(jenkinsClient.buildUrl('ml/team a/train', 3)).toBe(`${base}/job/ml/job/team%20a/job/train/3/`);
    expect(jenkinsClient.consoleUrl(JOB, 3)).toBe(`${base}/job/ml/job/train-model/3/console`);
    expect(jenkinsClient.jobUrl(JOB)).toBe(`${base}/job/ml/job/train-model/`);
    expect(() => jenkinsClient.buildUrl('ml//train', 1)).toThrow(TypeError);

    jenkins.defineJob('ml/team a/train', async () => 'SUCCESS');
    const { lookup } = await jenkinsClient.triggerOnce('ml/team a/train', params('k1'), 'BUILD_KEY');
    expect(lookup.kind === 'queued' || lookup.kind === 'build').toBe(true);
    expect(jenkins.requests.map((request) => request.path)).toContain('/job/ml/job/team%20a/job/train/buildWithParameters');
    await jenkins.whenFinished('ml/team a/train', 1);
    expect((await jenkinsClient.build('ml/team a/train', 1)).parameters).toEqual(params('k1'));
  });

  it('works under a context path, where the queue names the job by its full URL', async () => {
    await start({ contextPath: '/jenkins' });
    jenkins.holdQueue();
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    const jenkinsClient = client();
    await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    expect(await jenkinsClient.lookup(JOB, key('k1'))).toMatchObject({ kind: 'queued', queueItemUrl: `${base}/queue/item/1/` });
  });
});

describe('triggerOnce', () => {
  it('queues the build, which then becomes build #1 with its details', async () => {
    jenkins.holdQueue();
    const job = gatedJob();
    jenkins.defineJob(JOB, job.run);
    const jenkinsClient = client();

    const before = Date.now();
    const { lookup, created } = await jenkinsClient.triggerOnce(JOB, params('ML-7/train/1'), 'BUILD_KEY');
    expect(created).toBe(true);
    expect(lookup).toEqual({ kind: 'queued', queueItemUrl: `${base}/queue/item/1/`, queuedSince: expect.any(String) });
    expect(Date.parse(lookup.kind === 'queued' ? lookup.queuedSince : '')).toBeGreaterThanOrEqual(before - 5);

    jenkins.releaseQueue();
    await jenkins.whenStarted(JOB, 1);
    const running = await jenkinsClient.lookup(JOB, key('ML-7/train/1'));
    expect(running).toMatchObject({ kind: 'build', build: { jobPath: JOB, number: 1, building: true, result: null, durationMs: 0, parameters: params('ML-7/train/1') } });

    job.release();
    await jenkins.whenFinished(JOB, 1);
    const build = await jenkinsClient.build(JOB, 1);
    expect(build).toMatchObject({ number: 1, url: `${base}/job/ml/job/train-model/1/`, building: false, result: 'SUCCESS' });
    expect(build.durationMs).toBeGreaterThan(0);
    expect(build.queueWaitMs).toBeGreaterThanOrEqual(0);
    expect(build.startedAt).toBe(new Date(jenkins.build(JOB, 1)?.timestamp ?? 0).toISOString());
  });

  it('twice with the same key: one build', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    const jenkinsClient = client();
    const first = await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    const second = await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.lookup.kind === 'queued' || second.lookup.kind === 'build').toBe(true);
    await jenkins.whenFinished(JOB, 1);
    expect(await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY')).toMatchObject({ created: false, lookup: { kind: 'build', build: { number: 1 } } });
    expect(jenkins.triggers).toBe(1);
    expect(jenkins.builds(JOB)).toHaveLength(1);
  });

  it('whose answer is lost: looks again, finds the queued build and starts no second one', async () => {
    jenkins.holdQueue();
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    jenkins.onNextRequest({ method: 'POST', path: /\/buildWithParameters$/ }, 'drop-answer');

    const { lookup, created } = await client().triggerOnce(JOB, params('k1'), 'BUILD_KEY');

    expect(created).toBe(false);
    expect(lookup).toMatchObject({ kind: 'queued', queueItemUrl: `${base}/queue/item/1/` });
    expect(jenkins.triggers).toBe(1);
    expect(waits).toEqual([1]);
    expect(jenkins.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it('refused with 503 and Retry-After: waits as asked, looks, then triggers', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    jenkins.onNextRequest({ method: 'POST', path: /\/buildWithParameters$/ }, { status: 503, headers: { 'Retry-After': '2' } });
    const { created } = await client().triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    expect(created).toBe(true);
    expect(waits).toEqual([2000]);
    expect(jenkins.triggers).toBe(1);
  });

  it('reports a job that does not declare the key parameter, without retrying', async () => {
    jenkins.holdQueue();
    jenkins.defineJob(JOB, async () => 'SUCCESS', { parameters: { MODEL_NAME: '' } });
    const error = await failure(client().triggerOnce(JOB, params('k1'), 'BUILD_KEY'));
    expect(error.message).toBe(
      'Jenkins: triggering job ml/train-model failed: the job does not declare the parameter BUILD_KEY, so Jenkins dropped it and the build cannot be found again (queue item 1) — declare BUILD_KEY among the job\'s parameters (a Pipeline\'s parameters are known to Jenkins after its first run), then cancel queue item 1 and retry',
    );
    expect(error.retryable).toBe(false);
    expect(jenkins.triggers).toBe(1);
  });

  it('rejects parameters without the key', async () => {
    await expect(client().triggerOnce(JOB, { MODEL_NAME: 'churn' }, 'BUILD_KEY')).rejects.toThrow(TypeError);
  });
});

describe('CSRF crumb', () => {
  it('is fetched before the first POST, sent with its session cookie, and reused', async () => {
    await start({ requireCrumb: true });
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    const jenkinsClient = client();
    await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    await jenkinsClient.triggerOnce(JOB, params('k2'), 'BUILD_KEY');
    expect(jenkins.triggers).toBe(2);
    expect(jenkins.requests.filter((request) => request.path === '/crumbIssuer/api/json')).toHaveLength(1);
  });

  it('is fetched again once when Jenkins says it is not valid', async () => {
    await start({ requireCrumb: true });
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    const jenkinsClient = client();
    await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    jenkins.expireCrumbs();
    const { created } = await jenkinsClient.triggerOnce(JOB, params('k2'), 'BUILD_KEY');
    expect(created).toBe(true);
    expect(jenkins.requests.filter((request) => request.path === '/crumbIssuer/api/json')).toHaveLength(2);
    expect(jenkins.requests.filter((request) => request.status === 403)).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('is left out when Jenkins has no crumb issuer', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    jenkins.onNextRequest({ method: 'GET', path: /\/crumbIssuer\// }, { status: 404 });
    expect((await client().triggerOnce(JOB, params('k1'), 'BUILD_KEY')).created).toBe(true);
  });
});

describe('lookup', () => {
  it('finds a queued build, a running or finished one, or nothing', async () => {
    jenkins.holdQueue();
    const job = gatedJob();
    jenkins.defineJob(JOB, job.run);
    jenkins.defineJob('ml/other', async () => 'SUCCESS');
    const jenkinsClient = client();
    await jenkinsClient.triggerOnce('ml/other', params('k1'), 'BUILD_KEY');
    expect(await jenkinsClient.lookup(JOB, key('k1'))).toEqual({ kind: 'missing' });

    await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    await jenkinsClient.triggerOnce(JOB, params('k2'), 'BUILD_KEY');
    expect(await jenkinsClient.lookup(JOB, key('k2'))).toMatchObject({ kind: 'queued', queueItemUrl: `${base}/queue/item/3/` });

    jenkins.releaseQueue();
    await jenkins.whenStarted(JOB, 2);
    expect(await jenkinsClient.lookup(JOB, key('k2'))).toMatchObject({ kind: 'build', build: { number: 2, building: true } });
    job.release();
    await jenkins.whenFinished(JOB, 2);
    expect(await jenkinsClient.lookup(JOB, key('k2'))).toMatchObject({ kind: 'build', build: { number: 2, result: 'SUCCESS' } });
    expect(await jenkinsClient.lookup(JOB, key('k3'))).toEqual({ kind: 'missing' });
  });

  it('tells a cancelled queue item from its URL, and follows a started one to its build', async () => {
    jenkins.holdQueue();
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    const jenkinsClient = client();
    const cancelled = await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    const started = await jenkinsClient.triggerOnce(JOB, params('k2'), 'BUILD_KEY');
    const cancelledUrl = cancelled.lookup.kind === 'queued' ? cancelled.lookup.queueItemUrl : '';
    const startedUrl = started.lookup.kind === 'queued' ? started.lookup.queueItemUrl : '';

    expect(await jenkinsClient.cancelQueueItem(cancelledUrl)).toBe(true);
    expect(await jenkinsClient.lookup(JOB, key('k1'), { queueItemUrl: cancelledUrl })).toEqual({ kind: 'cancelled', queueItemUrl: cancelledUrl, why: null });
    expect(await jenkinsClient.lookup(JOB, key('k1'))).toEqual({ kind: 'missing' });

    jenkins.releaseQueue();
    await jenkins.whenFinished(JOB, 1);
    expect(await jenkinsClient.lookup(JOB, key('k2'), { queueItemUrl: startedUrl })).toMatchObject({ kind: 'build', build: { number: 1, result: 'SUCCESS' } });
    expect(await jenkinsClient.cancelQueueItem(startedUrl)).toBe(false);
    // An item of another key is not taken for this one.
    expect(await jenkinsClient.lookup(JOB, key('k3'), { queueItemUrl: startedUrl })).toEqual({ kind: 'missing' });
  });

  it('retries a 503 with Retry-After', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    jenkins.onNextRequest({ method: 'GET', path: /^\/queue\/api\/json$/ }, { status: 503, headers: { 'Retry-After': '1' } });
    expect(await client().lookup(JOB, key('k1'))).toEqual({ kind: 'missing' });
    expect(waits).toEqual([1000]);
  });
});

describe('stages, console and abort', () => {
  it('reads the stages of a Pipeline build; null for a freestyle job', async () => {
    jenkins.defineJob(JOB, async (build) => {
      await build.stage('Checkout', async () => undefined);
      await build.stage('Train', async () => {
        throw new Error('script returned exit code 1');
      });
      return 'SUCCESS';
    });
    jenkins.defineJob('legacy', async () => 'SUCCESS', { kind: 'freestyle' });
    const jenkinsClient = client();
    await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    await jenkinsClient.triggerOnce('legacy', params('k1'), 'BUILD_KEY');
    await jenkins.whenFinished(JOB, 1);
    await jenkins.whenFinished('legacy', 1);

    const stages = await jenkinsClient.stages(JOB, 1);
    expect(stages?.map(({ name, status }) => ({ name, status }))).toEqual([
      { name: 'Checkout', status: 'SUCCESS' },
      { name: 'Train', status: 'FAILED' },
    ]);
    expect(stages?.every((stage) => stage.durationMs >= 0)).toBe(true);
    expect(await jenkinsClient.stages('legacy', 1)).toBeNull();
    expect((await jenkinsClient.build(JOB, 1)).result).toBe('FAILURE');
  });

  it('tails the console without colours, console notes or carriage-return rewrites', async () => {
    jenkins.defineJob(JOB, async (build) => {
      for (let line = 1; line <= 500; line += 1) build.log(`line ${line}`);
      build.log('\u001b[8mha:////4LmAAAAWx+LCAAAAAAAAP9b85aBtbiIQTGjNKU4P08vOT+vOD8nVc83PyU1x6OyILUoJzMv2y+/JJUBAhiZGBgqihhk0NSjKDWzXb3RdlLBUSYGJk8GttSc1LzSEh8G5tKinBIGIZ+sxLJE/ZzEvHT94JKizLx0a6BxUmjGOUNodHsLgAzOEgZu/dLi1CL9xJTczDwAj6GcLcAAAAA=\u001b[0m\u001b[32m[Pipeline] sh\u001b[0m');
      build.log('epoch 1/3 10%\repoch 1/3 100%');
      build.log('\u001b[1;31mERROR\u001b[0m: recall 0.71 < 0.9');
      return 'UNSTABLE';
    });
    const jenkinsClient = client();
    await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    await jenkins.whenFinished(JOB, 1);

    expect(await jenkinsClient.consoleTail(JOB, 1, 5)).toEqual(['[Pipeline] sh', 'epoch 1/3 100%', 'ERROR: recall 0.71 < 0.9', '[Pipeline] End of Pipeline', 'Finished: UNSTABLE']);
    expect(await jenkinsClient.consoleTail(JOB, 1, 0)).toEqual([]);
    expect(await jenkinsClient.consoleTail(JOB, 1, 1_000)).toHaveLength(jenkins.build(JOB, 1)?.console.length ?? -1);
  });

  it('cleans a console line', () => {
    expect(cleanConsoleLine('\u001b[8mha:AAA=\u001b[0mStarted by user \u001b[8mha:BBB=\u001b[0madmin')).toBe('Started by user admin');
    expect(cleanConsoleLine('\u001b]8;;https://x\u0007link\u001b]8;;\u0007 done\r\n')).toBe('link done');
  });

  it('aborts a running build; aborting a finished one is no error', async () => {
    const job = gatedJob();
    jenkins.defineJob(JOB, job.run);
    const jenkinsClient = client();
    await jenkinsClient.triggerOnce(JOB, params('k1'), 'BUILD_KEY');
    await jenkins.whenStarted(JOB, 1);

    await jenkinsClient.abort(JOB, 1);
    await jenkins.whenFinished(JOB, 1);
    expect((await jenkinsClient.build(JOB, 1)).result).toBe('ABORTED');
    expect((await jenkinsClient.stages(JOB, 1))?.[0]?.status).toBe('ABORTED');

    await expect(jenkinsClient.abort(JOB, 1)).resolves.toBeUndefined();
    expect(jenkins.build(JOB, 1)?.result).toBe('ABORTED');
  });
});

describe('artifacts and test reports', () => {
  const report = JSON.parse(readFileSync(new URL('../fixtures/jenkins/test-report.json', import.meta.url), 'utf8')) as unknown;

  /** A build of JOB that archives `files` (and publishes `testReport` when given); answers its number once it finished. */
  async function buildArchiving(files: Record<string, string>, testReport?: unknown): Promise<number> {
    jenkins.defineJob(JOB, async (build) => {
      for (const [path, content] of Object.entries(files)) build.archive(path, content);
      if (testReport !== undefined) build.publishTestReport(testReport);
      return 'SUCCESS';
    });
    await client().triggerOnce(JOB, params(`k${jenkins.triggers + 1}`), 'BUILD_KEY');
    // One job, one build per trigger: the build's number is the trigger's.
    const number = jenkins.triggers;
    await jenkins.whenFinished(JOB, number);
    return number;
  }

  it('lists the artifacts and reads one as text; null for a path the build did not archive', async () => {
    const number = await buildArchiving({ 'reports/unit/junit.xml': '<testsuites tests="3"/>', 'metrics café.json': '{"recall": 0.93}' });
    const jenkinsClient = client();

    expect(await jenkinsClient.artifacts(JOB, number)).toEqual([
      { relativePath: 'metrics café.json', fileName: 'metrics café.json' },
      { relativePath: 'reports/unit/junit.xml', fileName: 'junit.xml' },
    ]);
    expect(await jenkinsClient.artifact(JOB, number, 'reports/unit/junit.xml')).toBe('<testsuites tests="3"/>');
    expect(await jenkinsClient.artifact(JOB, number, 'metrics café.json')).toBe('{"recall": 0.93}');
    expect(await jenkinsClient.artifact(JOB, number, 'reports/none.xml')).toBeNull();
    expect(jenkins.requests.map((request) => request.path)).toContain(`/job/ml/job/train-model/${number}/artifact/metrics%20caf%C3%A9.json`);
  });

  it('lists no artifacts for a build that archived none; a missing build is an error naming it', async () => {
    const number = await buildArchiving({});
    expect(await client().artifacts(JOB, number)).toEqual([]);
    const error = await failure(client().artifacts(JOB, 99));
    expect(error.message).toMatch(/^Jenkins: reading the artifacts of build #99 of job ml\/train-model failed: 404 Not Found — build #99 of ml\/train-model does not exist/);
  });

  it('refuses an artifact over the size limit with a clear error, not retried', async () => {
    const number = await buildArchiving({ 'big.log': 'x'.repeat(2_000), 'small.log': 'ok' });
    const jenkinsClient = client({ maxArtifactBytes: 1_000 });

    const error = await failure(jenkinsClient.artifact(JOB, number, 'big.log'));
    expect(error.message).toBe(
      `Jenkins: reading artifact big.log of build #${number} of job ml/train-model failed: the artifact is 2000 bytes, over the 1000-byte limit of what the service reads — archive a smaller file (a summary) for the service, or raise maxArtifactBytes`,
    );
    expect(error.retryable).toBe(false);
    expect(waits).toEqual([]);
    expect(await jenkinsClient.artifact(JOB, number, 'small.log')).toBe('ok');
  });

  it('stops reading an artifact that passes the limit without declaring its length', async () => {
    const number = await buildArchiving({ 'big.log': 'x'.repeat(2_000) });
    jenkins.onNextRequest({ method: 'GET', path: /\/artifact\/big\.log$/ }, { status: 200, body: 'y'.repeat(3_000), headers: { 'Transfer-Encoding': 'chunked' } });

    const error = await failure(client({ maxArtifactBytes: 1_000 }).artifact(JOB, number, 'big.log'));
    expect(error.message).toContain('the artifact is larger, over the 1000-byte limit');
  });

  it('refuses an artifact path that would leave the archive, before any request', async () => {
    const jenkinsClient = client();
    for (const path of ['../config.xml', '/etc/passwd', 'a//b', '']) {
      await expect(jenkinsClient.artifact(JOB, 1, path)).rejects.toThrow(TypeError);
      expect(() => jenkinsClient.artifactUrl(JOB, 1, path)).toThrow(TypeError);
    }
    expect(jenkins.requests).toEqual([]);
  });

  it('builds the artifact link', () => {
    expect(client().artifactUrl(JOB, 7, 'reports/unit tests/junit.xml')).toBe(`${base}/job/ml/job/train-model/7/artifact/reports/unit%20tests/junit.xml`);
  });

  it('reads the published JUnit test report as Jenkins sends it; null when the build published none', async () => {
    const withTests = await buildArchiving({}, report);
    expect(await client().testReport(JOB, withTests)).toEqual(report);

    const without = await buildArchiving({});
    expect(await client().testReport(JOB, without)).toBeNull();
  });

  it('retries a 503 on the test report, then reads it', async () => {
    const number = await buildArchiving({}, report);
    jenkins.onNextRequest({ method: 'GET', path: /\/testReport\/api\/json$/ }, { status: 503, headers: { 'Retry-After': '1' } });

    expect(await client().testReport(JOB, number)).toEqual(report);
    expect(waits).toHaveLength(1);
  });
});

describe('errors an operator can act on', () => {
  it('404: names the policy key of the job', async () => {
    const error = await failure(client({ jobSettings: { [JOB]: 'jenkins.train_job' } }).triggerOnce(JOB, params('k1'), 'BUILD_KEY'));
    expect(error.message).toBe(
      'Jenkins: triggering job ml/train-model failed: 404 Not Found — check jenkins.train_job in the policy file (folders as a/b) and that the user can see the job',
    );
    expect(error.retryable).toBe(false);
  });

  it('404 of a build: says it is gone', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    const error = await failure(client().build(JOB, 9));
    expect(error.message).toBe(
      "Jenkins: reading build #9 of job ml/train-model failed: 404 Not Found — build #9 of ml/train-model does not exist (deleted, or discarded by the job's build retention); check training.job in the policy file (folders as a/b) and that the user can see the job",
    );
  });

  it('401: the credentials', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    const error = await failure(client({ apiToken: 'wrong' }).lookup(JOB, key('k1')));
    expect(error.message).toBe(
      'Jenkins: reading the Jenkins queue for BUILD_KEY=k1 failed: 401 Unauthorized — check JENKINS_USER (model-lifecycle) and JENKINS_API_TOKEN: an API token of that user (Jenkins → the user → Configure → API Token), not its password',
    );
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
  });

  it('403: the permission Jenkins names', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    jenkins.onNextRequest(
      { method: 'POST', path: /\/buildWithParameters$/ },
      { status: 403, headers: { 'X-You-Are-Authenticated-As': USER, 'X-Required-Permission': 'hudson.model.Item.Build' }, body: '<html>Access Denied</html>' },
    );
    const error = await failure(client().triggerOnce(JOB, params('k1'), 'BUILD_KEY'));
    expect(error.message).toBe(
      'Jenkins: triggering job ml/train-model failed: 403 Forbidden: model-lifecycle is missing the Job/Build permission — the Jenkins user model-lifecycle needs the Job/Build permission on ml/train-model (and Job/Read to see it)',
    );
    expect(jenkins.triggers).toBe(0);
  });

  it('5xx that persists: retried, then reported as retryable', async () => {
    jenkins.defineJob(JOB, async () => 'SUCCESS');
    for (let attempt = 0; attempt < 3; attempt += 1) jenkins.onNextRequest({ method: 'GET', path: /\/1\/api\/json$/ }, { status: 502 });
    const error = await failure(client().build(JOB, 1));
    expect(error.message).toBe('Jenkins: reading build #1 of job ml/train-model failed: 502 Bad Gateway — Jenkins failed on its side; the engine retries the task');
    expect(error.retryable).toBe(true);
    expect(waits).toEqual([1, 2]);
  });

  it('no answer: reported as retryable', async () => {
    await jenkins.stop();
    const error = await failure(client({}, { retries: 0 }).build(JOB, 1));
    expect(error.status).toBe(0);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^Jenkins: reading build #1 of job ml\/train-model failed: fetch failed .* — check that Jenkins is reachable from the worker$/);
  });
});
