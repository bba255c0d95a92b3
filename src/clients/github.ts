import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ClientError, describeCause, genericHint, unexpectedAnswer } from './errors.ts';
import {
  headerValue,
  isRetryableStatus,
  realSleep,
  resolveRetryPolicy,
  retryDelayMs,
  withRetry,
  type HeadersLike,
  type RetryOptions,
  type RetryPolicy,
  type RetryVerdict,
} from './retry.ts';

/** A personal or fine-grained token, or a GitHub App installation. */
export type GitHubAuth =
  | { readonly token: string }
  | { readonly appId: number | string; readonly privateKey: string; readonly installationId: number | string };

/** Options of {@link GitHubClient}. */
export interface GitHubClientOptions {
  /** REST root; GitHub Enterprise Server: `https://ghe.example.com/api/v3`. Default `https://api.github.com`. */
  readonly baseUrl?: string;
  readonly auth: GitHubAuth;
  readonly retry?: RetryOptions;
  /**
   * How often {@link GitHubClient.putFile} tries again while a repository just generated from a
   * template is still empty (404/409 "Git Repository is empty"), with the retry back-off.
   */
  readonly freshRepositoryRetries?: number;
  readonly log?: Logger;
}

export interface GitHubRepository {
  readonly fullName: string;
  readonly htmlUrl: string;
  readonly defaultBranch: string;
  readonly private: boolean;
  /** The repository's description; the lifecycle writes the issue key into it to recognise its own repositories. */
  readonly description: string | null;
}

export interface CreateFromTemplateInput {
  readonly template: { readonly owner: string; readonly repo: string };
  readonly owner: string;
  readonly name: string;
  readonly description: string;
  readonly private: boolean;
}

export interface PutFileInput {
  readonly owner: string;
  readonly repo: string;
  readonly path: string;
  /** UTF-8 text; the client encodes it. */
  readonly content: string;
  readonly message: string;
  /** Default: the repository's default branch. */
  readonly branch?: string;
}

/** Built-in repository roles; organisations may define custom role names too. */
export type TeamPermission = 'pull' | 'triage' | 'push' | 'maintain' | 'admin' | (string & {});

export interface ProtectBranchInput {
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  readonly requiredApprovals: number;
  /** Status check contexts that must pass; empty: none required. */
  readonly requiredStatusChecks: readonly string[];
  /** Apply the rules to administrators too. Default false. */
  readonly enforceAdmins?: boolean;
}

const repositoryAnswer = z.object({
  full_name: z.string(),
  html_url: z.string(),
  default_branch: z.string(),
  private: z.boolean(),
  description: z.string().nullable().optional(),
});

const fileAnswer = z.object({
  type: z.literal('file'),
  sha: z.string(),
  content: z.string(),
  encoding: z.string(),
});

/** What Octokit's RequestError carries; matched by shape so no undeclared package is imported. */
interface HttpErrorLike {
  readonly status: number;
  readonly message: string;
  readonly response?: { readonly headers: HeadersLike; readonly data: unknown };
}

function asHttpError(error: unknown): HttpErrorLike | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { name?: unknown; status?: unknown };
  return candidate.name === 'HttpError' && typeof candidate.status === 'number' ? (error as HttpErrorLike) : undefined;
}

/**
 * A thin typed client for the GitHub calls the lifecycle makes (github.com or GitHub
 * Enterprise Server), over `@octokit/rest`. Retries live in one `request` hook, so every
 * call — including the App's installation-token exchange — is retried on 429, 5xx and rate
 * limits, honouring `Retry-After` and `x-ratelimit-reset`. (With @octokit/plugin-retry and
 * @octokit/plugin-throttling installed, the hook could give way to them.)
 */
export class GitHubClient {
  private readonly octokit: Octokit;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly freshRepositoryRetries: number;
  private readonly log: Logger | undefined;

