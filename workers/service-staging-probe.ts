import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { probeHealth, postJson } from '../src/clients/service-probe.ts';
import type { Policy } from '../src/config/policy.ts';
import { deployFailureReason, stagingEndpoints, stagingHealthSummary, type StagingHealthSummary } from '../src/domain/delivery.ts';
import { parseIsoDuration } from '../src/domain/duration.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { initialHealthState, nextHealth, type HealthVerdict } from '../src/domain/staging-checks.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleStagingDeploy } from './examples.ts';

/** The calls to a deployed service (src/clients/service-probe.ts), passed in so tests and the sandbox can point them anywhere. */
export interface ServiceProbeClient {
  readonly probeHealth: typeof probeHealth;
  readonly postJson: typeof postJson;
}

/**
 * Probes the staging service's health once and folds the answer into `stagingHealth`
 * ({@link nextHealth}): healthy after `delivery.staging.health_consecutive` good answers in a
 * row, given up when the deadline (`health_deadline` after the first probe) passes first. The
 * BPMN waits `stagingHealthInterval` between probes with a timer, so no handler sleeps. A
 * staging deployment that failed is given up at once, without a probe.
 */
export function createProbeStaging(deps: { probe: Pick<ServiceProbeClient, 'probeHealth'>; policy: Policy; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.probeStaging,
    description: 'Probes the health of the staging service once and says whether it is healthy, still coming up, or given up',
    input: z.object({
      deliveryAttempt: z.number().int().min(1).describe('The delivery attempt'),
      stagingDeploy: jenkinsBuildResult.describe('How the staging deploy build ended'),
      stagingServiceUrl: z.url().describe('The staging service by the policy pattern'),
      stagingHealthUrl: z.url().describe('Its health check by the policy pattern'),
      stagingHealth: stagingHealthSummary.optional().describe('The health check so far (absent, or of an earlier attempt: probing begins)'),
    }),
    output: z.object({
      stagingHealth: stagingHealthSummary,
      stagingHealthy: z.boolean().describe('True: healthy, the functional requests follow'),
      stagingGaveUp: z.boolean().describe('True: not healthy by the deadline, or the deployment failed; staging is reported as failed'),
    }),
    errors: {},
    examples: [
      {
        title: 'the deployment failed: given up without a probe',
        input: {
          deliveryAttempt: 1,
          stagingDeploy: { ...exampleStagingDeploy, result: 'FAILURE', endedAt: '2026-11-30T12:05:00.000Z' },
          stagingServiceUrl: 'https://churn-predictor.staging.ml.example.com',
          stagingHealthUrl: 'https://churn-predictor.staging.ml.example.com/health',
        },
        outcome: {
          kind: 'complete',
          variables: {
            stagingHealth: {
              attempt: 1,
              healthUrl: 'https://churn-predictor.staging.ml.example.com/health',
              verdict: 'unhealthy',
              required: 3,
              startedAt: '2026-11-30T12:05:01.000Z',
              deadlineAt: '2026-11-30T12:10:01.000Z',
              checks: { probes: 0, consecutiveGood: 0, bestRun: 0 },
              reason: 'The staging deploy build ended FAILURE.',
            },
            stagingHealthy: false,
            stagingGaveUp: true,
          },
        },
      },
    ],
    async run(ctx) {
      const settings = deps.policy.delivery.staging;
      const { deliveryAttempt: attempt, stagingDeploy: deploy } = ctx.input;
      const { healthUrl } = stagingEndpoints(deploy, { serviceUrl: ctx.input.stagingServiceUrl, healthUrl: ctx.input.stagingHealthUrl });
      const at = now();
      const previous = ctx.input.stagingHealth?.attempt === attempt ? ctx.input.stagingHealth : null;
      const state: StagingHealthSummary = previous ?? {
        attempt,
        healthUrl,
        verdict: 'waiting',
        required: settings.health_consecutive,
        startedAt: at.toISOString(),
        deadlineAt: new Date(at.getTime() + (parseIsoDuration(settings.health_deadline) ?? 300_000)).toISOString(),
        checks: initialHealthState(),
        reason: 'No probe yet.',
      };
      if (deploy.result !== 'SUCCESS') {
        return ctx.complete({ stagingHealth: { ...state, verdict: 'unhealthy', reason: deployFailureReason('staging', deploy) }, ...flags('unhealthy') });
      }
      // A rerun after the verdict (a lost completion) gives the same verdict.
      if (state.verdict !== 'waiting') return ctx.complete({ stagingHealth: state, ...flags(state.verdict) });

      const probe = await deps.probe.probeHealth(healthUrl, { timeoutMs: parseIsoDuration(settings.request_timeout) ?? 10_000, now });
      const step = nextHealth(state.checks, probe, { consecutive: state.required, deadlineAt: new Date(state.deadlineAt), now: now() });
      ctx.log.info({ healthUrl, status: probe.status, verdict: step.verdict, consecutiveGood: step.state.consecutiveGood }, 'probed the staging service');
      return ctx.complete({ stagingHealth: { ...state, healthUrl, verdict: step.verdict, checks: step.state, reason: step.reason }, ...flags(step.verdict) });
    },
  });
}

function flags(verdict: HealthVerdict): { stagingHealthy: boolean; stagingGaveUp: boolean } {
  return { stagingHealthy: verdict === 'healthy', stagingGaveUp: verdict === 'unhealthy' };
}
