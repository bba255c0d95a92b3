import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandboxRouter, type SandboxRouter } from '../../sandbox/page.ts';
import { renderRegions } from '../../sandbox/render.ts';
import type { SandboxView } from '../../sandbox/view.ts';
import { FAKE_PEOPLE, FakeSandbox } from './fake-sandbox.ts';

let fake: FakeSandbox;
let router: SandboxRouter;
let server: Server;
let base: string;
let viewCalls: number;
let viewFails: Error | null;

beforeEach(async () => {
  fake = new FakeSandbox();
  viewCalls = 0;
  viewFails = null;
  const view = async (): Promise<SandboxView> => {
    viewCalls += 1;
    if (viewFails) throw viewFails;
    return fake.view();
  };
  router = createSandboxRouter({ view, actions: fake, log: pino({ level: 'silent' }), pollIntervalMs: 20 });
  const app = express();
  app.use('/sandbox', router);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox`;
});

afterEach(async () => {
  router.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, body: unknown, contentType = 'application/json'): Promise<Response> =>
  fetch(`${base}/api/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('GET /sandbox/', () => {
  it('serves the page, saying it is the sandbox, with a strict content security policy', async () => {
    const response = await fetch(`${base}/`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).toContain('stand-ins running on this machine');
    expect(html).toContain('href="/sandbox/assets/page.css"');
    expect(html).toContain('Churn predictor for subscriptions');
    expect(html).toContain('<option value="fraud">fraud</option>');
  });

  it('escapes what the stand-ins hold', async () => {
    await fake.createTicket({ summary: '<img src=x onerror=alert(1)>', team: 'fraud' });

    const html = await (await fetch(`${base}/`)).text();

    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('serves its stylesheet and script', async () => {
    const css = await fetch(`${base}/assets/page.css`);
    const js = await fetch(`${base}/assets/page.js`);

    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('EventSource');
  });

  it('answers 503 naming the problem when the stand-ins cannot be read', async () => {
    viewFails = new Error('jira stand-in is down');

    const response = await fetch(`${base}/`);

    expect(response.status).toBe(503);
    expect(await response.text()).toContain('jira stand-in is down');
  });
});

describe('GET /sandbox/api/state and /api/fragments', () => {
  it('answers the view as JSON', async () => {
    const state = (await (await fetch(`${base}/api/state`)).json()) as SandboxView;

    expect(state.tickets.map((t) => t.key)).toEqual(['MLM-1']);
    expect(state.toggles.trainingMissesMetric).toBe(true);
  });

  it('answers the HTML of each live region', async () => {
    const regions = (await (await fetch(`${base}/api/fragments`)).json()) as Record<string, string>;

    expect(Object.keys(regions).sort()).toEqual(['board', 'builds', 'deployments', 'links', 'modal', 'player', 'repos', 'slack', 'toggles']);
    expect(regions.board).toContain('MLM-1');
    expect(regions.builds).toContain('recall = 0.84 (min 0.9)');
    // The review pull request, with a button per requested reviewer and one to merge.
    expect(regions.repos).toContain('main → release');
    expect(regions.repos).toContain('data-action="review-pull-request" data-repo="acme/churn-predictor" data-number="1" data-login="alice" data-verdict="APPROVED">Approve as alice</button>');
    expect(regions.repos).toContain('Request changes as carol');
    expect(regions.repos).toContain('data-action="merge-pull-request" data-repo="acme/churn-predictor" data-number="1">Merge #1</button>');
    expect(regions.repos).toContain('data-action="close-pull-request" data-repo="acme/churn-predictor" data-number="1">Close #1</button>');
    expect(regions.repos).not.toContain('Reopen #1');
    // Who plays in Slack: the directory's people, the maintainer chosen.
    expect(regions.player).toContain('<option value="U0FAKEMAINT" selected>alice: maintainer of team pricing</option>');
    expect(regions.player).toContain('<option value="U0FAKEDEV01">ada: the developer</option>');
    // The deployments, each slot with its version and address.
    expect(regions.deployments).toMatch(/slot-canary">canary<\/span> <strong>churn-predictor<\/strong> <span class="version">v2<\/span>/);
    expect(regions.deployments).toContain('http://127.0.0.1:41001/healthz');
    expect(regions.modal).toBe('');
  });

  it('shows a closed pull request with Reopen, and a deployment a switch broke with its fault', async () => {
    await post('close-pull-request', { repo: 'acme/churn-predictor', number: 1 });
    const view = await fake.view();
    const regions = renderRegions({ ...view, deployments: [{ service: 'churn-predictor', slot: 'staging', version: '3', url: 'http://127.0.0.1:41003', errorRatio: 0.3, wrongAnswer: true }] });

    expect(regions.repos).toContain('data-action="reopen-pull-request" data-repo="acme/churn-predictor" data-number="1">Reopen #1</button>');
    expect(regions.repos).not.toContain('Merge #1');
    expect(regions.repos).not.toContain('Approve as alice');
    expect(regions.deployments).toContain('<span class="fault">30 % errors</span> <span class="fault">answers wrong</span>');
  });
});

describe('Slack as the person the page plays', () => {
  const canaryTs = async () => (await fake.view()).slack[1]?.messages.find((m) => m.text.startsWith('Service deployed in canary mode'))?.ts ?? '';
  const click = async (actionId: string) => post('click-button', { channelId: 'C-PRICING', ts: await canaryTs(), actionId });

  it('shows an early Approve’s ephemeral answer to the clicker only, marked as Slack marks it', async () => {
    expect((await click('canary:approve')).status).toBe(200);

    const regions = (await (await fetch(`${base}/api/fragments`)).json()) as Record<string, string>;
    expect(regions.slack).toMatch(/<li class="message message-ephemeral">.*Only visible to you.*Approve becomes available in 1 m 40 s, after stabilisation\./s);

    // Someone else plays: they do not see it; as the developer, their own refusal.
    expect((await post('play-as', { slackId: FAKE_PEOPLE.developer.slackId })).status).toBe(200);
    const asDeveloper = (await (await fetch(`${base}/api/fragments`)).json()) as Record<string, string>;
    expect(asDeveloper.slack).not.toContain('Approve becomes available in 1 m 40 s');
    expect(asDeveloper.player).toContain('<option value="U0FAKEDEV01" selected>');
    expect((await click('canary:approve')).status).toBe(200);
    const refused = (await (await fetch(`${base}/api/fragments`)).json()) as Record<string, string>;
    expect(refused.slack).toContain('You developed this model: self-approval is off.');
    expect(fake.recorded.filter((r) => r.action === 'clickButton').map((r) => (r as { as: string }).as)).toEqual([FAKE_PEOPLE.maintainer.slackId, FAKE_PEOPLE.developer.slackId]);
  });

  it('draws the Reject form for the clicker and submits the typed reason by block and action id', async () => {
    expect((await click('canary:reject')).status).toBe(200);
    const modal = (await fake.view()).modal;
    expect(modal).not.toBeNull();

    const regions = (await (await fetch(`${base}/api/fragments`)).json()) as Record<string, string>;
    expect(regions.modal).toContain(`data-action="submit-modal" data-view-id="${modal?.id}"`);
    expect(regions.modal).toContain('<h2 id="modal-title-');
    expect(regions.modal).toContain('Reject the canary');
    expect(regions.modal).toMatch(/<label for="modal-[^"]+-reason-reason">Why\?<\/label><textarea id="modal-[^"]+-reason-reason" name="reason\/reason" required maxlength="3000"/);
    expect(regions.modal).toContain('<button type="submit" class="button button-primary">Reject and roll back</button>');
    expect(regions.modal).toContain(`data-action="close-modal" data-view-id="${modal?.id}">Cancel</button>`);

    // Blank: the service's answer (response_action: errors) comes back as a refusal, the form stays.
    const blank = await post('submit-modal', { viewId: modal?.id, values: { reason: { reason: ' ' } } });
    expect(blank.status).toBe(422);
    expect(((await blank.json()) as { message: string }).message).toMatch(/Say why/);
    const sent = await post('submit-modal', { viewId: modal?.id, values: { reason: { reason: 'p99 doubled' } } });
    expect(sent.status).toBe(200);
    expect(fake.recorded.at(-1)).toEqual({ action: 'submitModal', viewId: modal?.id, values: { reason: { reason: 'p99 doubled' } } });
    expect((await fake.view()).modal).toBeNull();
  });

  it('closes a form without sending it, and refuses bodies that do not fit', async () => {
    await click('canary:reject');
    const id = (await fake.view()).modal?.id ?? '';
    expect((await post('close-modal', { viewId: id })).status).toBe(200);
    expect((await fake.view()).modal).toBeNull();

    expect((await post('play-as', { slackId: 'alice' })).status).toBe(400);
    expect((await post('play-as', { slackId: 'U0NOBODY01' })).status).toBe(422);
    expect((await post('submit-modal', { viewId: id, values: { reason: 'flat' } })).status).toBe(400);
  });
});

describe('POST /sandbox/api/…', () => {
  it('creates a ticket and answers its key', async () => {
    const response = await post('create-ticket', { summary: 'Fraud scoring', team: 'fraud' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ key: 'MLM-2' });
    expect(fake.recorded).toEqual([{ action: 'createTicket', summary: 'Fraud scoring', team: 'fraud' }]);
  });

  it('takes every other action', async () => {
    for (const [path, body] of [
      ['move-status', { key: 'MLM-1', status: 'Ready for training' }],
      ['push-commit', { repo: 'acme/churn-predictor', message: 'Retrain' }],
      ['set-toggle', { name: 'buildFailsTests', on: true }],
      ['review-pull-request', { repo: 'acme/churn-predictor', number: 1, login: 'carol', verdict: 'CHANGES_REQUESTED' }],
      ['merge-pull-request', { repo: 'acme/churn-predictor', number: 1 }],
      ['play-as', { slackId: FAKE_PEOPLE.outsider.slackId }],
    ] as const) {
      const response = await post(path, body);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    }
    const ts = (await fake.view()).slack[1]?.messages[0]?.ts ?? '';
    expect((await post('click-button', { channelId: 'C-PRICING', ts, actionId: 'approve' })).status).toBe(200);

    expect(fake.recorded.map((r) => r.action)).toEqual(['moveStatus', 'pushCommit', 'setToggle', 'reviewPullRequest', 'mergePullRequest', 'playAs', 'clickButton']);
    expect(fake.recorded.at(-1)).toMatchObject({ action: 'clickButton', as: FAKE_PEOPLE.outsider.slackId });
    // Neither closed nor reopened once merged.
    expect((await post('close-pull-request', { repo: 'acme/churn-predictor', number: 1 })).status).toBe(409);
    expect((await post('reopen-pull-request', { repo: 'acme/churn-predictor', number: 1 })).status).toBe(409);
    // A merged pull request takes no more reviews: the stand-in's refusal comes back with its status.
    const again = await post('merge-pull-request', { repo: 'acme/churn-predictor', number: 1 });
    expect(again.status).toBe(409);
    expect((await post('review-pull-request', { repo: 'acme/churn-predictor', number: 1, login: 'carol', verdict: 'MAYBE' })).status).toBe(400);
  });

  it('answers 400 naming the field that does not fit', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['create-ticket', { summary: 'x' }, 'team'],
      ['create-ticket', { summary: '   ', team: 'fraud' }, 'summary'],
      ['move-status', { key: 'MLM-1', status: 7 }, 'status'],
      ['push-commit', { repo: 'no-owner', message: 'x' }, 'repo'],
      ['set-toggle', { name: 'everythingBreaks', on: true }, 'name'],
      ['set-toggle', { name: 'buildFailsTests', on: 'yes' }, 'on'],
      ['click-button', [], 'body'],
    ];
    for (const [path, body, field] of cases) {
      const response = await post(path, body);
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      const answer = (await response.json()) as { error: string; field: string; message: string };
      expect(answer).toMatchObject({ error: 'invalid_request', field });
      expect(answer.message).toMatch(new RegExp(`^${field}: `));
    }
    expect(fake.recorded).toEqual([]);
  });

  it('answers 400 to a body that is not JSON, or not sent as JSON', async () => {
    const broken = await post('create-ticket', '{"summary":', 'application/json');
    const form = await post('create-ticket', 'summary=x&team=fraud', 'application/x-www-form-urlencoded');

    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ field: 'body' });
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ field: 'body' });
  });

  it('answers the stand-in’s refusal with its status and reason', async () => {
    const response = await post('move-status', { key: 'MLM-99', status: 'Done' });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'refused', message: 'no ticket MLM-99' });
  });

  it('answers 500 when the action fails otherwise', async () => {
    fake.setToggle = async () => {
      throw new Error('the stand-in crashed');
    };

    const response = await post('set-toggle', { name: 'canaryErrorRate', on: true });

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'failed', message: 'the stand-in crashed' });
  });
});

