import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stageRecord, stageRecords, upsertStageRecord, type StageRecord } from '../../src/domain/stage-record.ts';

const trainingFailed: StageRecord = {
  stage: 'training',
  attempt: 1,
  startedAt: '2025-03-04T10:00:00Z',
  endedAt: '2025-03-04T10:40:00+01:00',
  outcome: 'failure',
  failureClass: 'metric_gate',
  summary: 'Training of churn-predictor v3 on main@3f2a9c1 failed. The metrics missed their thresholds: recall 0.87 is below the minimum 0.9 by 0.03.',
  links: [{ title: 'Jenkins build #17', url: 'https://jenkins.acme.test/job/train/17/' }],
};
const configOk: StageRecord = { ...trainingFailed, stage: 'model_config', outcome: 'success', failureClass: null, summary: 'model.toml is valid.', links: [] };

describe('stageRecord', () => {
  it('accepts a record and rejects a bad attempt, stage or timestamp', () => {
    expect(stageRecord.parse(trainingFailed)).toEqual(trainingFailed);
    expect(stageRecord.safeParse({ ...trainingFailed, attempt: 0 }).success).toBe(false);
    expect(stageRecord.safeParse({ ...trainingFailed, stage: 'deploy' }).success).toBe(false);
    expect(stageRecord.safeParse({ ...trainingFailed, endedAt: '2025-03-04 10:40' }).success).toBe(false);
    expect(stageRecord.safeParse({ ...trainingFailed, links: [{ title: 'x', url: 'not a url' }] }).success).toBe(false);
    expect(stageRecords.parse([configOk, trainingFailed])).toHaveLength(2);
  });

  it('describes every field, so the variable documents itself', () => {
    for (const [name, field] of Object.entries(stageRecord.shape)) expect(field.description, name).toBeTruthy();
    expect(stageRecords.description).toBeTruthy();
  });
});

describe('upsertStageRecord', () => {
  it('appends a new stage attempt', () => {
    expect(upsertStageRecord([configOk], trainingFailed)).toEqual([configOk, trainingFailed]);
    expect(upsertStageRecord([configOk, trainingFailed], { ...trainingFailed, attempt: 2 })).toHaveLength(3);
  });

  it('replaces the same stage and attempt in place when a report step runs again, without changing its input', () => {
    const records = [trainingFailed, configOk];
    const again = { ...trainingFailed, summary: 'reported twice' };
    expect(upsertStageRecord(records, again)).toEqual([again, configOk]);
    expect(records[0]).toBe(trainingFailed);
  });

  it('is idempotent and keeps one entry per stage and attempt', () => {
    const record = fc.record({ stage: fc.constantFrom(...stageRecord.shape.stage.options), attempt: fc.integer({ min: 1, max: 4 }), summary: fc.string() });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (parts) => {
        let records: StageRecord[] = [];
        for (const part of parts) {
          const next = { ...trainingFailed, ...part };
          records = upsertStageRecord(records, next);
          expect(upsertStageRecord(records, next)).toEqual(records);
        }
        const keys = records.map((r) => `${r.stage}#${r.attempt}`);
        expect(new Set(keys).size).toBe(keys.length);
        // Order of first appearance is kept.
        const firstSeen = [...new Set(parts.map((p) => `${p.stage}#${p.attempt}`))];
        expect(keys).toEqual(firstSeen);
      }),
    );
  });
});
