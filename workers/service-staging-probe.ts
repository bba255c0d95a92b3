import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { Policy } from '../src/config/policy.ts';
import { deployFailureReason, stagingEndpoints, stagingHealthSummary, type StagingHealthSummary } from '../src/domain/delivery.ts';
import { parseIsoDuration } from '../src/domain/duration.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleStagingDeploy } from './examples.ts';

/** One health probe: a GET with a timeout, never retried (the loop is the retry). */
export interface HealthProbe {
  /** True for a 2xx answer within the timeout. */
  readonly good: boolean;
  readonly status: number | null;
  readonly durationMs: number;
  /** Why there was no answer (timeout, refused); null when one came. */
  readonly error: string | null;
}

export interface ServiceProbeClient {
  probeHealth(url: string, options: { readonly timeoutMs: number }): Promise<HealthProbe>;
}

/**
 * Probes the staging service's health once and folds the answer into `stagingHealth`: healthy
 * after `health_consecutive` good answers in a row, unhealthy when the deadline passes first.
 * The BPMN waits `stagingHealthInterval` between probes with a timer, so no handler sleeps. A
 * staging deployment that failed is unhealthy at once, without a probe.
 */
export function createProbeStaging(deps: { probe: ServiceProbeClient; policy: Policy; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.probeStaging,
    description: 'Probes the health of the staging service once and says whether it is healthy, still coming up, or failed',
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
        title: 'the third good answer in a row',
        input: {
          deliveryAttempt: 1,
          stagingDeploy: exampleStagingDeploy,
          stagingServiceUrl: 'https://churn-predictor.staging.ml.example.com',
          stagingHealthUrl: 'https://churn-predictor.staging.ml.example.com/health',
          stagingHealth: {
            attempt: 1,
            healthUrl: 'https://churn-predictor.staging.ml.example.com/health',
            verdict: 'waiting',
            probes: 2,
            goodInARow: 2,
            required: 3,
            startedAt: '2026-11-30T12:05:00.000Z',
            deadlineAt: '2026-11-30T12:10:00.000Z',
            lastAnswer: '200 in 8 ms',
            reason: null,
          },
        },
        outcome: {
          kind: 'complete',
          variables: {
            stagingHealth: {
              attempt: 1,
              healthUrl: 'https://churn-predictor.staging.ml.example.com/health',
              verdict: 'healthy',
              probes: 3,
              goodInARow: 3,
              required: 3,
              startedAt: '2026-11-30T12:05:00.000Z',
              deadlineAt: '2026-11-30T12:10:00.000Z',
              lastAnswer: '200 in 7 ms',
              reason: null,
            },
            stagingHealthy: true,
            stagingGaveUp: false,
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
        probes: 0,
        goodInARow: 0,
        required: settings.health_consecutive,
        startedAt: at.toISOString(),
        deadlineAt: new Date(at.getTime() + (parseIsoDuration(settings.health_deadline) ?? 300_000)).toISOString(),
        lastAnswer: null,
        reason: null,
      };
      if (deploy.result !== 'SUCCESS') {
        const failed: StagingHealthSummary = { ...state, verdict: 'unhealthy', reason: deployFailureReason('staging', deploy) };
        return ctx.complete({ stagingHealth: failed, ...verdictFlags('unhealthy') });
      }
      if (state.verdict !== 'waiting') return ctx.complete({ stagingHealth: state, ...verdictFlags(state.verdict) });

      const probe = await deps.probe.probeHealth(healthUrl, { timeoutMs: parseIsoDuration(settings.request_timeout) ?? 10_000 });
      const answer = probe.status === null ? (probe.error ?? 'no answer') : `${probe.status} in ${Math.round(probe.durationMs)} ms`;
      const goodInARow = probe.good ? state.goodInARow + 1 : 0;
      const next: StagingHealthSummary = { ...state, healthUrl, probes: state.probes + 1, goodInARow, lastAnswer: answer };
      let verdict: StagingHealthSummary['verdict'] = 'waiting';
      let reason: string | null = null;
      if (goodInARow >= state.required) verdict = 'healthy';
      else if (now().getTime() >= Date.parse(state.deadlineAt)) {
        verdict = 'unhealthy';
        reason = `The staging service was not healthy by the deadline (${settings.health_deadline} after deployment): ${goodInARow} of ${state.required} good answers in a row, the last ${answer}.`;
      }
      ctx.log.info({ healthUrl, answer, goodInARow, verdict }, 'probed the staging service');
      return ctx.complete({ stagingHealth: { ...next, verdict, reason }, ...verdictFlags(verdict) });
    },
  });
}

function verdictFlags(verdict: StagingHealthSummary['verdict']): { stagingHealthy: boolean; stagingGaveUp: boolean } {
  return { stagingHealthy: verdict === 'healthy', stagingGaveUp: verdict === 'unhealthy' };
}
