import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { reviewPullRequest } from '../src/domain/review.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, examplePullRequest, exampleRepository } from './examples.ts';
import { splitRepository } from './review-people.ts';

/**
 * Starts the review: the model is developed on the default branch, and a reviewed model is
 * promoted into the release branch (`github.release_branch`) through one pull request, default
 * branch → release branch. A missing release branch is created at the default branch's first
 * commit (the repository as the template made it), so the pull request shows everything the
 * developer added; an existing one is left where it is. Both the branch and the pull request
 * are looked for before they are made, so a rerun opens nothing twice.
 */
export function createOpenReviewPullRequest(deps: { github: Pick<GitHubClient, 'firstCommit' | 'ensureBranch' | 'findOrOpenPullRequest'>; policy: Policy; issueUrl: (key: string) => string }) {
  return defineWorker({
    topic: Topics.openReviewPullRequest,
    description: 'Ensures the release branch and finds or opens the review pull request from the default branch into it',
    input: z.object({ issueKey, modelRequest: modelRequestSchema, repository }),
    output: z.object({
      pullRequest: reviewPullRequest,
      repositoryFullName: z.string().describe('owner/name of the model repository: the review and merge webhooks are correlated by it'),
    }),
    errors: {},
    examples: [
      {
        title: 'first review of churn-predictor',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository },
        outcome: { kind: 'complete', variables: { pullRequest: examplePullRequest, repositoryFullName: exampleRepository.fullName } },
      },
    ],
    async run(ctx) {
      const [owner, repo] = splitRepository(ctx.input.repository.fullName);
      const head = ctx.input.repository.defaultBranch;
      const base = deps.policy.github.release_branch;
      const root = await deps.github.firstCommit(owner, repo, head);
      const branch = await deps.github.ensureBranch(owner, repo, base, root.sha);
      const { issueKey: key, modelRequest } = ctx.input;
      const pull = await deps.github.findOrOpenPullRequest({
        owner,
        repo,
        head,
        base,
        title: `${key} [${modelRequest.modelName}] Review for release`,
        body: [
          `Review of the model **${modelRequest.modelName}** before its release, for ${key}: ${deps.issueUrl(key)}.`,
          '',
          `Merging promotes \`${head}\` into \`${base}\`. The model lifecycle chose the reviewers; it moves on once the required reviewer approved and the pull request is merged.`,
        ].join('\n'),
      });
      ctx.log.info({ number: pull.number, created: pull.created, releaseBranchCreated: branch.created, base, head }, 'review pull request ready');
      return ctx.complete({
        pullRequest: { number: pull.number, url: pull.htmlUrl, headSha: pull.headSha, head, base, releaseBranchCreated: branch.created, created: pull.created },
        repositoryFullName: ctx.input.repository.fullName,
      });
    },
  });
}
