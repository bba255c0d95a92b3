import type { SlackBlock } from '../src/clients/slack.ts';

/**
 * What the canary steps need of the Slack client to change the canary message in place
 * (`SlackClient.updateMessage`, `chat.update`): the same content twice is one change.
 */
export interface CanaryMessageUpdater {
  updateMessage(input: { readonly channel: string; readonly ts: string; readonly text: string; readonly blocks?: readonly SlackBlock[] }): Promise<unknown>;
}
