import { z } from 'zod';
import { Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { Policy } from '../src/config/policy.ts';
import { stagingEndpoints, stagingFunctional } from '../src/domain/delivery.ts';
import { parseIsoDuration } from '../src/domain/duration.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { commitSha, repository } from '../src/domain/lifecycle-variables.ts';
import { functionalCases, judgeFunctionalCase, type FunctionalResult } from '../src/domain/staging-checks.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCommit, exampleRepository, exampleStagingDeploy } from './examples.ts';
import type { ServiceProbeClient } from './service-staging-probe.ts';

const FUNCTIONAL_DIR = 'tests_functional';

/**
 * Sends the repository's functional requests to the staging service: every
 * `tests_functional/<endpoint>/test_request_*.json` with its `*_response.json`, read at the
 * delivered commit, POSTed to `<service>/<endpoint>` and the answer compared with the recorded
 * one (numbers within `delivery.staging.functional_tolerance`). Sending a request to a model is
 * a read, so a rerun is harmless. Writes `stagingFunctional`; the report step judges it.
 */
export function createCheckStagingFunctional(deps: { github: Pick<GitHubClient, 'listFilesAt' | 'readFileAt'>; probe: Pick<ServiceProbeClient, 'postJson'>; policy: Policy }) {
  return defineWorker({
    topic: Topics.checkStagingFunctional,
    description: "Sends the repository's functional requests to the staging service and compares each answer with the recorded one",
    input: z.object({
      deliveryAttempt: z.number().int().min(1).describe('The delivery attempt'),
      deliveryCommit: commitSha.describe('The commit the requests are read at'),
      repository,
      stagingDeploy: jenkinsBuildResult.describe('How the staging deploy build ended (its service_url wins over the pattern)'),
      stagingServiceUrl: z.url().describe('The staging service by the policy pattern'),
      stagingHealthUrl: z.url().describe('Its health check by the policy pattern'),
    }),
    output: z.object({ stagingFunctional }),
    errors: {},
    examples: [
      {
        title: 'the template request answered as recorded',
        input: {
          deliveryAttempt: 1,
          deliveryCommit: exampleCommit,
          repository: exampleRepository,
          stagingDeploy: exampleStagingDeploy,
          stagingServiceUrl: 'https://churn-predictor.staging.ml.example.com',
          stagingHealthUrl: 'https://churn-predictor.staging.ml.example.com/health',
        },
        outcome: {
          kind: 'complete',
          variables: {
            stagingFunctional: {
              attempt: 1,
              serviceUrl: 'https://churn-predictor.staging.ml.example.com',
              commit: exampleCommit,
              cases: [{ name: 'v1_predict/test_request_01', endpoint: '/v1/predict', outcome: 'match', status: 200, latencyMs: 12, differences: [], diff: '' }],
              problems: [],
            },
          },
        },
      },
    ],
    async run(ctx) {
      const settings = deps.policy.delivery.staging;
      const { deliveryCommit: commit } = ctx.input;
      const [owner = '', repo = ''] = ctx.input.repository.fullName.split('/');
      const { serviceUrl } = stagingEndpoints(ctx.input.stagingDeploy, { serviceUrl: ctx.input.stagingServiceUrl, healthUrl: ctx.input.stagingHealthUrl });
      const { cases, problems } = functionalCases(await deps.github.listFilesAt(owner, repo, FUNCTIONAL_DIR, commit));
      const tolerance = { absolute: settings.functional_tolerance, relative: settings.functional_tolerance };
      const timeoutMs = parseIsoDuration(settings.request_timeout) ?? 10_000;
      const results: FunctionalResult[] = [];
      for (const testCase of cases) {
        const [requestText, responseText] = await Promise.all([
          deps.github.readFileAt(owner, repo, testCase.requestPath, commit),
          deps.github.readFileAt(owner, repo, testCase.responsePath, commit),
        ]);
        const request = parseJson(requestText);
        const expected = parseJson(responseText);
        if (!request.ok || !expected.ok) {
          const bad = !request.ok ? `${testCase.requestPath}: ${request.problem}` : `${testCase.responsePath}: ${expected.ok ? '' : expected.problem}`;
          results.push({ name: testCase.name, endpoint: testCase.endpoint, outcome: 'error', status: 0, latencyMs: 0, differences: [], diff: bad });
          continue;
        }
        const answer = await deps.probe.postJson(`${serviceUrl.replace(/\/$/, '')}${testCase.endpoint}`, request.value, { timeoutMs, log: ctx.log });
        results.push(judgeFunctionalCase(testCase, expected.value, answer, { tolerance }));
      }
      ctx.log.info({ serviceUrl, cases: results.length, mismatches: results.filter((result) => result.outcome !== 'match').length }, 'sent the functional requests to staging');
      return ctx.complete({ stagingFunctional: { attempt: ctx.input.deliveryAttempt, serviceUrl, commit, cases: results, problems: [...problems] } });
    },
  });
}

function parseJson(text: string | null): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (text === null) return { ok: false, problem: 'missing at the delivered commit' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: `not JSON (${(error as Error).message}) — fix the file` };
  }
}
