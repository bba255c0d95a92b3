import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { askAgain, reviewAssignment, reviewPullRequest, type AssignedReviewer } from '../src/domain/review.ts';
import { selectReviewers } from '../src/domain/reviewers.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleModelRequest, examplePullRequest, exampleRepository } from './examples.ts';
import { gatherSelection, splitRepository, type ReviewGitHub } from './review-people.ts';

/**
 * Chooses the two reviewers as the policy says (src/domain/reviewers.ts: a maintainer by the
 * sources' order, and one from the whole pool; never the developer, a committer or someone
 * away; the least loaded first) and requests their reviews on the pull request. The facts
 * leave this pull request's own requests out, so a rerun chooses the same people, and
 * requesting a person already requested changes nothing. Nobody eligible is a business
 * outcome: `NO_ELIGIBLE_REVIEWER`, whose message says who was left out and why.
 *
 * When the review resumes on the same pull request after new commits were built, nobody is
 * chosen anew: the assignment of that pull request (`reviewAssignment` with its `prNumber`) is
 * kept with its version, replacements and notices, and its current reviewers are requested
 * again on GitHub (a re-request is how GitHub asks again; on a pull request no longer open there
 * is nothing to ask). Their reminders and replacement count from this request.
 */
export function createAssignReviewers(deps: { github: ReviewGitHub & Pick<GitHubClient, 'requestReviewers'>; policy: Policy; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.assignReviewers,
    description: 'Chooses the required and the second reviewer by the policy and requests their reviews on the pull request',
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      repository,
      pullRequest: reviewPullRequest,
      reviewAssignment: reviewAssignment.optional().describe('The reviewers of an earlier round; kept when they review this same pull request (absent: none yet)'),
    }),
    output: z.object({ reviewAssignment }),
    errors: { [ErrorCodes.noEligibleReviewer]: 'nobody the policy allows can review; the message says who was left out and why' },
    examples: [
      {
        title: 'alice from team search, carol from the pool',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, pullRequest: examplePullRequest },
        outcome: { kind: 'complete', variables: { reviewAssignment: exampleAssignment } },
      },
      {
        title: 'new commits were built: alice and carol asked again on the same pull request',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment },
        outcome: { kind: 'complete', variables: { reviewAssignment: askAgain(exampleAssignment, '2026-12-01T09:00:00.000Z') } },
      },
      {
        title: 'the only maintainer is away',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, pullRequest: examplePullRequest },
        outcome: { kind: 'bpmnError', code: ErrorCodes.noEligibleReviewer },
      },
    ],
    async run(ctx) {
      const at = now();
      const [owner, repo] = splitRepository(ctx.input.repository.fullName);
      const earlier = ctx.input.reviewAssignment;
      if (earlier && earlier.prNumber === ctx.input.pullRequest.number) {
        const logins = earlier.reviewers.map((reviewer) => reviewer.login);
        const pull = await deps.github.pullRequest(owner, repo, ctx.input.pullRequest.number);
        if (pull.state === 'open') await deps.github.requestReviewers(owner, repo, ctx.input.pullRequest.number, logins);
        ctx.log.info({ reviewers: logins, pullRequest: ctx.input.pullRequest.number, version: earlier.version, requested: pull.state === 'open' }, 'the same reviewers asked again');
        return ctx.complete({ reviewAssignment: askAgain(earlier, at.toISOString()) });
      }
      const { selection, emails } = await gatherSelection(deps, {
        repositoryFullName: ctx.input.repository.fullName,
        pullRequest: ctx.input.pullRequest,
        team: ctx.input.modelRequest.team,
        developerEmail: ctx.input.modelRequest.developer.emailAddress ?? null,
        now: at,
      });
      const chosen = selectReviewers(selection);
      if (!chosen.ok) {
        ctx.log.warn({ problem: chosen.problem, excluded: selection.excluded }, 'nobody eligible to review');
        return ctx.bpmnError(ErrorCodes.noEligibleReviewer, chosen.message);
      }
      await deps.github.requestReviewers(owner, repo, ctx.input.pullRequest.number, [chosen.required.login, chosen.second.login]);
      const requestedAt = at.toISOString();
      const base = { email: null, requestedAt, reminders: 0, lastRemindedAt: null, replacementUnavailable: false };
      const reviewers: AssignedReviewer[] = [
        { ...base, login: chosen.required.login, role: 'required', reason: chosen.required.reason, source: chosen.required.source, email: emails[chosen.required.login] ?? null },
        { ...base, login: chosen.second.login, role: 'second', reason: chosen.second.reason, email: emails[chosen.second.login] ?? null },
      ];
      ctx.log.info({ required: chosen.required.login, second: chosen.second.login, pullRequest: ctx.input.pullRequest.number }, 'reviewers requested');
      return ctx.complete({ reviewAssignment: { version: 1, prNumber: ctx.input.pullRequest.number, requestedAt, reviewers, replaced: [], notices: [] } });
    },
  });
}