  constructor(options: GitHubClientOptions) {
    this.policy = resolveRetryPolicy(options.retry);
    this.sleep = options.retry?.sleep ?? realSleep;
    this.freshRepositoryRetries = options.freshRepositoryRetries ?? 6;
    this.log = options.log;
    const auth = options.auth;
    this.octokit = new Octokit({
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl.replace(/\/+$/, '') }),
      userAgent: 'model-lifecycle',
      log: octokitLog(options.log),
      ...('token' in auth
        ? { auth: auth.token }
        : { authStrategy: createAppAuth, auth: { appId: auth.appId, privateKey: auth.privateKey, installationId: auth.installationId } }),
    });
    this.octokit.hook.wrap('request', (request, requestOptions) =>
      withRetry(async () => request(requestOptions), {
        // A write that must not be resent blindly: its caller reads the target again first.
        policy: (requestOptions.request as { lookBeforeRepeat?: boolean } | undefined)?.lookBeforeRepeat ? { ...this.policy, retries: 0 } : this.policy,
        classify: classifyGitHubError,
        what: `GitHub ${requestOptions.method} ${requestOptions.url}`,
        log: this.log,
        sleep: this.sleep,
      }),
    );
  }

  /** The repository, or null when it does not exist (or the credentials cannot see it). */
  async getRepo(owner: string, name: string): Promise<GitHubRepository | null> {
    try {
      const { data } = await this.octokit.rest.repos.get({ owner, repo: name });
      return toRepository(data, `reading repository ${owner}/${name}`);
    } catch (error) {
      if (asHttpError(error)?.status === 404) return null;
      throw gitHubFailure(error, `reading repository ${owner}/${name}`);
    }
  }

  /**
   * Generates `owner/name` from a template repository unless it exists already: looks first,
   * and on 422 "name already exists" (a concurrent or earlier run won) reads the existing one.
   */
  async createRepoFromTemplate(input: CreateFromTemplateInput): Promise<GitHubRepository & { created: boolean }> {
    const operation = `creating repository ${input.owner}/${input.name} from template ${input.template.owner}/${input.template.repo}`;
    const existing = await this.getRepo(input.owner, input.name);
    if (existing) return { ...existing, created: false };
    try {
      const { data } = await this.octokit.rest.repos.createUsingTemplate({
        template_owner: input.template.owner,
        template_repo: input.template.repo,
        owner: input.owner,
        name: input.name,
        description: input.description,
        private: input.private,
        include_all_branches: false,
      });
      return { ...toRepository(data, operation), created: true };
    } catch (error) {
      if (asHttpError(error)?.status === 422 && /already exists/i.test(gitHubErrorText(asHttpError(error)?.response?.data) ?? '')) {
        const raced = await this.getRepo(input.owner, input.name);
        if (raced) return { ...raced, created: false };
      }
      throw gitHubFailure(error, operation, {
        404: 'check github.template in the policy file and that the token can read it',
        403: 'the token needs permission to create repositories in the organisation',
        422: 'check the repository name and that the template is marked as a template repository',
      });
    }
  }

  /**
   * Writes one file on a branch when its content differs: reads it first, skips identical
   * content, updates with the current blob sha. A repository generated from a template moments
   * ago answers 404/409 until GitHub has copied the template, and 422 "sha wasn't supplied"
   * when the copy lands between the read and the write; both are waited out (and the file read
   * again) a bounded number of times. A write whose answer got lost (no answer, 5xx) is not
   * resent blindly either: the file is read again, and an identical file means it landed.
   */
  async putFile(input: PutFileInput): Promise<{ changed: boolean }> {
    const where = `${input.owner}/${input.repo}:${input.path}${input.branch ? `@${input.branch}` : ''}`;
    const operation = `writing ${where}`;
    let sent = false;
    let lostAnswers = 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const current = await this.readFile(input);
        if (current !== null && current.text === input.content) return { changed: sent };
        sent = true;
        await this.octokit.rest.repos.createOrUpdateFileContents({
          request: { lookBeforeRepeat: true },
          owner: input.owner,
          repo: input.repo,
          path: input.path,
          message: input.message,
          content: Buffer.from(input.content, 'utf8').toString('base64'),
          ...(current === null ? {} : { sha: current.sha }),
          ...(input.branch === undefined ? {} : { branch: input.branch }),
        });
        return { changed: true };
      } catch (error) {
        const http = asHttpError(error);
        const status = http?.status;
        // 404/409: the template copy has not landed yet. 422 naming the sha: the file changed
        // between our read and our write (the copy landed meanwhile); read it again.
        const staleSha = status === 422 && /\bsha\b/i.test(gitHubErrorText(http?.response?.data) ?? '');
        const verdict = classifyGitHubError(error);
        if (verdict.retry && lostAnswers < this.policy.retries) {
          lostAnswers += 1;
          const delay = retryDelayMs(lostAnswers, verdict.headers, this.policy);
          this.log?.warn({ where, status, retry: lostAnswers, delayMs: delay }, 'file write got no clear answer; reading the file again before any retry');
          await this.sleep(delay);
          continue;
        }
        if ((status === 404 || status === 409 || staleSha) && attempt < this.freshRepositoryRetries) {
          const delay = retryDelayMs(attempt + 1, undefined, this.policy);
          this.log?.info({ where, status, retry: attempt + 1, delayMs: delay }, 'repository not ready for writes yet; waiting');
          await this.sleep(delay);
          continue;
        }
        throw gitHubFailure(error, operation, {
          404: `check that repository ${input.owner}/${input.repo}${input.branch ? ` and branch ${input.branch}` : ''} exist and that the token can write contents`,
          409: 'the repository is still empty or the branch moved meanwhile; the engine retries the task',
          422: 'GitHub rejected the file update',
        });
      }
    }
  }

  /** Replaces the repository's topics (PUT: the same call twice changes nothing). */
  async setTopics(input: { owner: string; repo: string; topics: readonly string[] }): Promise<void> {
    try {
      await this.octokit.rest.repos.replaceAllTopics({ owner: input.owner, repo: input.repo, names: [...input.topics] });
    } catch (error) {
      throw gitHubFailure(error, `setting the topics of ${input.owner}/${input.repo}`, {
        422: 'topics must be lowercase letters, digits and hyphens, at most 50 characters',
      });
    }
  }

  /** Gives a team a role on the repository (PUT: idempotent). */
  async grantTeam(input: { org: string; teamSlug: string; owner: string; repo: string; permission: TeamPermission }): Promise<void> {
    try {
      await this.octokit.rest.teams.addOrUpdateRepoPermissionsInOrg({
        org: input.org,
        team_slug: input.teamSlug,
        owner: input.owner,
        repo: input.repo,
        permission: input.permission,
      });
    } catch (error) {
      throw gitHubFailure(error, `granting team ${input.org}/${input.teamSlug} ${input.permission} on ${input.owner}/${input.repo}`, {
        404: 'check teams[].github_team in the policy file and that the token can administer the repository',
        422: 'check the permission name in the policy file',
      });
    }
  }

  /** Requires reviews and passing checks on a branch (PUT: the rules are replaced as a whole). */
  async protectBranch(input: ProtectBranchInput): Promise<void> {
    try {
      await this.octokit.rest.repos.updateBranchProtection({
        owner: input.owner,
        repo: input.repo,
        branch: input.branch,
        required_status_checks: input.requiredStatusChecks.length > 0 ? { strict: true, contexts: [...input.requiredStatusChecks] } : null,
        enforce_admins: input.enforceAdmins ?? false,
        required_pull_request_reviews: { required_approving_review_count: input.requiredApprovals, dismiss_stale_reviews: true },
        restrictions: null,
      });
    } catch (error) {
      throw gitHubFailure(error, `protecting branch ${input.branch} of ${input.owner}/${input.repo}`, {
        404: `check that branch ${input.branch} exists and that the token can administer the repository`,
        403: 'branch protection needs admin rights on the repository (and, for private repositories, a plan that offers it)',
      });
    }
  }

  private async readFile(input: PutFileInput): Promise<{ sha: string; text: string } | null> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({
        owner: input.owner,
        repo: input.repo,
        path: input.path,
        ...(input.branch === undefined ? {} : { ref: input.branch }),
      });
      const parsed = fileAnswer.safeParse(data);
      if (!parsed.success) {
        throw new ClientError({
          system: 'GitHub',
          operation: `reading ${input.owner}/${input.repo}:${input.path}`,
          status: 200,
          problem: `${input.path} is not a file`,
          retryable: false,
        });
      }
      const text = parsed.data.encoding === 'base64' ? Buffer.from(parsed.data.content, 'base64').toString('utf8') : parsed.data.content;
      return { sha: parsed.data.sha, text };
    } catch (error) {
      if (asHttpError(error)?.status === 404) return null;
      throw error;
    }
  }

  /** The commit a branch points at now; a lifecycle pins everything it reads to it. */
  async branchHead(owner: string, repo: string, branch: string): Promise<{ sha: string }> {
    const operation = `reading the head of ${owner}/${repo}@${branch}`;
    try {
      const { data } = await this.octokit.rest.repos.getBranch({ owner, repo, branch });
      const parsed = branchAnswer.safeParse(data);
      if (!parsed.success) throw unexpectedAnswer('GitHub', operation, parsed.error, 'check GITHUB_API_URL: GitHub Enterprise Server needs https://HOST/api/v3');
      return { sha: parsed.data.commit.sha };
    } catch (error) {
      throw gitHubFailure(error, operation, { 404: `the repository or branch ${branch} does not exist, or the service cannot see it` });
    }
  }

  /** A file's text at a commit, or null when the commit has no such file. */
  async readFileAt(owner: string, repo: string, path: string, ref: string): Promise<string | null> {
    try {
      const found = await this.readFile({ owner, repo, path, content: '', message: '', branch: ref });
      return found?.text ?? null;
    } catch (error) {
      throw gitHubFailure(error, `reading ${owner}/${repo}:${path}@${ref.slice(0, 12)}`);
    }
  }
  /**
   * Paths of every file under `dir` at a commit, walking the directory listings of the contents
   * API (`GET /repos/{owner}/{repo}/contents/{dir}?ref=`); empty when the commit has no such
   * directory. Sorted by path.
   */
  async listFilesAt(owner: string, repo: string, dir: string, ref: string): Promise<string[]> {
    const operation = `listing ${owner}/${repo}:${dir}@${ref.slice(0, 12)}`;
    const files: string[] = [];
    const walk = async (path: string, depth: number): Promise<void> => {
      let data: unknown;
      try {
        ({ data } = await this.octokit.rest.repos.getContent({ owner, repo, path, ref }));
      } catch (error) {
        if (asHttpError(error)?.status === 404) return;
        throw gitHubFailure(error, operation);
      }
      if (!Array.isArray(data)) return;
      for (const entry of data as Array<{ type?: unknown; path?: unknown }>) {
        if (typeof entry.path !== 'string') continue;
        if (entry.type === 'file') files.push(entry.path);
        else if (entry.type === 'dir' && depth < 8) await walk(entry.path, depth + 1);
      }
    };
    await walk(dir, 0);
    return files.sort();
  }

  // ---- review: the release branch, its pull request, reviewers and their load ----

  /**
   * Makes sure `branch` exists, pointing it at `fromSha` when it must be created: reads the ref
   * first, creates it when missing, and on 422 "Reference already exists" (a concurrent or
   * earlier run won) reads it again. An existing branch is left where it points.
   */
  async ensureBranch(owner: string, repo: string, branch: string, fromSha: string): Promise<{ sha: string; created: boolean }> {
    const operation = `creating branch ${branch} of ${owner}/${repo} at ${fromSha.slice(0, 12)}`;
    const existing = await this.branchRef(owner, repo, branch);
    if (existing) return { sha: existing, created: false };
    try {
      const { data } = await this.octokit.rest.git.createRef({ request: { lookBeforeRepeat: true }, owner, repo, ref: `refs/heads/${branch}`, sha: fromSha });
      return { sha: parseAnswer(gitRefAnswer, data, operation).object.sha, created: true };
    } catch (error) {
      const http = asHttpError(error);
      if (http?.status === 422 && /already exists/i.test(gitHubErrorText(http.response?.data) ?? '')) {
        const raced = await this.branchRef(owner, repo, branch);
        if (raced) return { sha: raced, created: false };
      }
      throw gitHubFailure(error, operation, {
        404: 'check that the repository exists and that the token can write contents',
        409: 'the repository is empty: a branch needs a first commit',
        422: `GitHub refused the branch: check that commit ${fromSha} exists in ${owner}/${repo} and that "${branch}" is a valid branch name (github.release_branch)`,
      });
    }
  }

  /**
   * The first commit of `branch` (its root, where the history starts): `GET /commits?sha=` lists
   * newest first, so with one commit per page the `last` page of the Link header is the oldest.
   * A branch of one page has no `last` link: its only commit is the answer.
   */
  async firstCommit(owner: string, repo: string, branch: string): Promise<{ sha: string }> {
    const operation = `reading the first commit of ${owner}/${repo}@${branch}`;
    try {
      const first = await this.octokit.rest.repos.listCommits({ owner, repo, sha: branch, per_page: 1 });
      const last = /<[^>]*[?&]page=(\d+)[^>]*>;\s*rel="last"/.exec(String(first.headers.link ?? ''))?.[1];
      const page = last === undefined ? first : await this.octokit.rest.repos.listCommits({ owner, repo, sha: branch, per_page: 1, page: Number(last) });
      const [commit] = parseAnswer(z.array(z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) })), page.data, operation);
      if (!commit) throw new ClientError({ system: 'GitHub', operation, status: 200, problem: `branch ${branch} has no commits`, retryable: false });
      return { sha: commit.sha };
    } catch (error) {
      throw gitHubFailure(error, operation, { 404: `the repository or branch ${branch} does not exist, or the service cannot see it`, 409: 'the repository is empty' });
    }
  }

  /**
   * A user's public e-mail (`GET /users/{username}`, `email`), or null when they show none or
   * the login does not exist. The review stage finds people in Jira and Slack by it.
   */
  async userEmail(login: string): Promise<string | null> {
    const operation = `reading the GitHub user ${login}`;
    try {
      const { data } = await this.octokit.rest.users.getByUsername({ username: login });
      const email = parseAnswer(z.object({ email: z.string().nullable().optional() }), data, operation).email?.trim();
      return email ? email : null;
    } catch (error) {
      if (asHttpError(error)?.status === 404) return null;
      throw gitHubFailure(error, operation);
    }
  }

  /** The commit `branch` points at, or null when there is no such branch. */
  private async branchRef(owner: string, repo: string, branch: string): Promise<string | null> {
    const operation = `reading branch ${branch} of ${owner}/${repo}`;
    try {
      const { data } = await this.octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
      return parseAnswer(gitRefAnswer, data, operation).object.sha;
    } catch (error) {
      if (asHttpError(error)?.status === 404) return null;
      throw gitHubFailure(error, operation);
    }
  }

  /**
   * The open pull request from `head` into `base` (branches of `owner/repo`), opened when there
   * is none: lists the open ones first, and on 422 "A pull request already exists" (a
   * concurrent or earlier run won) lists them again.
   */
  async findOrOpenPullRequest(input: OpenPullRequestInput): Promise<GitHubPullRequestRef & { created: boolean }> {
    const operation = `opening the pull request ${input.head} → ${input.base} in ${input.owner}/${input.repo}`;
    const existing = await this.openPullRequest(input);
    if (existing) return { ...existing, created: false };
    try {
      const { data } = await this.octokit.rest.pulls.create({
        request: { lookBeforeRepeat: true },
        owner: input.owner,
        repo: input.repo,
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body,
      });
      return { ...toPullRequestRef(parseAnswer(pullRequestSimpleAnswer, data, operation)), created: true };
    } catch (error) {
      const http = asHttpError(error);
      if (http?.status === 422 && /pull request already exists/i.test(gitHubErrorText(http.response?.data) ?? '')) {
        const raced = await this.openPullRequest(input);
        if (raced) return { ...raced, created: false };
      }
      throw gitHubFailure(error, operation, {
        403: 'the token needs write access to pull requests of the repository',
        404: `check that ${input.owner}/${input.repo} exists and that the token can open pull requests`,
        422: `GitHub refused the pull request: check that branches ${input.head} and ${input.base} exist and differ (a head with nothing to merge cannot be opened)`,
      });
    }
  }

  private async openPullRequest(input: OpenPullRequestInput): Promise<GitHubPullRequestRef | null> {
    const operation = `looking for an open pull request ${input.head} → ${input.base} in ${input.owner}/${input.repo}`;
    try {
      const { data } = await this.octokit.rest.pulls.list({ owner: input.owner, repo: input.repo, head: `${input.owner}:${input.head}`, base: input.base, state: 'open', per_page: 100 });
      const pulls = parseAnswer(z.array(pullRequestSimpleAnswer), data, operation);
      // GitHub filters by head and base already; the check guards against a server that ignores them.
      const found = pulls.find((pull) => pull.head.ref === input.head && pull.base.ref === input.base);
      return found ? toPullRequestRef(found) : null;
    } catch (error) {
      throw gitHubFailure(error, operation, { 404: `the repository ${input.owner}/${input.repo} does not exist, or the service cannot see it` });
    }
  }

  /** One pull request now: its state, merge, head commit, author and the reviewers still requested. */
  async pullRequest(owner: string, repo: string, number: number): Promise<GitHubPullRequest> {
    const operation = `reading pull request #${number} of ${owner}/${repo}`;
    try {
      const { data } = await this.octokit.rest.pulls.get({ owner, repo, pull_number: number });
      const pull = parseAnswer(pullRequestAnswer, data, operation);
      return {
        ...toPullRequestRef(pull),
        mergedAt: pull.merged_at ?? null,
        mergeCommitSha: pull.merge_commit_sha ?? null,
        baseRef: pull.base.ref,
        headRef: pull.head.ref,
        author: pull.user?.login ?? null,
        requestedReviewers: (pull.requested_reviewers ?? []).map((user) => user.login),
        requestedTeams: (pull.requested_teams ?? []).map((team) => team.slug),
      };
    } catch (error) {
      throw gitHubFailure(error, operation, { 404: `pull request #${number} does not exist in ${owner}/${repo}, or the service cannot see it` });
    }
  }

  /**
   * Every review of a pull request, oldest first (GitHub lists them in chronological order).
   * The latest review per user decides: see {@link latestReviewByUser}.
   */
  async pullRequestReviews(owner: string, repo: string, number: number): Promise<GitHubReview[]> {
    const operation = `reading the reviews of pull request #${number} of ${owner}/${repo}`;
    try {
      const data = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, { owner, repo, pull_number: number, per_page: 100 });
      return parseAnswer(z.array(reviewAnswer), data, operation).map((review) => ({
        id: review.id,
        login: review.user?.login ?? null,
        state: review.state,
        submittedAt: review.submitted_at ?? null,
        commitId: review.commit_id ?? null,
        body: review.body ?? '',
      }));
    } catch (error) {
      throw gitHubFailure(error, operation, { 404: `pull request #${number} does not exist in ${owner}/${repo}, or the service cannot see it` });
    }
  }

  /**
   * The GitHub logins of the pull request's commit authors and committers (GET
   * /pulls/{n}/commits, at most 250 commits as GitHub lists them), without duplicates. Commits
   * whose e-mail belongs to no GitHub account have no login and are left out.
   */
  async pullRequestCommitAuthors(owner: string, repo: string, number: number): Promise<string[]> {
    const operation = `reading the commits of pull request #${number} of ${owner}/${repo}`;
    try {
      const data = await this.octokit.paginate(this.octokit.rest.pulls.listCommits, { owner, repo, pull_number: number, per_page: 100 });
      const commits = parseAnswer(z.array(pullCommitAnswer), data, operation);
      const logins = commits.flatMap((commit) => [commit.author?.login, commit.committer?.login]).filter((login): login is string => typeof login === 'string' && login !== '');
      return [...new Set(logins)];
    } catch (error) {
      throw gitHubFailure(error, operation, { 404: `pull request #${number} does not exist in ${owner}/${repo}, or the service cannot see it` });
    }
  }

  /** Requests reviews from `logins` (POST: requesting someone already requested changes nothing). */
  async requestReviewers(owner: string, repo: string, number: number, logins: readonly string[]): Promise<void> {
    if (logins.length === 0) return;
    try {
      await this.octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: number, reviewers: [...logins] });
    } catch (error) {
      throw gitHubFailure(error, `requesting reviews from ${logins.join(', ')} on pull request #${number} of ${owner}/${repo}`, {
        404: `pull request #${number} does not exist in ${owner}/${repo}, or the service cannot see it`,
        422: 'a reviewer must be a collaborator of the repository (and not the pull request author): check [reviewers] and [[teams]].maintainers in the policy file',
      });
    }
  }

  /** Withdraws review requests from `logins` (DELETE: withdrawing one not requested changes nothing). */
  async removeRequestedReviewers(owner: string, repo: string, number: number, logins: readonly string[]): Promise<void> {
    if (logins.length === 0) return;
    try {
      await this.octokit.rest.pulls.removeRequestedReviewers({ owner, repo, pull_number: number, reviewers: [...logins] });
    } catch (error) {
      throw gitHubFailure(error, `withdrawing the review requests of ${logins.join(', ')} on pull request #${number} of ${owner}/${repo}`, {
        404: `pull request #${number} does not exist in ${owner}/${repo}, or the service cannot see it`,
      });
    }
  }

  /**
   * How busy each reviewer is in the organisation, from the search API (`total_count` only):
   * `open`, pull requests open now that wait for their review (`is:pr is:open
   * review-requested:<login>`); `recentRequested`, pull requests created since `since` that
   * still wait for it; `recentReviewed`, those created since `since` they reviewed. A request is
   * cleared once its review is given, so the two recent counts together are the requests of
   * the period (a pull request re-requested after a review counts in both). `lastRequestedAt`
   * is the creation time of the newest of those pull requests (the search gives no request
   * time; the timeline would), null when there is none since `since`. Logins are searched one
   * after another: the search API allows 30 requests a
   * minute, and the client's retry waits out its limit (`Retry-After`, `x-ratelimit-reset`).
   *
   * @param since a date (`YYYY-MM-DD`) or ISO 8601 time; only its date is used.
   */
  async openReviewLoad(org: string, logins: readonly string[], since: string): Promise<ReviewLoad[]> {
    const date = since.slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new TypeError(`openReviewLoad: since must be a date (YYYY-MM-DD) or an ISO 8601 time, got ${JSON.stringify(since)}`);
    const loads: ReviewLoad[] = [];
    for (const login of logins) {
      const open = await this.searchPulls(`is:pr is:open review-requested:${login} org:${org}`);
      const requested = await this.searchPulls(`is:pr review-requested:${login} org:${org} created:>=${date}`);
      const reviewed = await this.searchPulls(`is:pr reviewed-by:${login} org:${org} created:>=${date}`);
      const newest = [requested.newestCreatedAt, reviewed.newestCreatedAt].filter((at): at is string => at !== null).sort().at(-1) ?? null;
      loads.push({ login, open: open.count, recentRequested: requested.count, recentReviewed: reviewed.count, lastRequestedAt: newest });
    }
    return loads;
  }

  /** How many pull requests match, and when the newest of them was created. */
  private async searchPulls(q: string): Promise<{ count: number; newestCreatedAt: string | null }> {
    const operation = `searching pull requests (${q})`;
    try {
      const { data } = await this.octokit.rest.search.issuesAndPullRequests({ q, sort: 'created', order: 'desc', per_page: 1 });
      const answer = parseAnswer(searchAnswer, data, operation);
      return { count: answer.total_count, newestCreatedAt: answer.items[0]?.created_at ?? null };
    } catch (error) {
      throw gitHubFailure(error, operation, {
        422: 'GitHub refused the search: check github.org and the reviewer logins in the policy file (a login that does not exist fails the search)',
        403: 'the search API refused the token or its rate limit is spent; the engine retries the task',
      });
    }
  }

  /** The logins of a team's members (members of child teams included, as GitHub lists them). */
  async teamMembers(org: string, teamSlug: string): Promise<string[]> {
    const operation = `listing the members of team ${org}/${teamSlug}`;
    try {
      const data = await this.octokit.paginate(this.octokit.rest.teams.listMembersInOrg, { org, team_slug: teamSlug, per_page: 100 });
      return parseAnswer(z.array(userAnswer), data, operation).map((user) => user.login);
    } catch (error) {
      throw gitHubFailure(error, operation, {
        404: 'check the team slug (teams[].github_team in the policy file) and that the token can read the organisation\'s teams (members: read)',
      });
    }
  }

  /** The logins of the repository's collaborators with the `maintain` or `admin` role. */
  async repositoryMaintainers(owner: string, repo: string): Promise<string[]> {
    const operation = `listing the maintainers of ${owner}/${repo}`;
    try {
      const data = await this.octokit.paginate(this.octokit.rest.repos.listCollaborators, { owner, repo, permission: 'maintain', per_page: 100 });
      return parseAnswer(z.array(collaboratorAnswer), data, operation)
        .filter((user) => user.permissions === undefined || user.permissions.maintain === true || user.permissions.admin)
        .map((user) => user.login);
    } catch (error) {
      throw gitHubFailure(error, operation, {
        403: 'listing collaborators needs push access to the repository',
        404: `the repository ${owner}/${repo} does not exist, or the service cannot see it`,
      });
    }
  }
}

