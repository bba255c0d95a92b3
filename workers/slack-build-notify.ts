import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { buildOutcome } from '../src/domain/build-outcome.ts';
import { buildResultSlack } from '../src/domain/build-report.ts';
import { ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleBuildOutcome, exampleModelRequest } from './examples.ts';
import { postToTeam } from './team-channel.ts';

/** Tells the model's team in Slack how the build and tests went, with the failure class when they failed. */
export function createNotifyBuild(deps: { slack: Pick<SlackClient, 'postMessageOnce'>; policy: Policy; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.notifyBuild,
    description: "Posts the build-and-test result to the team's Slack channel",
    input: z.object({
      modelRequest: modelRequestSchema,
      buildOutcome,
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'build and tests passed for churn-predictor',
        input: { modelRequest: exampleModelRequest, buildOutcome: exampleBuildOutcome, ticketCreatedAt: '2026-11-28T09:15:00.000Z' },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const outcome = ctx.input.buildOutcome;
      const message = buildResultSlack(outcome, { issueUrl: deps.issueUrl(outcome.issueKey) });
      const posted = await postToTeam(deps, { team: ctx.input.modelRequest.team, idempotencyKey: `model-lifecycle:${outcome.issueKey}:build-result:${outcome.attempt}`, message, ticketCreatedAt: ctx.input.ticketCreatedAt });
      ctx.log.info({ channel: posted.channel, ts: posted.ts, created: posted.created, outcome: outcome.outcome }, 'told the team how the build went');
      return ctx.complete({});
    },
  });
}
