import type { KnownBlock } from '@slack/web-api';
import { z } from 'zod';
import { escapeMrkdwn, type SlackMessage } from './announcements.ts';
import type { Document, Inline } from './document.ts';
import { maintainerSource } from './reviewers.ts';
import type { StageRecord } from './stage-record.ts';
import { addWorkingTime, type WorkingCalendar } from './working-time.ts';

/**
 * The review stage's state as process variables, and the pure decisions on it: whether the
 * pull request is reviewed and merged (approvals count only on the commit the build tested),
 * whether new commits came that must be built first, which reviewers are late for a reminder or a
 * replacement and when the next of those falls due (in working time), what the REVIEW_RESULT
 * comment says, and the stage record. The workers read GitHub, Jira and Slack; this decides.
 */

const instant = z.iso.datetime({ offset: true });
const login = z.string().min(1).describe('A GitHub login');

/** The pull request the review happens on: the default branch into the release branch. */
export const reviewPullRequest = z
  .object({
    number: z.number().int().positive().describe('Pull request number'),
    url: z.url().describe('Web address of the pull request'),
    headSha: z.string().describe('Head commit when the pull request was found, opened or kept'),
    head: z.string().describe('Head branch: the default branch the model is developed on'),
    base: z.string().describe('Base branch: the release branch (policy github.release_branch)'),
    releaseBranchCreated: z.boolean().describe('True when this lifecycle created the release branch'),
    created: z.boolean().describe('True when this lifecycle opened the pull request; false when it was open already'),
  })
  .describe('Process variable pullRequest: the review pull request');

/** One reviewer asked now. */
export const assignedReviewer = z
  .object({
    login,
    role: z.enum(['required', 'second']).describe('required: a maintainer whose approval the lifecycle waits for; second: from the whole pool'),
    reason: z.string().describe('Why this person, one line, e.g. "maintainer of team search (from the policy), 1 open review, never asked"'),
    source: maintainerSource.optional().describe('Where the required reviewer was found'),
    email: z.string().nullable().describe('Public e-mail of the GitHub account; finds the person in Jira and Slack'),
    requestedAt: instant.describe('When the review was last requested of this person: reminders and the replacement count from it'),
    firstRequestedAt: instant
      .optional()
      .describe('When this person was first asked, kept when new commits ask them again (their "chosen" message and pickup time go by it); absent: requestedAt'),
    reminders: z.number().int().min(0).describe('Reminders sent to this person for this request'),
    lastRemindedAt: instant.nullable().describe('When the last reminder went; null before the first'),
    replacementUnavailable: z.boolean().describe('True when replacing this person was tried and nobody else could take over'),
  })
  .describe('A reviewer of the pull request');

/** A reviewer who was replaced, and by whom. */
export const replacedReviewer = z
  .object({
    login,
    role: z.enum(['required', 'second']).describe('The role they had'),
    email: z.string().nullable().describe('Their public e-mail, to tell them in Slack'),
    by: login.describe('Who took over'),
    reason: z.string().describe('Why they were replaced, e.g. "no review within 2 working days (reviewers.reassign_after = P2D)"'),
    at: instant.describe('When'),
    version: z.number().int().min(2).describe('The assignment version the replacement made'),
  })
  .describe('A replaced reviewer');

/** Process variable `reviewAssignment`. */
export const reviewAssignment = z
  .object({
    version: z.number().int().min(1).describe('1 for the first choice; each change of reviewers adds 1 (announcements are keyed by it)'),
    prNumber: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('The pull request these reviewers review: a review resumed after new commits keeps the assignment of the same pull request; absent: chosen before it was recorded'),
    requestedAt: instant.describe('When reviews were first requested'),
    reviewers: z.array(assignedReviewer).min(1).describe('The reviewers asked now: one required, and a second one'),
    replaced: z.array(replacedReviewer).describe('Reviewers replaced so far, oldest first'),
    notices: z
      .array(z.object({ version: z.number().int().min(1).describe('Assignment version'), text: z.string().describe('What could not be done, with its fix') }))
      .describe('Problems to name in the announcement of a version, e.g. nobody to take over from a silent reviewer'),
  })
  .describe('Process variable reviewAssignment: who reviews the pull request and why');

