import { createHmac } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultBranchPushes, examplesOf, mergedPullRequestExample, pushExample, reviewExample, tagPushes } from './github-examples.ts';
import { connectionRefused, ENGINE, isolateNetwork, optimisticLockingConflict, startApp, type RunningApp } from './support.ts';

const WEBHOOK_SECRET = 'test-github-webhook-secret';
const MESSAGE = 'github:push';
const github = new Webhooks({ secret: WEBHOOK_SECRET });

interface Send {
  readonly event?: string | false;
  /** The exact body; default: the JSON of `payload`. */
  readonly body?: string;
  readonly payload?: unknown;
  readonly id?: string | false;
  /** Sign with another secret, or not at all. */
  readonly sign?: false | { readonly secret: string };
  readonly headers?: Record<string, string>;
}

let deliveries = 0;

/** POSTs a delivery the way GitHub does: JSON, signed with `X-Hub-Signature-256` by @octokit/webhooks' sign. */
async function send(app: RunningApp, options: Send = {}) {
  const body = options.body ?? JSON.stringify(options.payload ?? pushExample());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/7f8e2a1',
    'x-github-hook-id': '292430182',
  };
  if (options.event !== false) headers['x-github-event'] = options.event ?? 'push';
  if (options.id !== false) headers['x-github-delivery'] = options.id ?? `72d3162e-cc78-11e3-81ab-4c9367dc${String(++deliveries).padStart(4, '0')}`;
  if (options.sign !== false) headers['x-hub-signature-256'] = await (options.sign ? new Webhooks({ secret: options.sign.secret }) : github).sign(body);
  Object.assign(headers, options.headers);
  const response = await fetch(`${app.url}/webhooks/github`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, retryAfter: response.headers.get('retry-after') };
}

/** `POST /message` as the engine must receive it: no business key, every instance of the repository, the commit as pushedCommit. */
function expectMessage(expected: { fullName?: string; after?: string } = {}) {
  const example = pushExample();
  return nock(ENGINE).post('/message', (sent: Record<string, unknown>) => {
    return (
      JSON.stringify(sent) ===
      JSON.stringify({
        messageName: MESSAGE,
        correlationKeys: { repositoryFullName: { value: expected.fullName ?? 'Codertocat/Hello-World', type: 'String' } },
        processVariables: { pushedCommit: { value: expected.after ?? example.after, type: 'String' } },
        all: true,
        resultEnabled: true,
      })
    );
  });
}

/** What the engine answers with `resultEnabled`: one entry per execution that received the message. */
function correlated(instances: number) {
  return Array.from({ length: instances }, (_, index) => ({
    resultType: 'Execution',
    execution: { id: `exec-${index}`, processInstanceId: `pi-${index}`, ended: false, tenantId: null },
    processInstance: null,
  }));
}

async function webhookCounts(app: RunningApp) {
  const { values } = await app.metrics.webhooks.get();
  return Object.fromEntries(values.filter((v) => v.labels.source === 'github').map((v) => [String(v.labels.result), v.value]));
}

async function correlationCounts(app: RunningApp) {
  const { values } = await app.metrics.messageCorrelations.get();
  return Object.fromEntries(values.filter((v) => v.labels.message === MESSAGE).map((v) => [String(v.labels.result), v.value]));
}

function logLine(app: RunningApp, msg: string): Record<string, unknown> | undefined {
  return app.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);
}

let app: RunningApp;
let unexpected: string[];
const recordUnexpected = (req: { method?: string; url?: string }) => {
  if (String(req.url).startsWith(ENGINE)) unexpected.push(`${req.method} ${req.url}`);
};

beforeEach(async () => {
  isolateNetwork();
  unexpected = [];
  nock.emitter.on('no match', recordUnexpected);
  app = await startApp({ github: { webhookSecret: WEBHOOK_SECRET } });
});

afterEach(async () => {
  nock.emitter.removeListener('no match', recordUnexpected);
  await app.close();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
  expect(unexpected).toEqual([]);
});

