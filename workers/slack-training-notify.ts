import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { trainingOutcome } from '../src/domain/training.ts';
import { trainResultSlack } from '../src/domain/training-report.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, exampleTrainingOutcome } from './examples.ts';
import { postToTeam } from './team-channel.ts';

/** Tells the model's team in Slack how the training attempt went: "Train succeeded! …" or "Train failed: …". */
export function createNotifyTraining(deps: { slack: Pick<SlackClient, 'postMessageOnce'>; policy: Policy; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.notifyTraining,
    description: "Posts the training result to the team's Slack channel",
    input: z.object({
      modelRequest: modelRequestSchema,
      trainingOutcome,
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'Train succeeded! churn-predictor v1',
        input: { modelRequest: exampleModelRequest, trainingOutcome: exampleTrainingOutcome, ticketCreatedAt: '2026-11-28T09:15:00.000Z' },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const outcome = ctx.input.trainingOutcome;
      const message = trainResultSlack(outcome, { issueUrl: deps.issueUrl(outcome.issueKey) });
      const posted = await postToTeam(deps, { team: ctx.input.modelRequest.team, idempotencyKey: `model-lifecycle:${outcome.issueKey}:train-result:${outcome.attempt}`, message, ticketCreatedAt: ctx.input.ticketCreatedAt });
      ctx.log.info({ channel: posted.channel, ts: posted.ts, created: posted.created, outcome: outcome.outcome }, 'told the team how training went');
      return ctx.complete({});
    },
  });
}
