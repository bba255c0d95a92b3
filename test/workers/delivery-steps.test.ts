import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.ts';
import type { HealthProbe } from '../../src/domain/staging-checks.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { TaskResult } from '../../src/runtime/execute.ts';
import type { AnyWorker } from '../../src/runtime/worker.ts';
import { createSettleCanary } from '../../workers/canary-outcome-settle.ts';
import { createReportCanary } from '../../workers/jira-canary-report.ts';
import { createAnalyseCanary } from '../../workers/prometheus-canary-analyse.ts';
import { createProbeStaging } from '../../workers/service-staging-probe.ts';
import { createAnnounceCanary } from '../../workers/slack-canary-announce.ts';
import { exampleCanaryDeploy, exampleCanaryFacts, exampleCanaryParameters, exampleModelRequest, exampleRepository, exampleStagingDeploy } from '../../workers/examples.ts';
import { completedVariables, runWorker } from '../support/run-worker.ts';

/**
 * The delivery steps' own logic, run as the runtime runs them, with the clock and the remote
 * answers in the test's hands: the health loop's one probe per tick, the analysis tick's window
 * arithmetic and failure, the decision's settling and the decision metrics counted once.
 */
const parsed = parsePolicy(readFileSync('test/fixtures/policy/flow.toml', 'utf8'), 'flow.toml');
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const policy = parsed.policy;
const metrics = createMetrics({ defaultMetrics: false });
const run = (worker: AnyWorker, variables: Record<string, unknown>): Promise<TaskResult> => runWorker(worker, variables, { metrics });