describe('POST /webhooks/github: pushes to the default branch', () => {
  it('correlates github:push for each published default-branch push, by repository, with pushedCommit', async () => {
    const pushes = defaultBranchPushes();
    expect(pushes.length).toBeGreaterThan(0);
    for (const push of pushes) {
      expectMessage({ fullName: push.repository.full_name, after: push.after }).reply(200, correlated(2));

      const response = await send(app, { payload: push });

      expect(response).toEqual({
        status: 200,
        body: { result: 'correlated', repositoryFullName: push.repository.full_name, pushedCommit: push.after, instances: 2 },
        retryAfter: null,
      });
    }
    expect(await webhookCounts(app)).toEqual({ correlated: pushes.length });
    expect(await correlationCounts(app)).toEqual({ correlated: pushes.length });
    expect(logLine(app, 'github delivery handled')).toMatchObject({
      level: 'info',
      source: 'github',
      event: 'push',
      repositoryFullName: 'Codertocat/Hello-World',
      result: 'correlated',
    });
  });

  it('answers 202 not_awaited when nothing waits for a push to that repository', async () => {
    expectMessage({ fullName: 'acme-ml/churn-model' }).reply(200, []);

    const response = await send(app, { payload: pushExample({ fullName: 'acme-ml/churn-model' }) });

    expect(response).toMatchObject({ status: 202, body: { result: 'not_awaited', repositoryFullName: 'acme-ml/churn-model', instances: 0 } });
    expect(await webhookCounts(app)).toEqual({ not_awaited: 1 });
    expect(await correlationCounts(app)).toEqual({ not_awaited: 1 });
  });

  it('reads the payload field of a form-encoded delivery', async () => {
    expectMessage().reply(200, correlated(1));
    const body = new URLSearchParams({ payload: JSON.stringify(pushExample()) }).toString();

    const response = await send(app, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

    expect(response).toMatchObject({ status: 200, body: { result: 'correlated' } });
  });

  it('retries an optimistic-locking conflict and then correlates', async () => {
    expectMessage().reply(500, optimisticLockingConflict);
    expectMessage().reply(200, correlated(1));

    expect(await send(app)).toMatchObject({ status: 200, body: { result: 'correlated', instances: 1 } });
  });
});

describe('POST /webhooks/github: what moves nothing', () => {
  it('ignores each published tag push with 202, without asking the engine', async () => {
    for (const push of tagPushes()) {
      expect(await send(app, { payload: push })).toMatchObject({ status: 202, body: { result: 'ignored', event: 'push', reason: 'tag', ref: push.ref } });
    }
    expect(await webhookCounts(app)).toEqual({ ignored: tagPushes().length });
  });

  it('ignores a push to another branch with 202', async () => {
    const response = await send(app, { payload: pushExample({ ref: 'refs/heads/experiment' }) });

    expect(response).toMatchObject({
      status: 202,
      body: { result: 'ignored', event: 'push', reason: 'not_default_branch', repositoryFullName: 'Codertocat/Hello-World', ref: 'refs/heads/experiment' },
    });
    expect(await correlationCounts(app)).toEqual({});
  });

  it('answers a ping with 200 pong', async () => {
    const ping = examplesOf('ping')[0];

    expect(await send(app, { event: 'ping', payload: ping })).toMatchObject({ status: 200, body: { result: 'pong' } });
    expect(await webhookCounts(app)).toEqual({ pong: 1 });
  });

  it('ignores a pull_request that is no merge, and a review that is not submitted, with 202', async () => {
    const opened = examplesOf('pull_request').find((delivery) => delivery.action === 'opened');
    const dismissed = examplesOf('pull_request_review').find((delivery) => delivery.action === 'dismissed');
    expect(await send(app, { event: 'pull_request', payload: opened })).toMatchObject({ status: 202, body: { result: 'ignored', event: 'pull_request', reason: 'action_not_handled' } });
    expect(await send(app, { event: 'pull_request_review', payload: dismissed })).toMatchObject({
      status: 202,
      body: { result: 'ignored', event: 'pull_request_review', reason: 'action_not_handled', repositoryFullName: 'Codertocat/Hello-World' },
    });
  });
});

describe('POST /webhooks/github: reviews and merges', () => {
  it('correlates github:pr-review for a submitted review, by repository, with the review', async () => {
    const delivery = reviewExample({ state: 'approved' });
    const review = { login: 'Codertocat', state: 'APPROVED', submittedAt: '2019-05-15T15:20:38Z', prNumber: 2 };
    nock(ENGINE)
      .post('/message', {
        messageName: 'github:pr-review',
        correlationKeys: { repositoryFullName: { value: 'Codertocat/Hello-World', type: 'String' } },
        processVariables: { review: { value: JSON.stringify(review), type: 'Json' } },
        all: true,
        resultEnabled: true,
      })
      .reply(200, correlated(1));

    expect(await send(app, { event: 'pull_request_review', payload: delivery })).toEqual({
      status: 200,
      body: { result: 'correlated', event: 'pull_request_review', repositoryFullName: 'Codertocat/Hello-World', review, instances: 1 },
      retryAfter: null,
    });
  });

  it('correlates github:pr-merged for a merged pull request, with the merge', async () => {
    const mergedPr = { number: 2, mergeCommitSha: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85', mergedAt: '2019-05-15T15:20:40Z' };
    nock(ENGINE)
      .post('/message', {
        messageName: 'github:pr-merged',
        correlationKeys: { repositoryFullName: { value: 'Codertocat/Hello-World', type: 'String' } },
        processVariables: { mergedPr: { value: JSON.stringify(mergedPr), type: 'Json' } },
        all: true,
        resultEnabled: true,
      })
      .reply(200, []);

    expect(await send(app, { event: 'pull_request', payload: mergedPullRequestExample() })).toEqual({
      status: 202,
      body: { result: 'not_awaited', event: 'pull_request', repositoryFullName: 'Codertocat/Hello-World', mergedPr, instances: 0 },
      retryAfter: null,
    });
  });

  it('correlates github:pr-changed for a pull request closed without merging, and for its reopening', async () => {
    const closed = examplesOf('pull_request').find((delivery) => delivery.action === 'closed')!;
    const reopened = examplesOf('pull_request').find((delivery) => delivery.action === 'reopened')!;
    for (const [delivery, changedPr] of [
      [closed, { number: 2, action: 'closed', at: '2019-05-15T15:21:18Z' }],
      [reopened, { number: 2, action: 'reopened', at: '2019-05-15T15:20:33Z' }],
    ] as const) {
      nock(ENGINE)
        .post('/message', {
          messageName: 'github:pr-changed',
          correlationKeys: { repositoryFullName: { value: 'Codertocat/Hello-World', type: 'String' } },
          processVariables: { changedPr: { value: JSON.stringify(changedPr), type: 'Json' } },
          all: true,
          resultEnabled: true,
        })
        .reply(200, correlated(1));
      expect(await send(app, { event: 'pull_request', payload: delivery })).toEqual({
        status: 200,
        body: { result: 'correlated', event: 'pull_request', repositoryFullName: 'Codertocat/Hello-World', changedPr, instances: 1 },
        retryAfter: null,
      });
    }
  });
});

describe('POST /webhooks/github: deduplication', () => {
  it('answers a replayed delivery id as a duplicate without correlating again', async () => {
    expectMessage().reply(200, correlated(1));
    const id = '0b7f4a30-1c2d-11f0-8e2b-9a1c3f6e5d40';

    const first = await send(app, { id });
    const second = await send(app, { id });

    expect(first).toMatchObject({ status: 200, body: { result: 'correlated' } });
    expect(second).toEqual({
      status: 200,
      body: { result: 'duplicate', reason: 'delivery', deliveryId: id, first: first.body },
      retryAfter: null,
    });
    expect(await webhookCounts(app)).toEqual({ correlated: 1, duplicate: 1 });
    expect(await correlationCounts(app)).toEqual({ correlated: 1 });
  });

  it('handles a redelivery afresh when the first attempt met an unavailable engine', async () => {
    expectMessage().replyWithError(connectionRefused());
    expectMessage().reply(200, correlated(1));
    const id = '5e8a7c10-1c2e-11f0-9b6d-2f4e8a1b3c5d';

    expect(await send(app, { id })).toMatchObject({ status: 503 });
    expect(await send(app, { id })).toMatchObject({ status: 200, body: { result: 'correlated' } });
  });
});

describe('POST /webhooks/github: authentication', () => {
  it('refuses an unsigned delivery with 401 and correlates nothing', async () => {
    expect(await send(app, { sign: false })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(await webhookCounts(app)).toEqual({ unauthorized: 1 });
    expect(logLine(app, 'github delivery refused: not authenticated')).toMatchObject({ reason: 'missing_signature' });
  });

  it('refuses a delivery signed with another secret, or whose body was changed after signing', async () => {
    expect(await send(app, { sign: { secret: 'not-the-secret' } })).toMatchObject({ status: 401 });
    const signature = await github.sign(JSON.stringify(pushExample()));
    const tampered = JSON.stringify(pushExample({ fullName: 'mallory/evil' }));
    expect(await send(app, { body: tampered, sign: false, headers: { 'x-hub-signature-256': signature } })).toMatchObject({ status: 401 });
    expect(await send(app, { sign: false, headers: { 'x-hub-signature-256': 'sha256=zz' } })).toMatchObject({ status: 401 });
    expect(await webhookCounts(app)).toEqual({ unauthorized: 3 });
    expect(logLine(app, 'github delivery refused: not authenticated')).toMatchObject({ reason: 'bad_signature' });
  });

  it('refuses the legacy SHA-1 signature alone', async () => {
    const body = JSON.stringify(pushExample());
    const sha1 = `sha1=${createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex')}`;
    expect(await send(app, { body, sign: false, headers: { 'x-hub-signature': sha1 } })).toMatchObject({ status: 401 });
    expect(await send(app, { body, sign: false, headers: { 'x-hub-signature-256': sha1 } })).toMatchObject({ status: 401 });
  });

  it('refuses everything when no secret is configured', async () => {
    const open = await startApp({});
    try {
      expect(await send(open)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      expect(logLine(open, 'github delivery refused: not authenticated')).toMatchObject({ reason: 'not_configured' });
    } finally {
      await open.close();
    }
  });

  it('keeps the secret and the signature out of the logs', async () => {
    expectMessage().reply(200, correlated(1));
    const signature = await github.sign(JSON.stringify(pushExample()));

    await send(app);
    await send(app, { sign: { secret: 'not-the-secret' } });

    const logs = app.logLines.join('\n');
    expect(logs).not.toContain(WEBHOOK_SECRET);
    expect(logs).not.toContain(signature.slice('sha256='.length));
  });
});

describe('POST /webhooks/github: invalid deliveries and the engine', () => {
  it('answers 400 naming the field: body not JSON, no event header, a push without its repository', async () => {
    expect(await send(app, { body: 'not json' })).toMatchObject({ status: 400, body: { error: 'invalid_payload', field: 'body' } });
    expect(await send(app, { event: false })).toMatchObject({ status: 400, body: { error: 'invalid_payload', field: 'X-GitHub-Event' } });
    const noRepository = pushExample();
    delete noRepository.repository;
    expect(await send(app, { payload: noRepository })).toMatchObject({ status: 400, body: { error: 'invalid_payload', field: 'repository' } });
    expect(await webhookCounts(app)).toEqual({ invalid: 3 });
  });

  it('answers 503 with Retry-After when the engine is unreachable', async () => {
    expectMessage().replyWithError(connectionRefused());

    expect(await send(app)).toEqual({ status: 503, body: { error: 'engine_unavailable' }, retryAfter: '30' });
    expect(await webhookCounts(app)).toEqual({ engine_unavailable: 1 });
  });

  it('answers 503 when the engine answers 5xx', async () => {
    expectMessage().reply(500, { type: 'ProcessEngineException', message: 'database down', code: 0 });

    expect(await send(app)).toMatchObject({ status: 503 });
  });

  it('answers 413 to a body over 25 MB, counted as invalid', async () => {
    const response = await fetch(`${app.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: 'x'.repeat(25 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    expect(await webhookCounts(app)).toEqual({ invalid: 1 });
  });
});
