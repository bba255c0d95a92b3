/**
 * A stateful GitHub stand-in on loopback, shared by the tests and the local sandbox. It answers
 * the REST calls {@link GitHubClient} (src/clients/github.ts) makes, with the shapes of GitHub's
 * REST documentation (the examples trimmed into test/fixtures/github/, see its SOURCES.md), and
 * keeps state: repositories with their files, commits of the default branch and of other
 * branches, topics, team permissions, branch protection, pull requests with their requested
 * reviewers and reviews, collaborators and team members. Commits are delivered to registered
 * webhooks as signed `push` events, pull requests and reviews as `pull_request` and
 * `pull_request_review` events, built from `@octokit/webhooks-examples`.
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
 * | `PUT /repos/{owner}/{repo}/branches/{branch}/protection` | "protected-branch" for the rules sent, on any branch; 422 when one of the four required keys is missing. With `dismiss_stale_reviews`, a new commit on the head branch of an open pull request into the protected branch dismisses the approvals of other commits (a `pull_request_review` `dismissed` delivery each), as GitHub does |
 * | `GET /repos/{owner}/{repo}/git/ref/heads/{branch}` | "git-ref" at the branch's head; 404 unknown |
 * | `POST /repos/{owner}/{repo}/git/refs` | 201 "git-ref": a branch at a commit of any branch, with that branch's history up to it; 422 "Reference already exists", "Object does not exist"; 409 empty repository |
 * | `GET /repos/{owner}/{repo}/pulls?state=&head=owner:branch&base=` | "pull-request-simple" items, newest first (state default `open`) |
 * | `POST /repos/{owner}/{repo}/pulls` | 201 "pull-request" (a `pull_request` `opened` delivery); 422 "A pull request already exists for owner:head.", "No commits between base and head", an unknown head or base |
 * | `GET /repos/{owner}/{repo}/pulls/{n}` | "pull-request": head sha the head branch's now (frozen at the merge), requested reviewers, merge |
 * | `GET /repos/{owner}/{repo}/pulls/{n}/commits` | "commit-items": head's commits base lacks (those merged, once merged), author and committer the pusher's login |
 * | `GET /repos/{owner}/{repo}/pulls/{n}/reviews` | "pull-request-review-items", oldest first |
 * | `POST`/`DELETE /repos/{owner}/{repo}/pulls/{n}/requested_reviewers` | "pull-request-simple"; POST 422 for the author, or a login that is no collaborator (when {@link GitHubStandIn.setCollaborator} set any) |
 * | `PUT /repos/{owner}/{repo}/pulls/{n}/merge` | `{ sha, merged, message }`: a merge commit on the base branch, a `push` and a `pull_request` `closed` (`merged: true`) delivery; 405 not open or too few approvals (latest reviews, dismissed ones not counting) for a protected base branch; 409 a stale `sha` |
 * | `GET /repos/{owner}/{repo}/commits?sha=&per_page=&page=` | "commit" items of the branch (or up to a commit), newest first, paged with a `Link` header; 404 "No commit found for SHA", 409 empty repository |
 * | `GET /users/{username}` | "public-user" with the `email` and `name` of {@link GitHubStandIn.setUser}; 404 for a login it was not given |
 * | `GET /search/issues?q=&sort=created&order=` | "issue-search-result" over the pull requests: `is:pr`, `is:open`/`closed`/`merged`, `review-requested:`, `reviewed-by:`, `author:`, `org:`, `repo:`, `created:>=…` |
 * | `GET /repos/{owner}/{repo}/collaborators?permission=` | "collaborator" items with that permission or more |
 * | `GET /orgs/{org}/teams/{team_slug}/members` | "simple-user" items set by {@link GitHubStandIn.setTeamMembers}; 404 unknown team |
 *
 * People's actions: {@link GitHubStandIn.push} (to the default or another branch),
 * {@link GitHubStandIn.review} (a `pull_request_review` `submitted` delivery),
 * {@link GitHubStandIn.mergePullRequest}; closed without merging and reopened by
 * {@link GitHubStandIn.closePullRequest} and {@link GitHubStandIn.reopenPullRequest}.
 *
 * No token → 401 "Requires authentication", another token → 401 "Bad credentials". Anything
 * else → 404 "Not Found", as GitHub answers unknown routes. A body that is not JSON → 400
 * "Problems parsing JSON". Answers carry GitHub's rate-limit headers (never exhausted).
 *
 * Not served: contents writes to branches other than the default one (404; push to them with
 * {@link GitHubStandIn.push}), merge conflicts (a merge takes head's files over base's),
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
import collaboratorFixture from '../test/fixtures/github/collaborator-items.json' with { type: 'json' };
import commitItemsFixture from '../test/fixtures/github/commit-items.json' with { type: 'json' };
import pullRequestExistsFixture from '../test/fixtures/github/error-pull-request-exists.json' with { type: 'json' };
import referenceExistsFixture from '../test/fixtures/github/error-reference-exists.json' with { type: 'json' };
import gitRefFixture from '../test/fixtures/github/git-ref.json' with { type: 'json' };
import issueSearchFixture from '../test/fixtures/github/issue-search-result.json' with { type: 'json' };
import pullRequestFixture from '../test/fixtures/github/pull-request.json' with { type: 'json' };
import reviewItemsFixture from '../test/fixtures/github/pull-request-review-items.json' with { type: 'json' };
import contentFixture from '../test/fixtures/github/content-file.json' with { type: 'json' };
import emptyRepositoryFixture from '../test/fixtures/github/error-repository-empty.json' with { type: 'json' };
import shaNotSuppliedFixture from '../test/fixtures/github/error-sha-not-supplied.json' with { type: 'json' };
import nameExistsFixture from '../test/fixtures/github/error-template-name-exists.json' with { type: 'json' };
import commitFixture from '../test/fixtures/github/file-commit.json' with { type: 'json' };
import repositoryFixture from '../test/fixtures/github/repository.json' with { type: 'json' };
import { defaultBranchPushExample, webhookExamplesOf } from './github-webhook-examples.ts';
import { appendCapped, ChangeListeners, Faults, LoopbackServer, messageOf, serveUnderFault, type LoopbackFault, type LoopbackRequest } from './loopback.ts';

/** A commit of a repository's default branch: its id and the files as they were then. */
export interface StandInCommit {
  readonly sha: string;
  readonly files: Map<string, string>;
  readonly message: string;
  /** ISO 8601, as GitHub writes commit dates. */
  readonly time: string;
  /** GitHub login of its author; default the token's user. */
  readonly author?: string;
}

/** A collaborator's role on a repository, as GitHub names the built-in ones (`role_name`). */
export type StandInRole = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

/** A submitted review of a stand-in pull request. */
export interface StandInReview {
  readonly id: number;
  readonly login: string;
  /** DISMISSED: an approval GitHub dismissed when new commits came (protection's `dismiss_stale_reviews`). */
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  readonly body: string;
  readonly submittedAt: string;
  /** The head commit reviewed. */
  readonly commitId: string;
}

