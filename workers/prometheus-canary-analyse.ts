import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import { measureQueries, type PrometheusClient } from '../src/clients/prometheus.ts';
import type { Policy } from '../src/config/policy.ts';
import {
  analysisQueriesFromPolicy,
  analysisStateSchema,
  describeCheck,
  evaluateSample,
  finalVerdict,
  foldAnalysis,
  initialAnalysisState,
  planQueries,
  type AnalysisState,
} from '../src/domain/canary-analysis.ts';
import { analysisView, canaryFacts, type AnalysisView } from '../src/domain/delivery.ts';
import { parseIsoDuration } from '../src/domain/duration.ts';
import { isoDurationVariable, isoInstant } from '../src/domain/lifecycle-variables.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCanaryFacts } from './examples.ts';

/**
 * One tick of the automated canary analysis: runs the policy's PromQL queries once at one
 * instant ([delivery.canary.analysis]; by default the canary's error ratio and p99 latency
 * against the stable version's), judges the sample and folds it into `canaryAnalysis`
 * (src/domain/canary-analysis.ts: no data never passes, a failure past failure_limit is final).
 * A failed analysis raises CANARY_ANALYSIS_FAILED naming the query and the value: the canary is
 * rolled back. Otherwise writes whether the window is over and how long the BPMN timer waits
 * before the next tick (the interval, cut at the window's end), so no handler sleeps. Without
 * PROMETHEUS_URL every sample has no data, so the analysis ends inconclusive, never passed.
 */
export function createAnalyseCanary(deps: { prometheus: Pick<PrometheusClient, 'queryValue'> | null; policy: Policy; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return defineWorker({
    topic: Topics.analyseCanary,
    description: 'Runs the canary analysis queries once against Prometheus and folds the sample in; fails the canary past the failure limit',
    input: z.object({
      deliveryAttempt: z.number().int().min(1).describe('The delivery attempt'),
      canaryFacts,
      canaryWindowEndsAt: isoInstant.describe('End of the stabilisation window'),
      canaryAnalysis: analysisStateSchema.optional().describe('The analysis so far (absent, or of an earlier attempt: it begins)'),
      canaryAnalysisView: analysisView.optional().describe('The analysis as shown so far; its attempt tells whether canaryAnalysis is this attempt\'s'),
    }),
    output: z.object({
      canaryAnalysis: analysisStateSchema,
      canaryAnalysisView: analysisView,
      canaryWindowOver: z.boolean().describe('True: the window has ended, Approve becomes available'),
      canaryAnalysisWait: isoDurationVariable.describe('How long the BPMN timer waits before the next tick'),
    }),
    errors: { [ErrorCodes.canaryAnalysisFailed]: 'a query failed more often than delivery.canary.analysis.failure_limit; the message names the query and the value' },
    examples: [
      {
        title: 'the first tick, one minute into a three-minute window',
        input: { deliveryAttempt: 1, canaryFacts: exampleCanaryFacts, canaryWindowEndsAt: '2026-11-30T12:23:00.000Z' },
        outcome: {
          kind: 'complete',
          variables: {
            canaryAnalysis: {
              verdict: 'running',
              reason: 'Canary analysis running: 1 of 5 samples, 1 passed every check.',
              samples: 1,
              passed: 1,
              failed: 0,
              noData: 0,
              queries: [],
              firstAt: '2026-11-30T12:21:00.000Z',
              lastAt: '2026-11-30T12:21:00.000Z',
            },
            canaryAnalysisView: { attempt: 1, verdict: 'running', samples: 1, lines: [], reason: null },
            canaryWindowOver: false,
            canaryAnalysisWait: 'PT30S',
          },
        },
      },
    ],
    async run(ctx) {
      const settings = deps.policy.delivery.canary.analysis;
      const attempt = ctx.input.deliveryAttempt;
      const sameAttempt = ctx.input.canaryAnalysisView?.attempt === attempt;
      const previous: AnalysisState = sameAttempt && ctx.input.canaryAnalysis ? ctx.input.canaryAnalysis : initialAnalysisState();
      const queries = analysisQueriesFromPolicy(settings.queries);
      const at = now();
      let state = previous;
      // A failed analysis is final: a rerun after the error reports the same failure without querying again.
      if (previous.verdict !== 'fail') {
        const planned = planQueries(queries, { service: ctx.input.canaryFacts.modelName, window: settings.rate_window });
        const measured = deps.prometheus ? await measureQueries(deps.prometheus, planned, at) : {};
        if (!deps.prometheus) ctx.log.warn('PROMETHEUS_URL is not set: the canary analysis has no data and ends inconclusive');
        state = foldAnalysis(previous, evaluateSample(queries, measured, at), { failureLimit: settings.failure_limit, minSamples: settings.min_samples });
      }
      const remainingMs = Date.parse(ctx.input.canaryWindowEndsAt) - now().getTime();
      const windowOver = remainingMs <= 0;
      const view = viewOf(attempt, state, windowOver);
      ctx.log.info({ verdict: state.verdict, samples: state.samples, windowOver, reason: state.reason }, 'canary analysis tick');
      if (state.verdict === 'fail') {
        return ctx.bpmnError(ErrorCodes.canaryAnalysisFailed, state.reason, { canaryAnalysis: state, canaryAnalysisView: view });
      }
      const intervalMs = parseIsoDuration(settings.interval) ?? 30_000;
      const waitMs = windowOver ? intervalMs : Math.max(100, Math.min(intervalMs, remainingMs));
      return ctx.complete({ canaryAnalysis: state, canaryAnalysisView: view, canaryWindowOver: windowOver, canaryAnalysisWait: isoSeconds(waitMs) });
    },
  });
}

/** The analysis as the messages show it; at the window's end a run without a verdict is inconclusive. */
function viewOf(attempt: number, state: AnalysisState, windowOver: boolean): AnalysisView {
  const verdict = windowOver ? finalVerdict(state) : state.verdict;
  const reason = verdict === 'inconclusive' && state.verdict === 'running' ? `${state.reason} The window ended before enough samples: inconclusive, not a pass.` : state.reason;
  return {
    attempt,
    verdict,
    samples: state.samples,
    lines: state.queries.map((tally) => `${describeCheck(tally.last)} (passed ${tally.passed}, failed ${tally.failed}, no data ${tally.noData})`),
    reason: verdict === 'pass' || verdict === 'running' ? null : reason,
  };
}

function isoSeconds(ms: number): string {
  const seconds = Math.round(ms) / 1000;
  return `PT${Number.isInteger(seconds) ? seconds : seconds.toFixed(3)}S`;
}