/** A review that asked for changes. */
export const changesRequestedReview = z
  .object({
    id: z.number().int().describe('GitHub review id; the developer is told once per id'),
    login,
    body: z.string().describe('What the reviewer wrote'),
    submittedAt: instant.nullable().describe('When it was submitted'),
  })
  .describe('A "changes requested" review that is the reviewer\'s latest');

/** Process variable `reviewState`: what GitHub shows now. */
export const reviewState = z
  .object({
    requiredApproved: z.boolean().describe('Every required reviewer’s latest review approves'),
    merged: z.boolean().describe('The pull request is merged'),
    closed: z.boolean().optional().describe('The pull request is closed without being merged (reminders and replacements wait until it is reopened); absent: open'),
    mergedAt: instant.nullable().describe('When it was merged'),
    approvedAt: instant.nullable().describe('When the last required approval came; null until every required reviewer approved'),
    approvedBy: z.array(login).describe('Everyone whose latest review approves the built commit, required or not'),
    staleApprovals: z
      .array(z.object({ login, commitId: z.string().nullable().describe('The commit approved; null when GitHub no longer knows it') }))
      .optional()
      .describe('Latest reviews that approve a commit other than the built one: they do not count; absent: none'),
    changesRequested: z.array(changesRequestedReview).describe('Latest reviews that request changes'),
    pending: z.array(login).describe('Asked reviewers who have not reviewed the built commit yet (a review of an earlier commit does not count)'),
    firstReviewAt: z.record(z.string(), instant).describe('Per asked reviewer (lowercase login): their first review'),
  })
  .describe('Process variable reviewState: the reviews and the merge as the last check saw them');

export type ReviewPullRequest = z.infer<typeof reviewPullRequest>;
export type AssignedReviewer = z.infer<typeof assignedReviewer>;
export type ReviewAssignment = z.infer<typeof reviewAssignment>;
export type ReviewState = z.infer<typeof reviewState>;

/** A review as the decision reads it (GitHub's REST shape, trimmed). */
export interface ReviewFact {
  readonly id: number;
  readonly login: string | null;
  readonly state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  readonly submittedAt: string | null;
  readonly body: string;
  /** The head commit the review was given on (`commit_id`); null once GitHub no longer knows it. */
  readonly commitId: string | null;
}

/**
 * What the reviews and the merge amount to. A person's latest review that is not a comment
 * decides for them (GitHub's rule); a comment still counts as picking the review up. The
 * required reviewers must all approve; anyone else's approval alone does not count. An
 * approval counts only when it was given on `buildCommit`, the commit the build tested: a
 * person whose latest review approves another commit is listed in `staleApprovals`, and a
 * reviewer who has not reviewed `buildCommit` is still pending.
 */
export function judgeReview(input: {
  assignment: ReviewAssignment;
  reviews: readonly ReviewFact[];
  buildCommit: string;
  merged: boolean;
  mergedAt: string | null;
  closed?: boolean;
}): ReviewState {
  const submitted = [...input.reviews]
    .filter((review) => review.login !== null && review.state !== 'PENDING')
    .sort((a, b) => (a.submittedAt ?? '').localeCompare(b.submittedAt ?? '') || a.id - b.id);
  const latest = new Map<string, ReviewFact>();
  const first = new Map<string, string>();
  const reviewedBuilt = new Set<string>();
  for (const review of submitted) {
    const who = (review.login as string).toLowerCase();
    if (!first.has(who) && review.submittedAt) first.set(who, review.submittedAt);
    if (review.commitId === input.buildCommit) reviewedBuilt.add(who);
    if (review.state !== 'COMMENTED') latest.set(who, review);
  }
  const approves = (review: ReviewFact | undefined) => review?.state === 'APPROVED' && review.commitId === input.buildCommit;
  const required = input.assignment.reviewers.filter((reviewer) => reviewer.role === 'required');
  const requiredApproved = required.length > 0 && required.every((reviewer) => approves(latest.get(reviewer.login.toLowerCase())));
  const approvals = required.map((reviewer) => latest.get(reviewer.login.toLowerCase())?.submittedAt ?? '').sort();
  const asked = input.assignment.reviewers.map((reviewer) => reviewer.login);
  return {
    requiredApproved,
    merged: input.merged,
    closed: !input.merged && (input.closed ?? false),
    mergedAt: input.merged ? input.mergedAt : null,
    approvedAt: requiredApproved ? approvals.at(-1) || null : null,
    approvedBy: [...latest.values()].filter((review) => approves(review)).map((review) => review.login as string),
    staleApprovals: [...latest.values()]
      .filter((review) => review.state === 'APPROVED' && !approves(review))
      .map((review) => ({ login: review.login as string, commitId: review.commitId })),
    changesRequested: [...latest.values()]
      .filter((review) => review.state === 'CHANGES_REQUESTED')
      .map((review) => ({ id: review.id, login: review.login as string, body: review.body, submittedAt: review.submittedAt })),
    pending: asked.filter((who) => !reviewedBuilt.has(who.toLowerCase())),
    firstReviewAt: Object.fromEntries(asked.flatMap((who) => (first.has(who.toLowerCase()) ? [[who.toLowerCase(), first.get(who.toLowerCase()) as string]] : []))),
  };
}

