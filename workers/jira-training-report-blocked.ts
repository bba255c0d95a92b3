import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import { issueKey, modelCommit, repository } from '../src/domain/lifecycle-variables.ts';
import { modelConfigInvalidComment, trainingAttemptsExhaustedComment } from '../src/domain/training-report.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCommit, exampleRepository } from './examples.ts';

/**
 * Tells the developer on the ticket why training did not start: `[Failed] MODEL_CONFIG` with
 * every problem of model.toml, or that the lifecycle used its training attempts. The same
 * reason at the same commit is commented once.
 */
export function createReportTrainingBlocked(deps: { jira: Pick<JiraClient, 'addComment'> }) {
  return defineWorker({
    topic: Topics.reportTrainingBlocked,
    description: 'Comments on the ticket why training did not start (invalid model.toml, attempts used up)',
    input: z.object({
      issueKey,
      repository,
      trainingBlockedCode: z.enum([ErrorCodes.modelConfigInvalid, ErrorCodes.trainingAttemptsExhausted]).describe('The BPMN error that stopped training'),
      trainingBlockedReason: z.string().min(1).describe('Its message: the model.toml problems one per line, or the attempts used'),
      modelCommit: modelCommit.optional().describe('The commit model.toml was read at, when it was read'),
    }),
    output: z.object({}),
    errors: {},
    examples: [
      {
        title: 'recall.min written as a string',
        input: {
          issueKey: 'MLM-42',
          repository: exampleRepository,
          trainingBlockedCode: ErrorCodes.modelConfigInvalid,
          trainingBlockedReason: 'train_metrics.recall.min: expected a number, got "0.9" — write a threshold such as 0.9',
          modelCommit: exampleCommit,
        },
        outcome: { kind: 'complete', variables: {} },
      },
    ],
    async run(ctx) {
      const { trainingBlockedCode: code, trainingBlockedReason: reason, repository: repo, modelCommit: commit } = ctx.input;
      const document =
        code === ErrorCodes.modelConfigInvalid && commit
          ? modelConfigInvalidComment({ errors: reason.split('\n').filter((line) => line.trim() !== ''), repository: repo, commit, branch: repo.defaultBranch })
          : trainingAttemptsExhaustedComment({ reason });
      const digest = createHash('sha256').update(`${code}\n${commit ?? ''}\n${reason}`).digest('hex').slice(0, 16);
      const comment = await deps.jira.addComment(ctx.input.issueKey, { idempotencyKey: `model-lifecycle:${ctx.input.issueKey}:training-blocked:${digest}`, document });
      ctx.log.info({ code, commentId: comment.id, created: comment.created }, 'told the developer why training did not start');
      return ctx.complete({});
    },
  });
}
