import { z } from 'zod';
import { Messages } from '../bpmn/contract.ts';

/*
 * What a GitHub webhook delivery means for the lifecycle, decided without I/O. The schemas read
 * only what routing needs and let everything else through. Shapes follow GitHub's documented
 * webhook payloads (https://docs.github.com/webhooks/webhook-events-and-payloads#push) and the
 * published examples of `@octokit/webhooks-examples`, which the tests route.
 */

/** `owner/name`, as GitHub spells the repository (`repository.full_name`). */
export const repositoryFullName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'expected owner/name, e.g. acme-ml/churn-model')
  .describe('The repository as GitHub names it, owner/name, e.g. acme-ml/churn-model');

/** A commit id: 40 hex digits (SHA-1), or 64 in a SHA-256 repository. */
const commitSha = z
  .string()
  .regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'expected a commit id of 40 (or 64) lowercase hex digits')
  .describe('A commit id, 40 hex digits');

/** The part of a `push` payload routing reads. */
export const githubPushSchema = z.looseObject({
  ref: z.string().min(1).describe('The full ref pushed: refs/heads/<branch> or refs/tags/<tag>'),
  after: commitSha.describe('The commit the ref points at after the push; all zeros when the ref was deleted'),
  deleted: z.boolean().default(false).describe('Whether the push deleted the ref'),
  repository: z.looseObject({
    full_name: repositoryFullName,
    default_branch: z.string().min(1).describe('The branch the lifecycle follows, e.g. main'),
  }),
});
export type GitHubPush = z.infer<typeof githubPushSchema>;

/** A `ping` payload: sent once when the webhook is created. */
const githubPingSchema = z.looseObject({
  zen: z.string().optional(),
  hook_id: z.number().int().optional(),
});

/** The part of a `pull_request_review` payload routing reads. */
export const githubPullRequestReviewSchema = z.looseObject({
  action: z.string().min(1).describe('submitted, edited or dismissed'),
  review: z.looseObject({
    user: z.looseObject({ login: z.string().min(1) }).nullable().describe('Who reviewed; null for a deleted account'),
    state: z.string().min(1).describe('approved, changes_requested, commented or dismissed (lowercase in webhooks)'),
    submitted_at: z.string().nullable().optional().describe('When the review was submitted, ISO 8601'),
  }),
  pull_request: z.looseObject({ number: z.number().int().positive().describe('The pull request reviewed') }),
  repository: z.looseObject({ full_name: repositoryFullName }),
});
export type GitHubPullRequestReview = z.infer<typeof githubPullRequestReviewSchema>;

/** The part of a `pull_request` payload routing reads. */
export const githubPullRequestSchema = z.looseObject({
  action: z.string().min(1).describe('opened, closed, reopened, synchronize, review_requested, …'),
  number: z.number().int().positive().describe('The pull request number'),
  pull_request: z.looseObject({
    closed_at: z.string().nullable().optional().describe('When it was closed, ISO 8601; null while open'),
    updated_at: z.string().nullable().optional().describe('When it last changed, ISO 8601'),
    merged: z.boolean().nullable().optional().describe('Whether a closed pull request was merged'),
    merge_commit_sha: z.string().nullable().optional().describe('The commit the merge made on the base branch'),
    merged_at: z.string().nullable().optional().describe('When it was merged, ISO 8601'),
  }),
  repository: z.looseObject({ full_name: repositoryFullName }),
});
export type GitHubPullRequestEvent = z.infer<typeof githubPullRequestSchema>;

