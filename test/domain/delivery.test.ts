import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Document, Inline } from '../../src/domain/document.ts';
import {
  canaryAnnouncementSlack,
  canaryConcludedSlack,
  canaryDecisionOpenSlack,
  canaryStageRecord,
  fillUrlPattern,
  judgeStaging,
  settleCanary,
  stagingEndpoints,
  stagingResultComment,
  type StagingFacts,
} from '../../src/domain/delivery.ts';
import { judgeFunctionalCase } from '../../src/domain/staging-checks.ts';
import { exampleCanaryFacts, exampleCommit, exampleStagingDeploy } from '../../workers/examples.ts';

/** The comment's words, as a person reads them. */
function plain(document: Document): string {
  const inline = (parts: readonly Inline[]) => parts.map((part) => (typeof part === 'string' ? part : part.text)).join('');
  return document.blocks
    .map((block) => {
      switch (block.type) {
        case 'heading':
        case 'code':
          return block.text;
        case 'paragraph':
          return inline(block.content);
        case 'bullets':
          return block.items.map(inline).join('\n');
        case 'table':
          return [block.header, ...block.rows].map((row) => row.map(inline).join(' | ')).join('\n');
      }
    })
    .join('\n');
}

const healthy = {
  attempt: 1,
  healthUrl: 'http://127.0.0.1:9/healthz',
  verdict: 'healthy' as const,
  required: 2,
  startedAt: '2026-11-30T12:05:00.000Z',
  deadlineAt: '2026-11-30T12:10:00.000Z',
  checks: { probes: 2, consecutiveGood: 2, bestRun: 2 },
  reason: 'Healthy: 2 good answers in a row from http://127.0.0.1:9/healthz (latest 200 in 3 ms) after 2 probes.',
};

const testCase = { name: 'v1_predict/test_request_01', endpoint: '/v1/predict', requestPath: 'tests_functional/v1_predict/test_request_01.json', responsePath: 'tests_functional/v1_predict/test_request_01_response.json' };
const expected = { predictions: [{ class_id: 0, species: 'setosa' }, { class_id: 1, species: 'versicolor' }] };
const match = judgeFunctionalCase(testCase, expected, { status: 200, body: expected, latencyMs: 12 });
const mismatch = judgeFunctionalCase(testCase, expected, { status: 200, body: { predictions: [{ class_id: 0, species: 'setosa' }, { class_id: 1, species: 'setosa' }] }, latencyMs: 9 });

function facts(overrides: Partial<StagingFacts> = {}): StagingFacts {
  return {
    issueKey: 'MLM-42',
    attempt: 1,
    modelName: 'churn-predictor',
    modelVersion: '3',
    commit: exampleCommit,
    deploy: exampleStagingDeploy,
    health: healthy,
    functional: { attempt: 1, serviceUrl: 'http://127.0.0.1:9', commit: exampleCommit, cases: [match], problems: [] },
    serviceUrl: 'http://127.0.0.1:9',
    ...overrides,
  };
}

describe('staging', () => {
  it('passes a healthy service that answers every case as recorded', () => {
    expect(judgeStaging(facts())).toEqual({ outcome: 'success', failureClass: null, reason: null });
    const text = plain(stagingResultComment(facts()));
    expect(text).toContain('[Success] STAGING_RESULT');
    expect(text).toContain('v1_predict/test_request_01');
    expect(text).toContain('Healthy: 2 good answers in a row');
  });

  it('fails in order: the deployment, then the health, then no cases, then a mismatch, each with its reason', () => {
    expect(judgeStaging(facts({ deploy: { ...exampleStagingDeploy, result: 'FAILURE', failedStage: 'Deploy' } }))).toMatchObject({ failureClass: 'deploy_failed', reason: 'The staging deploy build ended FAILURE in stage "Deploy".' });
    expect(judgeStaging(facts({ health: { ...healthy, verdict: 'unhealthy', reason: 'Not healthy by the deadline.' } }))).toMatchObject({ failureClass: 'unhealthy', reason: 'The staging service was not healthy. Not healthy by the deadline.' });
    expect(judgeStaging(facts({ functional: { attempt: 1, serviceUrl: 'http://127.0.0.1:9', commit: exampleCommit, cases: [], problems: ['tests_functional/v1_predict/test_request_02.json has no recorded answer'] } }))).toMatchObject({
      failureClass: 'no_functional_cases',
      reason: expect.stringContaining('test_request_02.json has no recorded answer'),
    });
    expect(judgeStaging(facts({ functional: { attempt: 1, serviceUrl: 'http://127.0.0.1:9', commit: exampleCommit, cases: [match, mismatch], problems: [] } }))).toMatchObject({ failureClass: 'functional_mismatch' });
  });

  it('shows a readable diff for each mismatching case', () => {
    const text = plain(stagingResultComment(facts({ functional: { attempt: 1, serviceUrl: 'http://127.0.0.1:9', commit: exampleCommit, cases: [match, mismatch], problems: [] } })));
    expect(text).toContain('[Failed] STAGING_RESULT');
    expect(text).toContain('differs from its recorded answer');
    expect(text).toMatch(/species.*expected "versicolor", got "setosa"/);
    expect(text).toContain('goes back to the developer');
  });

  it('prefers the address the deploy build reported over the policy pattern', () => {
    const patterns = { serviceUrl: fillUrlPattern('https://{model}.staging.example/{issue}', { model: 'churn', issue: 'MLM-1' }), healthUrl: 'https://churn.staging.example/health' };
    expect(patterns.serviceUrl).toBe('https://churn.staging.example/MLM-1');
    expect(stagingEndpoints({ outputs: {} }, patterns)).toEqual(patterns);
    expect(stagingEndpoints({ outputs: { service_url: 'http://127.0.0.1:5000', health_url: 'http://127.0.0.1:5000/healthz' } }, patterns)).toEqual({ serviceUrl: 'http://127.0.0.1:5000', healthUrl: 'http://127.0.0.1:5000/healthz' });
  });
});