/** How far ahead a timer is set when nothing is due: the re-check timer looks again long before. */
const NOTHING_DUE_MS = 365 * 24 * 3_600_000;

/** The reviewer-chasing part of the policy. */
export interface ChaseRules {
  readonly calendar: WorkingCalendar;
  /** `reviewers.remind_after`, working time. */
  readonly remindAfter: string;
  /** `reviewers.reassign_after`, working time. */
  readonly reassignAfter: string;
}

/** When a pending reviewer is due a reminder and a replacement. */
export interface ChaseDue {
  /** Logins of pending reviewers whose reminder is due at `now` (and whose replacement is not). */
  readonly remind: readonly string[];
  /** Logins of pending reviewers whose replacement is due at `now`. */
  readonly reassign: readonly string[];
  /** The next reminder instant (ISO), or a year ahead when none will fall due. */
  readonly remindAt: string;
  /** The next replacement instant (ISO), or a year ahead when none will fall due. */
  readonly reassignAt: string;
}

/**
 * Which pending reviewers are late. A reviewer is reminded `remindAfter` of working time after
 * the request and again each `remindAfter` after the last reminder; replaced `reassignAfter`
 * after the request, unless replacing them already found nobody.
 */
export function chaseDue(input: { assignment: ReviewAssignment; pending: readonly string[]; rules: ChaseRules; now: string }): ChaseDue {
  const now = Date.parse(input.now);
  const pending = new Set(input.pending.map((who) => who.toLowerCase()));
  const remind: string[] = [];
  const reassign: string[] = [];
  let nextRemind = Number.POSITIVE_INFINITY;
  let nextReassign = Number.POSITIVE_INFINITY;
  for (const reviewer of input.assignment.reviewers) {
    if (!pending.has(reviewer.login.toLowerCase())) continue;
    const remindAt = Date.parse(addWorkingTime(reviewer.lastRemindedAt ?? reviewer.requestedAt, input.rules.remindAfter, input.rules.calendar));
    const reassignAt = reviewer.replacementUnavailable ? Number.POSITIVE_INFINITY : Date.parse(addWorkingTime(reviewer.requestedAt, input.rules.reassignAfter, input.rules.calendar));
    if (reassignAt <= now) reassign.push(reviewer.login);
    else if (remindAt <= now) remind.push(reviewer.login);
    nextRemind = Math.min(nextRemind, remindAt);
    nextReassign = Math.min(nextReassign, reassignAt);
  }
  const far = new Date(now + NOTHING_DUE_MS).toISOString();
  return {
    remind,
    reassign,
    remindAt: Number.isFinite(nextRemind) ? new Date(nextRemind).toISOString() : far,
    reassignAt: Number.isFinite(nextReassign) ? new Date(nextReassign).toISOString() : far,
  };
}

/** Seconds between two instants, never negative; null when either is missing. */
function secondsBetween(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}

/** The review times the stage measures. */
export interface ReviewTimes {
  /** Per reviewer asked now: request → their first review (seconds); absent when they never reviewed. */
  readonly pickup: ReadonlyArray<{ readonly login: string; readonly seconds: number }>;
  /** First request → the last required approval (seconds). */
  readonly approvalSeconds: number | null;
  /** The last required approval → merge (seconds). */
  readonly mergeSeconds: number | null;
}

