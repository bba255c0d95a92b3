import type { GitHubClient } from '../src/clients/github.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import { findTeam, type Policy } from '../src/config/policy.ts';
import { parseCodeowners, ownersOf } from '../src/domain/codeowners.ts';
import { jiraLookupProblem, resolvePerson, slackLookupProblem, type JiraUserRef } from '../src/domain/identity.ts';
import type { JiraUser } from '../src/domain/jira-issue.ts';
import type { ReviewPullRequest } from '../src/domain/review.ts';
import type { ReviewTicket } from '../src/domain/review-announcements.ts';
import type { ReviewLoad, SelectionInput } from '../src/domain/reviewers.ts';
import { InvalidTaskInputError } from '../src/runtime/worker.ts';

/**
 * What the review steps share: gathering the facts reviewer selection decides on (maintainers
 * from each source, the pool, who is excluded, who is away, everyone's load), and finding a
 * person in Slack and Jira from their GitHub login.
 */

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;
const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];
/** The files whose owners review a model: model.toml, the model code. */
const MODEL_PATHS = ['model.toml', 'ml_model/inference/inference.py'];

export type ReviewGitHub = Pick<GitHubClient, 'pullRequest' | 'pullRequestCommitAuthors' | 'openReviewLoad' | 'teamMembers' | 'repositoryMaintainers' | 'readFileAt' | 'userEmail'>;

export function splitRepository(fullName: string): [string, string] {
  const [owner = '', repo = ''] = fullName.split('/');
  return [owner, repo];
}

/**
 * The facts of a selection for this pull request now. The load of each candidate leaves this
 * pull request out (a review requested here by an earlier run of the step is not held against
 * the person), so the same facts choose the same people on a retry. Everyone whose public
 * e-mail is the developer's counts as the developer. Also gives the reviewers requested on the
 * pull request now, so a rerun can tell a request it made before from a new one.
 */
export async function gatherSelection(
  deps: { github: ReviewGitHub; policy: Policy },
  input: { repositoryFullName: string; pullRequest: ReviewPullRequest; team: string; developerEmail: string | null; now: Date; alreadyChosen?: readonly string[] },
): Promise<{ selection: SelectionInput; emails: Record<string, string | null>; requestedReviewers: readonly string[] }> {
  const { policy } = deps;
  const [owner, repo] = splitRepository(input.repositoryFullName);
  const team = findTeam(policy, input.team);
  if (!team) throw new InvalidTaskInputError(`team "${input.team}" is no longer in [[teams]] of the policy file; add it back and retry the incident`);
  const sources = policy.reviewers.maintainer_sources;
  const pull = await deps.github.pullRequest(owner, repo, input.pullRequest.number);
  const committers = await deps.github.pullRequestCommitAuthors(owner, repo, input.pullRequest.number);
  const codeowners = sources.includes('codeowners') ? await codeOwnersOf(deps.github, owner, repo, pull.headSha) : [];
  const repositoryMaintainers = sources.includes('repository') ? await deps.github.repositoryMaintainers(owner, repo) : [];
  const maintainers = { team: sources.includes('team') ? team.maintainers : [], codeowners, repository: repositoryMaintainers };
  const everyone = unique([...maintainers.team, ...maintainers.codeowners, ...maintainers.repository, ...policy.reviewers.pool]);

  const emails: Record<string, string | null> = {};
  for (const login of everyone) emails[login] = await deps.github.userEmail(login);
  const developer = input.developerEmail?.toLowerCase() ?? null;
  const developerLogins = everyone.filter((login) => developer !== null && emails[login]?.toLowerCase() === developer);
  const excluded = unique([...(pull.author ? [pull.author] : []), ...committers, ...developerLogins]);

  const requestedHere = new Set(pull.requestedReviewers.map((login) => login.toLowerCase()));
  const loadFor = everyone.filter((login) => !excluded.some((other) => other.toLowerCase() === login.toLowerCase()));
  const since = new Date(input.now.getTime() - THIRTY_DAYS_MS).toISOString();
  const loads = await deps.github.openReviewLoad(policy.github.org, loadFor, since);
  const load: Record<string, ReviewLoad> = {};
  for (const entry of loads) {
    const here = requestedHere.has(entry.login.toLowerCase()) ? 1 : 0;
    load[entry.login] = {
      openReviews: Math.max(0, entry.open - here),
      askedLast30Days: Math.max(0, entry.recentRequested + entry.recentReviewed - here),
      lastAskedAt: entry.lastRequestedAt,
    };
  }
  return {
    emails,
    requestedReviewers: pull.requestedReviewers,
    selection: {
      maintainers,
      pool: policy.reviewers.pool,
      excluded,
      unavailable: policy.reviewers.unavailable,
      load,
      now: input.now.toISOString(),
      timeZone: policy.working_calendar.time_zone,
      policy: { maintainerSources: sources },
      teamName: team.name,
      ...(input.alreadyChosen ? { alreadyChosen: input.alreadyChosen } : {}),
    },
  };
}

