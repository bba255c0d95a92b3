import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { JiraClient } from '../../src/clients/jira.ts';
import { toAdf, toWiki } from '../../src/clients/jira-render.ts';
import type { Document } from '../../src/domain/document.ts';
import type { RetryOptions } from '../../src/clients/retry.ts';
import { fixture, recordedRetry, useNock } from './support.ts';

useNock();

const CLOUD = 'https://acme.atlassian.net';
const DC = 'https://jira.acme.io/jira';
const basic = `Basic ${Buffer.from('robot@acme.io:api-token').toString('base64')}`;

function cloud(retry: RetryOptions = { retries: 0 }): JiraClient {
  return new JiraClient({ api: 'cloud', baseUrl: CLOUD, auth: { email: 'robot@acme.io', apiToken: 'api-token' }, retry });
}
function datacenter(retry: RetryOptions = { retries: 0 }): JiraClient {
  return new JiraClient({ api: 'datacenter', baseUrl: DC, auth: { personalAccessToken: 'pat-123' }, retry });
}

const document: Document = {
  blocks: [
    { type: 'heading', text: '[Success] TRAIN_RESULT' },
    { type: 'paragraph', content: ['Run: ', { text: 'MLflow', href: 'https://mlflow.acme.io/r/1' }] },
  ],
};

describe('JiraClient.getIssue', () => {
  it('maps a Cloud (REST v3) issue, authenticating with e-mail and API token', async () => {
    const scope = nock(CLOUD, { reqheaders: { authorization: basic } })
      .get('/rest/api/3/issue/COMPANYSA-35')
      .reply(200, fixture('jira/cloud/issue.json'));

    const issue = await cloud().getIssue('COMPANYSA-35');

    expect(scope.isDone()).toBe(true);
    expect(issue).toMatchObject({
      key: 'COMPANYSA-35',
      id: '21487',
      summary: 'Testing summary XSOAR mirroring',
      status: 'In Progress',
      issueType: 'Story',
      projectKey: 'COMPANYSA',
      reporter: { accountId: 'dummy_account_id', displayName: 'Example User', emailAddress: 'admin@demistodev.com' },
      assignee: { accountId: 'dummy_account_id', displayName: 'Example User' },
      components: ['Almost-Done', 'dummy-comp', 'Integration', 'New-Component'],
      labels: ['Demisto', 'XSOAR', 'dummy-label', 'dummy-label2', 'xsoar-mirror'],
    });
    expect(issue.fields['customfield_10028']).toBe(1);
    expect(issue.fields['duedate']).toBe('2024-12-30');
    // Raw fields stay as Jira sent them, nested parts included.
    expect(issue.fields['status']).toEqual(fixture<{ fields: Record<string, unknown> }>('jira/cloud/issue.json').fields['status']);
  });

  it('says so when the answer is not an issue (wrong API flavour or URL)', async () => {
    nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35').reply(200, { id: '21487', key: 'COMPANYSA-35', fields: { summary: 'x' } });

    const error = (await cloud().getIssue('COMPANYSA-35').catch((e: unknown) => e)) as ClientError;

    expect(error.message).toMatch(/^Jira: reading issue COMPANYSA-35 failed: Jira answered with an unexpected shape \(.*status.*\) — check that jira\.api \(cloud\)/);
    expect(error.retryable).toBe(false);
  });

  it('maps a Data Center (REST v2) issue, authenticating with a personal access token', async () => {
    const scope = nock(DC, { reqheaders: { authorization: 'Bearer pat-123' } })
      .get('/rest/api/2/issue/JUZT-36')
      .reply(200, fixture('jira/datacenter/issue.json'));

    const issue = await datacenter().getIssue('JUZT-36');

    expect(scope.isDone()).toBe(true);
    expect(issue).toMatchObject({
      key: 'JUZT-36',
      summary: 'test',
      status: 'Open',
      issueType: 'Defect',
      projectKey: 'JUZT',
      reporter: { name: 'sdt1', displayName: 'Sagar Dixit' },
      assignee: null,
      components: [],
      labels: [],
    });
    expect(issue.reporter).not.toHaveProperty('accountId');
  });

  it('turns a 404 into an error an operator can act on, without retrying it', async () => {
    const { retry, waits } = recordedRetry();
    nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-99').reply(404, fixture('jira/cloud/error-issue-not-found.json'));

    const error = await cloud(retry).getIssue('COMPANYSA-99').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).message).toBe(
      'Jira: reading issue COMPANYSA-99 failed: 404 Not Found: Issue does not exist or you do not have permission to see it. — ' +
        'check that issue COMPANYSA-99 exists and that the Jira account of the service can browse its project',
    );
    expect((error as ClientError).retryable).toBe(false);
    expect(waits).toEqual([]);
  });

  it('retries a 429, waiting what Retry-After asks', async () => {
    const { retry, waits } = recordedRetry();
    nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35')
      .reply(429, '', { 'Retry-After': '2' })
      .get('/rest/api/3/issue/COMPANYSA-35')
      .reply(200, fixture('jira/cloud/issue.json'));

    const issue = await cloud(retry).getIssue('COMPANYSA-35');

    expect(issue.key).toBe('COMPANYSA-35');
    expect(waits).toEqual([2_000]);
  });

  it('retries 5xx answers with back-off until one succeeds', async () => {
    const { retry, waits } = recordedRetry();
    nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35')
      .reply(500, { errorMessages: ['Internal server error'], errors: {} })
      .get('/rest/api/3/issue/COMPANYSA-35')
      .reply(503, '')
      .get('/rest/api/3/issue/COMPANYSA-35')
      .reply(200, fixture('jira/cloud/issue.json'));

    await expect(cloud(retry).getIssue('COMPANYSA-35')).resolves.toMatchObject({ status: 'In Progress' });
    expect(waits).toEqual([1, 2]);
  });

  it('reports a 5xx as retryable once the retries are spent', async () => {
    nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35').reply(503, '');
    const error = (await cloud({ retries: 0 }).getIssue('COMPANYSA-35').catch((e: unknown) => e)) as ClientError;
    expect(error.message).toMatch(/^Jira: reading issue COMPANYSA-35 failed: 503 Service Unavailable — Jira failed on its side/);
    expect(error.retryable).toBe(true);
  });
});