describe('GET /sandbox/api/events', () => {
  /** Reads server-sent events from a stream, one `{ event, data }` at a time. */
  function events(body: ReadableStream<Uint8Array>): { next: (timeoutMs?: number) => Promise<{ event: string; data: string } | null>; cancel: () => Promise<void> } {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let pending: ReturnType<typeof reader.read> | null = null;
    return {
      async next(timeoutMs = 2000) {
        for (;;) {
          const end = buffer.indexOf('\n\n');
          if (end !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (event && data !== undefined) return { event, data };
            continue;
          }
          pending ??= reader.read();
          const result = await Promise.race([pending, new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs))]);
          if (result === null) return null;
          pending = null;
          if (result.done) return null;
          buffer += result.value;
        }
      },
      cancel: () => reader.cancel(),
    };
  }

  it('sends the view at once, then only when it changed, and stops polling when the client leaves', async () => {
    const response = await fetch(`${base}/api/events`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = events(response.body!);

    const first = await stream.next();
    expect(first?.event).toBe('view');
    expect((JSON.parse(first!.data) as SandboxView).tickets).toHaveLength(1);

    // generatedAt changes with every read; nothing else did, so nothing is sent.
    expect(await stream.next(200)).toBeNull();

    await fake.createTicket({ summary: 'Fraud scoring', team: 'fraud' });
    const second = await stream.next();
    expect((JSON.parse(second!.data) as SandboxView).tickets.map((t) => t.key)).toEqual(['MLM-1', 'MLM-2']);

    await stream.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const calls = viewCalls;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(viewCalls).toBe(calls);
  });

  it('tells the page once when the stand-ins cannot be read', async () => {
    const stream = events((await fetch(`${base}/api/events`)).body!);
    await stream.next();

    viewFails = new Error('slack stand-in is down');

    expect(await stream.next()).toEqual({ event: 'unavailable', data: JSON.stringify({ message: 'slack stand-in is down' }) });
    expect(await stream.next(200)).toBeNull();
    await stream.cancel();
  });

  it('ends every stream on close, and refuses new ones', async () => {
    const stream = events((await fetch(`${base}/api/events`)).body!);
    await stream.next();

    router.close();

    expect(await stream.next()).toBeNull();
    expect((await fetch(`${base}/api/events`)).status).toBe(503);
  });
});
