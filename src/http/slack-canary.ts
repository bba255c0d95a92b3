import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Messages, PROCESS_KEY } from '../bpmn/contract.ts';
import type { SlackClient, SlackView } from '../clients/slack.ts';
import {
  canaryGateSchema,
  decideClick,
  type CanaryAction,
  type CanaryDecision,
  type CanaryGate,
  type CanaryPolicyFlags,
} from '../domain/canary-decision.ts';
import { issueKey as issueKeySchema } from '../domain/lifecycle-variables.ts';
import { EngineError, type EngineClient } from '../engine/camunda7/rest.ts';
import { correlateMessage, type CorrelationRetry } from '../lifecycle/correlate.ts';
import type { Metrics } from '../observability/metrics.ts';
import { DeliveryStore } from './delivery-store.ts';

/**
 * The Slack end of the canary decision: what happens between a click on **Approve** or
 * **Reject** in the "Service deployed in canary mode" message and the BPMN message
 * `slack:canary-decision`. The delivery stage posts the message (buttons below) and writes the
 * `canaryGate` variable; it also updates the message once the lifecycle has the decision.
 *
 * Every listener acknowledges first (Slack's 3 seconds), then works:
 * - it reads `canaryGate` from the running lifecycle whose business key is the button's value;
 * - {@link decideClick} says whether the click counts; a refusal is an ephemeral reply through
 *   the click's `response_url` and nothing else;
 * - Approve correlates `slack:canary-decision` with `canaryDecision`; Reject opens a form
 *   ("Why?") and its submission correlates with the reason;
 * - nothing waiting (decided already, a double click, the lifecycle moved on) → "This canary
 *   was already decided."; the engine down → "click again shortly", logged at warn.
 *
 * A delivery Slack sends again (`X-Slack-Retry-Num`) carries the same `action_ts`: it is
 * recognised and does nothing. Any other second click finds the message subscription consumed.
 */

/** `action_id`s of the canary message's buttons; each button's `value` is the Jira issue key. */
export const CanaryActionIds = {
  approve: 'canary:approve',
  reject: 'canary:reject',
} as const;

/** `callback_id` of the Reject form. */
export const CANARY_REJECT_VIEW = 'canary:reject-reason';
/** `block_id` and `action_id` of the form's "Why?" input. */
export const CANARY_REASON_BLOCK = 'reason';
export const CANARY_REASON_ACTION = 'reason';

/** Every value of `lifecycle_canary_clicks_total{result}`. */
export type CanaryClickResult = 'accepted' | 'not_allowed' | 'barred' | 'too_early' | 'no_gate' | 'already_decided' | 'engine_unavailable';

export const CanaryTexts = {
  alreadyDecided: 'This canary was already decided.',
  engineUnavailable: 'The lifecycle engine did not answer, so nothing was decided. Please click again in a minute.',
  formFailed: 'The form to say why could not be opened. Please click Reject again.',
  reasonMissing: 'Say why the canary is rejected: the developer gets this on the ticket.',
} as const;

export interface CanaryListenerDeps {
  readonly engine: Pick<EngineClient, 'processInstances' | 'variable' | 'correlate'>;
  readonly slack: Pick<SlackClient, 'respond' | 'openView'>;
  readonly metrics: Pick<Metrics, 'canaryClicks' | 'messageCorrelations'>;
  readonly log: Logger;
  /** Clock of the decision. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** Process definition key of the lifecycle. Default `model-lifecycle`. */
  readonly processKey?: string;
  readonly policy?: CanaryPolicyFlags;
  readonly correlationRetry?: CorrelationRetry | undefined;
}

/** What the Reject form carries from the click to its submission (`private_metadata`). */
const formContextSchema = z.object({
  issueKey: issueKeySchema,
  channel: z.string().describe('Channel id of the canary message'),
  messageTs: z.string().describe('ts of the canary message that was clicked'),
  responseUrl: z.url().describe("The click's response_url, for the ephemeral reply after the submission"),
});
type FormContext = z.infer<typeof formContextSchema>;

type GateRead = { readonly kind: 'gate'; readonly gate: CanaryGate | null } | { readonly kind: 'engine_unavailable'; readonly error: unknown };

/**
 * Registers the canary listeners on the Bolt app: `canary:approve` and `canary:reject`
 * (block_actions) and the Reject form's submission (view_submission).
 */
