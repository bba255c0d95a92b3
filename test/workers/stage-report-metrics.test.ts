import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { AnyWorker } from '../../src/runtime/worker.ts';
import { exampleBuildOutcome, exampleTrainingOutcome } from '../../workers/examples.ts';
import { createReportBuild } from '../../workers/jira-build-report.ts';
import { createReportTraining } from '../../workers/jira-training-report.ts';
import { runWorker } from '../support/run-worker.ts';

/**
 * A report step can run twice (a lost answer, a lock that expired): the attempt, its gate
 * verdicts and its reruns are counted with the comment the first run created, never again.
 */
function jiraCreatingOnce() {
  const keys = new Set<string>();
  return {
    addComment: async (_key: string, input: { idempotencyKey: string }) => {
      const created = !keys.has(input.idempotencyKey);
      keys.add(input.idempotencyKey);
      return { id: '10001', created };
    },
  };
}

async function runTwice(worker: AnyWorker, variables: Record<string, unknown>, metrics: ReturnType<typeof createMetrics>) {
  for (let run = 0; run < 2; run++) {
    const result = await runWorker(worker, variables, { metrics });
    expect(result.kind).toBe('complete');
  }
}

const valueOf = async (metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const value = (metric?.values as Array<{ labels: Record<string, string>; value: number }> | undefined)?.find((entry) =>
    Object.entries(labels).every(([key, label]) => entry.labels[key] === label),
  );
  return value?.value ?? 0;
};

describe('stage report metrics', () => {
  it('count a training attempt and its gate verdicts once when the report runs twice', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const worker = createReportTraining({ jira: jiraCreatingOnce(), issueUrl: (key) => `https://jira.test/browse/${key}`, metrics });
    await runTwice(worker, { trainingOutcome: exampleTrainingOutcome }, metrics);
    expect(await valueOf(metrics, 'lifecycle_training_attempts_total', { outcome: 'success' })).toBe(1);
    expect(await valueOf(metrics, 'lifecycle_metric_gate_total', { metric: 'recall', result: 'pass' })).toBe(1);
  });

  it('count a build attempt and its reruns once when the report runs twice', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const worker = createReportBuild({ jira: jiraCreatingOnce(), issueUrl: (key) => `https://jira.test/browse/${key}`, metrics });
    const flaky = { name: 'test_warm_start', classname: 'tests.functional.test_predict', suite: 'functional' as const, outcome: 'passed' as const, message: null, reruns: 1 };
    const tests = exampleBuildOutcome.checks.tests;
    const outcome = { ...exampleBuildOutcome, checks: { ...exampleBuildOutcome.checks, tests: { ...tests, value: { ...tests.value!, flaky: [flaky], flakyTotal: 1 } } } };
    await runTwice(worker, { buildOutcome: outcome }, metrics);
    expect(await valueOf(metrics, 'lifecycle_build_attempts_total', { outcome: 'success' })).toBe(1);
    expect(await valueOf(metrics, 'lifecycle_tests_rerun_total')).toBe(1);
  });
});
