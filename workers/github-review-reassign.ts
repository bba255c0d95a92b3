import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { chaseDue, reviewAssignment, reviewPullRequest, reviewState, type AssignedReviewer, type ReviewAssignment } from '../src/domain/review.ts';
import { nextCandidate } from '../src/domain/reviewers.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, exampleModelRequest, examplePullRequest, exampleRepository, exampleReviewState } from './examples.ts';
import { calendarOf } from './github-review-check.ts';
import { gatherSelection, splitRepository, type ReviewGitHub } from './review-people.ts';

/**
 * Replaces each reviewer who has not reviewed within `reviewers.reassign_after` of working time
 * by the next candidate for the same role (src/domain/reviewers.ts `nextCandidate`: same rules,
 * never a current reviewer): withdraws the old request, requests the new reviewer, and writes a
 * new assignment version, which the announcement steps tell everyone of. When nobody can take
 * over, the reviewer stays, is not tried again, and the announcement names the problem. A
 * rerun chooses the same person (this pull request's requests do not count in the load), the
 * GitHub calls change nothing the second time, and `lifecycle_review_reassignments_total`
 * counts the replacement only when the rerun did not find it on GitHub already. While the pull
 * request is closed without merging nobody is replaced.
 */
export function createReassignReviewers(deps: {
  github: ReviewGitHub & Pick<GitHubClient, 'requestReviewers' | 'removeRequestedReviewers'>;
  policy: Policy;
  metrics: Pick<Metrics, 'reviewReassignments'>;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.reassignReviewers,
    description: 'Replaces the reviewers silent past reviewers.reassign_after by the next eligible candidates on GitHub',
    input: z.object({ issueKey, modelRequest: modelRequestSchema, repository, pullRequest: reviewPullRequest, reviewAssignment, reviewState }),
    output: z.object({ reviewAssignment }),
    errors: {},
    examples: [
      {
        title: 'nobody due yet',
        input: { issueKey: 'MLM-42', modelRequest: exampleModelRequest, repository: exampleRepository, pullRequest: examplePullRequest, reviewAssignment: exampleAssignment, reviewState: exampleReviewState },
        outcome: { kind: 'complete', variables: { reviewAssignment: exampleAssignment } },
      },
    ],
    async run(ctx) {
      const at = now();
      const assignment = ctx.input.reviewAssignment;
      const rules = { calendar: calendarOf(deps.policy), remindAfter: deps.policy.reviewers.remind_after, reassignAfter: deps.policy.reviewers.reassign_after };
      // Nobody is replaced while the pull request is closed without merging.
      const pending = ctx.input.reviewState.closed ? [] : ctx.input.reviewState.pending;
      const due = chaseDue({ assignment, pending, rules, now: at.toISOString() }).reassign;
      if (due.length === 0) {
        ctx.log.info({ closed: ctx.input.reviewState.closed ?? false }, 'no replacement due');
        return ctx.complete({ reviewAssignment: assignment });
      }
      const { selection, emails, requestedReviewers } = await gatherSelection(deps, {
        repositoryFullName: ctx.input.repository.fullName,
        pullRequest: ctx.input.pullRequest,
        team: ctx.input.modelRequest.team,
        developerEmail: ctx.input.modelRequest.developer.emailAddress ?? null,
        now: at,
      });
      const [owner, repo] = splitRepository(ctx.input.repository.fullName);
      const version = assignment.version + 1;
      const next: ReviewAssignment = { ...assignment, version, reviewers: [...assignment.reviewers], replaced: [...assignment.replaced], notices: [...assignment.notices] };
      const reason = `no review within ${deps.policy.reviewers.reassign_after} of working time (reviewers.reassign_after)`;
      for (const login of due) {
        const index = next.reviewers.findIndex((reviewer) => reviewer.login === login);
        const old = next.reviewers[index] as AssignedReviewer;
        const candidate = nextCandidate({ ...selection, alreadyChosen: next.reviewers.map((reviewer) => reviewer.login) }, login, old.role);
        if (!candidate.ok) {
          next.reviewers[index] = { ...old, replacementUnavailable: true };
          next.notices.push({ version, text: `${login} did not review in time (${reason}), but nobody can take over: ${candidate.message}` });
          ctx.log.warn({ login, problem: candidate.problem }, 'nobody can take over from a late reviewer');
          continue;
        }
        // A rerun after the GitHub calls succeeded finds the request moved already: the calls change nothing then, and the replacement is not counted again.
        const requested = new Set(requestedReviewers.map((who) => who.toLowerCase()));
        const madeBefore = requested.has(candidate.login.toLowerCase()) && !requested.has(login.toLowerCase());
        await deps.github.removeRequestedReviewers(owner, repo, ctx.input.pullRequest.number, [login]);
        await deps.github.requestReviewers(owner, repo, ctx.input.pullRequest.number, [candidate.login]);
        next.reviewers[index] = {
          login: candidate.login,
          role: old.role,
          reason: candidate.reason,
          ...(candidate.source ? { source: candidate.source } : {}),
          email: emails[candidate.login] ?? null,
          requestedAt: at.toISOString(),
          reminders: 0,
          lastRemindedAt: null,
          replacementUnavailable: false,
        };
        next.replaced.push({ login, role: old.role, email: old.email, by: candidate.login, reason, at: at.toISOString(), version });
        if (!madeBefore) deps.metrics.reviewReassignments.inc({ role: old.role });
        ctx.log.info({ replaced: login, by: candidate.login, role: old.role, madeBefore }, 'reviewer replaced');
      }
      return ctx.complete({ reviewAssignment: next });
    },
  });
}
