import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import { canaryGateSchema } from '../src/domain/canary-decision.ts';
import { analysisView, canaryDecisionOpenSlack, canaryFacts } from '../src/domain/delivery.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCanaryFacts, exampleCanaryGate } from './examples.ts';

/**
 * At the end of the stabilisation window: updates the canary message in place so Approve is
 * live, with the analysis figures (an inconclusive analysis is shown as such, never as a pass)
 * and the decision deadline. `chat.update` with the same content is one change, so a rerun is
 * harmless.
 */
export function createOpenCanaryDecision(deps: { slack: Pick<SlackClient, 'updateMessage'> }) {
  return defineWorker({
    topic: Topics.openCanaryDecision,
    description: 'Updates the canary message at the end of the window: Approve is available, with the analysis figures',
    input: z.object({
      canaryGate: canaryGateSchema,
      canaryFacts,
      canaryAnalysisView: analysisView.describe('The analysis at the end of the window'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'window over, analysis passed',
        input: {
          canaryGate: exampleCanaryGate,
          canaryFacts: exampleCanaryFacts,
          canaryAnalysisView: { attempt: 1, verdict: 'pass', samples: 6, lines: ['error ratio: 0.2% (threshold 1%), 0 failures'], reason: null },
        },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { canaryGate: gate } = ctx.input;
      const message = canaryDecisionOpenSlack(ctx.input.canaryFacts, ctx.input.canaryAnalysisView, gate.decisionDeadlineAt);
      await deps.slack.updateMessage({ channel: gate.channel, ts: gate.ts, text: message.text, blocks: message.blocks });
      ctx.log.info({ channel: gate.channel, ts: gate.ts, analysis: ctx.input.canaryAnalysisView.verdict }, 'Approve is available on the canary message');
      return ctx.complete({});
    },
  });
}