/** Input of {@link GitHubClient.findOrOpenPullRequest}: `head` and `base` are branches of `owner/repo`. */
export interface OpenPullRequestInput {
  readonly owner: string;
  readonly repo: string;
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
}

/** What the list and the create of pull requests give. */
export interface GitHubPullRequestRef {
  readonly number: number;
  readonly htmlUrl: string;
  readonly headSha: string;
  readonly state: 'open' | 'closed';
  /** From the single-pull-request read only; the list answer carries `merged_at`, which this is derived from. */
  readonly merged: boolean;
}

/** A pull request as {@link GitHubClient.pullRequest} reads it. */
export interface GitHubPullRequest extends GitHubPullRequestRef {
  readonly mergedAt: string | null;
  readonly mergeCommitSha: string | null;
  readonly headRef: string;
  readonly baseRef: string;
  /** Login of who opened it; null for a deleted account. */
  readonly author: string | null;
  /** Logins whose review is requested and not yet given (GitHub removes a request once reviewed). */
  readonly requestedReviewers: readonly string[];
  /** Slugs of the teams whose review is requested. */
  readonly requestedTeams: readonly string[];
}

/** A review state as the REST API spells it (`PENDING`: a draft review not submitted yet). */
export type GitHubReviewState = z.infer<typeof reviewState>;