/** The review a `github:pr-review` message carries (the `review` variable); `state` in the REST API's spelling. */
export const prReviewVariableSchema = z.object({
  login: z.string().min(1).describe('GitHub login of the reviewer'),
  state: z.enum(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED']).describe('The review state, uppercase as the REST API spells it'),
  submittedAt: z.string().nullable().describe('When the review was submitted, ISO 8601'),
  prNumber: z.number().int().positive().describe('The pull request reviewed'),
});
export type PrReviewVariable = z.infer<typeof prReviewVariableSchema>;

/** The merge a `github:pr-merged` message carries (the `mergedPr` variable). */
export const mergedPrVariableSchema = z.object({
  number: z.number().int().positive().describe('The pull request merged'),
  mergeCommitSha: z.string().nullable().describe('The commit the merge made on the base branch'),
  mergedAt: z.string().nullable().describe('When it was merged, ISO 8601'),
});
export type MergedPrVariable = z.infer<typeof mergedPrVariableSchema>;

/** A closing without merge or a reopening a `github:pr-changed` message carries (the `changedPr` variable); the lifecycle re-reads the pull request, this only says why. */
export const changedPrVariableSchema = z.object({
  number: z.number().int().positive().describe('The pull request closed or reopened'),
  action: z.enum(['closed', 'reopened']).describe('closed: closed without merging; reopened: open again'),
  at: z.string().nullable().describe('When: closed_at for a closing, updated_at for a reopening, ISO 8601'),
});
export type ChangedPrVariable = z.infer<typeof changedPrVariableSchema>;

/** Why a delivery moves nothing. */
export type GitHubIgnoreReason =
  /** An event the lifecycle does not handle. */
  | 'event_not_handled'
  /** A push to a branch other than the repository's default branch. */
  | 'not_default_branch'
  /** A push of a tag. */
  | 'tag'
  /** A push that deleted the default branch. */
  | 'ref_deleted'
  /** A `pull_request` action other than closed or reopened, or a `pull_request_review` action other than submitted. */
  | 'action_not_handled'
  /** A review by a deleted account, or a submitted review in a state the lifecycle does not know. */
  | 'review_not_usable';

/** What a delivery asks of the lifecycle. */
export type GitHubRoute =
  | { readonly kind: 'invalid'; readonly field: string; readonly message: string }
  | { readonly kind: 'pong'; readonly event: 'ping'; readonly hookId: number | undefined }
  | {
      readonly kind: 'ignore';
      readonly event: string;
      readonly reason: GitHubIgnoreReason;
      readonly repositoryFullName?: string;
      readonly ref?: string;
    }
  | {
      readonly kind: 'correlate';
      readonly event: 'push';
      readonly messageName: typeof Messages.githubPush;
      readonly repositoryFullName: string;
      readonly branch: string;
      /** `correlationKeys` of the message: the instances waiting for a push to this repository. */
      readonly correlationKeys: { readonly repositoryFullName: string };
      /** Process variables the message sets: the commit the default branch now points at. */
      readonly variables: { readonly pushedCommit: string };
    }
  | {
      readonly kind: 'correlate';
      readonly event: 'pull_request_review';
      readonly messageName: typeof Messages.githubPrReview;
      readonly repositoryFullName: string;
      readonly correlationKeys: { readonly repositoryFullName: string };
      /** The review submitted. */
      readonly variables: { readonly review: PrReviewVariable };
    }
  | {
      readonly kind: 'correlate';
      readonly event: 'pull_request';
      readonly messageName: typeof Messages.githubPrMerged;
      readonly repositoryFullName: string;
      readonly correlationKeys: { readonly repositoryFullName: string };
      /** The merge. */
      readonly variables: { readonly mergedPr: MergedPrVariable };
    }
  | {
      readonly kind: 'correlate';
      readonly event: 'pull_request';
      readonly messageName: typeof Messages.githubPrChanged;
      readonly repositoryFullName: string;
      readonly correlationKeys: { readonly repositoryFullName: string };
      /** The closing without merge, or the reopening. */
      readonly variables: { readonly changedPr: ChangedPrVariable };
    };

/**
 * Routes one delivery by its `X-GitHub-Event` and parsed body:
 *
 * - `ping` → `pong`;
 * - `push` to `refs/heads/<repository.default_branch>`, not deleting it → correlate
 *   `github:push` to every instance whose `repositoryFullName` is the repository's, with
 *   `pushedCommit: after`;
 * - a push of a tag, to another branch, or deleting the branch → `ignore`;
 * - `pull_request_review` with action `submitted` → correlate `github:pr-review` to every
 *   instance of the repository, with `review: { login, state, submittedAt, prNumber }` (the state
 *   uppercased, as the REST API spells it); other actions (`edited`, `dismissed`: the
 *   lifecycle re-reads the reviews at its check) → `ignore`;
 * - `pull_request` with action `closed` and `merged: true` → correlate `github:pr-merged`
 *   with `mergedPr: { number, mergeCommitSha, mergedAt }`;
 * - `pull_request` closed without merging, or `reopened` → correlate `github:pr-changed` with
 *   `changedPr: { number, action, at }` (the lifecycle reads the pull request's state itself,
 *   so the order of deliveries does not matter); any other action → `ignore`;
 * - any other event → `ignore`;
 * - a missing event header, or a `push`, `ping`, `pull_request` or `pull_request_review` body
 *   without what routing reads → `invalid`, naming the field.
 */
export function routeGitHubDelivery(event: string | undefined, body: unknown): GitHubRoute {
  if (event === undefined || event.trim() === '') return { kind: 'invalid', field: 'X-GitHub-Event', message: 'the X-GitHub-Event header is missing' };
  switch (event) {
    case 'ping': {
      const parsed = githubPingSchema.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      return { kind: 'pong', event: 'ping', hookId: parsed.data.hook_id };
    }
    case 'push':
      return routePush(body);
    case 'pull_request_review':
      return routePullRequestReview(body);
    case 'pull_request':
      return routePullRequest(body);
    default:
      return { kind: 'ignore', event, reason: 'event_not_handled' };
  }
}

function routePush(body: unknown): GitHubRoute {
  const parsed = githubPushSchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const push = parsed.data;
  const repository = push.repository.full_name;
  const ignore = (reason: GitHubIgnoreReason): GitHubRoute => ({ kind: 'ignore', event: 'push', reason, repositoryFullName: repository, ref: push.ref });
  if (push.ref.startsWith('refs/tags/')) return ignore('tag');
  if (push.ref !== `refs/heads/${push.repository.default_branch}`) return ignore('not_default_branch');
  if (push.deleted) return ignore('ref_deleted');
  return {
    kind: 'correlate',
    event: 'push',
    messageName: Messages.githubPush,
    repositoryFullName: repository,
    branch: push.repository.default_branch,
    correlationKeys: { repositoryFullName: repository },
    variables: { pushedCommit: push.after },
  };
}

const REVIEW_STATES = new Set<PrReviewVariable['state']>(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED']);

function routePullRequestReview(body: unknown): GitHubRoute {
  const parsed = githubPullRequestReviewSchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const delivery = parsed.data;
  const repository = delivery.repository.full_name;
  const ignore = (reason: GitHubIgnoreReason): GitHubRoute => ({ kind: 'ignore', event: 'pull_request_review', reason, repositoryFullName: repository });
  if (delivery.action !== 'submitted') return ignore('action_not_handled');
  const state = delivery.review.state.toUpperCase() as PrReviewVariable['state'];
  if (delivery.review.user === null || !REVIEW_STATES.has(state)) return ignore('review_not_usable');
  return {
    kind: 'correlate',
    event: 'pull_request_review',
    messageName: Messages.githubPrReview,
    repositoryFullName: repository,
    correlationKeys: { repositoryFullName: repository },
    variables: { review: { login: delivery.review.user.login, state, submittedAt: delivery.review.submitted_at ?? null, prNumber: delivery.pull_request.number } },
  };
}

function routePullRequest(body: unknown): GitHubRoute {
  const parsed = githubPullRequestSchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const delivery = parsed.data;
  const repository = delivery.repository.full_name;
  const ignore = (reason: GitHubIgnoreReason): GitHubRoute => ({ kind: 'ignore', event: 'pull_request', reason, repositoryFullName: repository });
  if (delivery.action === 'reopened' || (delivery.action === 'closed' && delivery.pull_request.merged !== true)) {
    return {
      kind: 'correlate',
      event: 'pull_request',
      messageName: Messages.githubPrChanged,
      repositoryFullName: repository,
      correlationKeys: { repositoryFullName: repository },
      variables: {
        changedPr: {
          number: delivery.number,
          action: delivery.action,
          at: (delivery.action === 'closed' ? delivery.pull_request.closed_at : delivery.pull_request.updated_at) ?? null,
        },
      },
    };
  }
  if (delivery.action !== 'closed') return ignore('action_not_handled');
  return {
    kind: 'correlate',
    event: 'pull_request',
    messageName: Messages.githubPrMerged,
    repositoryFullName: repository,
    correlationKeys: { repositoryFullName: repository },
    variables: { mergedPr: { number: delivery.number, mergeCommitSha: delivery.pull_request.merge_commit_sha ?? null, mergedAt: delivery.pull_request.merged_at ?? null } },
  };
}

function invalid(error: z.ZodError): GitHubRoute {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  return { kind: 'invalid', field, message: issue?.message ?? 'invalid payload' };
}