function clock(start: string) {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const probeAnswering = (statuses: number[], time: () => Date) => ({
  async probeHealth(url: string): Promise<HealthProbe> {
    const status = statuses.shift() ?? 0;
    return { url, at: time().toISOString(), status, latencyMs: 3, bodyExcerpt: status === 503 ? '{"status":"starting"}' : '', ...(status === 0 ? { error: 'connection refused' } : {}) };
  },
});

const stagingInput = { deliveryAttempt: 1, stagingDeploy: { ...exampleStagingDeploy, outputs: { service_url: 'http://127.0.0.1:9', health_url: 'http://127.0.0.1:9/healthz' } }, stagingServiceUrl: 'https://x.staging.example', stagingHealthUrl: 'https://x.staging.example/health' };

describe('service:staging:probe', () => {
  it('probes once per tick and is healthy after two good answers in a row (flow.toml), on the address the deploy build reported', async () => {
    const time = clock('2026-11-30T12:00:00Z');
    const worker = createProbeStaging({ probe: probeAnswering([503, 200, 200], time.now), policy, now: time.now });
    let variables: Record<string, unknown> = stagingInput;
    const verdicts: string[] = [];
    for (let tick = 0; tick < 3; tick++) {
      const completed = await completedVariables(worker, variables, { metrics });
      variables = { ...variables, ...completed };
      verdicts.push(`${String(completed.stagingHealthy)}/${String(completed.stagingGaveUp)}`);
      time.advance(500);
    }
    expect(verdicts).toEqual(['false/false', 'false/false', 'true/false']);
    expect(variables.stagingHealth).toMatchObject({ healthUrl: 'http://127.0.0.1:9/healthz', verdict: 'healthy', checks: { probes: 3, consecutiveGood: 2 } });
  });

  it('gives up when the deadline (20 s in flow.toml) passes first, saying what it saw', async () => {
    const time = clock('2026-11-30T12:00:00Z');
    const worker = createProbeStaging({ probe: probeAnswering([0, 503], time.now), policy, now: time.now });
    const first = await completedVariables(worker, stagingInput, { metrics });
    time.advance(21_000);
    const second = await run(worker, { ...stagingInput, ...first });
    expect(second).toMatchObject({ kind: 'complete', variables: { stagingHealthy: false, stagingGaveUp: true } });
    expect((second as unknown as { variables: { stagingHealth: { reason: string } } }).variables.stagingHealth.reason).toMatch(/^Not healthy by the deadline .*503/);
  });

  it('gives up at once, without a probe, when the deployment failed', async () => {
    const time = clock('2026-11-30T12:00:00Z');
    const worker = createProbeStaging({ probe: { probeHealth: () => Promise.reject(new Error('must not probe')) }, policy, now: time.now });
    const result = await run(worker, { ...stagingInput, stagingDeploy: { ...exampleStagingDeploy, result: 'FAILURE' } });
    expect(result).toMatchObject({ kind: 'complete', variables: { stagingGaveUp: true, stagingHealth: { reason: expect.stringMatching(/^The staging deploy build ended FAILURE \(https:/) } } });
  });
});

describe('prometheus:canary:analyse', () => {
  const windowEndsAt = '2026-11-30T12:00:10.000Z';
  const input = { deliveryAttempt: 1, canaryFacts: exampleCanaryFacts, canaryWindowEndsAt: windowEndsAt };

  it('waits the interval, cut at the window end, and calls a window without data inconclusive, never passed', async () => {
    const time = clock('2026-11-30T12:00:00Z');
    const worker = createAnalyseCanary({ prometheus: { queryValue: async () => null }, policy, now: time.now });
    const first = await run(worker, input);
    expect(first).toMatchObject({ kind: 'complete', variables: { canaryWindowOver: false, canaryAnalysisWait: 'PT2S' } });
    time.advance(9_000);
    const second = await run(worker, { ...input, ...(first as { variables: object }).variables });
    expect(second).toMatchObject({ kind: 'complete', variables: { canaryWindowOver: false, canaryAnalysisWait: 'PT1S' } });
    time.advance(1_000);
    const last = await run(worker, { ...input, ...(second as { variables: object }).variables });
    expect(last).toMatchObject({ kind: 'complete', variables: { canaryWindowOver: true, canaryAnalysisView: { verdict: 'inconclusive', samples: 3 } } });
  });

  it('fails the canary on a raised error ratio, naming the query and the value', async () => {
    const time = clock('2026-11-30T12:00:00Z');
    const prometheus = { queryValue: async (promql: string) => (promql.includes('http_request_duration') ? 0.07 : promql.includes('track="canary"') ? 0.5 : 0) };
    const result = await run(createAnalyseCanary({ prometheus, policy, now: time.now }), input);
    expect(result).toMatchObject({ kind: 'bpmnError', code: 'CANARY_ANALYSIS_FAILED' });
    expect((result as { message: string }).message).toMatch(/error-ratio was 0\.5 on the canary/);
  });
});

describe('canary:outcome:settle and jira:canary:report', () => {
  it('settles the accepted click, then counts the decision and its time once when the report runs twice', async () => {
    const settle = await run(createSettleCanary({ now: () => new Date('2026-11-30T12:30:00Z') }), {
      canaryEnd: 'decided',
      deliveryAttempt: 1,
      canaryStartedAt: exampleCanaryFacts.startedAt,
      canaryDecision: { action: 'reject', userId: 'U0CAROL0001', userName: 'carol', decidedAt: '2026-11-30T12:21:00.000Z', reason: 'p99 doubled' },
    });
    expect(settle).toMatchObject({ kind: 'complete', variables: { canaryPromote: false, canaryOutcome: { end: 'rejected', reason: 'Rejected by @carol: p99 doubled', decisionSeconds: 60 } } });
    const keys = new Set<string>();
    const jira = {
      addComment: async (_key: string, comment: { idempotencyKey: string }) => {
        const created = !keys.has(comment.idempotencyKey);
        keys.add(comment.idempotencyKey);
        return { id: '1', created };
      },
    };
    const report = createReportCanary({ jira, metrics });
    const variables = { canaryFacts: exampleCanaryFacts, canaryOutcome: (settle as unknown as { variables: { canaryOutcome: unknown } }).variables.canaryOutcome };
    for (let i = 0; i < 2; i++) expect((await run(report, variables)).kind).toBe('complete');
    const json = await metrics.registry.getMetricsAsJSON();
    const decisions = json.find((metric) => metric.name === 'lifecycle_canary_decisions_total')?.values as Array<{ labels: Record<string, string>; value: number }>;
    expect(decisions.find((value) => value.labels.outcome === 'rejected')?.value).toBe(1);
    expect(keys).toEqual(new Set(['model-lifecycle:MLM-42:canary-result:1']));
  });
});

describe('slack:canary:announce', () => {
  const posts: Array<{ channel: string; idempotencyKey: string; text: string }> = [];
  const people: Record<string, string> = { 'mia@acme.test': 'U0MIA000001', 'erin@acme.test': 'U0ERIN00001' };
  const deps = {
    slack: {
      postMessageOnce: async (input: { channel: string; idempotencyKey: string; text: string }) => {
        posts.push(input);
        return { channel: input.channel, ts: '1796041200.000100', created: true };
      },
      lookupUserByEmail: async (email: string) => (people[email] ? { id: people[email], name: email.split('@')[0]! } : null),
    },
    github: {
      // CODEOWNERS names erin for the model; the repository has no maintainers of its own.
      readFileAt: async (_owner: string, _repo: string, path: string) => (path === '.github/CODEOWNERS' ? '* @erin\n' : null),
      teamMembers: async () => [],
      repositoryMaintainers: async () => [],
      userEmail: async (login: string) => (login === 'erin' ? 'erin@acme.test' : null),
    },
    jira: { getIssue: async () => ({ summary: 'Churn predictor', reporter: { displayName: 'Tom Adler' } }) as never },
    policy,
    issueUrl: (key: string) => `https://jira.test/browse/${key}`,
    cockpitUrl: (id: string) => `https://camunda.test/camunda/app/cockpit/default/#/process-instance/${id}`,
  };
  const input = { deliveryAttempt: 1, canaryDeploy: { ...exampleCanaryDeploy, endedAt: '2026-11-30T12:20:00.000Z' }, modelRequest: exampleModelRequest, repository: exampleRepository, canaryBuildParameters: exampleCanaryParameters };

  it('names the maintainers of every source and the approvers as deciders, bars the developer, and times the window from the deployment', async () => {
    const result = await run(createAnnounceCanary(deps), input);
    expect(result).toMatchObject({
      kind: 'complete',
      variables: {
        canaryGate: {
          issueKey: 'MLM-42',
          channel: 'C0SEARCH001',
          windowEndsAt: '2026-11-30T12:20:10.000Z',
          decisionDeadlineAt: '2026-11-30T12:20:40.000Z',
          deciders: [
            { slackId: 'U0ALICE0001', reason: 'maintainer of team search' },
            { slackId: 'U0ERIN00001', reason: 'code owner of the model (CODEOWNERS)' },
            { slackId: 'U0CAROL0001', reason: 'platform approver (delivery.canary.approvers)' },
          ],
          barred: [{ slackId: 'U0MIA000001', reason: expect.stringContaining('developer of the model') }],
        },
        canaryReminderAt: '2026-11-30T12:20:25.000Z',
      },
    });
    expect(posts.map((post) => post.idempotencyKey)).toEqual(['model-lifecycle:MLM-42:canary:1']);
  });

  it('raises DEPLOY_FAILED with the facts, and posts nothing, when the canary deployment failed', async () => {
    posts.length = 0;
    const result = await run(createAnnounceCanary(deps), { ...input, canaryDeploy: { ...input.canaryDeploy, result: 'FAILURE' } });
    expect(result).toMatchObject({ kind: 'bpmnError', code: 'DEPLOY_FAILED', variables: { canaryFacts: { issueKey: 'MLM-42' } } });
    expect(posts).toEqual([]);
  });
});