describe('JiraClient.getStatus', () => {
  it('reads only the status field', async () => {
    nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35').query({ fields: 'status' }).reply(200, fixture('jira/cloud/issue-status.json'));
    await expect(cloud().getStatus('COMPANYSA-35')).resolves.toBe('In Progress');
  });
});

describe('JiraClient.addComment', () => {
  const commentsQuery = { startAt: '0', maxResults: '50', orderBy: '-created', expand: 'properties' };

  it('posts an ADF comment on Cloud carrying its idempotency key as a comment property', async () => {
    let posted: unknown;
    const scope = nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35/comment')
      .query(commentsQuery)
      .reply(200, fixture('jira/cloud/comments.json'))
      .post('/rest/api/3/issue/COMPANYSA-35/comment', (body: unknown) => {
        posted = body;
        return true;
      })
      .reply(201, fixture('jira/cloud/comment-created.json'));

    const result = await cloud().addComment('COMPANYSA-35', { idempotencyKey: 'COMPANYSA-35:train:1', document });

    expect(scope.isDone()).toBe(true);
    expect(result).toEqual({ id: '10000', created: true });
    expect(posted).toEqual({
      body: toAdf(document),
      properties: [{ key: 'model-lifecycle.idempotency', value: { key: 'COMPANYSA-35:train:1' } }],
    });
  });

  it('finds the earlier comment on a rerun and posts nothing', async () => {
    nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35/comment').query(commentsQuery).reply(200, fixture('jira/cloud/comments-with-key.json'));

    const result = await cloud().addComment('COMPANYSA-35', { idempotencyKey: 'COMPANYSA-35:train:1', document });

    expect(result).toEqual({ id: '10001', created: false });
  });

  it('reads the comments again instead of posting twice when a post fails without a clear answer', async () => {
    const { retry, waits } = recordedRetry();
    const scope = nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35/comment')
      .query(commentsQuery)
      .reply(200, fixture('jira/cloud/comments.json'))
      .post('/rest/api/3/issue/COMPANYSA-35/comment')
      .reply(504, '')
      .get('/rest/api/3/issue/COMPANYSA-35/comment')
      .query(commentsQuery)
      .reply(200, fixture('jira/cloud/comments-with-key.json'));

    const result = await cloud(retry).addComment('COMPANYSA-35', { idempotencyKey: 'COMPANYSA-35:train:1', document });

    expect(result).toEqual({ id: '10001', created: false });
    expect(scope.isDone()).toBe(true);
    expect(waits).toEqual([1]);
  });

  it('posts again after a rate-limited post, waiting what Retry-After asks', async () => {
    const { retry, waits } = recordedRetry();
    nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35/comment')
      .query(commentsQuery)
      .times(2)
      .reply(200, fixture('jira/cloud/comments.json'))
      .post('/rest/api/3/issue/COMPANYSA-35/comment')
      .reply(429, '', { 'Retry-After': '3' })
      .post('/rest/api/3/issue/COMPANYSA-35/comment')
      .reply(201, fixture('jira/cloud/comment-created.json'));

    await expect(cloud(retry).addComment('COMPANYSA-35', { idempotencyKey: 'COMPANYSA-35:train:1', document })).resolves.toEqual({ id: '10000', created: true });
    expect(waits).toEqual([3_000]);
  });

  it('pages through the comments until it finds the key', async () => {
    const first = { ...fixture('jira/cloud/comments.json'), total: 2 };
    const keyed = fixture<{ comments: unknown[] }>('jira/cloud/comments-with-key.json').comments[0];
    nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35/comment')
      .query(commentsQuery)
      .reply(200, first)
      .get('/rest/api/3/issue/COMPANYSA-35/comment')
      .query({ ...commentsQuery, startAt: '1' })
      .reply(200, { comments: [keyed], maxResults: 1, startAt: 1, total: 2 });

    await expect(cloud().addComment('COMPANYSA-35', { idempotencyKey: 'COMPANYSA-35:train:1', document })).resolves.toEqual({
      id: '10001',
      created: false,
    });
  });

  it('reads properties through comment/list when Cloud leaves them off the comment page', async () => {
    nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35/comment')
      .query(commentsQuery)
      .reply(200, fixture('jira/cloud/comments-without-properties.json'))
      .post('/rest/api/3/comment/list', { ids: [10000] })
      .query({ expand: 'properties' })
      .reply(200, fixture('jira/cloud/comment-list.json'));

    await expect(cloud().addComment('COMPANYSA-35', { idempotencyKey: 'COMPANYSA-35:train:1', document })).resolves.toEqual({
      id: '10000',
      created: false,
    });
  });

  it('posts wiki markup on Data Center (REST v2)', async () => {
    let posted: unknown;
    nock(DC)
      .get('/rest/api/2/issue/JUZT-36/comment')
      .query(commentsQuery)
      .reply(200, fixture('jira/datacenter/comments.json'))
      .post('/rest/api/2/issue/JUZT-36/comment', (body: unknown) => {
        posted = body;
        return true;
      })
      .reply(201, fixture('jira/datacenter/comment-created.json'));

    await expect(datacenter().addComment('JUZT-36', { idempotencyKey: 'JUZT-36:train:1', document })).resolves.toEqual({
      id: '10000',
      created: true,
    });
    expect(posted).toEqual({ body: toWiki(document), properties: [{ key: 'model-lifecycle.idempotency', value: { key: 'JUZT-36:train:1' } }] });
  });

  it('finds the earlier comment on Data Center too', async () => {
    nock(DC).get('/rest/api/2/issue/JUZT-36/comment').query(commentsQuery).reply(200, fixture('jira/datacenter/comments-with-key.json'));
    await expect(datacenter().addComment('JUZT-36', { idempotencyKey: 'JUZT-36:train:1', document })).resolves.toEqual({
      id: '10001',
      created: false,
    });
  });
});

