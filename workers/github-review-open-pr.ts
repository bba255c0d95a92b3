import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { commitSha, issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { reviewPullRequest, type ReviewPullRequest } from '../src/domain/review.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCommit, exampleModelRequest, examplePullRequest, exampleRepository } from './examples.ts';
import { splitRepository } from './review-people.ts';

/** Approvals the protected release branch needs to merge: the required reviewer's, which GitHub dismisses when new commits come. */
const RELEASE_APPROVALS = 1;

/**
 * Starts the review: the model is developed on the default branch, and a reviewed model is
 * promoted into the release branch (`github.release_branch`) through one pull request, default
 * branch → release branch. A missing release branch is created at the default branch's first
 * commit (the repository as the template made it), so the pull request shows everything the
 * developer added; an existing one is left where it is. Both the branch and the pull request
 * are looked for before they are made, so a rerun opens nothing twice.
 *
 * The release branch is protected (when `github.branch_protection.enabled`): one approving
 * review to merge, and stale approvals dismissed when new commits are pushed, so GitHub itself
 * refuses to merge commits nobody approved (a PUT: the same rules again change nothing).
 *
 * When the review resumes after new commits were built, the pull request of the earlier round
 * (`pullRequest`) is kept if it is still the one: open (found again), closed without merging
 * (the review waits for its reopening), or merged at the head that was just built. A pull
 * request merged at another head is done with; a new one is opened for what came after it.
 */
export function createOpenReviewPullRequest(deps: {
  github: Pick<GitHubClient, 'firstCommit' | 'ensureBranch' | 'findOrOpenPullRequest' | 'pullRequest' | 'protectBranch'>;
  policy: Policy;
  issueUrl: (key: string) => string;
}) {
  return defineWorker({
    topic: Topics.openReviewPullRequest,
    description: 'Ensures and protects the release branch and finds, keeps or opens the review pull request from the default branch into it',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      repository,
      buildCommit: commitSha.describe('The commit the green build tested: a pull request merged at it is kept'),
      pullRequest: reviewPullRequest.optional().describe('The review pull request of an earlier round of this lifecycle; absent: none yet'),
    }),
    output: z.object({
      pullRequest: reviewPullRequest,
      repositoryFullName: z.string().describe('owner/name of the model repository: the review and merge webhooks are correlated by it'),
    }),
    errors: {},
    examples: [
      {
        title: 'first review of churn-predictor',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, buildCommit: exampleCommit },
        outcome: { kind: 'complete', variables: { pullRequest: examplePullRequest, repositoryFullName: exampleRepository.fullName } },
      },
      {
        title: 'the review resumes after new commits were built: the same pull request',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, buildCommit: exampleCommit, pullRequest: { ...examplePullRequest, headSha: '0'.repeat(40) } },
        outcome: { kind: 'complete', variables: { pullRequest: examplePullRequest, repositoryFullName: exampleRepository.fullName } },
      },
    ],
    async run(ctx) {
      const [owner, repo] = splitRepository(ctx.input.repository.fullName);
      const head = ctx.input.repository.defaultBranch;
      const base = deps.policy.github.release_branch;
      const root = await deps.github.firstCommit(owner, repo, head);
      const branch = await deps.github.ensureBranch(owner, repo, base, root.sha);
      const protection = deps.policy.github.branch_protection;
      if (protection.enabled) await deps.github.protectBranch({ owner, repo, branch: base, requiredApprovals: RELEASE_APPROVALS, requiredStatusChecks: [] });
      const repositoryFullName = ctx.input.repository.fullName;

      const earlier = ctx.input.pullRequest;
      if (earlier && earlier.head === head && earlier.base === base) {
        const pull = await deps.github.pullRequest(owner, repo, earlier.number);
        const kept = (pull.merged && pull.headSha === ctx.input.buildCommit) || (pull.state === 'closed' && !pull.merged);
        if (kept) {
          ctx.log.info({ number: pull.number, merged: pull.merged, head: pull.headSha, protected: protection.enabled }, 'review pull request kept');
          const pullRequest: ReviewPullRequest = { ...earlier, headSha: pull.headSha };
          return ctx.complete({ pullRequest, repositoryFullName });
        }
      }

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
          `Merging promotes \`${head}\` into \`${base}\`. The model lifecycle chose the reviewers; it moves on once the required reviewer approved the commit it built and tested and the pull request is merged. New commits are built and tested first, then the review is asked again.`,
        ].join('\n'),
      });
      ctx.log.info({ number: pull.number, created: pull.created, releaseBranchCreated: branch.created, base, head, protected: protection.enabled }, 'review pull request ready');
      // A pull request found again keeps what the earlier round recorded (it was this lifecycle's, or not).
      const same = earlier?.number === pull.number ? earlier : undefined;
      return ctx.complete({
        pullRequest: {
          number: pull.number,
          url: pull.htmlUrl,
          headSha: pull.headSha,
          head,
          base,
          releaseBranchCreated: same?.releaseBranchCreated ?? branch.created,
          created: same?.created ?? pull.created,
        },
        repositoryFullName,
      });
    },
  });
}
