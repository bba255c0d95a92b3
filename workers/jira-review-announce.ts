import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import type { Document } from '../src/domain/document.ts';
import type { JiraUserRef } from '../src/domain/identity.ts';
import { issueKey } from '../src/domain/lifecycle-variables.ts';
import { reviewAssignment, reviewPullRequest } from '../src/domain/review.ts';
import { reviewersChosenComment, reviewerReplacedComment, type ReviewPerson } from '../src/domain/review-announcements.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleAssignment, examplePullRequest } from './examples.ts';
import { jiraReach, slackReach } from './review-people.ts';

/**
 * Tells the ticket who reviews: sets the Reviewers and Required reviewers user fields
 * (`jira.fields.reviewers`, `jira.fields.required_reviewers`; a PUT, the same twice changes
 * nothing) and comments once per assignment version (key
 * `model-lifecycle:<key>:review:<pull request>:assignment:<version>`): who was chosen and why, or who replaced
 * whom. People the robot cannot find in Jira or Slack are named in the comment with the fix.
 */
export function createAnnounceReviewers(deps: { jira: Pick<JiraClient, 'addComment' | 'setUserFields' | 'findUsersByEmail'>; slack: Pick<SlackClient, 'lookupUserByEmail'>; policy: Policy }) {
  return defineWorker({
    topic: Topics.announceReviewers,
    description: "Sets the ticket's reviewer fields and comments who reviews and why, once per assignment version",
    input: z.object({ issueKey, pullRequest: reviewPullRequest, reviewAssignment }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'alice and carol chosen',
        input: { issueKey: 'MLM-42', pullRequest: examplePullRequest, reviewAssignment: exampleAssignment },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { issueKey: key, reviewAssignment: assignment, pullRequest } = ctx.input;
      const notices: string[] = [];
      const people = new Map<string, ReviewPerson>();
      const refs = new Map<string, JiraUserRef>();
      for (const reviewer of assignment.reviewers) {
        const jira = await jiraReach(deps, reviewer.login, reviewer.email);
        if ('problem' in jira) notices.push(jira.problem);
        else refs.set(reviewer.login, jira.user);
        const slack = await slackReach(deps, reviewer.login, reviewer.email);
        if ('problem' in slack) notices.push(slack.problem);
        people.set(reviewer.login, { displayName: 'displayName' in jira ? jira.displayName : reviewer.login, githubLogin: reviewer.login });
      }
      notices.push(...assignment.notices.filter((notice) => notice.version === assignment.version).map((notice) => notice.text));

      const fields: Record<string, JiraUserRef[]> = {};
      const ids = deps.policy.jira.fields;
      const refsOf = (role?: 'required') => assignment.reviewers.filter((reviewer) => role === undefined || reviewer.role === role).flatMap((reviewer) => refs.get(reviewer.login) ?? []);
      if (ids.reviewers) fields[ids.reviewers] = refsOf();
      if (ids.required_reviewers) fields[ids.required_reviewers] = refsOf('required');
      await deps.jira.setUserFields(key, fields);

      const person = (login: string): ReviewPerson => people.get(login) ?? { displayName: login, githubLogin: login };
      let document: Document;
      if (assignment.version === 1) {
        const required = assignment.reviewers.find((reviewer) => reviewer.role === 'required') ?? assignment.reviewers[0]!;
        const second = assignment.reviewers.find((reviewer) => reviewer.role === 'second');
        document = reviewersChosenComment({
          required: { reviewer: person(required.login), reason: required.reason },
          second: second ? { reviewer: person(second.login), reason: second.reason } : null,
          prUrl: pullRequest.url,
          notices,
        });
      } else {
        const changes = assignment.replaced.filter((replaced) => replaced.version === assignment.version);
        const blocks = changes.flatMap((replaced, index) => {
          const comment = reviewerReplacedComment({
            previous: { displayName: replaced.login, githubLogin: replaced.login },
            next: person(replaced.by),
            role: replaced.role === 'required' ? 'required reviewer' : 'second reviewer',
            reason: replaced.reason,
            prUrl: pullRequest.url,
          });
          return index === 0 ? comment.blocks : comment.blocks.slice(1);
        });
        document = {
          blocks: [
            ...(blocks.length > 0 ? blocks : [{ type: 'heading' as const, text: '[Changed] REVIEW' }]),
            ...(notices.length > 0 ? [{ type: 'paragraph' as const, content: [{ text: 'Could not be done:', bold: true }] }, { type: 'bullets' as const, items: notices.map((notice) => [notice]) }] : []),
          ],
        };
      }
      const comment = await deps.jira.addComment(key, { idempotencyKey: `model-lifecycle:${key}:review:${pullRequest.number}:assignment:${assignment.version}`, document });
      ctx.log.info({ commentId: comment.id, created: comment.created, version: assignment.version, fields: Object.keys(fields), notices: notices.length }, 'announced the reviewers on the ticket');
      return ctx.complete({});
    },
  });
}