describe('JiraClient.transitionTo', () => {
  it('performs the transition whose target status matches, ignoring case', async () => {
    const scope = nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35')
      .query({ fields: 'status' })
      .reply(200, fixture('jira/cloud/issue-status.json'))
      .get('/rest/api/3/issue/COMPANYSA-35/transitions')
      .reply(200, fixture('jira/cloud/transitions.json'))
      .post('/rest/api/3/issue/COMPANYSA-35/transitions', { transition: { id: '711' } })
      .reply(204);

    await expect(cloud().transitionTo('COMPANYSA-35', 'closed')).resolves.toEqual({ from: 'In Progress', to: 'Closed', changed: true });
    expect(scope.isDone()).toBe(true);
  });

  it('does nothing when the issue is already in that status', async () => {
    nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35').query({ fields: 'status' }).reply(200, fixture('jira/cloud/issue-status.json'));
    await expect(cloud().transitionTo('COMPANYSA-35', 'in progress')).resolves.toEqual({
      from: 'In Progress',
      to: 'In Progress',
      changed: false,
    });
  });

  it('leaves an issue alone that is in one of the statuses it must not be moved away from', async () => {
    const scope = nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35').query({ fields: 'status' }).reply(200, fixture('jira/cloud/issue-status.json'));

    await expect(cloud().transitionTo('COMPANYSA-35', 'Research', { leaveIn: ['Done', 'in progress'] })).resolves.toEqual({
      from: 'In Progress',
      to: 'In Progress',
      changed: false,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('names the current status and the reachable ones when no transition leads to the target', async () => {
    nock(DC)
      .get('/rest/api/2/issue/JUZT-36')
      .query({ fields: 'status' })
      .reply(200, { fields: fixture<{ fields: { status: unknown } }>('jira/datacenter/issue.json').fields })
      .get('/rest/api/2/issue/JUZT-36/transitions')
      .reply(200, fixture('jira/datacenter/transitions.json'));

    const error = (await datacenter().transitionTo('JUZT-36', 'Ready for training').catch((e: unknown) => e)) as ClientError;

    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe(
      'Jira: moving issue JUZT-36 to "Ready for training" failed: no transition from "Open" leads there; ' +
        'statuses reachable now: In Progress, Closed — check the status names in the policy file against the project workflow, ' +
        'and that the service account may transition the issue',
    );
    expect(error.retryable).toBe(false);
  });
});

describe('JiraClient.upsertRemoteLink', () => {
  it('posts the link keyed by its globalId', async () => {
    const scope = nock(CLOUD)
      .post('/rest/api/3/issue/COMPANYSA-35/remotelink', {
        globalId: 'github:acme-ml/churn-model',
        application: { type: 'model-lifecycle', name: 'Model lifecycle' },
        object: {
          url: 'https://github.com/acme-ml/churn-model',
          title: 'acme-ml/churn-model',
          summary: 'Model repository',
          icon: { url16x16: 'https://github.com/favicon.ico', title: 'acme-ml/churn-model' },
        },
      })
      .reply(201, fixture('jira/cloud/remotelink-created.json'));

    await cloud().upsertRemoteLink('COMPANYSA-35', {
      globalId: 'github:acme-ml/churn-model',
      url: 'https://github.com/acme-ml/churn-model',
      title: 'acme-ml/churn-model',
      summary: 'Model repository',
      iconUrl: 'https://github.com/favicon.ico',
    });

    expect(scope.isDone()).toBe(true);
  });
});

/**
 * The answer lost after the server acted: a proxy's 504 once the backend had written. (nock
 * 15's replyWithError never settles a fetch, so a dropped socket cannot be played here.)
 */
const loseAnswer = (interceptor: nock.Interceptor) => interceptor.reply(504, '');

describe('Jira writes whose answer is lost', () => {
  it('transition: reads the status instead of resending, and finishes when the issue has the target', async () => {
    const { retry, waits } = recordedRetry();
    const transitions: unknown[] = [];
    const scope = nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35')
      .query({ fields: 'status' })
      .reply(200, fixture('jira/cloud/issue-status.json'))
      .get('/rest/api/3/issue/COMPANYSA-35/transitions')
      .reply(200, fixture('jira/cloud/transitions.json'));
    loseAnswer(scope.post('/rest/api/3/issue/COMPANYSA-35/transitions', (body) => transitions.push(body) > 0));
    scope
      .get('/rest/api/3/issue/COMPANYSA-35')
      .query({ fields: 'status' })
      .reply(200, { fields: { status: { name: 'Closed' } } });

    await expect(cloud(retry).transitionTo('COMPANYSA-35', 'Closed')).resolves.toEqual({ from: 'In Progress', to: 'Closed', changed: true });
    expect(transitions).toEqual([{ transition: { id: '711' } }]);
    expect(waits).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it('transition: sends it again when the lost attempt left no trace', async () => {
    const { retry } = recordedRetry();
    const status = () => nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35').query({ fields: 'status' }).reply(200, fixture('jira/cloud/issue-status.json'));
    const available = () => nock(CLOUD).get('/rest/api/3/issue/COMPANYSA-35/transitions').reply(200, fixture('jira/cloud/transitions.json'));
    status();
    available();
    nock(CLOUD).post('/rest/api/3/issue/COMPANYSA-35/transitions').reply(503);
    status();
    available();
    nock(CLOUD).post('/rest/api/3/issue/COMPANYSA-35/transitions', { transition: { id: '711' } }).reply(204);

    await expect(cloud(retry).transitionTo('COMPANYSA-35', 'Closed')).resolves.toEqual({ from: 'In Progress', to: 'Closed', changed: true });
  });

  it("transition: a 400 from an issue that got there meanwhile is success, not a transition-screen failure", async () => {
    nock(CLOUD)
      .get('/rest/api/3/issue/COMPANYSA-35')
      .query({ fields: 'status' })
      .reply(200, fixture('jira/cloud/issue-status.json'))
      .get('/rest/api/3/issue/COMPANYSA-35/transitions')
      .reply(200, fixture('jira/cloud/transitions.json'))
      .post('/rest/api/3/issue/COMPANYSA-35/transitions')
      .reply(400, { errorMessages: ["Transition id '711' is not valid for this issue."], errors: {} })
      .get('/rest/api/3/issue/COMPANYSA-35')
      .query({ fields: 'status' })
      .reply(200, { fields: { status: { name: 'Closed' } } });

    await expect(cloud().transitionTo('COMPANYSA-35', 'Closed')).resolves.toMatchObject({ to: 'Closed' });
  });

  it('remote link: the retry upserts the same globalId, so the issue keeps one link', async () => {
    const { retry } = recordedRetry();
    const links = new Map<string, unknown>();
    const upsert = (body: { globalId: string }) => {
      links.set(body.globalId, body);
      return true;
    };
    const scope = nock(CLOUD);
    loseAnswer(scope.post('/rest/api/3/issue/COMPANYSA-35/remotelink', upsert));
    scope.post('/rest/api/3/issue/COMPANYSA-35/remotelink', upsert).reply(200, fixture('jira/cloud/remotelink-created.json'));

    await cloud(retry).upsertRemoteLink('COMPANYSA-35', { globalId: 'github:acme-ml/churn-model', url: 'https://github.com/acme-ml/churn-model', title: 'acme-ml/churn-model' });

    expect([...links.keys()]).toEqual(['github:acme-ml/churn-model']);
    expect(scope.isDone()).toBe(true);
  });
});

describe('JiraClient.setUserFields', () => {
  it('PUTs the user-picker fields by account id on Cloud', async () => {
    const scope = nock(CLOUD, { reqheaders: { authorization: basic } })
      .put('/rest/api/3/issue/MLM-7', { fields: { customfield_10200: [{ accountId: 'a-carol' }, { accountId: 'a-dave' }], customfield_10201: [{ accountId: 'a-bob' }] } })
      .reply(204);

    await cloud().setUserFields('MLM-7', { customfield_10200: [{ accountId: 'a-carol' }, { accountId: 'a-dave' }], customfield_10201: [{ accountId: 'a-bob' }] });
    expect(scope.isDone()).toBe(true);
  });

  it('PUTs them by user name on Data Center (REST v2), and sends nothing for no fields', async () => {
    nock(DC, { reqheaders: { authorization: 'Bearer pat-123' } })
      .put('/rest/api/2/issue/MLM-7', { fields: { customfield_10200: [{ name: 'carol' }] } })
      .reply(204);

    await datacenter().setUserFields('MLM-7', { customfield_10200: [{ name: 'carol' }] });
    await datacenter().setUserFields('MLM-7', {});
  });

  it('sends the same PUT again when its answer is lost: setting a value twice is harmless', async () => {
    const { retry, waits } = recordedRetry();
    nock(CLOUD).put('/rest/api/3/issue/MLM-7').reply(504, 'Gateway Timeout').put('/rest/api/3/issue/MLM-7').reply(204);

    await cloud(retry).setUserFields('MLM-7', { customfield_10200: [{ accountId: 'a-carol' }] });
    expect(waits).toHaveLength(1);
  });

  it('names the field Jira cannot set and says to put it on the edit screen', async () => {
    nock(CLOUD)
      .put('/rest/api/3/issue/MLM-7')
      .reply(400, { errorMessages: [], errors: { customfield_10200: "Field 'customfield_10200' cannot be set. It is not on the appropriate screen, or unknown." } });

    const error = (await cloud({ retries: 2 }).setUserFields('MLM-7', { customfield_10200: [{ accountId: 'a-carol' }] }).catch((e: unknown) => e)) as ClientError;

    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe(
      "Jira: setting customfield_10200 on issue MLM-7 failed: 400 Bad Request: customfield_10200: Field 'customfield_10200' cannot be set. It is not on the appropriate screen, or unknown. — add customfield_10200 to the edit screen of the project's issue type in Jira (Project settings → Screens), or fix its id under [jira.fields] in the policy",
    );
    expect(error.retryable).toBe(false);
  });

  it('says which field refused the users it was given', async () => {
    nock(CLOUD).put('/rest/api/3/issue/MLM-7').reply(400, { errorMessages: [], errors: { customfield_10201: "The user with account id 'a-gone' does not exist." } });

    const error = (await cloud().setUserFields('MLM-7', { customfield_10200: [], customfield_10201: [{ accountId: 'a-gone' }] }).catch((e: unknown) => e)) as ClientError;

    expect(error.message).toContain('setting customfield_10200, customfield_10201 on issue MLM-7 failed');
    expect(error.message).toContain('— customfield_10201 refused the users given: check that each is an active Jira user');
  });

  it('refuses, before calling, a user named the way the other deployment names users', async () => {
    const error = (await cloud().setUserFields('MLM-7', { customfield_10200: [{ name: 'carol' }] }).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toBe(
      'Jira: setting customfield_10200 on issue MLM-7 failed: customfield_10200 names a user without an accountId, which Jira Cloud needs — Jira Cloud identifies users by account id: look them up with findUsersByEmail',
    );
    await expect(datacenter().setUserFields('MLM-7', { customfield_10200: [{ accountId: 'a-carol' }] })).rejects.toThrow(/without a name, which Jira Data Center needs/);
  });
});

describe('JiraClient.findUsersByEmail', () => {
  // Atlassian's example answer of GET /rest/api/3/user/search, trimmed (avatars left out).
  const mia = { self: 'https://your-domain.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g', key: '', accountId: '5b10a2844c20165700ede21g', accountType: 'atlassian', name: '', displayName: 'Mia Krystof', active: true };

  it('asks Cloud with query= and keeps a user whose address Jira hides', async () => {
    nock(CLOUD).get('/rest/api/3/user/search').query({ query: 'mia@acme.io', maxResults: '10' }).reply(200, [mia, { ...mia, accountId: 'inactive', active: false }]);

    await expect(cloud().findUsersByEmail('mia@acme.io')).resolves.toEqual([{ accountId: '5b10a2844c20165700ede21g', name: '', displayName: 'Mia Krystof' }]);
  });

  it('keeps only the exact address when Jira shows addresses, and answers [] for nobody', async () => {
    nock(CLOUD)
      .get('/rest/api/3/user/search')
      .query(true)
      .reply(200, [
        { ...mia, emailAddress: 'mia@acme.io.other' },
        { ...mia, accountId: 'a-mia', emailAddress: 'Mia@acme.io' },
      ])
      .get('/rest/api/3/user/search')
      .query(true)
      .reply(200, []);

    await expect(cloud().findUsersByEmail('mia@acme.io')).resolves.toEqual([{ accountId: 'a-mia', name: '', displayName: 'Mia Krystof', emailAddress: 'Mia@acme.io' }]);
    await expect(cloud().findUsersByEmail('nobody@acme.io')).resolves.toEqual([]);
  });

  it('asks Data Center with username=', async () => {
    nock(DC)
      .get('/rest/api/2/user/search')
      .query({ username: 'carol@acme.io', maxResults: '10' })
      .reply(200, [{ self: `${DC}/rest/api/2/user?username=carol`, key: 'JIRAUSER10100', name: 'carol', emailAddress: 'carol@acme.io', displayName: 'Carol Danvers', active: true }]);

    await expect(datacenter().findUsersByEmail('carol@acme.io')).resolves.toEqual([{ name: 'carol', displayName: 'Carol Danvers', emailAddress: 'carol@acme.io' }]);
  });
});
