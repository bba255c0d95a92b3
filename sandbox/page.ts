import { readFileSync } from 'node:fs';
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { renderPage, renderRegions } from './render.ts';
import { SandboxActionError, TOGGLE_NAMES, type SandboxActions, type SandboxView } from './view.ts';

/** What the sandbox page needs. */
export interface SandboxPageOptions {
  /** Reads everything the page shows; called for each page, state request and stream poll. */
  readonly view: () => Promise<SandboxView>;
  /** What the page's buttons do. */
  readonly actions: SandboxActions;
  readonly log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** How often `GET /api/events` re-reads the view while a client listens. Default 500 ms. */
  readonly pollIntervalMs?: number;
  /** How often an idle stream sends a comment so proxies keep it open. Default 15 s. */
  readonly heartbeatMs?: number;
}

/** The router, and a way to end its event streams (at shutdown, so the server can close). */
export type SandboxRouter = Router & {
  /** Ends every open event stream and stops polling; later stream requests get 503. */
  close(): void;
};

/** The JSON bodies of the action routes: each is the matching {@link SandboxActions} method's arguments. */
export const actionBodies = {
  'create-ticket': z.object({
    summary: z.string().trim().min(1, 'the summary is empty').max(255).describe('The ticket summary, as typed in Jira.'),
    team: z.string().trim().min(1, 'choose a team').describe('One of the view’s teams.'),
  }),
  'move-status': z.object({
    key: z.string().min(1).max(64).describe('The issue key, e.g. MLM-1.'),
    status: z.string().min(1).max(100).describe('One of the view’s statuses.'),
  }),
  'push-commit': z.object({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name').describe('The repository, owner/name.'),
    message: z.string().trim().min(1, 'the commit message is empty').max(1000).describe('The commit message.'),
  }),
  'set-toggle': z.object({
    name: z.enum(TOGGLE_NAMES).describe('The scenario switch.'),
    on: z.boolean().describe('Whether it is on.'),
  }),
  'review-pull-request': z.object({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name').describe('The repository, owner/name.'),
    number: z.number().int().positive().describe('The pull request number.'),
    login: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'expected a GitHub login').describe('Who reviews.'),
    verdict: z.enum(['APPROVED', 'CHANGES_REQUESTED']).describe('Approve, or request changes.'),
  }),
  'merge-pull-request': z.object({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name').describe('The repository, owner/name.'),
    number: z.number().int().positive().describe('The pull request number.'),
  }),
  'close-pull-request': z.object({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name').describe('The repository, owner/name.'),
    number: z.number().int().positive().describe('The pull request number.'),
  }),
  'reopen-pull-request': z.object({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name').describe('The repository, owner/name.'),
    number: z.number().int().positive().describe('The pull request number.'),
  }),
  'play-as': z.object({
    slackId: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U0SBALICE1').describe('One of the view’s people, by Slack user id.'),
  }),
  'submit-modal': z.object({
    viewId: z.string().min(1).max(64).describe('The open modal’s view id.'),
    values: z
      .record(z.string().max(255), z.record(z.string().max(255), z.string().max(3_000, 'at most 3 000 characters')))
      .describe('The typed texts, by block_id then action_id, as Slack puts them in view.state.values.'),
  }),
  'close-modal': z.object({
    viewId: z.string().min(1).max(64).describe('The open modal’s view id.'),
  }),
  'click-button': z.object({
    channelId: z.string().min(1).max(64).describe('The channel the message is in.'),
    ts: z.string().min(1).max(64).describe('The message ts.'),
    actionId: z.string().max(255).describe('The button’s action_id.'),
  }),
} as const;

type ActionName = keyof typeof actionBodies;

const asset = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');