export function registerCanaryListeners(app: App, deps: CanaryListenerDeps): void {
  const now = deps.now ?? (() => new Date());
  // A delivery Slack sends again carries the same action: one per person, button and action_ts.
  const clicks = new DeliveryStore<true>({ ttlMs: 60 * 60_000 });
  const count = (action: CanaryAction, result: CanaryClickResult) => deps.metrics.canaryClicks.inc({ action, result });

  const readGate = async (issueKey: string, messageTs: string | undefined, log: Logger): Promise<GateRead> => {
    try {
      const instances = await deps.engine.processInstances({ processDefinitionKey: deps.processKey ?? PROCESS_KEY, businessKey: issueKey });
      for (const instance of instances.filter((candidate) => candidate.ended !== true)) {
        const value = await deps.engine.variable(instance.id, 'canaryGate');
        if (value === undefined || value === null) continue;
        const parsed = canaryGateSchema.safeParse(value);
        if (!parsed.success) {
          log.error({ processInstanceId: instance.id, problems: z.prettifyError(parsed.error) }, 'canaryGate of the lifecycle is invalid; the click counts as if no canary waited');
          continue;
        }
        // A click on an older canary message of the same ticket (an earlier attempt) decides nothing.
        if (messageTs !== undefined && parsed.data.ts !== messageTs) continue;
        return { kind: 'gate', gate: parsed.data };
      }
      return { kind: 'gate', gate: null };
    } catch (error) {
      if (isEngineUnavailable(error)) return { kind: 'engine_unavailable', error };
      throw error;
    }
  };

  const reply = async (responseUrl: string, text: string, log: Logger) => {
    try {
      await deps.slack.respond(responseUrl, { text });
    } catch (error) {
      log.warn({ err: error }, 'could not tell the person in Slack');
    }
  };

  /** Correlates the decision; tells the person when it changed nothing. */
  const decide = async (decision: CanaryDecision, issueKey: string, responseUrl: string, log: Logger) => {
    const messageName = Messages.slackCanaryDecision;
    try {
      const result = await correlateMessage(
        { engine: deps.engine, log, ...(deps.correlationRetry ? { retry: deps.correlationRetry } : {}) },
        { messageName, businessKey: issueKey, variables: { canaryDecision: decision } },
      );
      deps.metrics.messageCorrelations.inc({ message: messageName, result });
      if (result === 'correlated') {
        count(decision.action, 'accepted');
        log.info({ decision: decision.action, reason: decision.reason }, 'canary decided in Slack');
        return;
      }
      count(decision.action, 'already_decided');
      log.info('canary click after the decision (or after the lifecycle moved on); nothing changed');
      await reply(responseUrl, CanaryTexts.alreadyDecided, log);
    } catch (error) {
      if (!isEngineUnavailable(error)) throw error;
      count(decision.action, 'engine_unavailable');
      log.warn({ err: error }, 'engine unavailable: the canary decision was not delivered; the person was asked to click again');
      await reply(responseUrl, CanaryTexts.engineUnavailable, log);
    }
  };

  const onClick = (action: CanaryAction) =>
    async ({ ack, body, payload, context }: { ack: () => Promise<void>; body: BlockAction; payload: ButtonAction; context: { retryNum?: number | undefined } }) => {
      await ack();
      const issueKey = payload.value ?? '';
      const log = deps.log.child({ source: 'slack', businessKey: issueKey, action, userId: body.user.id, retryNum: context.retryNum });
      const deliveryKey = `${body.user.id}/${payload.action_id}/${payload.action_ts}`;
      const { replayed } = await clicks.run(deliveryKey, async () => {
        await handleClick(action, issueKey, body, log);
        return true as const;
      });
      if (replayed) log.info({ deliveryKey }, 'Slack delivered this click again; it was handled already');
    };

  const handleClick = async (action: CanaryAction, issueKey: string, body: BlockAction, log: Logger) => {
    const at = now();
    const responseUrl = body.response_url;
    if (!issueKeySchema.safeParse(issueKey).success) {
      count(action, 'no_gate');
      log.warn('canary button without an issue key as its value; the message was not posted by the delivery stage');
      await reply(responseUrl, noGateText(''), log);
      return;
    }
    const messageTs = body.container?.['message_ts'] as string | undefined;
    const read = await readGate(issueKey, messageTs, log);
    if (read.kind === 'engine_unavailable') {
      count(action, 'engine_unavailable');
      log.warn({ err: read.error }, 'engine unavailable: the canary gate could not be read; the person was asked to click again');
      await reply(responseUrl, CanaryTexts.engineUnavailable, log);
      return;
    }
    const verdict = decideClick(read.gate, { userId: body.user.id, action, at }, deps.policy);
    if (verdict.kind === 'refuse') {
      count(action, verdict.reason);
      log.info({ refusal: verdict.reason }, 'canary click refused');
      await reply(responseUrl, verdict.reason === 'no_gate' ? noGateText(issueKey) : verdict.text, log);
      return;
    }
    if (action === 'approve') {
      await decide({ action, userId: body.user.id, userName: userNameOf(body.user), decidedAt: at.toISOString() }, issueKey, responseUrl, log);
      return;
    }
    const context: FormContext = { issueKey, channel: body.channel?.id ?? body.container?.['channel_id'] ?? '', messageTs: messageTs ?? '', responseUrl };
    try {
      await deps.slack.openView(body.trigger_id, rejectForm(context));
      log.info('reject form opened');
    } catch (error) {
      log.warn({ err: error }, 'the reject form could not be opened; the person was asked to click again');
      await reply(responseUrl, CanaryTexts.formFailed, log);
    }
  };

  app.action<BlockAction<ButtonAction>>(CanaryActionIds.approve, onClick('approve'));
  app.action<BlockAction<ButtonAction>>(CanaryActionIds.reject, onClick('reject'));

  app.view(CANARY_REJECT_VIEW, async ({ ack, body, view }) => {
    const reason = view.state.values[CANARY_REASON_BLOCK]?.[CANARY_REASON_ACTION]?.value?.trim() ?? '';
    if (reason === '') {
      await ack({ response_action: 'errors', errors: { [CANARY_REASON_BLOCK]: CanaryTexts.reasonMissing } });
      return;
    }
    await ack();
    const parsedContext = formContextSchema.safeParse(safeJson(view.private_metadata));
    if (!parsedContext.success) {
      deps.log.error({ source: 'slack', viewId: view.id }, 'reject form without its context (private_metadata); nothing decided');
      return;
    }
    const context = parsedContext.data;
    const log = deps.log.child({ source: 'slack', businessKey: context.issueKey, action: 'reject', userId: body.user.id });
    const { replayed } = await clicks.run(`${body.user.id}/${CANARY_REJECT_VIEW}/${view.id}/${view.hash}`, async () => {
      const at = now();
      const read = await readGate(context.issueKey, context.messageTs || undefined, log);
      if (read.kind === 'engine_unavailable') {
        count('reject', 'engine_unavailable');
        log.warn({ err: read.error }, 'engine unavailable: the canary gate could not be read; the person was asked to click again');
        await reply(context.responseUrl, CanaryTexts.engineUnavailable, log);
        return true as const;
      }
      // The gate is asked again: the person is the submitter, and the canary may have moved on while the form was open.
      const verdict = decideClick(read.gate, { userId: body.user.id, action: 'reject', at }, deps.policy);
      if (verdict.kind === 'refuse') {
        count('reject', verdict.reason === 'no_gate' ? 'already_decided' : verdict.reason);
        await reply(context.responseUrl, verdict.reason === 'no_gate' ? CanaryTexts.alreadyDecided : verdict.text, log);
        return true as const;
      }
      await decide({ action: 'reject', userId: body.user.id, userName: userNameOf(body.user), decidedAt: at.toISOString(), reason }, context.issueKey, context.responseUrl, log);
      return true as const;
    });
    if (replayed) log.info('Slack delivered this form submission again; it was handled already');
  });
}

/** The Reject form: "Why?" (required, up to 3 000 characters), the click's context in `private_metadata`. */
export function rejectForm(context: FormContext): SlackView {
  return {
    type: 'modal',
    callback_id: CANARY_REJECT_VIEW,
    title: { type: 'plain_text', text: 'Reject the canary' },
    submit: { type: 'plain_text', text: 'Reject and roll back' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(context),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `Rejecting rolls the canary of *${context.issueKey}* back and sends the ticket back to the developer with your reason.` },
      },
      {
        type: 'input',
        block_id: CANARY_REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why?' },
        element: { type: 'plain_text_input', action_id: CANARY_REASON_ACTION, multiline: true, max_length: 3_000 },
      },
    ],
  };
}

function noGateText(issueKey: string): string {
  return issueKey ? `No canary of ${issueKey} waits for a decision on this message.` : 'This button belongs to no canary waiting for a decision.';
}

function userNameOf(user: { id: string; name?: string | undefined; username?: string | undefined }): string {
  return user.username || user.name || user.id;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Nothing answered, or a 5xx (a conflict included, once its retries are spent). */
function isEngineUnavailable(error: unknown): boolean {
  return error instanceof EngineError && (error.unreachable || error.status >= 500);
}
