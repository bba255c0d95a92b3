/**
 * A stateful GitHub stand-in on loopback, shared by the tests and the local sandbox. It answers
 * the REST calls {@link GitHubClient} (src/clients/github.ts) makes, with the shapes of GitHub's
 * REST documentation (the examples trimmed into test/fixtures/github/, see its SOURCES.md), and
 * keeps state: repositories with their files, commits of the default branch, topics, team
 * permissions and branch protection. Commits to a default branch are delivered to registered
 * webhooks as signed `push` events, built from `@octokit/webhooks-examples`.
 *
 * What it serves (all behind `Authorization: token <token>` or `Bearer <token>`):
 *
 * | Call | Answer |
 * | --- | --- |
 * | `GET /repos/{owner}/{repo}` | "full-repository"; 404 unknown |
 * | `POST /repos/{template_owner}/{template_repo}/generate` | 201 "full-repository" of the new repository with the template's files in one "Initial commit"; 422 "Could not clone: Name already exists on this account"; 404 unknown template |
 * | `GET /repos/{owner}/{repo}/contents/{path}?ref=` | "content-file" (base64, wrapped as GitHub wraps it) or a directory listing; `ref`: the default branch, `refs/heads/…` or a commit sha (7+ digits); 404 no file, "No commit found for the ref …", "This repository is empty." |
 * | `PUT /repos/{owner}/{repo}/contents/{path}` | "file-commit", 201 created / 200 updated, one commit; 422 `"sha" wasn't supplied.` over an existing file; 409 "… does not match …" on a stale sha, "Git Repository is empty." while a template is being copied |
 * | `PUT /repos/{owner}/{repo}/topics` | "topic" `{ names }`; 422 on a topic that is not lowercase letters, digits and hyphens (at most 50) |
 * | `PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}` | 204 |
 * | `GET /repos/{owner}/{repo}/branches/{branch}` | "branch-with-protection" at the branch's head; 404 "Branch not found" |
 * | `PUT /repos/{owner}/{repo}/branches/{branch}/protection` | "protected-branch" for the rules sent; 422 when one of the four required keys is missing |
 *
 * No token → 401 "Requires authentication", another token → 401 "Bad credentials". Anything
 * else → 404 "Not Found", as GitHub answers unknown routes. A body that is not JSON → 400
 * "Problems parsing JSON". Answers carry GitHub's rate-limit headers (never exhausted).
 *
 * Not served: branches other than the default one (writes and reads of them answer 404),
 * GitHub App installation tokens, pagination, conditional requests, organisations and teams as
 * such (any team slug is accepted). {@link GitHubStandIn.repos} may be edited directly, as the
 * tests do; such edits emit no {@link GitHubStandIn.onChange} event.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import branchFixture from '../test/fixtures/github/branch.json' with { type: 'json' };
import contentFixture from '../test/fixtures/github/content-file.json' with { type: 'json' };
import emptyRepositoryFixture from '../test/fixtures/github/error-repository-empty.json' with { type: 'json' };
import shaNotSuppliedFixture from '../test/fixtures/github/error-sha-not-supplied.json' with { type: 'json' };
import nameExistsFixture from '../test/fixtures/github/error-template-name-exists.json' with { type: 'json' };
import commitFixture from '../test/fixtures/github/file-commit.json' with { type: 'json' };
import repositoryFixture from '../test/fixtures/github/repository.json' with { type: 'json' };
import { defaultBranchPushExample } from './github-webhook-examples.ts';
import { appendCapped, ChangeListeners, Faults, LoopbackServer, messageOf, serveUnderFault, type LoopbackFault, type LoopbackRequest } from './loopback.ts';

/** A commit of a repository's default branch: its id and the files as they were then. */
export interface StandInCommit {
  readonly sha: string;
  readonly files: Map<string, string>;
  readonly message: string;
  /** ISO 8601, as GitHub writes commit dates. */
  readonly time: string;
}

/** A repository as the tests and the sandbox read and edit it; a test can add one with `repos.set(...)`. */
export interface StandInRepo {
  owner: string;
  name: string;
  description: string;
  private: boolean;
  /** `owner/name` of the template it was generated from; '' for none. */
  fromTemplate: string;
  /** The default branch's files now, by path. */
  files: Map<string, string>;
  topics: string[];
  /** Team slug → permission. */
  teams: Map<string, string>;
  /** The branch protection body last PUT, or null. */
  protection: unknown;
  /** Commits of the default branch, oldest first. */
  commits: StandInCommit[];
  /** Default `main`. */
  defaultBranch?: string;
  /** A template repository (`is_template`). */
  isTemplate?: boolean;
}

/** A fault for the next matching request: do the work and drop the connection, or answer an error without doing it. */
export type GitHubStandInFault = LoopbackFault<unknown>;

const templateMapSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a template is named owner/name'),
  z.record(z.string().min(1), z.string()),
);

const optionsSchema = z.object({
  token: z.string().min(1),
  templates: templateMapSchema.optional(),
  webUrl: z.url().optional(),
  templateCopyDelayMs: z.number().int().min(0).optional(),
  webhookRetries: z.number().int().min(0).max(10).optional(),
  webhookRetryDelayMs: z.number().int().min(0).optional(),
  login: z.string().min(1).optional(),
});