/** One review of a pull request. */
export interface GitHubReview {
  readonly id: number;
  /** Null for a deleted account. */
  readonly login: string | null;
  readonly state: GitHubReviewState;
  readonly submittedAt: string | null;
  /** The head commit the review was given on; null once that commit is gone. */
  readonly commitId: string | null;
  readonly body: string;
}

/** One reviewer's load, from {@link GitHubClient.openReviewLoad}. */
export interface ReviewLoad {
  readonly login: string;
  /** Open pull requests waiting for their review now. */
  readonly open: number;
  /** Pull requests created since the date that still wait for their review. */
  readonly recentRequested: number;
  /** Pull requests created since the date that they reviewed. */
  readonly recentReviewed: number;
  /** Creation time of the newest of the recent ones (ISO 8601); null when none. */
  readonly lastRequestedAt: string | null;
}

/**
 * The review that decides per user: the latest submitted one that is not a comment (a
 * `COMMENTED` review neither approves nor withdraws an approval; a `DISMISSED` one withdraws
 * it), as GitHub counts approvals. Pending (draft) reviews and deleted accounts are left out.
 */
export function latestReviewByUser(reviews: readonly GitHubReview[]): Map<string, GitHubReview> {
  const latest = new Map<string, GitHubReview>();
  const ordered = [...reviews].sort((a, b) => (a.submittedAt ?? '').localeCompare(b.submittedAt ?? '') || a.id - b.id);
  for (const review of ordered) {
    if (review.login === null || review.state === 'PENDING' || review.state === 'COMMENTED') continue;
    latest.set(review.login.toLowerCase(), review);
  }
  return latest;
}

