import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';

/**
 * The published example payloads of `@octokit/webhooks-examples` (api.github.com), by event.
 * Loaded from the package rather than copied, so they follow its releases.
 */
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

/** Every published example of `event`. */
export function examplesOf<E extends WebhookDefinition['name']>(event: E): Array<WebhookDefinition<E>['examples'][number]> {
  const definition = definitions.find((candidate): candidate is WebhookDefinition<E> => candidate.name === event);
  if (!definition || definition.examples.length === 0) throw new Error(`@octokit/webhooks-examples has no ${event} example`);
  return definition.examples;
}

/** The `push` examples: a push of `refs/heads/<default branch>` with a new commit (`deleted: false`). */
export function defaultBranchPushes() {
  return examplesOf('push').filter((push) => push.ref === `refs/heads/${push.repository.default_branch}` && !push.deleted);
}

/** The `push` examples of a tag (created or deleted). */
export function tagPushes() {
  return examplesOf('push').filter((push) => push.ref.startsWith('refs/tags/'));
}

/** A default-branch push example, as GitHub would send it for another repository, branch or commit. */
export function pushExample(changes: { fullName?: string; ref?: string; after?: string; deleted?: boolean } = {}): Record<string, unknown> {
  const base = defaultBranchPushes()[0];
  if (!base) throw new Error('@octokit/webhooks-examples has no push to a default branch');
  const push = structuredClone(base) as unknown as Record<string, unknown> & { repository: Record<string, unknown> };
  if (changes.fullName !== undefined) {
    push.repository.full_name = changes.fullName;
    push.repository.name = changes.fullName.split('/')[1];
  }
  if (changes.ref !== undefined) push.ref = changes.ref;
  if (changes.after !== undefined) push.after = changes.after;
  if (changes.deleted !== undefined) push.deleted = changes.deleted;
  return push;
}

/** The first published `pull_request_review` `submitted` example, with its review's state or user replaced. */
export function reviewExample(changes: { state?: string; user?: null }): Record<string, unknown> & { review: Record<string, unknown> } {
  const base = examplesOf('pull_request_review').find((delivery) => delivery.action === 'submitted');
  if (!base) throw new Error('@octokit/webhooks-examples has no submitted pull_request_review');
  const delivery = structuredClone(base) as unknown as Record<string, unknown> & { review: Record<string, unknown> };
  if (changes.state !== undefined) delivery.review.state = changes.state;
  if (changes.user !== undefined) delivery.review.user = changes.user;
  return delivery;
}

/**
 * The published `pull_request` `closed` example as GitHub sends it for a merge: `merged: true` and
 * `merged_at` set (the package's closed examples are unmerged; `merge_commit_sha` is kept).
 */
export function mergedPullRequestExample(): Record<string, unknown> & { pull_request: Record<string, unknown> } {
  const base = examplesOf('pull_request').find((delivery) => delivery.action === 'closed');
  if (!base) throw new Error('@octokit/webhooks-examples has no closed pull_request');
  const delivery = structuredClone(base) as unknown as Record<string, unknown> & { pull_request: Record<string, unknown> };
  Object.assign(delivery.pull_request, { merged: true, merged_at: '2019-05-15T15:20:40Z' });
  return delivery;
}
