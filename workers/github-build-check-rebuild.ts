import { z } from 'zod';
import { StatusRoles, Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { Policy } from '../src/config/policy.ts';
import { commitSha, issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCommit, exampleRepository } from './examples.ts';

/**
 * Looks, when the wait for a fix begins and on each re-check, for what would build again: a
 * commit on the default branch other than the one that failed, or the ticket in the
 * `ready_for_build` status (when the policy names one). So a push or a status move whose
 * webhook came early, or never came, is not lost.
 */
export function createCheckRebuild(deps: { github: Pick<GitHubClient, 'branchHead'>; jira: Pick<JiraClient, 'getStatus'>; policy: Policy }) {
  return defineWorker({
    topic: Topics.checkRebuild,
    description: 'Tells whether the developer pushed a fix or moved the ticket to Ready for build',
    input: z.object({ issueKey, repository, buildCommit: commitSha.describe('The commit the failed build built') }),
    output: z.object({ rebuildWanted: z.boolean().describe('True when a new commit or the Ready for build status asks for another build') }),
    errors: {},
    examples: [
      { title: 'no fix yet', input: { issueKey: 'MLM-42', repository: exampleRepository, buildCommit: exampleCommit }, outcome: { kind: 'complete', variables: { rebuildWanted: false } } },
    ],
    async run(ctx) {
      const [owner = '', repo = ''] = ctx.input.repository.fullName.split('/');
      const { sha } = await deps.github.branchHead(owner, repo, ctx.input.repository.defaultBranch);
      const pushed = sha !== ctx.input.buildCommit;
      const readyStatus = (deps.policy.jira.statuses as Record<string, string | undefined>)[StatusRoles.readyForBuild];
      const ready = !pushed && readyStatus !== undefined && (await deps.jira.getStatus(ctx.input.issueKey)).localeCompare(readyStatus, undefined, { sensitivity: 'accent' }) === 0;
      ctx.log.info({ head: sha, built: ctx.input.buildCommit, pushed, ready }, 'looked for a fix');
      return ctx.complete({ rebuildWanted: pushed || ready });
    },
  });
}
