import { describe, expect, it } from 'vitest';
import { pickSurvivor, type LifecycleInstance } from '../../src/domain/single-lifecycle.ts';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 28, 12, 0, 0, ms)).toISOString();

describe('pickSurvivor', () => {
  it('keeps the earliest lifecycle, ignoring those an operator cancelled', () => {
    const instances: LifecycleInstance[] = [
      { id: 'b', startTime: at(20), state: 'ACTIVE' },
      { id: 'a', startTime: at(10), state: 'EXTERNALLY_TERMINATED' },
      { id: 'c', startTime: at(30), state: 'ACTIVE' },
    ];
    expect(pickSurvivor(instances)?.id).toBe('b');
  });

  it('breaks a tie in start time by instance id', () => {
    expect(pickSurvivor([{ id: 'y', startTime: at(5), state: 'ACTIVE' }, { id: 'x', startTime: at(5), state: 'ACTIVE' }])?.id).toBe('x');
  });

  it('counts a finished lifecycle: a late duplicate of a completed ticket does not survive', () => {
    expect(pickSurvivor([{ id: 'late', startTime: at(99), state: 'ACTIVE' }, { id: 'done', startTime: at(1), state: 'COMPLETED' }])?.id).toBe('done');
  });

  it('has no survivor when every lifecycle was cancelled', () => {
    expect(pickSurvivor([{ id: 'a', startTime: at(1), state: 'EXTERNALLY_TERMINATED' }])).toBeUndefined();
  });

  it('gives every duplicate the same answer, whatever order the engine lists them in', () => {
    // Each racing instance evaluates the rule over the same set in its own order; all must agree.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const instances = Array.from({ length: 2 + Math.floor(random() * 5) }, (_, i) => ({
        id: `pi-${Math.floor(random() * 1000)}-${i}`,
        startTime: at(Math.floor(random() * 4)),
        state: random() < 0.2 ? 'EXTERNALLY_TERMINATED' : 'ACTIVE',
      }));
      const answer = pickSurvivor(instances)?.id;
      for (let shuffle = 0; shuffle < 5; shuffle++) {
        const shuffled = instances.toSorted(() => random() - 0.5);
        expect(pickSurvivor(shuffled)?.id).toBe(answer);
      }
    }
  });
});