/** Options of {@link GitHubStandIn}. */
export interface GitHubStandInOptions {
  /** The one token accepted (`Authorization: token …` or `Bearer …`). */
  readonly token: string;
  /**
   * Template repositories by `owner/name`, each its files by path (see {@link readTemplateDirectory}).
   * Given, generating from any other repository answers 404. Left out, any template name is
   * accepted and gives a repository with one `README.md`.
   */
  readonly templates?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Where `html_url`s point. Default `https://github.com`; the sandbox points them at its page. */
  readonly webUrl?: string;
  /**
   * How long a generated repository stays empty while GitHub copies the template: contents
   * reads 404, writes 409 "Git Repository is empty.", the branch 404. Default 0 (at once).
   */
  readonly templateCopyDelayMs?: number;
  /** Further attempts of a webhook delivery answered 5xx (or not at all). Default 3. */
  readonly webhookRetries?: number;
  /** Wait before the first retry of a delivery, doubled each time. Default 200. */
  readonly webhookRetryDelayMs?: number;
  /** The token's user: author of the commits made through the API, and owner of repositories generated without one. Default `model-lifecycle-bot`. */
  readonly login?: string;
}

const webhookSchema = z.object({
  url: z.url(),
  secret: z.string().optional(),
  events: z.array(z.string().min(1)).min(1).default(['push']),
});

/** A webhook as {@link GitHubStandIn.registerWebhook} takes it: `events` lists event names, `*` for all. */
export type WebhookRegistration = z.input<typeof webhookSchema>;

/** One webhook delivery and what became of it. */
export interface WebhookDelivery {
  /** `X-GitHub-Delivery`. */
  readonly id: string;
  readonly hookId: number;
  readonly event: string;
  readonly url: string;
  readonly repository: string;
  /** The exact bytes sent (and signed). */
  readonly body: string;
  /** Each try: the answered status, or null and the error when there was no answer. */
  readonly attempts: Array<{ readonly at: string; readonly status: number | null; readonly error?: string }>;
  state: 'pending' | 'delivered' | 'failed';
}

/** A state change, for a page that shows the stand-in live. */
export type GitHubStandInEvent =
  | { readonly type: 'repository'; readonly repository: string; readonly template: string }
  | { readonly type: 'commit'; readonly repository: string; readonly sha: string; readonly message: string; readonly paths: readonly string[] }
  | { readonly type: 'topics'; readonly repository: string; readonly topics: readonly string[] }
  | { readonly type: 'team'; readonly repository: string; readonly team: string; readonly permission: string }
  | { readonly type: 'protection'; readonly repository: string; readonly branch: string }
  | { readonly type: 'delivery'; readonly repository: string; readonly id: string; readonly event: string; readonly state: WebhookDelivery['state']; readonly status: number | null };

