import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, exampleRepository } from './examples.ts';

/**
 * Generates the model repository from the template and commits the ticket's model.toml.
 * Both effects look before they act, so a rerun after a crash leaves one repository and one
 * commit.
 */
export function createRepository(deps: { github: GitHubClient; policy: Policy }) {
  return defineWorker({
    topic: Topics.createRepository,
    description: 'Creates the model repository from the template repository with model.toml filled in',
    input: z.object({ issueKey, modelRequest: modelRequestSchema }),
    output: z.object({ repository }),
    errors: {},
    examples: [
      {
        title: 'MLM-42 asks for churn-predictor',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest },
        outcome: { kind: 'complete', variables: { repository: exampleRepository } },
      },
    ],
    lockDurationMs: 120_000,
    async run(ctx) {
      const { github: policy } = deps.policy;
      const [templateOwner = '', templateRepo = ''] = policy.template.split('/');
      const request = ctx.input.modelRequest;
      const repo = await deps.github.createRepoFromTemplate({
        template: { owner: templateOwner, repo: templateRepo },
        owner: policy.org,
        name: request.repoName,
        description: `${request.modelName}: ML model (${ctx.input.issueKey})`,
        private: policy.private,
      });
      ctx.log.info({ repository: repo.fullName, created: repo.created }, repo.created ? 'created the repository' : 'the repository already existed');
      const file = await deps.github.putFile({
        owner: policy.org,
        repo: request.repoName,
        path: 'model.toml',
        content: request.modelToml,
        message: `Fill in model.toml from ${ctx.input.issueKey}`,
        branch: repo.defaultBranch,
      });
      ctx.log.info({ changed: file.changed }, file.changed ? 'committed model.toml' : 'model.toml was already up to date');
      return ctx.complete({ repository: { fullName: repo.fullName, htmlUrl: repo.htmlUrl, defaultBranch: repo.defaultBranch } });
    },
  });
}
