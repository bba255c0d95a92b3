import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import { repositoryCreatedSlack } from '../src/domain/announcements.ts';
import { issueKey, repository, researchServerUrl, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, exampleRepository } from './examples.ts';
import { postToTeam } from './team-channel.ts';

/** Tells the model's team in their Slack channel that the repository is ready. */
export function createNotifyTeam(deps: { slack: SlackClient; policy: Policy; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.notifyTeam,
    description: "Posts the new repository to the team's Slack channel",
    input: z.object({ issueKey, ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'), modelRequest: modelRequestSchema, repository, researchServerUrl }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'tell the search team about churn-predictor',
        input: { issueKey: 'MLM-42', ticketCreatedAt: '2026-11-28T09:15:00.000Z', modelRequest: exampleModelRequest, repository: exampleRepository },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const message = repositoryCreatedSlack({
        request: ctx.input.modelRequest,
        repository: ctx.input.repository,
        researchServerUrl: ctx.input.researchServerUrl ?? null,
        issueUrl: deps.issueUrl(ctx.input.issueKey),
      });
      const posted = await postToTeam(deps, {
        team: ctx.input.modelRequest.team,
        idempotencyKey: `model-lifecycle:${ctx.input.issueKey}:repository-created`,
        message,
        ticketCreatedAt: ctx.input.ticketCreatedAt,
      });
      ctx.log.info({ channel: posted.channel, ts: posted.ts, created: posted.created }, 'told the team in Slack');
      return ctx.complete({});
    },
  });
}
