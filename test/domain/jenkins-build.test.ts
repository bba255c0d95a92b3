import { describe, expect, it } from 'vitest';
import { failedStageOf, jenkinsBuildResult } from '../../src/domain/jenkins-build.ts';
import { successfulTraining } from './training-example.ts';

describe('failedStageOf', () => {
  it('names the first stage that failed, was aborted or is unstable, as wfapi names them', () => {
    const stages = [
      { name: 'Checkout', status: 'SUCCESS' },
      { name: 'Validate input', status: 'SUCCESS' },
      { name: 'Train', status: 'FAILED' },
      { name: 'Validate metrics', status: 'NOT_EXECUTED' },
    ];
    expect(failedStageOf(stages)).toBe('Train');
    expect(failedStageOf([{ name: 'Train', status: 'UNSTABLE' }, { name: 'Publish', status: 'FAILED' }])).toBe('Train');
    expect(failedStageOf([{ name: 'Train', status: 'ABORTED' }])).toBe('Train');
  });

  it('is null without a failed stage or without stages', () => {
    expect(failedStageOf([{ name: 'Train', status: 'SUCCESS' }, { name: 'Publish', status: 'IN_PROGRESS' }])).toBeNull();
    expect(failedStageOf([])).toBeNull();
    expect(failedStageOf(null)).toBeNull();
  });
});

describe('jenkinsBuildResult', () => {
  it('accepts a finished build and a queue item cancelled before it ran', () => {
    expect(jenkinsBuildResult.parse(successfulTraining.build)).toEqual(successfulTraining.build);
    const cancelled = { ...successfulTraining.build, number: null, url: null, consoleUrl: null, result: 'CANCELLED', startedAt: null, durationMs: null };
    expect(jenkinsBuildResult.safeParse(cancelled).success).toBe(true);
    expect(jenkinsBuildResult.safeParse({ ...cancelled, result: 'LOST' }).success).toBe(false);
  });

  it('describes every field', () => {
    for (const [name, field] of Object.entries(jenkinsBuildResult.shape)) expect(field.description, name).toBeTruthy();
  });
});