export function reviewTimes(assignment: ReviewAssignment, state: ReviewState): ReviewTimes {
  return {
    pickup: assignment.reviewers.flatMap((reviewer) => {
      const seconds = secondsBetween(reviewer.firstRequestedAt ?? reviewer.requestedAt, state.firstReviewAt[reviewer.login.toLowerCase()]);
      return seconds === null ? [] : [{ login: reviewer.login, seconds }];
    }),
    approvalSeconds: secondsBetween(assignment.requestedAt, state.approvedAt),
    mergeSeconds: secondsBetween(state.approvedAt, state.mergedAt),
  };
}

/** "3 h 20 min", "45 s", "2 d 1 h". */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** The `[Success] REVIEW_RESULT` comment: who reviewed, who approved, who merged when, and the times. */
export function reviewResultComment(facts: { assignment: ReviewAssignment; state: ReviewState; pullRequest: ReviewPullRequest }): Document {
  const times = reviewTimes(facts.assignment, facts.state);
  const approved = new Set(facts.state.approvedBy.map((who) => who.toLowerCase()));
  const pickup = new Map(times.pickup.map((entry) => [entry.login.toLowerCase(), entry.seconds]));
  const stale = facts.state.staleApprovals ?? [];
  const verdict = (login: string): string => {
    const who = login.toLowerCase();
    if (approved.has(who)) return 'approved';
    if (stale.some((entry) => entry.login.toLowerCase() === who)) return 'approved an earlier commit';
    if (!facts.state.pending.some((other) => other.toLowerCase() === who)) return 'reviewed';
    return facts.state.firstReviewAt[who] ? 'reviewed an earlier commit' : 'did not review';
  };
  const rows = facts.assignment.reviewers.map((reviewer) => [
    [{ text: reviewer.login, bold: true }],
    [reviewer.role === 'required' ? 'required' : 'second'],
    [verdict(reviewer.login)],
    [pickup.has(reviewer.login.toLowerCase()) ? formatSeconds(pickup.get(reviewer.login.toLowerCase()) as number) : '—'],
  ]);
  const lines: Inline[][] = [
    ['Approved by the required reviewer after ', times.approvalSeconds === null ? '—' : formatSeconds(times.approvalSeconds), ' from the first request'],
    ['Merged ', times.mergeSeconds === null ? '—' : formatSeconds(times.mergeSeconds), ' after the approval', facts.state.mergedAt ? ` (${facts.state.mergedAt})` : ''],
  ];
  for (const replaced of facts.assignment.replaced) lines.push([`${replaced.by} replaced ${replaced.login} (${replaced.role}): ${replaced.reason}`]);
  if (stale.length > 0) {
    lines.push([`Not counted, given on an earlier commit than the built ${shortSha(facts.pullRequest.headSha)}: ${stale.map((entry) => `${entry.login}'s approval (${entry.commitId ? shortSha(entry.commitId) : 'a commit GitHub no longer knows'})`).join(', ')}`]);
  }
  return {
    blocks: [
      { type: 'heading', text: '[Success] REVIEW_RESULT' },
      {
        type: 'paragraph',
        content: ['The ', { text: `pull request #${facts.pullRequest.number}`, href: facts.pullRequest.url }, ` (${facts.pullRequest.head} → ${facts.pullRequest.base}) is approved and merged.`],
      },
      { type: 'table', header: [['Reviewer'], ['Role'], ['Review'], ['Picked up after']], rows },
      { type: 'bullets', items: lines },
      { type: 'paragraph', content: [{ text: 'Next:', bold: true }, ' delivery of the reviewed model.'] },
    ],
  };
}

/** The first 7 digits of a commit id, as GitHub shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/**
 * The same reviewers asked again, at `at`, after new commits were built: each current reviewer's
 * request starts again (reminders and the replacement count from it, no reminder sent yet), and
 * the first request is kept so the "chosen" announcements are not repeated. Version, replaced
 * reviewers and notices stay as they were.
 */
export function askAgain(assignment: ReviewAssignment, at: string): ReviewAssignment {
  return {
    ...assignment,
    reviewers: assignment.reviewers.map((reviewer) => ({ ...reviewer, firstRequestedAt: reviewer.firstRequestedAt ?? reviewer.requestedAt, requestedAt: at, reminders: 0, lastRemindedAt: null })),
  };
}

/**
 * What the check found about the commits under review: `newCommits` when the pull request's head
 * is not the commit the build tested, whether it is open or was merged at that head; a pull
 * request closed without merging waits for its reopening first (GitHub moves its head then).
 */
export function newCommitsUnderReview(input: { headSha: string; buildCommit: string; state: 'open' | 'closed'; merged: boolean }): boolean {
  return input.headSha !== input.buildCommit && (input.state === 'open' || input.merged);
}

/** Key of the Jira comment about new commits at `headSha`: `model-lifecycle:<key>:review:new-commits:<head>`; each reviewer's message adds `:<login>`. */
export function newCommitsKey(issueKey: string, headSha: string, login?: string): string {
  return `model-lifecycle:${issueKey}:review:new-commits:${headSha}${login === undefined ? '' : `:${login}`}`;
}

/** What the ticket and the reviewers are told when new commits come during the review. */
export interface NewCommitsFacts {
  readonly issueKey: string;
  readonly pullRequest: Pick<ReviewPullRequest, 'number' | 'url' | 'head' | 'base'>;
  /** The pull request's head now: the commits to build. */
  readonly headSha: string;
  /** The commit the last green build tested. */
  readonly buildCommit: string;
  /** Whether the pull request was merged at that head already. */
  readonly merged: boolean;
  /** The reviewers asked now, who are asked again once the new commits are built. */
  readonly reviewers: readonly string[];
  /** Approvals given so far (on the commit built before): they will not count. */
  readonly approvedBy: readonly string[];
}

/** The `[New commits] REVIEW` comment: the new head is built and tested first, then the same reviewers are asked again. */
export function newCommitsComment(facts: NewCommitsFacts): Document {
  const pr: Inline = { text: `pull request #${facts.pullRequest.number}`, href: facts.pullRequest.url };
  const what = facts.merged
    ? [`The review `, pr, ` was merged at ${shortSha(facts.headSha)}, which was not built and tested (the build tested ${shortSha(facts.buildCommit)}).`]
    : [`New commits were pushed to ${facts.pullRequest.head} during the review: the `, pr, ` is now at ${shortSha(facts.headSha)}; the build tested ${shortSha(facts.buildCommit)}.`];
  return {
    blocks: [
      { type: 'heading', text: '[New commits] REVIEW' },
      { type: 'paragraph', content: what },
      {
        type: 'paragraph',
        content: [
          { text: 'Next:', bold: true },
          ` the lifecycle builds and tests ${shortSha(facts.headSha)}; once it is green the same reviewers (${facts.reviewers.join(', ')}) are asked again on the same pull request. Approvals count only on the commit that was built${facts.approvedBy.length > 0 ? `, so those given so far (${facts.approvedBy.join(', ')}) are to be given again` : ''}.`,
        ],
      },
    ],
  };
}

/** The review's stage record. */
/**
 * The attempt of the review stage a pull request's review is: the attempt of an earlier record
 * of the same pull request (a report step that runs twice, or a review resumed on the same pull
 * request after new commits), else one more than the reviews before it (after a failed
 * delivery the next review is on a new pull request).
 */
export function reviewAttempt(records: readonly StageRecord[], pullRequestUrl: string): number {
  const reviews = records.filter((record) => record.stage === 'review');
  const same = reviews.find((record) => record.links.some((link) => link.url === pullRequestUrl));
  return same?.attempt ?? Math.max(0, ...reviews.map((record) => record.attempt)) + 1;
}

export function reviewStageRecord(facts: { assignment: ReviewAssignment; state: ReviewState; pullRequest: ReviewPullRequest; endedAt: string; attempt?: number }): StageRecord {
  const times = reviewTimes(facts.assignment, facts.state);
  const required = facts.assignment.reviewers.filter((reviewer) => reviewer.role === 'required').map((reviewer) => reviewer.login);
  return {
    stage: 'review',
    attempt: facts.attempt ?? 1,
    startedAt: facts.assignment.requestedAt,
    endedAt: facts.endedAt,
    outcome: 'success',
    failureClass: null,
    summary: `Approved by ${required.join(', ')} after ${times.approvalSeconds === null ? '—' : formatSeconds(times.approvalSeconds)} and merged into ${facts.pullRequest.base}${facts.assignment.replaced.length > 0 ? `; ${facts.assignment.replaced.length} reviewer(s) replaced` : ''}`,
    links: [{ title: `Pull request #${facts.pullRequest.number}`, url: facts.pullRequest.url }],
  };
}

/** A "changes requested" review the developer was not told of, with what the comment and the message about it say. */
export interface UntoldChangeRequest {
  readonly id: number;
  /** Of the Jira comment and the Slack message alike: `model-lifecycle:<key>:review:changes:<id>`. */
  readonly idempotencyKey: string;
  readonly reviewer: { readonly displayName: string; readonly githubLogin: string };
  /** The review on GitHub: the pull request's page at `#pullrequestreview-<id>`. */
  readonly reviewUrl: string;
  readonly comment: string;
}

/** The "changes requested" reviews of `state` whose ids are not in `told`, in the order GitHub gives them. */
export function untoldChangeRequests(input: { issueKey: string; prUrl: string; state: Pick<ReviewState, 'changesRequested'>; told: readonly number[] | undefined }): UntoldChangeRequest[] {
  const told = new Set(input.told ?? []);
  return input.state.changesRequested
    .filter((review) => !told.has(review.id))
    .map((review) => ({
      id: review.id,
      idempotencyKey: `model-lifecycle:${input.issueKey}:review:changes:${review.id}`,
      reviewer: { displayName: review.login, githubLogin: review.login },
      reviewUrl: `${input.prUrl}#pullrequestreview-${review.id}`,
      comment: review.body,
    }));
}

/**
 * The closing of the review pull request to tell now: the one after the `told` ones, keyed
 * `model-lifecycle:<key>:review:closed:<pr>:<closing>` for the Jira comment and the Slack
 * message alike, so a retry tells nothing more and a second closing after a reopening is told.
 */
export function nextReviewClosing(input: { issueKey: string; prNumber: number; told: number | undefined }): { closing: number; idempotencyKey: string } {
  const closing = (input.told ?? 0) + 1;
  return { closing, idempotencyKey: `model-lifecycle:${input.issueKey}:review:closed:${input.prNumber}:${closing}` };
}

/** {@link ReviewClosedFacts} of a lifecycle: its model, developer and the reviewers asked now. */
export function reviewClosedFacts(input: {
  issueKey: string;
  issueUrl: string;
  modelRequest: { readonly modelName: string; readonly developer: { readonly displayName: string } };
  pullRequest: ReviewClosedFacts['pullRequest'];
  assignment: Pick<ReviewAssignment, 'reviewers'>;
  developerSlackUserId?: string | null;
}): ReviewClosedFacts {
  return {
    issueKey: input.issueKey,
    issueUrl: input.issueUrl,
    modelName: input.modelRequest.modelName,
    pullRequest: input.pullRequest,
    developer: {
      displayName: input.modelRequest.developer.displayName,
      ...(input.developerSlackUserId === undefined ? {} : { slackUserId: input.developerSlackUserId }),
    },
    reviewers: input.assignment.reviewers.map((reviewer) => reviewer.login),
  };
}

/** What the developer is told when the review pull request is closed without merging. */
export interface ReviewClosedFacts {
  readonly issueKey: string;
  readonly issueUrl: string;
  readonly modelName: string;
  readonly pullRequest: Pick<ReviewPullRequest, 'number' | 'url' | 'head' | 'base'>;
  readonly developer: { readonly displayName: string; readonly slackUserId?: string | null };
  /** The reviewers asked now, who stay asked when the pull request is reopened. */
  readonly reviewers: readonly string[];
}

/** The `[Closed] REVIEW` comment: the pull request was closed without merging; reopen it to continue. */
export function reviewClosedComment(facts: ReviewClosedFacts): Document {
  return {
    blocks: [
      { type: 'heading', text: '[Closed] REVIEW' },
      {
        type: 'paragraph',
        content: [
          'The review ',
          { text: `pull request #${facts.pullRequest.number}`, href: facts.pullRequest.url },
          ` (${facts.pullRequest.head} → ${facts.pullRequest.base}) was closed without merging.`,
        ],
      },
      {
        type: 'paragraph',
        content: [
          { text: 'Next:', bold: true },
          ` ${facts.developer.displayName} reopens it to continue the review; the lifecycle waits. The reviewers stay asked (${facts.reviewers.join(', ')}) and their approvals still count; nobody is reminded or replaced while it is closed.`,
        ],
      },
    ],
  };
}

/** The team channel's message when the review pull request is closed without merging. */
export function reviewClosedSlack(facts: ReviewClosedFacts): SlackMessage {
  const who = facts.developer.slackUserId ? `<@${facts.developer.slackUserId}>` : escapeMrkdwn(facts.developer.displayName);
  return {
    text: `${facts.developer.displayName}: the review pull request #${facts.pullRequest.number} of ${facts.issueKey} [${facts.modelName}] was closed without merging. Reopen it to continue the review; the lifecycle waits.`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:no_entry_sign: ${who}: the review <${facts.pullRequest.url}|pull request #${facts.pullRequest.number}> of <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(`[${facts.modelName}]`)} was closed without merging.\nReopen it to continue the review; the lifecycle waits.`,
        },
      },
    ],
  };
}

