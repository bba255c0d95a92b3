import { z } from 'zod';

/**
 * One record per attempt of every stage, kept in the process variable `stageRecords` (a Json
 * array), so the engine's history shows every stage's result in one place: what ran, when,
 * how it ended and why, in a line a person reads, with links to the evidence.
 */

export const stageName = z
  .enum(['model_config', 'training', 'build', 'testing', 'review', 'staging', 'canary'])
  .describe('Stage of the model lifecycle');

const instant = z.iso.datetime({ offset: true });

export const stageRecord = z
  .object({
    stage: stageName,
    attempt: z.number().int().min(1).describe('Attempt of this stage, from 1'),
    startedAt: instant.nullable().describe('When the attempt started (ISO-8601); null when unknown'),
    endedAt: instant.describe('When the attempt ended (ISO-8601)'),
    outcome: z.enum(['success', 'failure', 'cancelled']).describe('How the attempt ended'),
    failureClass: z.string().nullable().describe("Class of the failure, e.g. 'metric_gate' or 'build_failed'; null on success"),
    summary: z.string().describe('One line a person reads: what happened'),
    links: z
      .array(z.object({ title: z.string().describe('What the link opens, e.g. "Jenkins build #17"'), url: z.url().describe('Where it is') }))
      .describe('Evidence of the attempt: builds, logs, runs, reports'),
  })
  .describe('The result of one attempt of one lifecycle stage');

export const stageRecords = z
  .array(stageRecord)
  .describe('Process variable stageRecords: the result of every attempt of every stage, in the order they were reported');

export type StageName = z.infer<typeof stageName>;
export type StageRecord = z.infer<typeof stageRecord>;

/**
 * The records with `record` in them: it replaces the entry of the same stage and attempt (a
 * report step that runs twice must not append twice), else it is appended. Order is kept;
 * the input is not changed.
 */
export function upsertStageRecord(records: readonly StageRecord[], record: StageRecord): StageRecord[] {
  const index = records.findIndex((existing) => existing.stage === record.stage && existing.attempt === record.attempt);
  if (index === -1) return [...records, record];
  return records.map((existing, i) => (i === index ? record : existing));
}
