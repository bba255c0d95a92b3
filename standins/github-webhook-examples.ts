/**
 * The published example payloads of `@octokit/webhooks-examples` (GitHub's own examples of
 * each webhook event, as delivered by api.github.com), loaded from the package rather than
 * copied so they follow its releases. The GitHub stand-in builds its deliveries from them, and
 * tests can route them as they are.
 */
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';

type EventName = WebhookDefinition['name'];

let definitions: WebhookDefinition[] | undefined;

/** Every published example of `event`; throws when the package has none. */
export function webhookExamplesOf<E extends EventName>(event: E): Array<WebhookDefinition<E>['examples'][number]> {
  definitions ??= createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];
  const definition = definitions.find((candidate): candidate is WebhookDefinition<E> => candidate.name === event);
  if (!definition || definition.examples.length === 0) throw new Error(`@octokit/webhooks-examples has no ${event} example`);
  return definition.examples;
}

/** The first `push` example of a new commit on the repository's default branch (`deleted: false`), as a fresh copy. */
export function defaultBranchPushExample(): WebhookDefinition<'push'>['examples'][number] {
  const push = webhookExamplesOf('push').find((candidate) => candidate.ref === `refs/heads/${candidate.repository.default_branch}` && !candidate.deleted);
  if (!push) throw new Error('@octokit/webhooks-examples has no push to a default branch');
  return structuredClone(push);
}