/** The users CODEOWNERS names for the model's files (teams expanded to their members); none without a CODEOWNERS file. */
export async function codeOwnersOf(github: Pick<ReviewGitHub, 'readFileAt' | 'teamMembers'>, owner: string, repo: string, ref: string): Promise<string[]> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await github.readFileAt(owner, repo, path, ref);
    if (text === null) continue;
    const parsed = parseCodeowners(text);
    const owners = unique(MODEL_PATHS.flatMap((file) => ownersOf(parsed, file)));
    const users: string[] = [];
    for (const entry of owners) {
      if (!entry.includes('/')) users.push(entry);
      else {
        const [org = '', slug = ''] = entry.split('/');
        users.push(...(await github.teamMembers(org, slug)));
      }
    }
    return unique(users);
  }
  return [];
}

function unique(logins: readonly string[]): string[] {
  const seen = new Set<string>();
  return logins.filter((login) => !seen.has(login.toLowerCase()) && Boolean(seen.add(login.toLowerCase())));
}

/** A person in Slack: their user id, or why they cannot be reached. */
export async function slackReach(
  deps: { slack: Pick<SlackClient, 'lookupUserByEmail'>; policy: Policy },
  login: string,
  email: string | null,
): Promise<{ userId: string } | { problem: string }> {
  const resolved = resolvePerson({ githubLogin: login, directory: { slackUserIdsByLogin: deps.policy.reviewers.slack_users, ...(email ? { emailsByLogin: { [login]: email } } : {}) } });
  if (resolved.slack === null) return { problem: resolved.problems[0] ?? `${login} cannot be reached in Slack` };
  if ('userId' in resolved.slack) return { userId: resolved.slack.userId };
  const user = await deps.slack.lookupUserByEmail(resolved.slack.lookUpEmail);
  return user ? { userId: user.id } : { problem: slackLookupProblem(login, resolved.slack.lookUpEmail) };
}

/** A person's Jira account for the reviewer fields, or why there is none. */
export async function jiraReach(deps: { jira: Pick<JiraClient, 'findUsersByEmail'>; policy: Policy }, login: string, email: string | null): Promise<{ user: JiraUserRef; displayName: string } | { problem: string }> {
  const resolved = resolvePerson({ githubLogin: login, directory: email ? { emailsByLogin: { [login]: email } } : {} });
  if (resolved.jira === null || !('lookUpEmail' in resolved.jira)) return { problem: resolved.problems.find((problem) => problem.includes('Jira')) ?? `${login} has no Jira account` };
  const found = await deps.jira.findUsersByEmail(resolved.jira.lookUpEmail);
  const [only] = found;
  if (found.length !== 1 || !only) return { problem: jiraLookupProblem(login, resolved.jira.lookUpEmail, found.length) };
  const ref = refOf(only, deps.policy.jira.api);
  return ref ? { user: ref, displayName: only.displayName } : { problem: jiraLookupProblem(login, resolved.jira.lookUpEmail, 0) };
}

function refOf(user: JiraUser, api: string): JiraUserRef | null {
  if (api === 'cloud') return user.accountId ? { accountId: user.accountId } : null;
  return user.name ? { name: user.name } : null;
}

/** The developer in Slack, by the e-mail of their Jira account; null when Slack has nobody with it. */
export async function developerSlackId(deps: { slack: Pick<SlackClient, 'lookupUserByEmail'> }, email: string | undefined): Promise<string | null> {
  if (!email) return null;
  return (await deps.slack.lookupUserByEmail(email))?.id ?? null;
}

/** The ticket and its links, as the review messages show them. */
export async function reviewTicket(
  deps: { jira: Pick<JiraClient, 'getIssue'>; policy: Policy; issueUrl: (key: string) => string },
  input: { issueKey: string; modelName: string; prUrl: string },
): Promise<ReviewTicket> {
  const issue = await deps.jira.getIssue(input.issueKey);
  return {
    issueKey: input.issueKey,
    summary: issue.summary,
    modelName: input.modelName,
    prUrl: input.prUrl,
    issueUrl: deps.issueUrl(input.issueKey),
    dashboardUrl: deps.policy.reviewers.dashboard_url ?? null,
  };
}
