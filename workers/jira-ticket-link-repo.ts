import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { repositoryCreatedComment } from '../src/domain/announcements.ts';
import { issueKey, repository, researchServerUrl } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, exampleRepository } from './examples.ts';

/** Puts the repository on the ticket: a comment for people and a remote link for the sidebar. */
export function createLinkRepository(deps: { jira: JiraClient; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.linkRepository,
    description: 'Comments the repository link on the ticket and adds it as a remote link',
    input: z.object({ issueKey, modelRequest: modelRequestSchema, repository, researchServerUrl }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'link churn-predictor on MLM-42',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, researchServerUrl: null },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, repository: repo } = ctx.input;
      const comment = await deps.jira.addComment(key, {
        idempotencyKey: `model-lifecycle:${key}:repository-created`,
        document: repositoryCreatedComment({
          request: ctx.input.modelRequest,
          repository: repo,
          researchServerUrl: ctx.input.researchServerUrl ?? null,
          issueUrl: deps.issueUrl(key),
        }),
      });
      await deps.jira.upsertRemoteLink(key, {
        globalId: `model-lifecycle:${key}:repository`,
        url: repo.htmlUrl,
        title: `Model repository ${repo.fullName}`,
        summary: 'Created from the model template by the model lifecycle',
      });
      if (ctx.input.researchServerUrl) {
        await deps.jira.upsertRemoteLink(key, {
          globalId: `model-lifecycle:${key}:research-server`,
          url: ctx.input.researchServerUrl,
          title: 'Research server (JupyterHub)',
        });
      }
      ctx.log.info({ commentId: comment.id, created: comment.created }, 'linked the repository on the ticket');
      return ctx.complete({});
    },
  });
}
