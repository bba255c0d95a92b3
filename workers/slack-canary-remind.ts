import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import { canaryGateSchema } from '../src/domain/canary-decision.ts';
import { canaryFacts, canaryReminderSlack } from '../src/domain/delivery.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCanaryFacts, exampleCanaryGate } from './examples.ts';

/** Reminds the deciders in the channel, once per attempt, that the canary waits for their Approve or Reject. */
export function createRemindCanary(deps: { slack: Pick<SlackClient, 'postMessageOnce'> }) {
  return defineWorker({
    topic: Topics.remindCanary,
    description: 'Reminds the deciders that the canary waits for Approve or Reject, and when it is rolled back without one',
    input: z.object({ canaryGate: canaryGateSchema, canaryFacts }),
    output: z.object({}),
    errors: {},
    examples: [{ title: 'an hour after the window', input: { canaryGate: exampleCanaryGate, canaryFacts: exampleCanaryFacts }, outcome: { kind: 'complete', variables: {} } }],
    async run(ctx) {
      const { canaryGate: gate, canaryFacts: facts } = ctx.input;
      const message = canaryReminderSlack(facts, gate.deciders.map((person) => person.slackId), gate.decisionDeadlineAt);
      const posted = await deps.slack.postMessageOnce({
        channel: gate.channel,
        idempotencyKey: `model-lifecycle:${facts.issueKey}:canary-reminder:${facts.attempt}`,
        text: message.text,
        blocks: message.blocks,
        notBefore: new Date(Date.parse(facts.startedAt) - 3_600_000),
      });
      ctx.log.info({ channel: posted.channel, ts: posted.ts, created: posted.created }, 'reminded the deciders');
      return ctx.complete({});
    },
  });
}
