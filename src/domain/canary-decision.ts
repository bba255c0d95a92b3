import { z } from 'zod';
import { issueKey } from './lifecycle-variables.ts';

/**
 * Who may decide a canary, and when: the pure rule behind the **Approve** and **Reject**
 * buttons of the "Service deployed in canary mode" message. The delivery stage writes the
 * facts ({@link CanaryGate}) when it posts the message; the Slack listener
 * (src/http/slack-canary.ts) asks {@link decideClick} about each click and correlates the
 * accepted ones as `slack:canary-decision` with a {@link CanaryDecision}.
 */

const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U024BE7LH')
  .describe('Slack user id (U… or W…)');

const instant = (what: string) => z.iso.datetime({ offset: true }).describe(`${what} (ISO-8601 instant)`);

/** A person named on the gate, with why they are there (shown in logs and in Cockpit). */
export const canaryPersonSchema = z.object({
  slackId: slackUserId,
  reason: z.string().min(1).max(200).describe('Why this person is listed, e.g. "maintainer of team search", "platform approver", "developer of the model"'),
});
export type CanaryPerson = z.infer<typeof canaryPersonSchema>;

/**
 * The process variable `canaryGate` (Json) the delivery stage writes on the lifecycle when it
 * posts the canary message: where the message is, when Approve opens, and who may decide.
 */
export const canaryGateSchema = z
  .object({
    issueKey: issueKey.describe('Jira issue key of the model ticket; the business key the decision is correlated to'),
    channel: z.string().regex(/^[CGD][A-Z0-9]+$/, 'expected a Slack channel id such as C024BE91L').describe('Channel id of the canary message'),
    ts: z.string().regex(/^\d+\.\d{6}$/, 'expected a Slack message ts such as 1712345678.000100').describe('ts of the canary message, for chat.update'),
    windowEndsAt: instant('When stabilisation ends and Approve becomes available; Reject is available before'),
    decisionDeadlineAt: instant('When the lifecycle stops waiting for a decision (the BPMN timer decides what then)'),
    deciders: z.array(canaryPersonSchema).max(200).describe("Who may decide: the model's maintainers and the platform's approvers"),
    barred: z
      .array(canaryPersonSchema)
      .max(200)
      .describe('Who may not decide although they may be a decider, e.g. the developer when self-approval is off'),
  })
  .describe('Process variable canaryGate: the canary message and who may decide it, when');
export type CanaryGate = z.infer<typeof canaryGateSchema>;

/** Which button. */
export const canaryActionSchema = z.enum(['approve', 'reject']).describe('The button clicked: approve (promote) or reject (roll back)');
export type CanaryAction = z.infer<typeof canaryActionSchema>;

/** The process variable `canaryDecision` (Json) the message `slack:canary-decision` carries. */
export const canaryDecisionSchema = z
  .object({
    action: canaryActionSchema,
    userId: slackUserId.describe('Slack user id of who decided'),
    userName: z.string().min(1).max(200).describe('Slack handle of who decided, for "Approved by @…"'),
    decidedAt: instant('When the decision was made (the click or the form submission)'),
    reason: z.string().min(1).max(3_000).optional().describe('Why, as typed in the Reject form; absent for Approve'),
  })
  .describe('Process variable canaryDecision: who decided the canary, how, when and why');
export type CanaryDecision = z.infer<typeof canaryDecisionSchema>;

/** One click as the decision sees it. */
export interface CanaryClick {
  /** Slack user id of who clicked. */
  readonly userId: string;
  readonly action: CanaryAction;
  /** When Slack says it was clicked (the service's clock on arrival). */
  readonly at: Date;
}

/** Policy switches; the defaults are the issue's rules. */
export interface CanaryPolicyFlags {
  /** A barred person (the developer, self-approval off) may still roll back their own canary. Default false. */
  readonly barredMayReject?: boolean;
}

/** Why a click changes nothing; each is a value of `lifecycle_canary_clicks_total{result}`. */
export type CanaryRefusal = 'not_allowed' | 'barred' | 'too_early' | 'no_gate';

export type CanaryClickVerdict =
  | { readonly kind: 'accept' }
  | {
      readonly kind: 'refuse';
      readonly reason: CanaryRefusal;
      /** What the person is told, ephemerally. */
      readonly text: string;
    };

/**
 * Whether a click counts, in this order:
 * 1. no gate (no canary waits for a decision) → `no_gate`;
 * 2. the person is barred (self-approval off) → `barred`, for Reject too unless `barredMayReject`;
 * 3. the person is not among the deciders → `not_allowed`;
 * 4. Approve before `windowEndsAt` → `too_early`, with the time left ("1 m 40 s");
 * 5. otherwise accepted. Reject is accepted during the window.
 *
 * Pure: the clock is `click.at`.
 */
export function decideClick(gate: CanaryGate | null | undefined, click: CanaryClick, flags: CanaryPolicyFlags = {}): CanaryClickVerdict {
  if (!gate) return refuse('no_gate', 'There is no canary waiting for a decision here any more.');
  const barred = gate.barred.some((person) => person.slackId === click.userId);
  if (barred && !(click.action === 'reject' && flags.barredMayReject === true)) {
    return refuse('barred', 'You developed this model: self-approval is off.');
  }
  if (!gate.deciders.some((person) => person.slackId === click.userId)) {
    return refuse('not_allowed', "Only the model's maintainers and the platform's approvers can decide: you are not one of them.");
  }
  if (click.action === 'approve') {
    const leftMs = Date.parse(gate.windowEndsAt) - click.at.getTime();
    if (leftMs > 0) return refuse('too_early', `Approve becomes available in ${formatTimeLeft(leftMs)}, after stabilisation.`);
  }
  return { kind: 'accept' };
}

function refuse(reason: CanaryRefusal, text: string): CanaryClickVerdict {
  return { kind: 'refuse', reason, text };
}

/**
 * A wait as people read it, rounded up to the second: "1 m 40 s", "45 s", "2 m", "1 h 5 m".
 * Zero parts are left out; anything above zero shows at least "1 s".
 */
export function formatTimeLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1_000));
  const hours = Math.floor(total / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  const parts = [hours > 0 ? `${hours} h` : '', minutes > 0 ? `${minutes} m` : '', seconds > 0 ? `${seconds} s` : ''].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

/**
 * What the canary message says once decided: "Approved by <@U024BE7LH> at 14:05 UTC" or
 * "Rejected by <@U024BE7LH> at 14:05 UTC: <reason>". Slack renders `<@id>` as the @handle.
 */
export function describeDecision(decision: CanaryDecision): string {
  const at = new Date(decision.decidedAt).toISOString().slice(11, 16);
  const verb = decision.action === 'approve' ? 'Approved' : 'Rejected';
  return `${verb} by <@${decision.userId}> at ${at} UTC${decision.reason ? `: ${decision.reason}` : ''}`;
}