const gitRefAnswer = z.object({ ref: z.string(), object: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) }) });
const userAnswer = z.object({ login: z.string().min(1) });
const pullRequestSimpleAnswer = z.object({
  number: z.number().int().positive(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  merged_at: z.string().nullable().optional(),
  head: z.object({ ref: z.string(), sha: z.string().regex(/^[0-9a-f]{40}$/) }),
  base: z.object({ ref: z.string() }),
});
const pullRequestAnswer = pullRequestSimpleAnswer.extend({
  merged: z.boolean(),
  merge_commit_sha: z.string().nullable().optional(),
  user: userAnswer.nullable().optional(),
  requested_reviewers: z.array(userAnswer).nullable().optional(),
  requested_teams: z.array(z.object({ slug: z.string() })).nullable().optional(),
});
const reviewState = z.enum(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']);
const reviewAnswer = z.object({
  id: z.number().int(),
  user: userAnswer.nullable(),
  state: reviewState,
  submitted_at: z.string().nullable().optional(),
  commit_id: z.string().nullable().optional(),
  body: z.string().nullable().optional(),
});
const pullCommitAnswer = z.object({ sha: z.string(), author: userAnswer.nullable().optional(), committer: userAnswer.nullable().optional() });
const searchAnswer = z.object({
  total_count: z.number().int().min(0),
  incomplete_results: z.boolean().optional(),
  items: z.array(z.object({ created_at: z.string() })),
});
const collaboratorAnswer = userAnswer.extend({
  permissions: z.object({ admin: z.boolean(), maintain: z.boolean().optional(), push: z.boolean().optional(), pull: z.boolean().optional() }).optional(),
});

function toPullRequestRef(pull: z.infer<typeof pullRequestSimpleAnswer> & { merged?: boolean }): GitHubPullRequestRef {
  return {
    number: pull.number,
    htmlUrl: pull.html_url,
    headSha: pull.head.sha,
    state: pull.state,
    merged: pull.merged ?? (pull.merged_at !== null && pull.merged_at !== undefined),
  };
}

function parseAnswer<T extends z.ZodType>(schema: T, data: unknown, operation: string): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw unexpectedAnswer('GitHub', operation, parsed.error, 'check GITHUB_API_URL: GitHub Enterprise Server needs https://HOST/api/v3');
  return parsed.data;
}


const branchAnswer = z.object({ commit: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) }) });

