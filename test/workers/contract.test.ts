import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BPMN_FILES } from '../../src/bpmn/contract.ts';
import { readBpmnContract } from '../../src/bpmn/read.ts';
import { parsePolicy } from '../../src/config/policy.ts';
import type { AnyWorker } from '../../src/runtime/worker.ts';
import { createWorkers, type WorkerDeps } from '../../workers/index.ts';

/**
 * The workers and the BPMN are one contract: every external task has a worker, every worker a
 * task, every BPMN error a worker may raise is caught, and every example a worker declares
 * fits its own schemas. Clients are never called here, so the factories get placeholders.
 */
const policyText = readFileSync('config/policy.example.toml', 'utf8').replace('enabled = false\nserver_name', 'enabled = true\nserver_name');
const parsed = parsePolicy(policyText, 'policy.example.toml');
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const unused = {} as never;
const deps: WorkerDeps = {
  engine: unused,
  jira: unused,
  github: unused,
  slack: unused,
  jenkins: unused,
  mlflow: unused,
  metrics: unused,
  jupyterhub: unused,
  policy: parsed.policy,
  issueUrl: (key) => `https://jira.test/browse/${key}`,
  callbackUrl: () => 'https://lifecycle.test/webhooks/jenkins',
  serviceProbe: unused,
  prometheus: unused,
  cockpitUrl: (id) => `https://camunda.test/camunda/app/cockpit/default/#/process-instance/${id}`,
};
const workers: AnyWorker[] = createWorkers(deps);
// The lifecycle and the sub-processes it calls are one contract with the workers.
const contracts = await Promise.all(BPMN_FILES.map(async (file) => readBpmnContract(readFileSync(file, 'utf8'))));
const bpmn = {
  topics: [...new Set(contracts.flatMap((contract) => contract.topics))].sort(),
  caughtByTopic: Object.assign({}, ...contracts.map((contract) => contract.caughtByTopic)) as Record<string, string[]>,
};

describe('workers and BPMN', () => {
  it('have a worker for every external task topic, and no worker without a task', () => {
    expect(workers.map((worker) => worker.topic).toSorted()).toEqual(bpmn.topics);
  });

  it('declare each topic once', () => {
    expect(new Set(workers.map((worker) => worker.topic)).size).toBe(workers.length);
  });

  it("catch on the worker's own task every business error it declares, and declare every error caught there", () => {
    for (const worker of workers) {
      expect(Object.keys(worker.errors).sort(), worker.topic).toEqual(bpmn.caughtByTopic[worker.topic] ?? []);
    }
  });
});

describe.each(workers.map((worker) => [worker.topic, worker] as const))('worker %s', (_topic, worker) => {
  it('describes itself and every variable it reads and writes', () => {
    expect(worker.description.length).toBeGreaterThan(10);
    for (const schema of [worker.input, worker.output]) {
      const shape = (schema as { shape?: Record<string, { description?: string }> }).shape ?? {};
      for (const [name, field] of Object.entries(shape)) expect(field.description, `${worker.topic}: ${name}`).toBeTruthy();
    }
  });

  it('has examples that fit its own contract', () => {
    expect(worker.examples.length).toBeGreaterThan(0);
    for (const example of worker.examples) {
      expect(worker.input.safeParse(example.input).error, example.title).toBeUndefined();
      if (example.outcome.kind === 'complete') {
        expect(worker.output.safeParse(example.outcome.variables).error, example.title).toBeUndefined();
      } else {
        expect(Object.keys(worker.errors), example.title).toContain(example.outcome.code);
      }
    }
  });
});
