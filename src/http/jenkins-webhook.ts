import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { Messages } from '../bpmn/contract.ts';
import { issueKey } from '../domain/lifecycle-variables.ts';
import { EngineError, type EngineClient } from '../engine/camunda7/rest.ts';
import { correlateMessage, type CorrelationRetry } from '../lifecycle/correlate.ts';
import type { Metrics } from '../observability/metrics.ts';
import { requestLog } from './request-log.ts';
import { verifyJenkinsCallback, type JenkinsCallbackAuth } from './verify-jenkins.ts';

/** Every value of the `result` label of `lifecycle_webhooks_total{source="jenkins"}`. */
export type JenkinsWebhookResult = 'correlated' | 'not_awaited' | 'unauthorized' | 'invalid' | 'engine_unavailable' | 'error';

const BUILD_KEY = /^([A-Z][A-Z0-9_]+-\d+)\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\/([1-9]\d{0,8})$/;
const MAX_OUTPUTS = 16;

/** One attempt of one stage of one lifecycle: `<jira key>/<stage>/<attempt>`, e.g. `MLM-42/train/1`. */
export const buildKey = z
  .string()
  .regex(BUILD_KEY, 'expected <jira key>/<stage>/<attempt>, e.g. MLM-42/train/1')
  .describe('One attempt of one stage of one lifecycle: <jira key>/<stage>/<attempt>, e.g. MLM-42/train/1');

/** How a Jenkins build ended (`currentBuild.currentResult`). */
export const jenkinsBuildResult = z
  .enum(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'])
  .describe('How the build ended, as Jenkins names it (currentBuild.currentResult)');

/**
 * The body a Jenkins build sends as its last step. The format is ours; fields beyond these
 * are dropped, so a newer Jenkinsfile does not break an older service.
 */
export const jenkinsCallbackSchema = z
  .object({
    buildKey,
    jiraKey: issueKey.describe("The lifecycle's business key; must equal the prefix of buildKey"),
    buildUrl: z.url({ protocol: /^https?$/ }).max(2_048).describe('The build page, e.g. https://jenkins.acme.test/job/ml/job/train-model/17/'),
    result: jenkinsBuildResult,
    outputs: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'expected a name of letters, digits, _ . - starting with a letter'),
        z.string().max(2_048),
      )
      .refine((outputs) => Object.keys(outputs).length <= MAX_OUTPUTS, `at most ${MAX_OUTPUTS} outputs`)
      .optional()
      .describe('What the build produced, name → string, e.g. { mlflow_run_id: "…" }'),
  })
  .superRefine((callback, ctx) => {
    const prefix = BUILD_KEY.exec(callback.buildKey)?.[1];
    if (prefix !== callback.jiraKey) {
      ctx.addIssue({ code: 'custom', path: ['jiraKey'], message: `must equal the Jira key buildKey starts with (${prefix ?? '?'})` });
    }
  });
/** A parsed Jenkins callback; also the `buildCallback` process variable (Json). */
export type JenkinsCallback = z.infer<typeof jenkinsCallbackSchema>;

export interface JenkinsWebhookDeps {
  readonly engine: Pick<EngineClient, 'correlate'>;
  readonly metrics: Pick<Metrics, 'webhooks' | 'messageCorrelations'>;
  readonly auth: JenkinsCallbackAuth;
  readonly correlationRetry?: CorrelationRetry | undefined;
}

/**
 * `POST /webhooks/jenkins`: the signed callback a Jenkins build sends as its last step.
 * Verify → validate → correlate `jenkins-build:finished` to the lifecycle `jiraKey`, only to
 * the instance whose `buildKey` variable is the callback's (Camunda `correlationKeys`), with
 * the parsed body as the `buildCallback` variable.
 *
 * Answers:
 * - 200 `{ result: 'correlated', buildKey }`: the waiting build step received it;
 * - 202 `{ result: 'not_awaited', buildKey }`: nothing waits for this attempt (unknown build,
 *   a superseded attempt, the wait not open yet: its entry check reads the build itself);
 * - 400 `{ error: 'invalid_payload', field, message }`: a body that is not the format;
 * - 401 `{ error: 'unauthorized' }`: unsigned, forged, stale or replayed; nothing correlated;
 * - 503 `{ error: 'engine_unavailable' }` with `Retry-After`: the engine did not take it, so
 *   the job's `curl --retry` sends it again.
 *
 * A signature is spent only when the callback was handled (200 or 202); after a 400 or 5xx
 * the same signed request may come again. Expects the body as raw bytes (`express.raw`).
 */
export function createJenkinsWebhookHandler(deps: JenkinsWebhookDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const log = requestLog(res).child({ source: 'jenkins' });
    const count = (result: JenkinsWebhookResult) => deps.metrics.webhooks.inc({ source: 'jenkins', result });
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

    const auth = verifyJenkinsCallback(deps.auth, {
      rawBody,
      timestamp: req.get('x-lifecycle-timestamp'),
      signature: req.get('x-lifecycle-signature'),
    });
    if (!auth.ok) {
      count('unauthorized');
      log.warn({ reason: auth.reason }, 'jenkins callback refused: not authenticated');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }

    const parsed = parseCallback(rawBody);
    if (!parsed.ok) {
      auth.release();
      count('invalid');
      log.warn({ field: parsed.field, message: parsed.message }, 'jenkins callback rejected: invalid payload');
      res.status(400).json({ error: 'invalid_payload', field: parsed.field, message: parsed.message });
      return;
    }

    const callback = parsed.callback;
    const messageName = Messages.jenkinsBuildFinished;
    const callbackLog = log.child({ businessKey: callback.jiraKey, buildKey: callback.buildKey, buildResult: callback.result });
    try {
      const result = await correlateMessage(
        { engine: deps.engine, log: callbackLog, retry: deps.correlationRetry },
        { messageName, businessKey: callback.jiraKey, correlationKeys: { buildKey: callback.buildKey }, variables: { buildCallback: callback } },
      );
      deps.metrics.messageCorrelations.inc({ message: messageName, result });
      count(result);
      callbackLog.info({ result, buildUrl: callback.buildUrl }, 'jenkins callback handled');
      res.status(result === 'correlated' ? 200 : 202).json({ result, buildKey: callback.buildKey });
    } catch (error) {
      auth.release();
      if (isEngineUnavailable(error)) {
        count('engine_unavailable');
        callbackLog.warn({ err: error }, 'engine unavailable; answering 503 so the job retries');
        res.status(503).set('retry-after', '30').json({ error: 'engine_unavailable' });
        return;
      }
      count('error');
      callbackLog.error({ err: error }, 'jenkins callback failed');
      res.status(500).json({ error: 'internal_error' });
    }
  };
}

function parseCallback(rawBody: Buffer): { ok: true; callback: JenkinsCallback } | { ok: false; field: string; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, field: 'body', message: 'body is not JSON' };
  }
  const parsed = jenkinsCallbackSchema.safeParse(json);
  if (parsed.success) return { ok: true, callback: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  return { ok: false, field, message: issue?.message ?? 'invalid payload' };
}

/** Worth a retry by the job: nothing answered, or a 5xx (an optimistic-locking conflict included, once its own retries are spent). */
function isEngineUnavailable(error: unknown): boolean {
  return error instanceof EngineError && (error.unreachable || error.status >= 500);
}