/**
 * The sandbox page, to mount at `/sandbox` on the service's app:
 *
 * - `GET /` the page, server-rendered (`/assets/page.css`, `/assets/page.js` beside it; a
 *   content security policy allows nothing else);
 * - `GET /api/state` the {@link SandboxView} as JSON; `GET /api/fragments` the HTML of each
 *   live part of the page (what the page's script swaps in);
 * - `GET /api/events` server-sent events: an `event: view` with the view's JSON at once, then
 *   again whenever it changes, `generatedAt` aside (polled every `pollIntervalMs` while anyone listens);
 * - `POST /api/create-ticket` `{ summary, team }` → `{ key }`, `POST /api/move-status`
 *   `{ key, status }`, `POST /api/push-commit` `{ repo, message }`, `POST /api/set-toggle`
 *   `{ name, on }`, `POST /api/review-pull-request` `{ repo, number, login, verdict }`,
 *   `POST /api/merge-pull-request` `{ repo, number }`, `POST /api/close-pull-request` and
 *   `POST /api/reopen-pull-request` `{ repo, number }`, `POST /api/click-button`
 *   `{ channelId, ts, actionId }`, `POST /api/play-as` `{ slackId }`, `POST /api/submit-modal`
 *   `{ viewId, values }`, `POST /api/close-modal` `{ viewId }` → `{ ok: true }`.
 *   A body that does not fit gets 400 `{ error: 'invalid_request', field, message }`; one the
 *   stand-in refuses gets the {@link SandboxActionError}'s status with `{ error: 'refused', message }`;
 *   any other failure 500 `{ error: 'failed', message }`.
 *
 * Action bodies must be `application/json`, which a page on another origin cannot send here
 * without a CORS preflight that this router never grants.
 */
