import type { SlackClient } from '../src/clients/slack.ts';
import { findTeam, type Policy } from '../src/config/policy.ts';
import type { SlackMessage } from '../src/domain/announcements.ts';
import { InvalidTaskInputError } from '../src/runtime/worker.ts';

/**
 * Posts a message to the Slack channel of the model's team, once per idempotency key. Used by
 * the steps that tell a team about its model (repository, training, build).
 */
export async function postToTeam(
  deps: { slack: Pick<SlackClient, 'postMessageOnce'>; policy: Policy },
  input: { team: string; idempotencyKey: string; message: SlackMessage; ticketCreatedAt?: string | undefined },
): Promise<{ channel: string; ts: string; created: boolean }> {
  const team = findTeam(deps.policy, input.team);
  if (!team) throw new InvalidTaskInputError(`team "${input.team}" is no longer in [[teams]] of the policy file; add it back and retry the incident`);
  return deps.slack.postMessageOnce({
    channel: team.slack_channel,
    idempotencyKey: input.idempotencyKey,
    text: input.message.text,
    blocks: input.message.blocks,
    // The message cannot predate the ticket; an hour of slack covers clocks that disagree.
    ...(input.ticketCreatedAt === undefined ? {} : { notBefore: new Date(Date.parse(input.ticketCreatedAt) - 3_600_000) }),
  });
}