/** The comment when nobody can be asked to review. */
export function noReviewerComment(facts: { reason: string; prUrl: string | null; retryEvery: string; issueKey: string }): Document {
  return {
    blocks: [
      { type: 'heading', text: '[Blocked] REVIEW' },
      {
        type: 'paragraph',
        content: ['Nobody could be asked to review the ', facts.prUrl ? { text: 'pull request', href: facts.prUrl } : 'pull request', ':'],
      },
      { type: 'paragraph', content: [facts.reason] },
      {
        type: 'paragraph',
        content: [
          { text: 'Next:', bold: true },
          ` the ML platform team changes the reviewer policy, or someone becomes available. The lifecycle tries again every ${facts.retryEvery}; an operator can make it try at once with the message `,
          { text: 'review:retry', code: true },
          ` (business key ${facts.issueKey}).`,
        ],
      },
    ],
  };
}

/** The platform channel's message when nobody can be asked to review. */
export function noReviewerSlack(facts: { issueKey: string; issueUrl: string; modelName: string; reason: string; prUrl: string | null }): SlackMessage {
  const text = `Nobody can review ${facts.issueKey} [${facts.modelName}]: ${facts.reason}`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:warning: Nobody can review <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(`[${facts.modelName}]`)}${facts.prUrl ? ` (<${facts.prUrl}|pull request>)` : ''}.\n${escapeMrkdwn(facts.reason)}\nChange [reviewers] in the policy, then send the message \`review:retry\` for ${escapeMrkdwn(facts.issueKey)} (or wait for the next re-check).`,
        },
      },
    ],
  };
}