export function createSandboxRouter(options: SandboxPageOptions): SandboxRouter {
  const { view, actions, log } = options;
  const css = asset('./page.css');
  const script = asset('./page.js');
  const events = new EventHub(view, log, options.pollIntervalMs ?? 500, options.heartbeatMs ?? 15_000);
  const router = express.Router();

  router.use((_req, res, next) => {
    res.set({
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    next();
  });

  router.get('/', async (req, res) => {
    try {
      res.type('html').send(renderPage(await view(), req.baseUrl));
    } catch (error) {
      log.error({ err: error }, 'the sandbox view could not be read');
      res.status(503).type('text').send(`The sandbox could not read its stand-ins: ${message(error)}`);
    }
  });
  router.get('/assets/page.css', (_req, res) => void res.type('css').send(css));
  router.get('/assets/page.js', (_req, res) => void res.type('text/javascript').send(script));

  router.get('/api/state', async (_req, res) => {
    try {
      res.json(await view());
    } catch (error) {
      log.error({ err: error }, 'the sandbox view could not be read');
      res.status(503).json({ error: 'unavailable', message: message(error) });
    }
  });
  router.get('/api/fragments', async (_req, res) => {
    try {
      res.json(renderRegions(await view()));
    } catch (error) {
      log.error({ err: error }, 'the sandbox view could not be read');
      res.status(503).json({ error: 'unavailable', message: message(error) });
    }
  });
  router.get('/api/events', (req, res) => events.add(req, res));

  const json = express.json({ limit: '16kb' });
  const act = <N extends ActionName>(name: N, run: (body: z.infer<(typeof actionBodies)[N]>) => Promise<object>): void => {
    router.post(`/api/${name}`, json, async (req: Request, res: Response) => {
      const parsed = actionBodies[name].safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
        res.status(400).json({ error: 'invalid_request', field, message: `${field}: ${issue?.message ?? 'invalid'}` });
        return;
      }
      try {
        const result = await run(parsed.data as z.infer<(typeof actionBodies)[N]>);
        log.info({ action: name, body: parsed.data }, 'sandbox action taken');
        res.json(result);
      } catch (error) {
        if (error instanceof SandboxActionError) {
          log.info({ action: name, reason: error.message }, 'sandbox action refused');
          res.status(error.status).json({ error: 'refused', message: error.message });
          return;
        }
        log.error({ err: error, action: name }, 'sandbox action failed');
        res.status(500).json({ error: 'failed', message: message(error) });
      }
    });
  };
  act('create-ticket', async (body) => actions.createTicket(body));
  act('move-status', async (body) => (await actions.moveStatus(body.key, body.status), { ok: true }));
  act('push-commit', async (body) => (await actions.pushCommit(body.repo, body.message), { ok: true }));
  act('set-toggle', async (body) => (await actions.setToggle(body.name, body.on), { ok: true }));
  act('review-pull-request', async (body) => (await actions.reviewPullRequest(body.repo, body.number, body.login, body.verdict), { ok: true }));
  act('merge-pull-request', async (body) => (await actions.mergePullRequest(body.repo, body.number), { ok: true }));
  act('close-pull-request', async (body) => (await actions.closePullRequest(body.repo, body.number), { ok: true }));
  act('reopen-pull-request', async (body) => (await actions.reopenPullRequest(body.repo, body.number), { ok: true }));
  act('click-button', async (body) => (await actions.clickButton(body.channelId, body.ts, body.actionId), { ok: true }));
  act('play-as', async (body) => (await actions.playAs(body.slackId), { ok: true }));
  act('submit-modal', async (body) => (await actions.submitModal(body.viewId, body.values), { ok: true }));
  act('close-modal', async (body) => (await actions.closeModal(body.viewId), { ok: true }));

  const bodyErrors: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, next) => {
    if (error.type === 'entity.parse.failed') res.status(400).json({ error: 'invalid_request', field: 'body', message: 'body: not valid JSON' });
    else if (error.type === 'entity.too.large') res.status(413).json({ error: 'too_large', field: 'body', message: 'body: larger than 16 kB' });
    else next(error);
  };
  router.use(bodyErrors);

  return Object.assign(router, { close: () => events.close() });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The open event streams and the one poll they share: while anyone listens, the view is read
 * every interval (never two reads at once) and sent to everyone when its JSON changed.
 */
class EventHub {
  /** Each open stream and the view JSON it was last sent. */
  private readonly clients = new Map<Response, string>();
  private readonly view: () => Promise<SandboxView>;
  private readonly log: SandboxPageOptions['log'];
  private readonly intervalMs: number;
  private readonly heartbeatMs: number;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reading = false;
  private lastProblem = '';
  private closed = false;

  constructor(view: () => Promise<SandboxView>, log: SandboxPageOptions['log'], intervalMs: number, heartbeatMs: number) {
    this.view = view;
    this.log = log;
    this.intervalMs = intervalMs;
    this.heartbeatMs = heartbeatMs;
  }

  add(req: Request, res: Response): void {
    if (this.closed) {
      res.status(503).json({ error: 'closed', message: 'the sandbox is shutting down' });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.clients.set(res, '');
    req.on('close', () => this.remove(res));
    // A new listener gets the current view at once; the shared poll sends it only what changed since.
    void this.read().then((read) => {
      if (read !== null) this.send(res, read);
    });
    this.start();
  }

  close(): void {
    this.closed = true;
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
    this.stop();
  }

  private remove(res: Response): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.heartbeat = setInterval(() => {
      for (const res of this.clients.keys()) res.write(': keep-alive\n\n');
    }, this.heartbeatMs);
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }

  private async poll(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const read = await this.read();
      if (read !== null) for (const res of this.clients.keys()) this.send(res, read);
    } finally {
      this.reading = false;
    }
  }

  /** The view's JSON (and without `generatedAt`, to compare), or null when it could not be read (logged, and told to the page once until a read succeeds). */
  private async read(): Promise<{ data: string; content: string } | null> {
    try {
      const view = await this.view();
      this.lastProblem = '';
      return { data: JSON.stringify(view), content: JSON.stringify({ ...view, generatedAt: '' }) };
    } catch (error) {
      const text = message(error);
      if (text !== this.lastProblem) {
        this.lastProblem = text;
        this.log.warn({ err: error }, 'the sandbox view could not be read');
        for (const res of this.clients.keys()) res.write(frame('unavailable', JSON.stringify({ message: text })));
      }
      return null;
    }
  }

  /** Sends the view unless this client saw the same one: `generatedAt` alone changing is no change. */
  private send(res: Response, { data, content }: { data: string; content: string }): void {
    if (!this.clients.has(res) || this.clients.get(res) === content) return;
    this.clients.set(res, content);
    res.write(frame('view', data));
  }
}

function frame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}