/** A pull request between two branches of one stand-in repository. */
export interface StandInPullRequest {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  /** Branch names of the same repository. */
  readonly head: string;
  readonly base: string;
  /** Login of who opened it. */
  readonly user: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  /** The commits it brought in, frozen at the merge; while open they are read from the branches. */
  mergedCommits: StandInCommit[] | null;
  /** Whose review is requested and not given yet (a review removes its author from here, as on GitHub). */
  requestedReviewers: string[];
  /** Oldest first. */
  readonly reviews: StandInReview[];
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
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
  /** The default branch's protection body last PUT, or null. */
  protection: unknown;
  /** The protection body last PUT of each other branch, by name; left out: none protected. */
  branchProtection?: Map<string, unknown>;
  /** Commits of the default branch, oldest first. */
  commits: StandInCommit[];
  /** Default `main`. */
  defaultBranch?: string;
  /** A template repository (`is_template`). */
  isTemplate?: boolean;
  /** Branches other than the default one: their commits, oldest first (the history they share with the branch they came from included). */
  branches?: Map<string, StandInCommit[]>;
  /** Pull requests, by number order. */
  pulls?: StandInPullRequest[];
  /** Collaborators by login and their role; left out, review requests accept any login. */
  collaborators?: Map<string, StandInRole>;
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
  | { readonly type: 'commit'; readonly repository: string; readonly sha: string; readonly message: string; readonly paths: readonly string[]; readonly branch?: string }
  | { readonly type: 'branch'; readonly repository: string; readonly branch: string; readonly sha: string }
  | { readonly type: 'pull_request'; readonly repository: string; readonly number: number; readonly action: 'opened' | 'closed' | 'reopened' | 'review_requested' | 'review_request_removed' }
  | { readonly type: 'review'; readonly repository: string; readonly number: number; readonly login: string; readonly state: StandInReview['state'] }
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
    /** The protection of branches other than the default one, by name. */
    readonly branchProtection: Record<string, unknown>;
    /** Branches other than the default one: name → head commit. */
    readonly branches: Record<string, string>;
    readonly pullRequests: Array<{
      readonly number: number;
      readonly title: string;
      readonly htmlUrl: string;
      readonly head: string;
      readonly base: string;
      readonly user: string;
      readonly state: 'open' | 'closed';
      readonly merged: boolean;
      readonly mergedAt: string | null;
      readonly requestedReviewers: readonly string[];
      readonly reviews: Array<{ readonly login: string; readonly state: StandInReview['state']; readonly submittedAt: string; readonly body: string }>;
    }>;
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

const createRefBody = z.object({ ref: z.string().regex(/^refs\/[^/]+\/.+$/, "must start with 'refs' and have at least two slashes"), sha: z.string().regex(/^[0-9a-f]{40}$/) });
const createPullBody = z.object({
  title: z.string().min(1),
  head: z.string().min(1),
  base: z.string().min(1),
  body: z.string().nullable().optional(),
  draft: z.boolean().optional(),
  maintainer_can_modify: z.boolean().optional(),
});
const reviewersBody = z.object({ reviewers: z.array(z.string().min(1)).optional(), team_reviewers: z.array(z.string()).optional() });
const mergeBody = z.object({
  commit_title: z.string().optional(),
  commit_message: z.string().optional(),
  sha: z.string().optional(),
  merge_method: z.enum(['merge', 'squash', 'rebase']).optional(),
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
  private nextReviewId = 80;
  /** GitHub accounts `GET /users/{username}` knows, by login; see {@link setUser}. */
  private readonly people = new Map<string, { email?: string | null; name?: string | null }>();
  /** Members of teams, by `org/team_slug`; see {@link setTeamMembers}. */
  private readonly teams = new Map<string, string[]>();
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
   * A developer's push to the default branch (or to `options.branch`, which must exist): the
   * file changes in a new head commit by `options.author` (default `developer`), and each
   * webhook subscribed to `push` gets the delivery. Answers the new head's sha.
   */
  push(fullName: string, path: string, content: string, message = `Update ${path}`, options: { branch?: string; author?: string } = {}): string {
    const repo = this.repos.get(fullName);
    if (!repo) throw new Error(`no repository ${fullName}`);
    if (options.branch !== undefined && options.branch !== defaultBranchOf(repo)) return this.pushToBranch(fullName, repo, options.branch, path, content, message, options.author ?? 'developer');
    // A developer cannot push before the template copy landed: it lands first.
    const copying = this.copying.get(fullName);
    if (copying) {
      clearTimeout(copying);
      this.finishCopy(fullName);
    }
    const before = repo.commits.at(-1)?.sha ?? ZERO_SHA;
    const existed = repo.files.has(path);
    repo.files.set(path, content);
    const sha = this.commit(repo, message, options.author ?? 'developer');
    this.deliverPush(repo, before, existed ? { modified: [path] } : { added: [path] }, options.author ?? 'developer');
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
        branchProtection: Object.fromEntries([...(repo.branchProtection ?? new Map<string, unknown>())].map(([name, rules]) => [name, structuredClone(rules)])),
        branches: Object.fromEntries([...(repo.branches ?? new Map<string, StandInCommit[]>())].flatMap(([name, commits]) => (commits.length > 0 ? [[name, commits.at(-1)!.sha]] : []))),
        pullRequests: (repo.pulls ?? []).map((pull) => ({
          number: pull.number,
          title: pull.title,
          htmlUrl: `${this.options.webUrl}/${fullName}/pull/${pull.number}`,
          head: pull.head,
          base: pull.base,
          user: pull.user,
          state: pull.state,
          merged: pull.merged,
          mergedAt: pull.mergedAt,
          requestedReviewers: [...pull.requestedReviewers],
          reviews: pull.reviews.map((review) => ({ login: review.login, state: review.state, submittedAt: review.submittedAt, body: review.body })),
        })),
      })),
      webhooks: this.hooks.map((hook) => ({ id: hook.id, url: hook.url, events: [...hook.events] })),
      deliveries: this.deliveries.map(({ body: _body, ...delivery }) => ({ ...delivery, attempts: delivery.attempts.map((attempt) => ({ ...attempt })) })),
    };
  }

  /**
   * A person's review of pull request `number`: stores it on the head commit, withdraws the
   * reviewer's pending request (as GitHub does), and sends each webhook subscribed to
   * `pull_request_review` a signed `submitted` delivery. Throws when the pull request is not
   * open, or when its author approves or requests changes on it (GitHub refuses both).
   */
  review(fullName: string, number: number, login: string, state: Exclude<StandInReview['state'], 'DISMISSED'>, body = ''): StandInReview {
    const { repo, pull } = this.pullOf(fullName, number);
    if (pull.state !== 'open') throw new Error(`pull request #${number} of ${fullName} is ${pull.merged ? 'merged' : 'closed'}`);
    if (state !== 'COMMENTED' && login.toLowerCase() === pull.user.toLowerCase()) {
      throw new Error(state === 'APPROVED' ? 'Can not approve your own pull request' : 'Can not request changes on your own pull request');
    }
    const review: StandInReview = { id: this.nextReviewId++, login, state, body, submittedAt: now(), commitId: this.pullHeadSha(repo, pull) };
    pull.reviews.push(review);
    pull.requestedReviewers = pull.requestedReviewers.filter((requested) => requested.toLowerCase() !== login.toLowerCase());
    pull.updatedAt = review.submittedAt;
    this.listeners.emit({ type: 'review', repository: fullName, number, login, state });
    this.deliverEvent('pull_request_review', repo, () => this.reviewPayload(fullName, repo, pull, review));
    return review;
  }

  /**
   * A person merges pull request `number` (what `PUT /pulls/{n}/merge` does): a merge commit on
   * the base branch, a `push` of it and a `pull_request` `closed` delivery with `merged: true`.
   * Answers the merge commit's sha; throws what GitHub would answer instead.
   */
  mergePullRequest(fullName: string, number: number, login = 'developer'): string {
    const answer = this.merge(fullName, number, {}, login);
    if (answer.status !== 200) throw new Error(`merging #${number} of ${fullName}: ${answer.status} ${messageOf((answer.body as { message?: unknown }).message ?? '')}`);
    return String((answer.body as { sha: string }).sha);
  }

  /**
   * A person closes pull request `number` without merging it (the "Close pull request" button,
   * `PATCH /pulls/{n}` with `state: closed`): its reviews and review requests stay, and each
   * webhook subscribed to `pull_request` gets a signed `closed` delivery with `merged: false`.
   * Throws when it is not open.
   */
  closePullRequest(fullName: string, number: number, login = 'developer'): void {
    const { repo, pull } = this.pullOf(fullName, number);
    if (pull.state !== 'open') throw new Error(`pull request #${number} of ${fullName} is ${pull.merged ? 'merged' : 'closed'} already`);
    const time = now();
    Object.assign(pull, { state: 'closed', updatedAt: time, closedAt: time });
    this.listeners.emit({ type: 'pull_request', repository: fullName, number, action: 'closed' });
    this.deliverEvent('pull_request', repo, () => this.pullRequestPayload('closed', fullName, repo, pull, login));
  }

  /**
   * A person reopens pull request `number`, closed without merging: it is open again with the
   * reviews and review requests it had, and each webhook subscribed to `pull_request` gets a
   * signed `reopened` delivery. Throws when it is open or merged (GitHub cannot reopen a merge).
   */
  reopenPullRequest(fullName: string, number: number, login = 'developer'): void {
    const { repo, pull } = this.pullOf(fullName, number);
    if (pull.state !== 'closed' || pull.merged) throw new Error(`pull request #${number} of ${fullName} is ${pull.merged ? 'merged' : 'open'}; only a pull request closed without merging can be reopened`);
    Object.assign(pull, { state: 'open', updatedAt: now(), closedAt: null });
    this.listeners.emit({ type: 'pull_request', repository: fullName, number, action: 'reopened' });
    this.deliverEvent('pull_request', repo, () => this.pullRequestPayload('reopened', fullName, repo, pull, login));
  }

  /** Sets a collaborator's role on a repository (`GET /collaborators` lists them; review requests then accept only them). */
  setCollaborator(fullName: string, login: string, role: StandInRole): void {
    const repo = this.repos.get(fullName);
    if (!repo) throw new Error(`no repository ${fullName}`);
    repo.collaborators ??= new Map();
    repo.collaborators.set(login, role);
  }

  /** Makes `login` a GitHub account `GET /users/{username}` answers, with its public e-mail and name. */
  setUser(login: string, profile: { email?: string | null; name?: string | null } = {}): void {
    this.people.set(login, { ...profile });
  }

  /** Sets the members of team `org/slug` (`GET /orgs/{org}/teams/{slug}/members`); an unknown team answers 404. */
  setTeamMembers(org: string, slug: string, logins: readonly string[]): void {
    this.teams.set(`${org}/${slug}`.toLowerCase(), [...logins]);
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
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/git\/ref\/(.+)$/.exec(path)) && method === 'GET') {
      return this.getRef(`${decode(match[1])}/${decode(match[2])}`, decode(match[3]));
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/git\/refs$/.exec(path)) && method === 'POST') {
      return this.createRef(`${decode(match[1])}/${decode(match[2])}`, body);
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path)) && (method === 'GET' || method === 'POST')) {
      const fullName = `${decode(match[1])}/${decode(match[2])}`;
      return method === 'GET' ? this.listPulls(fullName, url.searchParams) : this.createPull(fullName, body);
    }
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)(?:\/(commits|reviews|requested_reviewers|merge))?$/.exec(path))) {
      const fullName = `${decode(match[1])}/${decode(match[2])}`;
      const number = Number(match[3]);
      const part = match[4];
      if (part === undefined && method === 'GET') return this.getPull(fullName, number);
      if (part === 'commits' && method === 'GET') return this.pullCommits(fullName, number);
      if (part === 'reviews' && method === 'GET') return this.pullReviews(fullName, number);
      if (part === 'requested_reviewers' && (method === 'POST' || method === 'DELETE')) return this.requestedReviewers(fullName, number, method, body);
      if (part === 'merge' && method === 'PUT') return this.merge(fullName, number, body, this.options.login);
    }
    if (path === '/search/issues' && method === 'GET') return this.searchIssues(url.searchParams);
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/commits$/.exec(path)) && method === 'GET') {
      return this.listCommits(`${decode(match[1])}/${decode(match[2])}`, url.searchParams);
    }
    if ((match = /^\/users\/([^/]+)$/.exec(path)) && method === 'GET') return this.getUser(decode(match[1]));
    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/collaborators$/.exec(path)) && method === 'GET') {
      return this.collaborators(`${decode(match[1])}/${decode(match[2])}`, url.searchParams.get('permission'));
    }
    if ((match = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/members$/.exec(path)) && method === 'GET') {
      const members = this.teams.get(`${decode(match[1])}/${decode(match[2])}`.toLowerCase());
      return members ? { status: 200, body: members.map((login) => this.userJson(login)) } : notFound('teams/members#list-team-members');
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
    const commits = repo ? branchCommits(repo, branch) : undefined;
    const head = commits?.at(-1);
    if (!repo || !commits || !head || this.copying.has(fullName)) return branchNotFound();
    const api = `${this.baseUrl}/repos/${fullName}`;
    const web = `${this.options.webUrl}/${fullName}`;
    const parent = commits.at(-2);
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
        protected: protectionOf(repo, branch) !== null,
        protection_url: `${api}/branches/${branch}/protection`,
      },
    };
  }

  private protect(fullName: string, branch: string, body: unknown): Answer {
    const docs = 'branches/branch-protection#update-branch-protection';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    if (repo.commits.length === 0 || this.copying.has(fullName) || !branchCommits(repo, branch)) return branchNotFound();
    const input = protectionBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    if (branch === defaultBranchOf(repo)) repo.protection = structuredClone(body);
    else (repo.branchProtection ??= new Map()).set(branch, structuredClone(body));
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

  // ---- branches and pull requests ----

  private getRef(fullName: string, ref: string): Answer {
    const docs = 'git/refs#get-a-reference';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    const branch = /^heads\/(.+)$/.exec(ref)?.[1];
    const head = branch === undefined || this.copying.has(fullName) ? undefined : branchCommits(repo, branch)?.at(-1);
    if (!branch || !head) return notFound(docs);
    return { status: 200, body: this.refJson(fullName, branch, head.sha) };
  }

  private createRef(fullName: string, body: unknown): Answer {
    const docs = 'git/refs#create-a-reference';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    const input = createRefBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    if (repo.commits.length === 0 || this.copying.has(fullName)) return { status: 409, body: emptyRepositoryFixture };
    const branch = /^refs\/heads\/(.+)$/.exec(input.data.ref)?.[1];
    if (!branch) return { status: 422, body: { message: 'Reference name must start with refs/heads/ (the stand-in creates branches only)', documentation_url: `${DOCS}/${docs}`, status: '422' } };
    if (branchCommits(repo, branch)) return { status: 422, body: referenceExistsFixture };
    // The new branch's history: that of a branch holding the commit, up to it.
    const holder = [repo.commits, ...(repo.branches?.values() ?? [])].find((commits) => commits.some((commit) => commit.sha === input.data.sha));
    if (!holder) return { status: 422, body: { message: 'Object does not exist', documentation_url: `${DOCS}/${docs}`, status: '422' } };
    const history = holder.slice(0, holder.findIndex((commit) => commit.sha === input.data.sha) + 1);
    repo.branches ??= new Map();
    repo.branches.set(branch, history);
    this.listeners.emit({ type: 'branch', repository: fullName, branch, sha: input.data.sha });
    return { status: 201, body: this.refJson(fullName, branch, input.data.sha) };
  }

  private pushToBranch(fullName: string, repo: StandInRepo, branch: string, path: string, content: string, message: string, author: string): string {
    const commits = repo.branches?.get(branch);
    const head = commits?.at(-1);
    if (!commits || !head) throw new Error(`no branch ${branch} in ${fullName}`);
    const files = new Map(head.files);
    const existed = files.has(path);
    files.set(path, content);
    const commit = this.branchCommit(fullName, repo, branch, files, message, author);
    this.deliverPush(repo, head.sha, existed ? { modified: [path] } : { added: [path] }, author, branch);
    return commit.sha;
  }

  /** A new head commit of a branch other than the default one. */
  private branchCommit(fullName: string, repo: StandInRepo, branch: string, files: Map<string, string>, message: string, author: string): StandInCommit {
    const commits = repo.branches?.get(branch);
    if (!commits) throw new Error(`no branch ${branch} in ${fullName}`);
    const parent = commits.at(-1);
    const time = now();
    const sha = createHash('sha1')
      .update(`commit ${++this.commitCounter}\0tree ${treeSha(files)}\nparent ${parent?.sha ?? ''}\n${time}\n\n${message}`)
      .digest('hex');
    const commit: StandInCommit = { sha, files, message, time, author };
    commits.push(commit);
    const paths = [...new Set([...files.keys(), ...(parent?.files.keys() ?? [])])].filter((path) => files.get(path) !== parent?.files.get(path));
    this.listeners.emit({ type: 'commit', repository: fullName, sha, message, paths, branch });
    this.dismissStaleApprovals(fullName, repo, branch, author);
    return commit;
  }

  /**
   * GitHub's "Dismiss stale pull request approvals when new commits are pushed": after a new head
   * commit of `branch`, each approval of an open pull request from it, into a base whose
   * protection asks for it, given on another commit becomes DISMISSED, with a
   * `pull_request_review` `dismissed` delivery sent by `sender`.
   */
  private dismissStaleApprovals(fullName: string, repo: StandInRepo, branch: string, sender: string): void {
    for (const pull of repo.pulls ?? []) {
      if (pull.state !== 'open' || pull.head !== branch) continue;
      if (!protectionBody.safeParse(protectionOf(repo, pull.base)).data?.required_pull_request_reviews?.dismiss_stale_reviews) continue;
      const head = this.pullHeadSha(repo, pull);
      for (const review of pull.reviews) {
        if (review.state !== 'APPROVED' || review.commitId === head) continue;
        review.state = 'DISMISSED';
        pull.updatedAt = now();
        this.listeners.emit({ type: 'review', repository: fullName, number: pull.number, login: review.login, state: review.state });
        this.deliverEvent('pull_request_review', repo, () => this.reviewPayload(fullName, repo, pull, review, 'dismissed', sender));
      }
    }
  }

  private pullOf(fullName: string, number: number): { repo: StandInRepo; pull: StandInPullRequest } {
    const repo = this.repos.get(fullName);
    const pull = repo?.pulls?.find((candidate) => candidate.number === number);
    if (!repo || !pull) throw new Error(`no pull request #${number} in ${fullName}`);
    return { repo, pull };
  }

  /** The head commit: frozen at the merge, else the head branch's head now. */
  private pullHeadSha(repo: StandInRepo, pull: StandInPullRequest): string {
    return pull.mergedCommits?.at(-1)?.sha ?? branchCommits(repo, pull.head)?.at(-1)?.sha ?? ZERO_SHA;
  }

  /** The commits of head that base does not have. */
  private pullCommitList(repo: StandInRepo, pull: StandInPullRequest): StandInCommit[] {
    if (pull.mergedCommits) return pull.mergedCommits;
    const inBase = new Set((branchCommits(repo, pull.base) ?? []).map((commit) => commit.sha));
    return (branchCommits(repo, pull.head) ?? []).filter((commit) => !inBase.has(commit.sha));
  }

  private createPull(fullName: string, body: unknown): Answer {
    const docs = 'pulls/pulls#create-a-pull-request';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    const input = createPullBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    const headOwner = input.data.head.includes(':') ? input.data.head.split(':')[0] : repo.owner;
    const head = input.data.head.replace(/^[^:]*:/, '');
    const { base } = input.data;
    if (!branchCommits(repo, base)) return validationFailed('PullRequest', 'base', 'invalid', docs);
    if (headOwner !== repo.owner || !branchCommits(repo, head)) return validationFailed('PullRequest', 'head', 'invalid', docs);
    repo.pulls ??= [];
    if (repo.pulls.some((pull) => pull.state === 'open' && pull.head === head && pull.base === base)) {
      const exists = structuredClone(pullRequestExistsFixture);
      exists.errors[0]!.message = `A pull request already exists for ${repo.owner}:${head}.`;
      return { status: 422, body: exists };
    }
    const time = now();
    const pull: StandInPullRequest = {
      number: repo.pulls.length + 1,
      title: input.data.title,
      body: input.data.body ?? '',
      head,
      base,
      user: this.options.login,
      state: 'open',
      merged: false,
      mergedAt: null,
      mergeCommitSha: null,
      mergedBy: null,
      mergedCommits: null,
      requestedReviewers: [],
      reviews: [],
      createdAt: time,
      updatedAt: time,
      closedAt: null,
    };
    if (this.pullCommitList(repo, pull).length === 0) {
      return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }], documentation_url: `${DOCS}/${docs}`, status: '422' } };
    }
    repo.pulls.push(pull);
    this.listeners.emit({ type: 'pull_request', repository: fullName, number: pull.number, action: 'opened' });
    this.deliverEvent('pull_request', repo, () => this.pullRequestPayload('opened', fullName, repo, pull, this.options.login));
    return { status: 201, body: this.pullJson(fullName, repo, pull, true) };
  }

  private listPulls(fullName: string, query: URLSearchParams): Answer {
    const repo = this.repos.get(fullName);
    if (!repo) return notFound('pulls/pulls#list-pull-requests');
    const state = query.get('state') ?? 'open';
    const head = query.get('head');
    const base = query.get('base');
    const pulls = (repo.pulls ?? []).filter(
      (pull) =>
        (state === 'all' || pull.state === state) &&
        (head === null || head === `${repo.owner}:${pull.head}` || (!head.includes(':') && head === repo.owner)) &&
        (base === null || base === pull.base),
    );
    // GitHub lists the newest first.
    return { status: 200, body: [...pulls].reverse().map((pull) => this.pullJson(fullName, repo, pull, false)) };
  }

  private getPull(fullName: string, number: number): Answer {
    const repo = this.repos.get(fullName);
    const pull = repo?.pulls?.find((candidate) => candidate.number === number);
    if (!repo || !pull) return notFound('pulls/pulls#get-a-pull-request');
    return { status: 200, body: this.pullJson(fullName, repo, pull, true) };
  }

  private pullCommits(fullName: string, number: number): Answer {
    const repo = this.repos.get(fullName);
    const pull = repo?.pulls?.find((candidate) => candidate.number === number);
    if (!repo || !pull) return notFound('pulls/pulls#list-commits-on-a-pull-request');
    const commits = this.pullCommitList(repo, pull);
    return { status: 200, body: commits.map((commit, index) => this.commitItemJson(fullName, commit, index > 0 ? commits[index - 1] : undefined)) };
  }

  /**
   * `GET /repos/{owner}/{repo}/commits?sha=&per_page=&page=`: the branch's commits newest first,
   * paged as GitHub pages them, with a `Link` header (`next`, `last`, `prev`, `first`).
   */
  private listCommits(fullName: string, query: URLSearchParams): Answer {
    const repo = this.repos.get(fullName);
    if (!repo) return notFound('commits/commits#list-commits');
    if (this.copying.has(fullName) || repo.commits.length === 0) return { status: 409, body: { ...emptyRepositoryFixture } };
    const branch = query.get('sha') ?? defaultBranchOf(repo);
    const commits = branchCommits(repo, branch) ?? allCommits(repo).filter((commit) => commit.sha === branch || (branch.length >= 7 && commit.sha.startsWith(branch)));
    if (commits.length === 0) return { status: 404, body: { message: `No commit found for SHA: ${branch}`, documentation_url: `${DOCS}/commits/commits#list-commits`, status: '404' } };
    const history = branchCommits(repo, branch) ? commits : this.historyUpTo(repo, commits[0]!.sha);
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
    const pages = Math.max(1, Math.ceil(history.length / perPage));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const newestFirst = [...history].reverse();
    const items = newestFirst.slice((page - 1) * perPage, page * perPage).map((commit) => {
      const index = history.indexOf(commit);
      return this.commitItemJson(fullName, commit, index > 0 ? history[index - 1] : undefined);
    });
    const link = (n: number, rel: string) => `<${this.baseUrl}/repos/${fullName}/commits?sha=${encodeURIComponent(branch)}&per_page=${perPage}&page=${n}>; rel="${rel}"`;
    const links = [...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : []), ...(page < pages ? [link(page + 1, 'next'), link(pages, 'last')] : [])];
    return { status: 200, body: items, ...(links.length > 0 ? { headers: { link: links.join(', ') } } : {}) };
  }

  /** The commits of the branch a commit is on, up to and including it. */
  private historyUpTo(repo: StandInRepo, sha: string): StandInCommit[] {
    for (const commits of [repo.commits, ...(repo.branches?.values() ?? [])]) {
      const index = commits.findIndex((commit) => commit.sha === sha);
      if (index >= 0) return commits.slice(0, index + 1);
    }
    return [];
  }

  /** One "commit" item as the commit lists answer it (`commit-items.json`). */
  private commitItemJson(fullName: string, commit: StandInCommit, parent: StandInCommit | undefined): Record<string, unknown> {
    const [example] = commitItemsFixture;
    const api = `${this.baseUrl}/repos/${fullName}`;
    const web = `${this.options.webUrl}/${fullName}`;
    const login = commit.author ?? this.options.login;
    const who = { name: login, email: `${login}@users.noreply.github.com`, date: commit.time };
    return {
      ...example,
      url: `${api}/commits/${commit.sha}`,
      sha: commit.sha,
      node_id: nodeId('C_', commit.sha),
      html_url: `${web}/commit/${commit.sha}`,
      comments_url: `${api}/commits/${commit.sha}/comments`,
      commit: {
        ...example?.commit,
        url: `${api}/git/commits/${commit.sha}`,
        author: who,
        committer: who,
        message: commit.message,
        tree: { url: `${api}/git/trees/${treeSha(commit.files)}`, sha: treeSha(commit.files) },
      },
      author: this.userJson(login),
      committer: this.userJson(login),
      parents: parent ? [{ url: `${api}/commits/${parent.sha}`, sha: parent.sha }] : [],
    };
  }

  /** `GET /users/{username}`: "public-user", its `email` and `name` from {@link setUser} (null when not set). */
  private getUser(login: string): Answer {
    const known = [...this.people.entries()].find(([candidate]) => candidate.toLowerCase() === login.toLowerCase());
    if (!known) return notFound('users/users#get-a-user');
    const [spelled, profile] = known;
    return { status: 200, body: { ...this.userJson(spelled), name: profile.name ?? null, email: profile.email ?? null, company: null, blog: '', location: null, bio: null, public_repos: 0, followers: 0, following: 0, created_at: '2020-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z' } };
  }

  private pullReviews(fullName: string, number: number): Answer {
    const repo = this.repos.get(fullName);
    const pull = repo?.pulls?.find((candidate) => candidate.number === number);
    if (!repo || !pull) return notFound('pulls/reviews#list-reviews-for-a-pull-request');
    return { status: 200, body: pull.reviews.map((review) => this.reviewJson(fullName, pull, review)) };
  }

  private requestedReviewers(fullName: string, number: number, method: 'POST' | 'DELETE', body: unknown): Answer {
    const docs = method === 'POST' ? 'pulls/review-requests#request-reviewers-for-a-pull-request' : 'pulls/review-requests#remove-requested-reviewers-from-a-pull-request';
    const repo = this.repos.get(fullName);
    const pull = repo?.pulls?.find((candidate) => candidate.number === number);
    if (!repo || !pull) return notFound(docs);
    const input = reviewersBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    const logins = input.data.reviewers ?? [];
    const has = (list: readonly string[], login: string) => list.some((candidate) => candidate.toLowerCase() === login.toLowerCase());
    if (method === 'DELETE') {
      pull.requestedReviewers = pull.requestedReviewers.filter((login) => !has(logins, login));
      this.listeners.emit({ type: 'pull_request', repository: fullName, number, action: 'review_request_removed' });
      return { status: 200, body: this.pullJson(fullName, repo, pull, false) };
    }
    if (logins.some((login) => login.toLowerCase() === pull.user.toLowerCase())) {
      return { status: 422, body: { message: 'Review cannot be requested from pull request author.', documentation_url: `${DOCS}/${docs}`, status: '422' } };
    }
    const collaborators = repo.collaborators;
    if (collaborators && logins.some((login) => !has([...collaborators.keys()], login))) {
      return {
        status: 422,
        body: {
          message: `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${fullName} repository.`,
          documentation_url: `${DOCS}/${docs}`,
          status: '422',
        },
      };
    }
    for (const login of logins) if (!has(pull.requestedReviewers, login)) pull.requestedReviewers.push(login);
    this.listeners.emit({ type: 'pull_request', repository: fullName, number, action: 'review_requested' });
    return { status: 201, body: this.pullJson(fullName, repo, pull, false) };
  }

  private merge(fullName: string, number: number, body: unknown, by: string): Answer {
    const docs = 'pulls/pulls#merge-a-pull-request';
    const repo = this.repos.get(fullName);
    const pull = repo?.pulls?.find((candidate) => candidate.number === number);
    if (!repo || !pull) return notFound(docs);
    const input = mergeBody.safeParse(body ?? {});
    if (!input.success) return invalid(input.error, docs);
    if (pull.state !== 'open') return mergeNotAllowed('Pull Request is not mergeable', 405);
    const headSha = this.pullHeadSha(repo, pull);
    if (input.data.sha !== undefined && input.data.sha !== headSha) return mergeNotAllowed('Head branch was modified. Review and try the merge again.', 409);
    const reviewRules = protectionBody.safeParse(protectionOf(repo, pull.base)).data?.required_pull_request_reviews;
    const required = reviewRules ? (reviewRules.required_approving_review_count ?? 1) : 0;
    const approvals = new Set<string>();
    const latest = new Map(pull.reviews.filter((review) => review.state !== 'COMMENTED').map((review) => [review.login.toLowerCase(), review.state]));
    for (const [login, state] of latest) if (state === 'APPROVED') approvals.add(login);
    if (approvals.size < required) {
      return mergeNotAllowed(`At least ${required} approving review${required === 1 ? ' is' : 's are'} required by reviewers with write access.`, 405);
    }
    const commits = this.pullCommitList(repo, pull);
    const headFiles = branchCommits(repo, pull.head)?.at(-1)?.files ?? new Map<string, string>();
    const baseHead = branchCommits(repo, pull.base)?.at(-1);
    // A merge whose base did not move since head branched off takes head's tree; otherwise head's files win over base's.
    const files = new Map([...(baseHead?.files ?? []), ...headFiles]);
    const message = input.data.commit_title ?? `Merge pull request #${number} from ${repo.owner}/${pull.head}`;
    const fullMessage = `${message}\n\n${input.data.commit_message ?? pull.title}`;
    const before = baseHead?.sha ?? ZERO_SHA;
    const paths = [...files.keys()].filter((path) => files.get(path) !== baseHead?.files.get(path));
    let sha: string;
    if (pull.base === defaultBranchOf(repo)) {
      repo.files = files;
      sha = this.commit(repo, fullMessage, by);
    } else {
      sha = this.branchCommit(fullName, repo, pull.base, files, fullMessage, by).sha;
    }
    const time = now();
    Object.assign(pull, { state: 'closed', merged: true, mergedAt: time, mergeCommitSha: sha, mergedBy: by, mergedCommits: commits, updatedAt: time, closedAt: time });
    this.deliverPush(repo, before, { modified: paths }, by, pull.base);
    this.listeners.emit({ type: 'pull_request', repository: fullName, number, action: 'closed' });
    this.deliverEvent('pull_request', repo, () => this.pullRequestPayload('closed', fullName, repo, pull, by));
    return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  }

  /** "Search issues and pull requests", for the qualifiers review load needs: is:pr, is:open/closed/merged, review-requested:, reviewed-by:, author:, org:, repo:, created:>=/<=/>/</=. */
  private searchIssues(query: URLSearchParams): Answer {
    const q = query.get('q') ?? '';
    const searchHeaders = { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '29', 'X-RateLimit-Resource': 'search', 'X-RateLimit-Used': '1' };
    if (q.trim() === '') return { ...validationFailed('Search', 'q', 'missing', 'search/search#search-issues-and-pull-requests'), headers: searchHeaders };
    const tests: Array<(repo: StandInRepo, pull: StandInPullRequest) => boolean> = [];
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    for (const token of q.trim().split(/\s+/)) {
      const [key = '', ...rest] = token.split(':');
      const value = rest.join(':');
      if (key === 'is' && value === 'open') tests.push((_repo, pull) => pull.state === 'open');
      else if (key === 'is' && value === 'closed') tests.push((_repo, pull) => pull.state === 'closed');
      else if (key === 'is' && value === 'merged') tests.push((_repo, pull) => pull.merged);
      else if (key === 'review-requested') tests.push((_repo, pull) => pull.requestedReviewers.some((login) => same(login, value)));
      else if (key === 'reviewed-by') tests.push((_repo, pull) => pull.reviews.some((review) => same(review.login, value)));
      else if (key === 'author') tests.push((_repo, pull) => same(pull.user, value));
      else if (key === 'org' || key === 'user') tests.push((repo) => same(repo.owner, value));
      else if (key === 'repo') tests.push((repo) => same(`${repo.owner}/${repo.name}`, value));
      else if (key === 'created') {
        const [, operator = '=', date = ''] = /^(>=|<=|>|<)?(.+)$/.exec(value) ?? [];
        tests.push((_repo, pull) => {
          const created = pull.createdAt.slice(0, date.length);
          return operator === '>=' ? created >= date : operator === '<=' ? created <= date : operator === '>' ? created > date : operator === '<' ? created < date : created === date;
        });
      }
      // is:pr, is:issue and free text: every item of the stand-in is a pull request.
      else if (key === 'is' && value === 'issue') tests.push(() => false);
    }
    const found = [...this.repos.entries()].flatMap(([fullName, repo]) =>
      (repo.pulls ?? []).filter((pull) => tests.every((test) => test(repo, pull))).map((pull) => ({ fullName, repo, pull })),
    );
    if (query.get('sort') === 'created') {
      found.sort((a, b) => a.pull.createdAt.localeCompare(b.pull.createdAt) || a.pull.number - b.pull.number);
      if (query.get('order') !== 'asc') found.reverse();
    }
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
    const [example] = issueSearchFixture.items;
    return {
      status: 200,
      headers: searchHeaders,
      body: {
        total_count: found.length,
        incomplete_results: false,
        items: found.slice(0, perPage).map(({ fullName, pull }) => {
          const api = `${this.baseUrl}/repos/${fullName}`;
          const html = `${this.options.webUrl}/${fullName}/pull/${pull.number}`;
          return {
            ...example,
            url: `${api}/issues/${pull.number}`,
            repository_url: api,
            html_url: html,
            id: this.repoId(fullName) * 1000 + pull.number,
            node_id: nodeId('PR_', `${fullName}#${pull.number}`),
            number: pull.number,
            title: pull.title,
            user: this.userJson(pull.user),
            state: pull.state,
            created_at: pull.createdAt,
            updated_at: pull.updatedAt,
            closed_at: pull.closedAt,
            body: pull.body,
            pull_request: { url: `${api}/pulls/${pull.number}`, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: pull.mergedAt },
          };
        }),
      },
    };
  }

  private collaborators(fullName: string, permission: string | null): Answer {
    const docs = 'collaborators/collaborators#list-repository-collaborators';
    const repo = this.repos.get(fullName);
    if (!repo) return notFound(docs);
    if (permission !== null && PERMISSION_LEVEL[permission] === undefined) return validationFailed('Collaborator', 'permission', 'invalid', docs);
    const least = permission === null ? 0 : (PERMISSION_LEVEL[permission] ?? 0);
    const [example] = collaboratorFixture;
    return {
      status: 200,
      body: [...(repo.collaborators ?? new Map<string, StandInRole>())]
        .filter(([, role]) => ROLE_LEVEL[role] >= least)
        .map(([login, role]) => ({
          ...example,
          ...this.userJson(login),
          permissions: { pull: true, triage: ROLE_LEVEL[role] >= 2, push: ROLE_LEVEL[role] >= 3, maintain: ROLE_LEVEL[role] >= 4, admin: ROLE_LEVEL[role] >= 5 },
          role_name: role,
        })),
    };
  }

  // ---- JSON of branches, pull requests and reviews ----

  private refJson(fullName: string, branch: string, sha: string): Record<string, unknown> {
    const api = `${this.baseUrl}/repos/${fullName}`;
    return {
      ...gitRefFixture,
      ref: `refs/heads/${branch}`,
      node_id: nodeId('REF_', `${fullName}:refs/heads/${branch}`),
      url: `${api}/git/refs/heads/${branch}`,
      object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
    };
  }

  private userJson(login: string): Record<string, unknown> {
    const id = Number.parseInt(createHash('sha1').update(login.toLowerCase()).digest('hex').slice(0, 7), 16);
    return {
      ...pullRequestFixture.user,
      login,
      id,
      node_id: nodeId('U_', String(id)),
      avatar_url: `${this.options.webUrl}/${login}.png`,
      url: `${this.baseUrl}/users/${login}`,
      html_url: `${this.options.webUrl}/${login}`,
    };
  }

  private pullJson(fullName: string, repo: StandInRepo, pull: StandInPullRequest, full: boolean): Record<string, unknown> {
    const api = `${this.baseUrl}/repos/${fullName}`;
    const html = `${this.options.webUrl}/${fullName}/pull/${pull.number}`;
    const headSha = this.pullHeadSha(repo, pull);
    const baseSha = branchCommits(repo, pull.base)?.at(-1)?.sha ?? ZERO_SHA;
    const owner = this.userJson(repo.owner);
    const { merged: _merged, mergeable: _mergeable, rebaseable: _rebaseable, mergeable_state: _state, merged_by: _by, comments: _comments, review_comments: _reviewComments, maintainer_can_modify: _modify, commits: _commits, additions: _additions, deletions: _deletions, changed_files: _changed, ...simple } =
      pullRequestFixture;
    const commits = this.pullCommitList(repo, pull);
    const json: Record<string, unknown> = {
      ...simple,
      url: `${api}/pulls/${pull.number}`,
      id: this.repoId(fullName) * 1000 + pull.number,
      node_id: nodeId('PR_', `${fullName}#${pull.number}`),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${pull.number}`,
      commits_url: `${api}/pulls/${pull.number}/commits`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: this.userJson(pull.user),
      body: pull.body,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: pull.requestedReviewers.map((login) => this.userJson(login)),
      requested_teams: [],
      head: { label: `${repo.owner}:${pull.head}`, ref: pull.head, sha: headSha, user: owner },
      base: { label: `${repo.owner}:${pull.base}`, ref: pull.base, sha: baseSha, user: owner },
      author_association: pull.user === repo.owner ? 'OWNER' : 'MEMBER',
      draft: false,
    };
    if (!full) return json;
    const changed = new Set(commits.flatMap((commit, index) => {
      const before = index > 0 ? commits[index - 1]?.files : undefined;
      return [...commit.files.keys()].filter((path) => before === undefined || commit.files.get(path) !== before.get(path));
    }));
    return {
      ...json,
      merged: pull.merged,
      mergeable: pull.state === 'open' ? true : null,
      rebaseable: pull.state === 'open' ? true : null,
      mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
      merged_by: pull.mergedBy === null ? null : this.userJson(pull.mergedBy),
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: commits.length,
      additions: 0,
      deletions: 0,
      changed_files: changed.size,
    };
  }

  private reviewJson(fullName: string, pull: StandInPullRequest, review: StandInReview): Record<string, unknown> {
    const html = `${this.options.webUrl}/${fullName}/pull/${pull.number}#pullrequestreview-${review.id}`;
    const pullUrl = `${this.baseUrl}/repos/${fullName}/pulls/${pull.number}`;
    return {
      ...reviewItemsFixture[0],
      id: review.id,
      node_id: nodeId('PRR_', String(review.id)),
      user: this.userJson(review.login),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pullUrl,
      _links: { html: { href: html }, pull_request: { href: pullUrl } },
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
      author_association: 'MEMBER',
    };
  }

  // ---- webhooks of pull requests ----

  private deliverEvent(event: 'pull_request' | 'pull_request_review', repo: StandInRepo, payload: () => Record<string, unknown>): void {
    const hooks = this.hooks.filter((hook) => hook.events.includes(event) || hook.events.includes('*'));
    if (hooks.length === 0) return;
    const body = JSON.stringify(payload());
    for (const hook of hooks) this.deliver(hook, event, `${repo.owner}/${repo.name}`, body);
  }

  /** Rewrites a part of a published example for this repository: its name, owner and the API and web addresses. */
  private exampleRewriter(exampleRepository: Record<string, unknown>, fullName: string, repo: StandInRepo): <T>(value: T) => T {
    const exampleName = String(exampleRepository.full_name);
    const exampleOwner = exampleName.split('/')[0] ?? '';
    return <T>(value: T): T =>
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
  }

  /** The `repository` and `sender` of a delivery, from an example rewritten for this repository. */
  private webhookContext(fullName: string, repo: StandInRepo, example: { repository: unknown; sender: unknown }, sender: string): { repository: Record<string, unknown>; sender: Record<string, unknown> } {
    const exampleRepository = example.repository as Record<string, unknown>;
    const rewrite = this.exampleRewriter(exampleRepository, fullName, repo);
    const web = `${this.options.webUrl}/${fullName}`;
    const branch = defaultBranchOf(repo);
    const repository = Object.assign(rewrite(exampleRepository), {
      id: this.repoId(fullName),
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      html_url: web,
      description: repo.description || null,
      url: `${this.baseUrl}/repos/${fullName}`,
      default_branch: branch,
      is_template: repo.isTemplate ?? false,
      topics: [...repo.topics],
      visibility: repo.private ? 'private' : 'public',
    });
    return { repository, sender: { ...rewrite(example.sender as Record<string, unknown>), ...this.userJson(sender) } };
  }

  /** A `pull_request` delivery: the example of the action from @octokit/webhooks-examples, rewritten for this pull request. */
  private pullRequestPayload(action: 'opened' | 'closed' | 'reopened', fullName: string, repo: StandInRepo, pull: StandInPullRequest, sender: string): Record<string, unknown> {
    const examples = webhookExamplesOf('pull_request');
    const example = structuredClone(examples.find((candidate) => candidate.action === action) ?? examples[0]!) as unknown as Record<string, unknown> & { repository: unknown; sender: unknown; pull_request: Record<string, unknown> };
    const { installation: _installation, organization: _organization, ...rest } = example;
    const context = this.webhookContext(fullName, repo, example, sender);
    const { _links: _ignored, ...pullFields } = example.pull_request;
    return {
      ...rest,
      action,
      number: pull.number,
      pull_request: { ...pullFields, ...this.pullJson(fullName, repo, pull, true), labels: [], milestone: null, auto_merge: null, active_lock_reason: null },
      ...context,
    };
  }

  /** A `pull_request_review` `submitted` delivery: the example rewritten for this review (its state lowercase, as webhooks spell it). */
  private reviewPayload(
    fullName: string,
    repo: StandInRepo,
    pull: StandInPullRequest,
    review: StandInReview,
    action: 'submitted' | 'dismissed' = 'submitted',
    sender = review.login,
  ): Record<string, unknown> {
    const example = structuredClone(webhookExamplesOf('pull_request_review').find((candidate) => candidate.action === action)!) as unknown as Record<string, unknown> & {
      repository: unknown;
      sender: unknown;
      pull_request: Record<string, unknown>;
      review: Record<string, unknown>;
    };
    const { installation: _installation, organization: _organization, ...rest } = example;
    const context = this.webhookContext(fullName, repo, example, sender);
    const { merged: _m, mergeable: _a, rebaseable: _b, mergeable_state: _c, merged_by: _d, comments: _e, review_comments: _f, maintainer_can_modify: _g, commits: _h, additions: _i, deletions: _j, changed_files: _k, ...simple } =
      this.pullJson(fullName, repo, pull, true);
    return {
      ...rest,
      action,
      review: { ...example.review, ...this.reviewJson(fullName, pull, review), state: review.state.toLowerCase() },
      pull_request: { ...example.pull_request, ...simple },
      ...context,
    };
  }

  // ---- state ----

  private filesAt(repo: StandInRepo, ref: string | null): Map<string, string> | undefined {
    const branch = defaultBranchOf(repo);
    if (ref === null || ref === '' || ref === branch || ref === `refs/heads/${branch}`) return repo.files;
    const other = repo.branches?.get(ref.replace(/^refs\/heads\//, ''))?.at(-1);
    if (other) return other.files;
    if (!/^[0-9a-f]{7,40}$/i.test(ref)) return undefined;
    const found = [...new Map(allCommits(repo).map((commit) => [commit.sha, commit])).values()].filter((commit) => commit.sha.startsWith(ref.toLowerCase()));
    return found.length === 1 ? found[0]?.files : undefined;
  }

  /** Records the files as they are now as the default branch's new head commit. */
  private commit(repo: StandInRepo, message: string, author?: string): string {
    const parent = repo.commits.at(-1)?.sha ?? '';
    const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const files = new Map(repo.files);
    const sha = createHash('sha1')
      .update(`commit ${++this.commitCounter}\0tree ${treeSha(files)}\nparent ${parent}\n${time}\n\n${message}`)
      .digest('hex');
    const previous = repo.commits.at(-1)?.files;
    repo.commits.push({ sha, files, message, time, ...(author === undefined ? {} : { author }) });
    const paths = [...new Set([...files.keys(), ...(previous?.keys() ?? [])])].filter((path) => files.get(path) !== previous?.get(path));
    this.listeners.emit({ type: 'commit', repository: `${repo.owner}/${repo.name}`, sha, message, paths });
    this.dismissStaleApprovals(`${repo.owner}/${repo.name}`, repo, defaultBranchOf(repo), author ?? this.options.login);
    return sha;
  }

  // ---- webhooks ----

  private deliverPush(repo: StandInRepo, before: string, change: { added?: string[]; modified?: string[] }, pusher: string, branch = defaultBranchOf(repo)): void {
    const hooks = this.hooks.filter((hook) => hook.events.includes('push') || hook.events.includes('*'));
    if (hooks.length === 0) return;
    const head = branchCommits(repo, branch)?.at(-1);
    if (!head) return;
    const fullName = `${repo.owner}/${repo.name}`;
    const payload = this.pushPayload(fullName, repo, before, head, change, pusher, branch);
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
    pushedBranch?: string,
  ): Record<string, unknown> {
    const example = defaultBranchPushExample() as unknown as Record<string, unknown> & { repository: Record<string, unknown>; sender: Record<string, unknown> };
    const rewrite = this.exampleRewriter(example.repository, fullName, repo);
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
      ref: `refs/heads/${pushedBranch ?? branch}`,
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

/** The protection body last PUT for `branch`, or null when it is not protected. */
function protectionOf(repo: StandInRepo, branch: string): unknown {
  const rules = branch === defaultBranchOf(repo) ? repo.protection : repo.branchProtection?.get(branch);
  return rules ?? null;
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

/** The commits of `branch`, oldest first: the default branch's, or another one's; undefined when there is no such branch. */
function branchCommits(repo: StandInRepo, branch: string): StandInCommit[] | undefined {
  const name = branch.replace(/^refs\/heads\//, '');
  if (name === defaultBranchOf(repo)) return repo.commits.length > 0 ? repo.commits : undefined;
  return repo.branches?.get(name);
}

/** Every commit of every branch (a commit on several branches appears once per branch). */
function allCommits(repo: StandInRepo): StandInCommit[] {
  return [...repo.commits, ...[...(repo.branches?.values() ?? [])].flat()];
}

const ROLE_LEVEL: Readonly<Record<StandInRole, number>> = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };
/** `permission` of "List repository collaborators" → the least role that has it. */
const PERMISSION_LEVEL: Readonly<Record<string, number>> = { pull: 1, triage: 2, push: 3, maintain: 4, admin: 5 };

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function mergeNotAllowed(message: string, status: number): Answer {
  return { status, body: { message, documentation_url: `${DOCS}/pulls/pulls#merge-a-pull-request`, status: String(status) } };
}