describe('the canary', () => {
  const decision = { action: 'approve' as const, userId: 'U0ALICE0001', userName: 'alice', decidedAt: '2026-11-30T12:25:00.000Z' };

  it('settles a decision with who, when and the time from the announcement', () => {
    const outcome = settleCanary({ end: 'approved', attempt: 1, now: new Date('2026-11-30T12:30:00Z'), startedAt: '2026-11-30T12:20:00.000Z', decision, analysisReason: null, deployReason: null, deadline: null });
    expect(outcome).toEqual({ attempt: 1, end: 'approved', promoted: true, automatic: false, by: { userId: 'U0ALICE0001', userName: 'alice' }, at: decision.decidedAt, reason: 'Approved by @alice.', decisionSeconds: 300 });
  });

  it('rolls back every automatic end, never promotes it, and names why', () => {
    fc.assert(
      fc.property(fc.constantFrom('analysis_failed' as const, 'no_decision' as const, 'deploy_failed' as const), fc.string({ minLength: 1 }), (end, why) => {
        const outcome = settleCanary({ end, attempt: 2, now: new Date('2026-11-30T13:00:00Z'), startedAt: '2026-11-30T12:20:00.000Z', decision: null, analysisReason: why, deployReason: why, deadline: '2026-11-30T16:23:00.000Z' });
        expect(outcome.promoted).toBe(false);
        expect(outcome.automatic).toBe(true);
        expect(outcome.by).toBeNull();
        expect(outcome.decisionSeconds).toBeNull();
        if (end !== 'no_decision') expect(outcome.reason).toContain(why);
      }),
    );
  });

  it('announces with the links and the window, opens Approve with the figures, and says how it ended without buttons', () => {
    const announced = JSON.stringify(canaryAnnouncementSlack(exampleCanaryFacts));
    expect(announced).toContain('Service deployed in canary mode');
    expect(announced).toContain('Approve becomes available in 3 min, after stabilisation');
    expect(announced).toContain('"action_id":"canary:approve","value":"MLM-42"');
    expect(announced).toContain('"action_id":"canary:reject","value":"MLM-42"');
    expect(announced).toContain(exampleCanaryFacts.grafanaUrl);
    expect(announced).toContain(exampleCanaryFacts.cockpitUrl);
    expect(announced).toContain('Tom Adler');

    const open = JSON.stringify(canaryDecisionOpenSlack(exampleCanaryFacts, { attempt: 1, verdict: 'inconclusive', samples: 3, lines: ['error-ratio: no data'], reason: 'not enough data' }, '2026-11-30T16:23:00.000Z'));
    expect(open).toContain('Approve is available');
    expect(open).toContain('inconclusive');
    expect(open).not.toMatch(/analysis:\*? passed/);

    const approved = settleCanary({ end: 'approved', attempt: 1, now: new Date(), startedAt: exampleCanaryFacts.startedAt, decision, analysisReason: null, deployReason: null, deadline: null });
    const concluded = canaryConcludedSlack(exampleCanaryFacts, approved, null);
    expect(JSON.stringify(concluded)).toContain('Approved by <@U0ALICE0001> at 12:25 UTC — promoted to all production traffic');
    expect(JSON.stringify(concluded)).not.toContain('canary:approve');
    expect(canaryStageRecord(exampleCanaryFacts, approved, [])).toMatchObject({ stage: 'canary', outcome: 'success', failureClass: null });
  });
});
