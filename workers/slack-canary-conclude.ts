import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import { canaryGateSchema } from '../src/domain/canary-decision.ts';
import { analysisView, canaryConcludedSlack, canaryFacts, canaryOutcome, deployFailureReason } from '../src/domain/delivery.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCanaryDeploy, exampleCanaryFacts, exampleCanaryGate } from './examples.ts';

/**
 * Updates the canary message in place with how the canary ended, without buttons: "Approved by
 * @… at …", "Rejected by @… at …" or "Rolled back automatically" with the reason. A canary
 * whose deployment failed before it was announced has no message, and nothing is updated. After
 * a rollback, a rollback build that did not succeed is an incident: production may still serve
 * the canary, so an operator rolls back by hand and retries.
 */
export function createConcludeCanary(deps: { slack: Pick<SlackClient, 'updateMessage'> }) {
  return defineWorker({
    topic: Topics.concludeCanary,
    description: 'Updates the canary message with how the canary ended (approved, rejected, rolled back and why)',
    input: z.object({
      canaryFacts,
      canaryOutcome,
      canaryGate: canaryGateSchema.optional().describe('Where the canary message is (absent or of an earlier attempt when the deployment failed before the announcement)'),
      canaryAnalysisView: analysisView.optional().describe('The analysis as it ended'),
      rollbackDeploy: jenkinsBuildResult.optional().describe('How the rollback build ended (rolled-back canaries)'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'approved by Alice',
        input: {
          canaryFacts: exampleCanaryFacts,
          canaryGate: exampleCanaryGate,
          canaryOutcome: { attempt: 1, end: 'approved', promoted: true, automatic: false, by: { userId: 'U0ALICE0001', userName: 'alice' }, at: '2026-11-30T12:25:00.000Z', reason: 'Approved by @alice.', decisionSeconds: 300 },
        },
        outcome: { kind: 'complete', variables: {} },
      },
      {
        title: 'rolled back: the analysis failed',
        input: {
          canaryFacts: exampleCanaryFacts,
          canaryGate: exampleCanaryGate,
          canaryOutcome: { attempt: 1, end: 'analysis_failed', promoted: false, automatic: true, by: null, at: '2026-11-30T12:22:00.000Z', reason: 'The automated canary analysis failed: error ratio 7.5% above 1%.', decisionSeconds: null },
          rollbackDeploy: { ...exampleCanaryDeploy, buildKey: 'MLM-42/rollback/1' },
        },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { canaryFacts: facts, canaryOutcome: outcome, canaryGate: gate, rollbackDeploy } = ctx.input;
      if (!outcome.promoted && rollbackDeploy && rollbackDeploy.result !== 'SUCCESS') {
        throw new Error(
          `${deployFailureReason('rollback', rollbackDeploy)} Production may still send ${facts.weight}% of its traffic to the canary of ${facts.modelName} v${facts.modelVersion}: roll it back by hand (README, Operating), then retry this incident.`,
        );
      }
      if (!gate || gate.windowEndsAt !== facts.windowEndsAt) {
        ctx.log.info({ end: outcome.end }, 'the canary was never announced; no message to update');
        return ctx.complete({});
      }
      const message = canaryConcludedSlack(facts, outcome, ctx.input.canaryAnalysisView ?? null);
      await deps.slack.updateMessage({ channel: gate.channel, ts: gate.ts, text: message.text, blocks: message.blocks });
      ctx.log.info({ channel: gate.channel, ts: gate.ts, end: outcome.end }, 'updated the canary message with its end');
      return ctx.complete({});
    },
  });
}
