/**
 * Which of several lifecycles started for one ticket is the real one. Every duplicate
 * evaluates this over the instances it can see and must reach the same answer, so the rule
 * is a total order: earliest start time, then lowest instance id. Instances an operator
 * cancelled do not count, so a lifecycle restarted by hand after a cancel can go on.
 */
export interface LifecycleInstance {
  readonly id: string;
  readonly startTime: string;
  readonly state: string;
}

export function pickSurvivor(instances: readonly LifecycleInstance[]): LifecycleInstance | undefined {
  return instances
    .filter((instance) => instance.state !== 'EXTERNALLY_TERMINATED')
    .toSorted((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}