function toRepository(data: unknown, operation: string): GitHubRepository {
  const parsed = repositoryAnswer.safeParse(data);
  if (!parsed.success) {
    throw unexpectedAnswer('GitHub', operation, parsed.error, 'check GITHUB_API_URL: GitHub Enterprise Server needs https://HOST/api/v3');
  }
  return {
    fullName: parsed.data.full_name,
    htmlUrl: parsed.data.html_url,
    defaultBranch: parsed.data.default_branch,
    private: parsed.data.private,
    description: parsed.data.description ?? null,
  };
}

/**
 * 429, 5xx, no answer at all, and 403 that is a (secondary) rate limit are worth another try.
 * A secondary rate limit that names no wait means "at least one minute"
 * (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#handle-rate-limit-errors-appropriately).
 */
function classifyGitHubError(error: unknown): RetryVerdict {
  const http = asHttpError(error);
  if (!http) return { retry: false };
  if (!http.response) return { retry: true };
  const headers = http.response.headers;
  const hasWait = headerValue(headers, 'retry-after') !== undefined || headerValue(headers, 'x-ratelimit-remaining') === '0';
  const secondary = (http.status === 403 || http.status === 429) && /secondary rate limit/i.test(gitHubErrorText(http.response.data) ?? '');
  if (secondary && !hasWait) return { retry: true, headers: { 'retry-after': '60' } };
  if (isRetryableStatus(http.status)) return { retry: true, headers };
  return http.status === 403 && hasWait ? { retry: true, headers } : { retry: false };
}

