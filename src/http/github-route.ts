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

/** Why a delivery moves nothing. */
export type GitHubIgnoreReason =
  /** An event the lifecycle does not handle (yet: a later stage handles `pull_request` and `pull_request_review`). */
  | 'event_not_handled'
  /** A push to a branch other than the repository's default branch. */
  | 'not_default_branch'
  /** A push of a tag. */
  | 'tag'
  /** A push that deleted the default branch. */
  | 'ref_deleted';

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
    };

/**
 * Routes one delivery by its `X-GitHub-Event` and parsed body:
 *
 * - `ping` → `pong`;
 * - `push` to `refs/heads/<repository.default_branch>`, not deleting it → correlate
 *   `github:push` to every instance whose `repositoryFullName` is the repository's, with
 *   `pushedCommit: after`;
 * - a push of a tag, to another branch, or deleting the branch → `ignore`;
 * - any other event (`pull_request`, `pull_request_review` included, for now) → `ignore`;
 * - a missing event header, or a `push` or `ping` body without what routing reads → `invalid`,
 *   naming the field.
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

function invalid(error: z.ZodError): GitHubRoute {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  return { kind: 'invalid', field, message: issue?.message ?? 'invalid payload' };
}
