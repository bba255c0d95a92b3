import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { findTeam } from '../src/config/policy.ts';
import { repository } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { exampleModelRequest, exampleRepository } from './examples.ts';

/** Topics, team access and default-branch protection: all PUTs, so a rerun changes nothing. */
export function createConfigureRepository(deps: { github: GitHubClient; policy: Policy }) {
  return defineWorker({
    topic: Topics.configureRepository,
    description: "Gives the model's team access to the repository and protects its default branch",
    input: z.object({ modelRequest: modelRequestSchema, repository }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'search team gets push access to churn-predictor',
        input: { modelRequest: exampleModelRequest, repository: exampleRepository },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { github: policy } = deps.policy;
      const request = ctx.input.modelRequest;
      const [owner = policy.org, repo = request.repoName] = ctx.input.repository.fullName.split('/');
      const team = findTeam(deps.policy, request.team);
      if (!team) {
        throw new InvalidTaskInputError(`team "${request.team}" is no longer in [[teams]] of the policy file; add it back and retry the incident`);
      }
      await deps.github.setTopics({ owner, repo, topics: [...policy.topics] });
      await deps.github.grantTeam({ org: policy.org, teamSlug: team.github_team, owner, repo, permission: policy.team_permission });
      if (policy.branch_protection.enabled) {
        await deps.github.protectBranch({
          owner,
          repo,
          branch: ctx.input.repository.defaultBranch,
          requiredApprovals: policy.branch_protection.required_approvals,
          requiredStatusChecks: [...policy.branch_protection.required_status_checks],
        });
      }
      ctx.log.info({ team: team.github_team, protected: policy.branch_protection.enabled }, 'configured the repository');
      return ctx.complete({});
    },
  });
}