function gitHubFailure(error: unknown, operation: string, hints: Readonly<Record<number, string>> = {}): ClientError {
  if (error instanceof ClientError) return error;
  const http = asHttpError(error);
  if (http?.response) {
    return new ClientError({
      system: 'GitHub',
      operation,
      status: http.status,
      vendorMessage: gitHubErrorText(http.response.data),
      hint: hints[http.status] ?? genericHint('GitHub', http.status),
      cause: error,
    });
  }
  return new ClientError({ system: 'GitHub', operation, status: 0, vendorMessage: describeCause(error), hint: genericHint('GitHub', 0), cause: error });
}

const gitHubErrorBody = z.object({
  message: z.string().optional(),
  errors: z.array(z.union([z.string(), z.object({ message: z.string().optional(), code: z.string().optional(), field: z.string().optional() })])).optional(),
});

/** GitHub's `message` plus the `errors[]` details, as one line. */
export function gitHubErrorText(data: unknown): string | undefined {
  if (typeof data === 'string') return data.trim().slice(0, 300) || undefined;
  const parsed = gitHubErrorBody.safeParse(data);
  if (!parsed.success) return undefined;
  const details = (parsed.data.errors ?? []).map((item) =>
    typeof item === 'string' ? item : item.message ?? [item.field, item.code].filter(Boolean).join(' '),
  );
  const parts = [parsed.data.message, ...details].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(': ') : undefined;
}

function octokitLog(log: Logger | undefined): { debug(message: string): void; info(message: string): void; warn(message: string): void; error(message: string): void } {
  return {
    debug: (message) => log?.debug({ system: 'GitHub' }, message),
    info: (message) => log?.debug({ system: 'GitHub' }, message),
    warn: (message) => log?.warn({ system: 'GitHub' }, message),
    // Octokit logs every non-2xx answer here, including the 404s that look-before-create
    // expects; real failures reach the logs once, as the ClientError the step reports.
    error: (message) => log?.debug({ system: 'GitHub' }, message),
  };
}