/** The direct message to a reviewer who was replaced. */
export function reviewerReplacedSlack(facts: { issueKey: string; issueUrl: string; modelName: string; summary: string; by: string; reason: string; prUrl: string }): SlackMessage {
  const title = `${facts.issueKey} [${facts.modelName}] ${facts.summary}`;
  const block: KnownBlock = {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `You are no longer asked to review <${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}> ${escapeMrkdwn(`[${facts.modelName}] ${facts.summary}`)}: ${escapeMrkdwn(facts.by)} takes over (${escapeMrkdwn(facts.reason)}). <${facts.prUrl}|Pull request>`,
    },
  };
  return { text: `You are no longer asked to review ${title}: ${facts.by} takes over`, blocks: [block] };
}

/** The team channel's message naming people the robot could not reach in Slack. */
export function unreachableSlack(facts: { issueKey: string; issueUrl: string; what: string; problems: readonly string[] }): SlackMessage {
  return {
    text: `${facts.issueKey}: could not ${facts.what}: ${facts.problems.join('; ')}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `<${facts.issueUrl}|${escapeMrkdwn(facts.issueKey)}>: could not ${escapeMrkdwn(facts.what)}:\n${facts.problems.map((problem) => `• ${escapeMrkdwn(problem)}`).join('\n')}`,
        },
      },
    ],
  };
}
