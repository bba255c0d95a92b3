import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { isRepositoryOf, modelRequestSchema, repositoryDescription, repositoryNameTakenProblem } from '../src/domain/model-request.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, exampleRepository } from './examples.ts';

/**
 * Generates the model repository from the template and commits the ticket's model.toml.
 * Both effects look before they act, so a rerun after a crash leaves one repository and one
 * commit. A repository of the same name that this ticket did not create (its description
 * lacks the issue key) is never adopted: the developer is asked for another name.
 */
export function createRepository(deps: { github: GitHubClient; policy: Policy }) {
  return defineWorker({
    topic: Topics.createRepository,
    description: 'Creates the model repository from the template repository with model.toml filled in',
    input: z.object({ issueKey, modelRequest: modelRequestSchema }),
    output: z.object({ repository }),
    errors: { [ErrorCodes.modelRequestInvalid]: 'The organisation already has a repository of that name that this ticket did not create' },
    examples: [
      {
        title: 'MLM-42 asks for churn-predictor',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest },
        outcome: { kind: 'complete', variables: { repository: exampleRepository } },
      },
      {
        title: 'acme-ml/churn-predictor exists already for another purpose',
        input: { issueKey: 'MLM-43', modelRequest: exampleModelRequest },
        outcome: { kind: 'bpmnError', code: ErrorCodes.modelRequestInvalid },
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
        description: repositoryDescription(request.modelName, ctx.input.issueKey),
        private: policy.private,
      });
      if (!repo.created && !isRepositoryOf(repo.description, ctx.input.issueKey)) {
        ctx.log.info({ repository: repo.fullName, description: repo.description }, 'the repository name is taken by a repository of something else');
        return ctx.bpmnError(ErrorCodes.modelRequestInvalid, repositoryNameTakenProblem(repo.fullName, repo.htmlUrl, deps.policy));
      }
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
