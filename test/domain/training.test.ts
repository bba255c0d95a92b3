import { describe, expect, it } from 'vitest';
import { stageRecord } from '../../src/domain/stage-record.ts';
import { buildFailureClass, formatDuration, trainingFailureReason, trainingOutcome, trainingStageRecord } from '../../src/domain/training.ts';
import { failedTraining, successfulTraining } from './training-example.ts';

describe('trainingOutcome', () => {
  it('is valid process-variable data and survives a JSON round trip', () => {
    expect(trainingOutcome.parse(JSON.parse(JSON.stringify(successfulTraining)))).toEqual(successfulTraining);
  });

  it('describes every field', () => {
    for (const [name, field] of Object.entries(trainingOutcome.shape)) expect(field.description, name).toBeTruthy();
  });

  it('rejects a short sha and an outcome that disagrees with its failure class', () => {
    expect(trainingOutcome.safeParse({ ...successfulTraining, commit: '3f2a9c1' }).success).toBe(false);
    expect(trainingOutcome.safeParse({ ...successfulTraining, failureClass: 'metric_gate' }).success).toBe(false);
    expect(trainingOutcome.safeParse({ ...successfulTraining, outcome: 'failure' }).success).toBe(false);
  });
});

describe('buildFailureClass', () => {
  it('classifies what the build result alone decides', () => {
    expect(buildFailureClass('SUCCESS')).toBeNull();
    expect(['FAILURE', 'UNSTABLE', 'NOT_BUILT'].map((r) => buildFailureClass(r as 'FAILURE'))).toEqual(['build_failed', 'build_failed', 'build_failed']);
    expect(buildFailureClass('ABORTED')).toBe('build_aborted');
    expect(buildFailureClass('CANCELLED')).toBe('build_aborted');
    expect(buildFailureClass('TIMED_OUT')).toBe('build_timeout');
  });
});

describe('trainingFailureReason', () => {
  it('says why in one sentence per class', () => {
    const build = successfulTraining.build;
    expect(trainingFailureReason(successfulTraining)).toBe('');
    expect(trainingFailureReason(failedTraining('build_failed', { build: { ...build, result: 'FAILURE', failedStage: 'Train' } }))).toBe(
      'The training build failed in stage Train.',
    );
    expect(trainingFailureReason(failedTraining('build_failed', { build: { ...build, result: 'UNSTABLE', failedStage: null } }))).toBe(
      'The training build ended unstable.',
    );
    expect(trainingFailureReason(failedTraining('build_aborted', { build: { ...build, result: 'ABORTED' } }))).toBe('The training build was aborted.');
    expect(trainingFailureReason(failedTraining('build_aborted', { build: { ...build, result: 'CANCELLED' } }))).toContain('cancelled in the Jenkins queue');
    expect(trainingFailureReason(failedTraining('build_timeout', { build: { ...build, result: 'TIMED_OUT' } }))).toBe(
      'The training build ran longer than 2 h and was aborted.',
    );
    expect(trainingFailureReason(failedTraining('no_mlflow_run', { run: null, gate: null }))).toBe(
      'The training build finished but left no MLflow run tagged with build key MLM-42-training-1.',
    );
  });

  it('formats durations for people', () => {
    expect(formatDuration(2 * 3_600_000)).toBe('2 h');
    expect(formatDuration(5_400_000)).toBe('1 h 30 min');
    expect(formatDuration(45 * 60_000)).toBe('45 min');
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(0)).toBe('0 s');
  });
});

describe('trainingStageRecord', () => {
  it('records a success with a summary line and links to the build, console, run and registered version', () => {
    const record = trainingStageRecord(successfulTraining, '2025-03-04T10:00:00Z');
    expect(stageRecord.parse(record)).toEqual(record);
    expect(record).toMatchObject({
      stage: 'training',
      attempt: 1,
      startedAt: '2025-03-04T10:00:00Z',
      endedAt: '2025-03-04T10:40:00Z',
      outcome: 'success',
      failureClass: null,
      summary: 'Trained churn-predictor v3 on main@3f2a9c1: recall 0.97 (≥ 0.9); registered as churn-predictor v3 (candidate).',
    });
    expect(record.links.map((link) => link.title)).toEqual([
      'Jenkins build #17',
      'Jenkins console log',
      'MLflow run a1b2c3d4e5f6',
      'churn-predictor v3 in the MLflow registry',
    ]);
  });

  it('records a failure with its class and reason, and only the links that exist', () => {
    const build = { ...successfulTraining.build, number: null, url: null, consoleUrl: null, result: 'CANCELLED' as const, startedAt: null };
    const record = trainingStageRecord(failedTraining('build_aborted', { build, run: null, gate: null }), null);
    expect(stageRecord.parse(record)).toEqual(record);
    expect(record).toMatchObject({ outcome: 'failure', failureClass: 'build_aborted', startedAt: null, links: [] });
    expect(record.summary).toBe('Training of churn-predictor v3 on main@3f2a9c1 failed. The training build was cancelled in the Jenkins queue before it ran.');
    expect(record.summary).not.toContain('\n');
  });
});