/** What {@link GitHubStandIn.snapshot} gives: plain JSON. */
export interface GitHubStandInSnapshot {
  readonly repositories: Array<{
    readonly fullName: string;
    readonly htmlUrl: string;
    readonly description: string;
    readonly private: boolean;
    readonly isTemplate: boolean;
    readonly template: string | null;
    readonly defaultBranch: string;
    /** Still being copied from its template. */
    readonly copying: boolean;
    readonly files: Record<string, string>;
    /** Oldest first. */
    readonly commits: Array<{ readonly sha: string; readonly message: string; readonly time: string }>;
    readonly topics: readonly string[];
    readonly teams: Record<string, string>;
    readonly protection: unknown;
  }>;
  readonly webhooks: Array<{ readonly id: number; readonly url: string; readonly events: readonly string[] }>;
  /** The latest deliveries, oldest first, without their bodies. */
  readonly deliveries: Array<Omit<WebhookDelivery, 'body'>>;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Hook {
  readonly id: number;
  readonly url: string;
  readonly secret: string | undefined;
  readonly events: readonly string[];
}

const DOCS = 'https://docs.github.com/rest';
const ZERO_SHA = '0'.repeat(40);
const TOPIC = /^[a-z0-9][a-z0-9-]{0,49}$/;

const generateBody = z.object({
  owner: z.string().min(1).optional(),
  name: z.string().min(1).max(100),
  description: z.string().nullable().optional(),
  include_all_branches: z.boolean().optional(),
  private: z.boolean().optional(),
});
const person = z.object({ name: z.string(), email: z.string(), date: z.string().optional() });
const putContentBody = z.object({
  message: z.string().min(1),
  content: z.string().regex(/^[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*$/, 'is not valid Base64'),
  sha: z.string().optional(),
  branch: z.string().min(1).optional(),
  committer: person.optional(),
  author: person.optional(),
});
const topicsBody = z.object({ names: z.array(z.string()) });
const teamBody = z.object({ permission: z.string().min(1).default('push') });
// "Update branch protection": these four keys are required, each may be null.
const protectionBody = z.looseObject({
  required_status_checks: z.looseObject({ strict: z.boolean(), contexts: z.array(z.string()).optional() }).nullable(),
  enforce_admins: z.boolean().nullable(),
  required_pull_request_reviews: z
    .looseObject({
      dismiss_stale_reviews: z.boolean().optional(),
      require_code_owner_reviews: z.boolean().optional(),
      required_approving_review_count: z.number().int().min(0).max(6).optional(),
    })
    .nullable(),
  restrictions: z.looseObject({}).nullable(),
});

/** A GitHub for tests and the sandbox; see the module comment for what it serves. */
export class GitHubStandIn {
  /** Repositories by `owner/name`. */
  readonly repos = new Map<string, StandInRepo>();
  /** Requests received (the latest 10 000): `METHOD /path`, the path as sent, without the query. */
  readonly requests: string[] = [];
  /** Full names of repositories generated from a template, once per successful generate call. */
  readonly generated: string[] = [];
  /** Webhook deliveries (the latest 1 000), oldest first. */
  readonly deliveries: WebhookDelivery[] = [];

  private readonly options: {
    token: string;
    webUrl: string;
    templateCopyDelayMs: number;
    webhookRetries: number;
    webhookRetryDelayMs: number;
    login: string;
    templatesGiven: boolean;
  };
  private failures: Array<{ pattern: RegExp; status: number; body: unknown; times: number }> = [];
  private readonly faults = new Faults<GitHubStandInFault>();
  private readonly hooks: Hook[] = [];
  // A page's listener must never break GitHub.
  private readonly listeners = new ChangeListeners<GitHubStandInEvent>();
  /** Generated repositories whose template copy has not landed: the timer, and the copy to run. */
  private readonly copying = new Map<string, NodeJS.Timeout>();
  private readonly pendingCopies = new Map<string, () => void>();
  private readonly repoIds = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextRepoId = 1296269;
  private nextHookId = 1;
  private commitCounter = 0;
  private rateUsed = 0;
  private stopped = false;
  private readonly http = new LoopbackServer((request, res) => this.handle(request, res));

  constructor(options: GitHubStandInOptions) {
    const parsed = optionsSchema.parse(options);
    this.options = {
      token: parsed.token,
      webUrl: (parsed.webUrl ?? 'https://github.com').replace(/\/+$/, ''),
      templateCopyDelayMs: parsed.templateCopyDelayMs ?? 0,
      webhookRetries: parsed.webhookRetries ?? 3,
      webhookRetryDelayMs: parsed.webhookRetryDelayMs ?? 200,
      login: parsed.login ?? 'model-lifecycle-bot',
      templatesGiven: parsed.templates !== undefined,
    };
    for (const [fullName, files] of Object.entries(parsed.templates ?? {})) {
      const [owner = '', name = ''] = fullName.split('/');
      const repo: StandInRepo = {
        owner,
        name,
        description: 'Model repository template',
        private: false,
        fromTemplate: '',
        files: new Map(Object.entries(files)),
        topics: [],
        teams: new Map(),
        protection: null,
        commits: [],
        defaultBranch: 'main',
        isTemplate: true,
      };
      this.repos.set(fullName, repo);
      this.commit(repo, 'Initial commit');
    }
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one); answers the API base URL, e.g. `http://127.0.0.1:PORT`. */
  async start(port = 0): Promise<string> {
    this.stopped = false;
    await this.http.start(port);
    return this.baseUrl;
  }

  /** Finishes pending template copies, stops retrying deliveries and closes the server. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [fullName, timer] of this.copying) {
      clearTimeout(timer);
      this.finishCopy(fullName);
    }
    await this.http.stop();
    await this.deliveriesSettled();
  }

  /** The REST root, `http://127.0.0.1:PORT`; valid after {@link start}. */
  get baseUrl(): string {
    return this.http.origin;
  }

  /**
   * The next `times` requests whose `METHOD /path` (the path as sent, without the query)
   * matches `pattern` answer `status` with `body`, without doing the work: an outage or a
   * revoked permission.
   */
  failNext(pattern: RegExp, times: number, status = 500, body: unknown = { message: 'Server Error' }): void {
    this.failures.push({ pattern, status, body, times });
  }

  /**
   * The next request whose method and path (as sent, without the query) match gets `fault`:
   * `'drop-answer'` does the work and destroys the socket before answering (an answer lost on
   * the way); a status answers that error (a JSON body) without doing the work.
   */
  onNextRequest(match: { method: string; path: RegExp }, fault: GitHubStandInFault): void {
    this.faults.add(match, fault);
  }

  /** Forgets the faults and failures no request has met yet (GitHub is back). */
  clearFaults(): void {
    this.faults.clear();
    this.failures = [];
  }

  /**
   * A developer's push to the default branch: the file changes in a new head commit, and each
   * webhook subscribed to `push` gets the delivery. Answers the new head's sha.
   */
  push(fullName: string, path: string, content: string, message = `Update ${path}`): string {
    const repo = this.repos.get(fullName);
    if (!repo) throw new Error(`no repository ${fullName}`);
    // A developer cannot push before the template copy landed: it lands first.
    const copying = this.copying.get(fullName);
    if (copying) {
      clearTimeout(copying);
      this.finishCopy(fullName);
    }
    const before = repo.commits.at(-1)?.sha ?? ZERO_SHA;
    const existed = repo.files.has(path);
    repo.files.set(path, content);
    const sha = this.commit(repo, message);
    this.deliverPush(repo, before, existed ? { modified: [path] } : { added: [path] }, 'developer');
    return sha;
  }

  /**
   * Registers a webhook, as an organisation webhook with content type `application/json`:
   * each matching event is POSTed to `url`, signed with `secret` (`X-Hub-Signature-256`) when
   * given. Answers a function that removes it.
   */
  registerWebhook(registration: WebhookRegistration): () => void {
    const parsed = webhookSchema.parse(registration);
    const hook: Hook = { id: this.nextHookId++, url: parsed.url, secret: parsed.secret, events: parsed.events };
    this.hooks.push(hook);
    return () => {
      const index = this.hooks.indexOf(hook);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }

  /** Resolves when every delivery started so far has been delivered or has given up. */
  async deliveriesSettled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Calls `listener` on every state change made through the API or these methods; answers the unsubscribe. */
  onChange(listener: (event: GitHubStandInEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The whole state as plain JSON, for a page. */
  snapshot(): GitHubStandInSnapshot {
    return {
      repositories: [...this.repos.entries()].map(([fullName, repo]) => ({
        fullName,
        htmlUrl: `${this.options.webUrl}/${fullName}`,
        description: repo.description,
        private: repo.private,
        isTemplate: repo.isTemplate ?? false,
        template: repo.fromTemplate || null,
        defaultBranch: defaultBranchOf(repo),
        copying: this.copying.has(fullName),
        files: Object.fromEntries(repo.files),
        commits: repo.commits.map((commit) => ({ sha: commit.sha, message: commit.message, time: commit.time })),
        topics: [...repo.topics],
        teams: Object.fromEntries(repo.teams),
        protection: repo.protection === null || repo.protection === undefined ? null : structuredClone(repo.protection),
      })),
      webhooks: this.hooks.map((hook) => ({ id: hook.id, url: hook.url, events: [...hook.events] })),
      deliveries: this.deliveries.map(({ body: _body, ...delivery }) => ({ ...delivery, attempts: delivery.attempts.map((attempt) => ({ ...attempt })) })),
    };
  }

  // ---- HTTP ----

  private async handle({ req, method, url, body: text }: LoopbackRequest, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    appendCapped(this.requests, `${method} ${path}`);
    const fault = this.faults.take(method, path);
    // A status fault answers first; failNext's failures meet only the requests it leaves.
    const failure = typeof fault === 'object' ? undefined : this.failures.find((candidate) => candidate.times > 0 && candidate.pattern.test(`${method} ${path}`));
    if (failure) {
      failure.times -= 1;
      this.write(res, { status: failure.status, body: failure.body });
      return;
    }
    await serveUnderFault(
      res,
      fault,
      {
        faultAnswer: (status) => ({ status: status.status, body: status.body ?? { message: 'Server Error' }, headers: status.headers ?? {} }),
        work: () => this.authenticate(req) ?? this.parseAndRoute(method, url, text),
        failed: (error) => ({ status: 500, body: { message: messageOf(error) } }),
      },
      (response, answer) => this.write(response, answer),
    );
  }

  private write(res: ServerResponse, answer: Answer): void {
    this.rateUsed += 1;
    const headers: Record<string, string> = {
      'X-GitHub-Api-Version-Selected': '2022-11-28',
      'X-GitHub-Media-Type': 'github.v3; format=json',
      'X-GitHub-Request-Id': randomUUID().toUpperCase().slice(0, 23),
      'X-RateLimit-Limit': '5000',
      'X-RateLimit-Remaining': String(Math.max(1, 5000 - (this.rateUsed % 5000))),
      'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 3600),
      'X-RateLimit-Used': String(this.rateUsed % 5000),
      'X-RateLimit-Resource': 'core',
      ...answer.headers,
    };
    if (answer.status === 204 || answer.body === undefined) {
      res.writeHead(answer.status, headers);
      res.end();
      return;
    }
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(body);
  }

  private authenticate(req: IncomingMessage): Answer | undefined {
    const header = req.headers.authorization;
    if (!header) return { status: 401, body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' } };
    const presented = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header)?.[1];
    if (presented === this.options.token) return undefined;
    return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
  }

  private parseAndRoute(method: string, url: URL, text: string): Answer {
    let body: unknown = undefined;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } };
      }
    }
    return this.route(method, url, body);
  }

  private route(method: string, url: URL, body: unknown): Answer {
    const path = url.pathname.replace(/\/+$/, '');
    let match: RegExpExecArray | null;
    if ((match = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path)) && method === 'GET') {
      const fullName = `${decode(match[1])}/${decode(match[2])}`;
      const repo = this.repos.get(fullName);
      return repo ? { status: 200, body: this.repoJson(fullName, repo) } : notFound('repos/repos#get-a-repository');
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/generate$/.exec(path)) && method === 'POST') {
      return this.generate(`${decode(match[1])}/${decode(match[2])}`, body);
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/contents(?:\/(.*))?$/.exec(path)) && (method === 'GET' || method === 'PUT')) {
      const fullName = `${decode(match[1])}/${decode(match[2])}`;
      const filePath = decode(match[3] ?? '').replace(/^\/+|\/+$/g, '');
      return method === 'GET' ? this.getContent(fullName, filePath, url.searchParams.get('ref')) : this.putContent(fullName, filePath, body);
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/topics$/.exec(path)) && method === 'PUT') {
      return this.replaceTopics(`${decode(match[1])}/${decode(match[2])}`, body);
    }
    if ((match = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/repos\/([^/]+)\/([^/]+)$/.exec(path)) && method === 'PUT') {
      return this.grantTeam(`${decode(match[3])}/${decode(match[4])}`, decode(match[2]), body);
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)$/.exec(path)) && method === 'GET') {
      return this.getBranch(`${decode(match[1])}/${decode(match[2])}`, decode(match[3]));
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)\/protection$/.exec(path)) && method === 'PUT') {
      return this.protect(`${decode(match[1])}/${decode(match[2])}`, decode(match[3]), body);
    }
    return notFound();
  }

  // ---- endpoints ----

  private generate(templateName: string, body: unknown): Answer {
    const input = generateBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, 'repos/repos#create-a-repository-using-a-template');
    const template = this.repos.get(templateName);
    if (this.options.templatesGiven && !template) return notFound('repos/repos#create-a-repository-using-a-template');
    if (template && this.options.templatesGiven && !template.isTemplate) {
      return validationFailed('Repository', 'template', `${templateName} is not a template repository`, 'repos/repos#create-a-repository-using-a-template');
    }
    const owner = input.data.owner ?? this.options.login;
    const fullName = `${owner}/${input.data.name}`;
    if (this.repos.has(fullName)) return { status: 422, body: nameExistsFixture };
    const files = template && this.options.templatesGiven ? new Map(template.files) : new Map([['README.md', '# model template\n']]);
    const repo: StandInRepo = {
      owner,
      name: input.data.name,
      description: input.data.description ?? '',
      private: input.data.private ?? false,
      fromTemplate: templateName,
      files: new Map(),
      topics: [],
      teams: new Map(),
      protection: null,
      commits: [],
      defaultBranch: template ? defaultBranchOf(template) : 'main',
    };
    this.repos.set(fullName, repo);
    this.generated.push(fullName);
    this.listeners.emit({ type: 'repository', repository: fullName, template: templateName });
    // GitHub answers at once and copies the template's files in the background.
    const copy = () => {
      repo.files = files;
      this.commit(repo, 'Initial commit');
    };
    if (this.options.templateCopyDelayMs > 0 && !this.stopped) {
      this.copying.set(fullName, setTimeout(() => this.finishCopy(fullName), this.options.templateCopyDelayMs));
      this.pendingCopies.set(fullName, copy);
    } else {
      copy();
    }
    return { status: 201, body: this.repoJson(fullName, repo) };
  }

  private finishCopy(fullName: string): void {
    this.copying.delete(fullName);
    const copy = this.pendingCopies.get(fullName);
    this.pendingCopies.delete(fullName);
    copy?.();
  }

  private getContent(fullName: string, filePath: string, ref: string | null): Answer {
    const repo = this.repos.get(fullName);
    if (!repo) return notFound('repos/contents#get-repository-content');
    if (this.copying.has(fullName) || (repo.commits.length === 0 && repo.files.size === 0)) {
      return { status: 404, body: { message: 'This repository is empty.', documentation_url: `${DOCS}/repos/contents#get-repository-content`, status: '404' } };
    }
    const files = this.filesAt(repo, ref);
    if (!files) {
      return { status: 404, body: { message: `No commit found for the ref ${ref ?? ''}`, documentation_url: `${DOCS}/repos/contents#get-repository-content`, status: '404' } };
    }
    const refName = ref ?? defaultBranchOf(repo);
    const content = files.get(filePath);
    if (content !== undefined) return { status: 200, body: this.contentJson(fullName, repo, filePath, content, refName, true) };
    // A directory: its entries, files and subdirectories, as "Get repository content" lists them.
    const prefix = filePath === '' ? '' : `${filePath}/`;
    const entries = new Map<string, { type: 'file' | 'dir'; content: string }>();
    for (const [path, text] of files) {
      if (!path.startsWith(prefix)) continue;
      const [head = '', ...rest] = path.slice(prefix.length).split('/');
      entries.set(`${prefix}${head}`, rest.length === 0 ? { type: 'file', content: text } : { type: 'dir', content: '' });
    }
    if (entries.size === 0) return notFound('repos/contents#get-repository-content');
    return {
      status: 200,
      body: [...entries.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([path, entry]) =>
          entry.type === 'file' ? this.contentJson(fullName, repo, path, entry.content, refName, false) : this.dirEntryJson(fullName, repo, path, refName),
        ),
    };
  }

  private putContent(fullName: string, filePath: string, body: unknown): Answer {
    const docs = 'repos/contents#create-or-update-file-contents';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    const input = putContentBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    if (filePath === '') return notFound(docs);
    if (this.copying.has(fullName)) return { status: 409, body: emptyRepositoryFixture };
    const branch = input.data.branch?.replace(/^refs\/heads\//, '');
    if (branch !== undefined && branch !== defaultBranchOf(repo)) return branchNotFound();
    const current = repo.files.get(filePath);
    if (current !== undefined && input.data.sha === undefined) return { status: 422, body: shaNotSuppliedFixture };
    if (current !== undefined && input.data.sha !== blobSha(current)) {
      return { status: 409, body: { message: `${filePath} does not match ${input.data.sha ?? ''}`, documentation_url: `${DOCS}/${docs}`, status: '409' } };
    }
    const before = repo.commits.at(-1)?.sha ?? ZERO_SHA;
    const content = Buffer.from(input.data.content, 'base64').toString('utf8');
    repo.files.set(filePath, content);
    const commit = this.commit(repo, input.data.message);
    this.deliverPush(repo, before, current === undefined ? { added: [filePath] } : { modified: [filePath] }, input.data.author?.name ?? this.options.login);
    const head = repo.commits.at(-1)!;
    // "file-commit": the file as "Get repository content" lists it, without its links.
    const { _links: _links, ...file } = this.contentJson(fullName, repo, filePath, content, defaultBranchOf(repo), false);
    return { status: current === undefined ? 201 : 200, body: { content: file, commit: this.commitJson(fullName, repo, head, commit) } };
  }

  private replaceTopics(fullName: string, body: unknown): Answer {
    const docs = 'repos/repos#replace-all-repository-topics';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    const input = topicsBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    const wrong = input.data.names.filter((topic) => !TOPIC.test(topic));
    if (wrong.length > 0) {
      return validationFailed(
        'Repository',
        'topics',
        `Topics must start with a lowercase letter or number, consist of 50 characters or less, and can include hyphens: ${wrong.join(', ')}`,
        docs,
      );
    }
    repo.topics = [...new Set(input.data.names)];
    this.listeners.emit({ type: 'topics', repository: fullName, topics: [...repo.topics] });
    return { status: 200, body: { names: repo.topics } };
  }

  private grantTeam(fullName: string, team: string, body: unknown): Answer {
    const docs = 'teams/teams#add-or-update-team-repository-permissions';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    const input = teamBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    repo.teams.set(team, input.data.permission);
    this.listeners.emit({ type: 'team', repository: fullName, team, permission: input.data.permission });
    return { status: 204 };
  }

  private getBranch(fullName: string, branch: string): Answer {
    const repo = this.repos.get(fullName);
    const head = repo?.commits.at(-1);
    if (!repo || !head || branch !== defaultBranchOf(repo) || this.copying.has(fullName)) return branchNotFound();
    const api = `${this.baseUrl}/repos/${fullName}`;
    const web = `${this.options.webUrl}/${fullName}`;
    const parent = repo.commits.at(-2);
    return {
      status: 200,
      body: {
        ...branchFixture,
        name: branch,
        commit: {
          ...branchFixture.commit,
          sha: head.sha,
          node_id: nodeId('C', head.sha),
          commit: {
            author: { name: this.options.login, email: `${this.options.login}@users.noreply.github.com`, date: head.time },
            message: head.message,
            tree: { sha: treeSha(head.files), url: `${api}/git/trees/${treeSha(head.files)}` },
            url: `${api}/git/commits/${head.sha}`,
          },
          url: `${api}/commits/${head.sha}`,
          html_url: `${web}/commit/${head.sha}`,
          parents: parent ? [{ sha: parent.sha, url: `${api}/commits/${parent.sha}` }] : [],
        },
        _links: { html: `${web}/tree/${branch}`, self: `${api}/branches/${branch}` },
        protected: repo.protection !== null && repo.protection !== undefined,
        protection_url: `${api}/branches/${branch}/protection`,
      },
    };
  }

  private protect(fullName: string, branch: string, body: unknown): Answer {
    const docs = 'branches/branch-protection#update-branch-protection';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    if (branch !== defaultBranchOf(repo) || repo.commits.length === 0 || this.copying.has(fullName)) return branchNotFound();
    const input = protectionBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    repo.protection = structuredClone(body);
    this.listeners.emit({ type: 'protection', repository: fullName, branch });
    const url = `${this.baseUrl}/repos/${fullName}/branches/${branch}/protection`;
    const rules = input.data;
    return {
      status: 200,
      body: {
        url,
        ...(rules.required_status_checks
          ? {
              required_status_checks: {
                url: `${url}/required_status_checks`,
                strict: rules.required_status_checks.strict,
                contexts: rules.required_status_checks.contexts ?? [],
                contexts_url: `${url}/required_status_checks/contexts`,
              },
            }
          : {}),
        ...(rules.required_pull_request_reviews
          ? {
              required_pull_request_reviews: {
                url: `${url}/required_pull_request_reviews`,
                dismiss_stale_reviews: rules.required_pull_request_reviews.dismiss_stale_reviews ?? false,
                require_code_owner_reviews: rules.required_pull_request_reviews.require_code_owner_reviews ?? false,
                required_approving_review_count: rules.required_pull_request_reviews.required_approving_review_count ?? 1,
              },
            }
          : {}),
        enforce_admins: { url: `${url}/enforce_admins`, enabled: rules.enforce_admins ?? false },
      },
    };
  }

  // ---- state ----

  private filesAt(repo: StandInRepo, ref: string | null): Map<string, string> | undefined {
    const branch = defaultBranchOf(repo);
    if (ref === null || ref === '' || ref === branch || ref === `refs/heads/${branch}`) return repo.files;
    if (!/^[0-9a-f]{7,40}$/i.test(ref)) return undefined;
    const found = repo.commits.filter((commit) => commit.sha.startsWith(ref.toLowerCase()));
    return found.length === 1 ? found[0]?.files : undefined;
  }

  /** Records the files as they are now as the default branch's new head commit. */
  private commit(repo: StandInRepo, message: string): string {
    const parent = repo.commits.at(-1)?.sha ?? '';
    const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const files = new Map(repo.files);
    const sha = createHash('sha1')
      .update(`commit ${++this.commitCounter}\0tree ${treeSha(files)}\nparent ${parent}\n${time}\n\n${message}`)
      .digest('hex');
    const previous = repo.commits.at(-1)?.files;
    repo.commits.push({ sha, files, message, time });
    const paths = [...new Set([...files.keys(), ...(previous?.keys() ?? [])])].filter((path) => files.get(path) !== previous?.get(path));
    this.listeners.emit({ type: 'commit', repository: `${repo.owner}/${repo.name}`, sha, message, paths });
    return sha;
  }

  // ---- webhooks ----

  private deliverPush(repo: StandInRepo, before: string, change: { added?: string[]; modified?: string[] }, pusher: string): void {
    const hooks = this.hooks.filter((hook) => hook.events.includes('push') || hook.events.includes('*'));
    if (hooks.length === 0) return;
    const head = repo.commits.at(-1);
    if (!head) return;
    const fullName = `${repo.owner}/${repo.name}`;
    const payload = this.pushPayload(fullName, repo, before, head, change, pusher);
    for (const hook of hooks) this.deliver(hook, 'push', fullName, JSON.stringify(payload));
  }

  /** The `push` example of @octokit/webhooks-examples, rewritten for this repository and commit. */
  private pushPayload(
    fullName: string,
    repo: StandInRepo,
    before: string,
    head: StandInCommit,
    change: { added?: string[]; modified?: string[] },
    pusher: string,
  ): Record<string, unknown> {
    const example = defaultBranchPushExample() as unknown as Record<string, unknown> & { repository: Record<string, unknown>; sender: Record<string, unknown> };
    const exampleName = String(example.repository.full_name);
    const exampleOwner = exampleName.split('/')[0] ?? '';
    const rewrite = <T>(value: T): T =>
      JSON.parse(
        JSON.stringify(value)
          .split(exampleName)
          .join(fullName)
          .split('https://api.github.com')
          .join(this.baseUrl)
          .split('https://github.com')
          .join(this.options.webUrl)
          .split(exampleOwner)
          .join(repo.owner),
      ) as T;
    const branch = defaultBranchOf(repo);
    const web = `${this.options.webUrl}/${fullName}`;
    const who = { name: pusher, email: `${pusher}@users.noreply.github.com`, username: pusher };
    const commit = {
      id: head.sha,
      tree_id: treeSha(head.files),
      distinct: true,
      message: head.message,
      timestamp: head.time,
      url: `${web}/commit/${head.sha}`,
      author: who,
      committer: who,
      added: change.added ?? [],
      removed: [],
      modified: change.modified ?? [],
    };
    const repository = rewrite(example.repository);
    Object.assign(repository, {
      id: this.repoId(fullName),
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      html_url: web,
      description: repo.description || null,
      url: web,
      default_branch: branch,
      master_branch: branch,
      is_template: repo.isTemplate ?? false,
      topics: [...repo.topics],
      visibility: repo.private ? 'private' : 'public',
      pushed_at: Math.floor(Date.parse(head.time) / 1000),
    });
    const { installation: _installation, ...rest } = example;
    return {
      ...rest,
      ref: `refs/heads/${branch}`,
      before,
      after: head.sha,
      repository,
      pusher: { name: pusher, email: who.email },
      sender: { ...rewrite(example.sender), login: pusher },
      created: before === ZERO_SHA,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: before === ZERO_SHA ? `${web}/commit/${head.sha}` : `${web}/compare/${before.slice(0, 12)}...${head.sha.slice(0, 12)}`,
      commits: [commit],
      head_commit: commit,
    };
  }

  private deliver(hook: Hook, event: string, repository: string, body: string): void {
    const delivery: WebhookDelivery = { id: randomUUID(), hookId: hook.id, event, url: hook.url, repository, body, attempts: [], state: 'pending' };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 1000) this.deliveries.splice(0, this.deliveries.length - 1000);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/stand-in',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery.id,
      'X-GitHub-Hook-ID': String(hook.id),
      'X-GitHub-Hook-Installation-Target-Type': 'organization',
      'X-GitHub-Hook-Installation-Target-ID': '1',
    };
    if (hook.secret) {
      headers['X-Hub-Signature'] = `sha1=${createHmac('sha1', hook.secret).update(body).digest('hex')}`;
      headers['X-Hub-Signature-256'] = `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
    }
    const run = (async () => {
      for (let attempt = 0; ; attempt += 1) {
        let status: number | null = null;
        try {
          // GitHub gives a receiver 10 seconds to answer.
          const response = await fetch(hook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
          status = response.status;
          await response.arrayBuffer();
          delivery.attempts.push({ at: new Date().toISOString(), status });
        } catch (error) {
          delivery.attempts.push({ at: new Date().toISOString(), status: null, error: error instanceof Error ? error.message : String(error) });
        }
        const retryable = status === null || status >= 500;
        if (!retryable || attempt >= this.options.webhookRetries || this.stopped) {
          delivery.state = status !== null && status < 300 ? 'delivered' : 'failed';
          this.listeners.emit({ type: 'delivery', repository, id: delivery.id, event, state: delivery.state, status });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.webhookRetryDelayMs * 2 ** attempt));
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  // ---- JSON, in the shapes GitHub's REST docs give ----

  private repoId(fullName: string): number {
    let id = this.repoIds.get(fullName);
    if (id === undefined) {
      id = this.nextRepoId++;
      this.repoIds.set(fullName, id);
    }
    return id;
  }

  private repoJson(fullName: string, repo: StandInRepo): Record<string, unknown> {
    const id = this.repoId(fullName);
    const created = repo.commits[0]?.time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const pushed = repo.commits.at(-1)?.time ?? created;
    return {
      ...repositoryFixture,
      id,
      node_id: nodeId('R_', String(id)),
      name: repo.name,
      full_name: fullName,
      owner: { ...repositoryFixture.owner, login: repo.owner, url: `${this.baseUrl}/users/${repo.owner}`, html_url: `${this.options.webUrl}/${repo.owner}` },
      private: repo.private,
      html_url: `${this.options.webUrl}/${fullName}`,
      description: repo.description,
      url: `${this.baseUrl}/repos/${fullName}`,
      clone_url: `${this.options.webUrl}/${fullName}.git`,
      default_branch: defaultBranchOf(repo),
      visibility: repo.private ? 'private' : 'public',
      is_template: repo.isTemplate ?? false,
      topics: [...repo.topics],
      pushed_at: pushed,
      created_at: created,
      updated_at: pushed,
      // The token is the stand-in's only user, and it may do everything.
      permissions: { admin: true, push: true, pull: true },
    };
  }

  private contentJson(fullName: string, repo: StandInRepo, path: string, content: string, ref: string, withContent: boolean): Record<string, unknown> & { _links: unknown } {
    const sha = blobSha(content);
    const api = `${this.baseUrl}/repos/${fullName}`;
    const web = `${this.options.webUrl}/${fullName}`;
    const self = `${api}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
    const htmlUrl = `${web}/blob/${ref}/${encodePath(path)}`;
    return {
      type: 'file',
      ...(withContent ? { encoding: contentFixture.encoding } : {}),
      size: Buffer.byteLength(content),
      name: path.split('/').at(-1) ?? path,
      path,
      ...(withContent ? { content: wrapBase64(Buffer.from(content, 'utf8').toString('base64')) } : {}),
      sha,
      url: self,
      git_url: `${api}/git/blobs/${sha}`,
      html_url: htmlUrl,
      download_url: `${web}/raw/${ref}/${encodePath(path)}`,
      _links: { git: `${api}/git/blobs/${sha}`, self, html: htmlUrl },
    };
  }

  private dirEntryJson(fullName: string, repo: StandInRepo, path: string, ref: string): Record<string, unknown> {
    const files = this.filesAt(repo, ref) ?? repo.files;
    const sha = treeSha(new Map([...files].filter(([file]) => file.startsWith(`${path}/`))));
    const api = `${this.baseUrl}/repos/${fullName}`;
    const self = `${api}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
    const htmlUrl = `${this.options.webUrl}/${fullName}/tree/${ref}/${encodePath(path)}`;
    return {
      type: 'dir',
      size: 0,
      name: path.split('/').at(-1) ?? path,
      path,
      sha,
      url: self,
      git_url: `${api}/git/trees/${sha}`,
      html_url: htmlUrl,
      download_url: null,
      _links: { git: `${api}/git/trees/${sha}`, self, html: htmlUrl },
    };
  }

  private commitJson(fullName: string, repo: StandInRepo, head: StandInCommit, sha: string): Record<string, unknown> {
    const api = `${this.baseUrl}/repos/${fullName}`;
    const web = `${this.options.webUrl}/${fullName}`;
    const who = { date: head.time, name: this.options.login, email: `${this.options.login}@users.noreply.github.com` };
    const parent = repo.commits.at(-2);
    const tree = treeSha(head.files);
    return {
      ...commitFixture.commit,
      sha,
      node_id: nodeId('C_', sha),
      url: `${api}/git/commits/${sha}`,
      html_url: `${web}/commit/${sha}`,
      author: who,
      committer: who,
      message: head.message,
      tree: { url: `${api}/git/trees/${tree}`, sha: tree },
      parents: parent ? [{ url: `${api}/git/commits/${parent.sha}`, html_url: `${web}/commit/${parent.sha}`, sha: parent.sha }] : [],
    };
  }
}

// ---- the model template ----

/** `deploy/model-template/`: the model repository template of this project. */
export const MODEL_TEMPLATE_DIR = fileURLToPath(new URL('../deploy/model-template/', import.meta.url));

/** Caches and local state a template directory may hold that a repository never has. */
const NOT_TEMPLATE_FILES = new Set(['__pycache__', '.mypy_cache', '.ruff_cache', '.pytest_cache', '.venv', 'mlruns', 'mlflow.db', '.coverage', '.DS_Store', '.git']);

/**
 * The files of a template directory by repository path (`ml_model/train/train.py`), as
 * {@link GitHubStandInOptions.templates} takes them. Default: {@link MODEL_TEMPLATE_DIR}.
 */
export function readTemplateDirectory(directory: string = MODEL_TEMPLATE_DIR): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    const entries = readdirSync(`${directory}/${relative}`, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (NOT_TEMPLATE_FILES.has(entry.name) || entry.name.endsWith('.pyc')) continue;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files[path] = readFileSync(`${directory}/${path}`, 'utf8');
    }
  };
  walk('');
  return files;
}

/** `{ [fullName]: files of the template directory }`: the `templates` option for one template repository. */
export function templatesFrom(fullName: string, directory: string = MODEL_TEMPLATE_DIR): Record<string, Record<string, string>> {
  return { [fullName]: readTemplateDirectory(directory) };
}

// ---- helpers ----

function defaultBranchOf(repo: StandInRepo): string {
  return repo.defaultBranch ?? 'main';
}

function decode(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    return segment ?? '';
  }
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Git's blob id: SHA-1 of `blob <size>\0<content>`, the `sha` GitHub gives a file. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function treeSha(files: ReadonlyMap<string, string>): string {
  const hash = createHash('sha1').update('tree\0');
  for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`${path}\0${blobSha(content)}\n`);
  return hash.digest('hex');
}

function nodeId(prefix: string, id: string): string {
  return `${prefix}${Buffer.from(id).toString('base64url')}`;
}

/** GitHub wraps the base64 of file contents at 60 characters a line. */
function wrapBase64(text: string): string {
  return `${(text.match(/.{1,60}/g) ?? []).join('\n')}\n`;
}

function notFound(docs?: string): Answer {
  return { status: 404, body: { message: 'Not Found', documentation_url: docs ? `${DOCS}/${docs}` : DOCS, status: '404' } };
}

function branchNotFound(): Answer {
  return { status: 404, body: { message: 'Branch not found', documentation_url: `${DOCS}/branches/branches#get-a-branch`, status: '404' } };
}

/** GitHub's 422 for a body its schema refuses: "Invalid request.\n\n<what>". */
function invalid(error: z.ZodError, docs: string): Answer {
  const details = error.issues.map((issue) => `For '${['properties', ...issue.path.map(String)].join('/')}', ${issue.message}.`);
  return { status: 422, body: { message: `Invalid request.\n\n${details.join('\n')}`, documentation_url: `${DOCS}/${docs}`, status: '422' } };
}

function validationFailed(resource: string, field: string, message: string, docs: string): Answer {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors: [{ resource, code: 'invalid', field, message }], documentation_url: `${DOCS}/${docs}`, status: '422' },
  };
}
