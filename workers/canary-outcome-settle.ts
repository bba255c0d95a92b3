import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import { canaryDecisionSchema } from '../src/domain/canary-decision.ts';
import { canaryEnd, canaryOutcome, settleCanary } from '../src/domain/delivery.ts';
import { isoInstant } from '../src/domain/lifecycle-variables.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';

/**
 * Settles how the canary ends, from the path the BPMN took (the local input `canaryEnd`) and
 * what is known: the accepted click, the analysis's or deploy build's failure. No effect
 * outside the process, so a rerun is harmless; it is taken when the decision wait ended, so the
 * decision time is measured from the announcement to the click.
 */
export function createSettleCanary(deps: { now?: () => Date } = {}) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.settleCanary,
    description: 'Settles how the canary ends: approved, rejected, analysis failed, no decision or deploy failed, and why',
    input: z.object({
      canaryEnd: z.union([canaryEnd, z.literal('decided')]).describe('Local input of the task: the path the BPMN took; decided: approved or rejected as canaryDecision says'),
      deliveryAttempt: z.number().int().min(1).describe('The delivery attempt'),
      canaryStartedAt: isoInstant.optional().describe('When the canary took traffic (absent when its deployment failed)'),
      canaryDecision: canaryDecisionSchema.optional().describe('The accepted Approve or Reject'),
      canaryFailureReason: z.string().optional().describe('The BPMN error message of a failed analysis or deploy build'),
      canaryDecisionDeadlineAt: isoInstant.optional().describe('The decision deadline'),
    }),
    output: z.object({ canaryOutcome, canaryPromote: z.boolean().describe('True: promote the canary; false: roll it back') }),
    errors: {},
    examples: [
      {
        title: 'approved by Alice',
        input: {
          canaryEnd: 'decided',
          deliveryAttempt: 1,
          canaryStartedAt: '2026-11-30T12:20:00.000Z',
          canaryDecision: { action: 'approve', userId: 'U0ALICE0001', userName: 'alice', decidedAt: '2026-11-30T12:25:00.000Z' },
        },
        outcome: {
          kind: 'complete',
          variables: {
            canaryOutcome: {
              attempt: 1,
              end: 'approved',
              promoted: true,
              automatic: false,
              by: { userId: 'U0ALICE0001', userName: 'alice' },
              at: '2026-11-30T12:25:00.000Z',
              reason: 'Approved by @alice.',
              decisionSeconds: 300,
            },
            canaryPromote: true,
          },
        },
      },
    ],
    async run(ctx) {
      const { canaryDecision: decision } = ctx.input;
      if (ctx.input.canaryEnd === 'decided' && !decision) {
        throw new InvalidTaskInputError('canaryEnd is decided but canaryDecision is absent; the message slack:canary-decision must set it');
      }
      const end = ctx.input.canaryEnd === 'decided' ? (decision?.action === 'approve' ? 'approved' : 'rejected') : ctx.input.canaryEnd;
      const outcome = settleCanary({
        end,
        attempt: ctx.input.deliveryAttempt,
        now: now(),
        startedAt: ctx.input.canaryStartedAt ?? null,
        decision: decision ?? null,
        analysisReason: end === 'analysis_failed' ? (ctx.input.canaryFailureReason ?? null) : null,
        deployReason: end === 'deploy_failed' ? (ctx.input.canaryFailureReason ?? null) : null,
        deadline: ctx.input.canaryDecisionDeadlineAt ?? null,
      });
      ctx.log.info({ end, promoted: outcome.promoted, reason: outcome.reason }, 'settled the canary');
      return ctx.complete({ canaryOutcome: outcome, canaryPromote: outcome.promoted });
    },
  });
}
