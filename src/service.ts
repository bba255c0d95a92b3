import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import { basename } from 'node:path';
import { BPMN_FILES, PROCESS_KEY } from './bpmn/contract.ts';
import { GitHubClient } from './clients/github.ts';
import { JenkinsClient } from './clients/jenkins.ts';
import { JiraClient } from './clients/jira.ts';
import { JupyterHubClient } from './clients/jupyterhub.ts';
import { MlflowClient } from './clients/mlflow.ts';
import type { RetryOptions } from './clients/retry.ts';
import { PrometheusClient } from './clients/prometheus.ts';
import { postJson, probeHealth } from './clients/service-probe.ts';
import { SlackClient } from './clients/slack.ts';
import { optionalSettingWarnings } from './config/integrations.ts';
import type { Config } from './config/load.ts';
import { EngineClient, EngineError } from './engine/camunda7/rest.ts';
import { createApp } from './http/app.ts';
import { registerCanaryListeners } from './http/slack-canary.ts';
import { createSlackInteractivity } from './http/slack-events.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { startCamunda7Workers, type WorkerRuntime } from './runtime/camunda7.ts';
import { createWorkers } from '../workers/index.ts';


export interface ServiceOptions {
  readonly config: Config;
  /** REST address of the engine, e.g. http://127.0.0.1:8080/engine-rest. */
  readonly engineRestUrl: string;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** Tests turn client retries down; production keeps the defaults. */
  readonly clientRetry?: RetryOptions;
  /** How long to wait for the engine to answer at startup. */
  readonly engineWaitMs?: number;
  /** Port 0 picks a free one (tests). */
  readonly port?: number;
  /** More routers on the HTTP ingress, e.g. the local sandbox's page. */
  readonly routes?: ReadonlyArray<{ readonly path: string; readonly router: RequestHandler }>;
  /** The service runs the local sandbox's stand-ins: no warning about real settings left out. */
  readonly sandbox?: boolean;
}

export interface Service {
  /** Where the HTTP ingress listens, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly engine: EngineClient;
  readonly metrics: Metrics;
  /** Null when integration settings are missing and the service runs engine-only. */
  readonly workers: WorkerRuntime | null;
  /** Stops accepting webhooks, stops fetching tasks and lets running handlers finish. */
  stop(): Promise<void>;
}

/**
 * Logs, once at startup, each optional setting that is absent with what it is for and what the
 * service does without it (PROMETHEUS_URL: every canary analysis ends inconclusive). These stop
 * nothing and never make the service engine-only; the sandbox brings its own.
 */
export function warnOfOptionalSettings(config: Pick<Config, 'env'>, log: Pick<Logger, 'warn'>, options: { sandbox: boolean }): void {
  for (const { setting, message } of optionalSettingWarnings(config.env, options)) log.warn({ setting }, message);
}

/**
 * The composition root: builds every client once from the configuration, deploys the BPMN,
 * starts the workers and the HTTP ingress. Nothing below reads process.env.
 */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, log } = options;
  const { env, policy } = config;
  warnOfOptionalSettings(config, log, { sandbox: options.sandbox ?? false });
  const metrics = options.metrics ?? createMetrics();
  const engine = new EngineClient({ baseUrl: options.engineRestUrl, username: env.CAMUNDA_USER, password: env.CAMUNDA_PASSWORD });

  await waitForEngine(engine, options.engineWaitMs ?? 60_000, log);
  // One deployment with every process, so the lifecycle and the sub-processes it calls change together.
  const files = await Promise.all(BPMN_FILES.map(async (file) => ({ name: basename(file), content: await readFile(file, 'utf8') })));
  const deployment = await engine.deploy(PROCESS_KEY, files);
  log.info({ deploymentId: deployment.id, changed: deployment.changed }, deployment.changed ? 'deployed a new version of the BPMN' : 'BPMN unchanged; kept the deployed version');

  let workers: WorkerRuntime | null = null;
  let slackEvents: RequestHandler | undefined;
  let stopSlack: (() => Promise<unknown>) | undefined;
  let publicUrl = `http://${hostname()}:${options.port ?? env.PORT}`;
  if (config.missing.length === 0) {
    const retry = options.clientRetry;
    const jiraBaseUrl = required(env.JIRA_BASE_URL, 'JIRA_BASE_URL');
    const jira = new JiraClient({
      baseUrl: jiraBaseUrl,
      api: policy.jira.api,
      auth:
        policy.jira.api === 'cloud'
          ? { email: required(env.JIRA_EMAIL, 'JIRA_EMAIL'), apiToken: required(env.JIRA_API_TOKEN, 'JIRA_API_TOKEN') }
          : { personalAccessToken: required(env.JIRA_PAT, 'JIRA_PAT') },
      ...(retry ? { retry } : {}),
      log,
    });
    const github = new GitHubClient({
      baseUrl: env.GITHUB_API_URL,
      auth: env.GITHUB_TOKEN
        ? { token: env.GITHUB_TOKEN }
        : {
            appId: required(env.GITHUB_APP_ID, 'GITHUB_APP_ID'),
            privateKey: required(env.GITHUB_APP_PRIVATE_KEY, 'GITHUB_APP_PRIVATE_KEY'),
            installationId: required(env.GITHUB_APP_INSTALLATION_ID, 'GITHUB_APP_INSTALLATION_ID'),
          },
      ...(retry ? { retry } : {}),
      log,
    });
    // The canary's Approve/Reject clicks: signed POSTs to /slack/events, or Socket Mode.
    const interactivity = createSlackInteractivity({
      socketMode: env.SLACK_SOCKET_MODE,
      appToken: env.SLACK_APP_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      log,
      metrics,
    });
    const slack = new SlackClient({
      token: required(env.SLACK_BOT_TOKEN, 'SLACK_BOT_TOKEN'),
      ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
      ...(retry ? { retry } : {}),
      log,
      receiver: interactivity.receiver,
    });
    registerCanaryListeners(slack.app, { engine, slack, metrics, log });
    if (interactivity.mode === 'http') {
      slackEvents = interactivity.eventsHandler;
    } else {
      await slack.app.init();
      await slack.app.start();
      stopSlack = () => slack.app.stop();
      log.info('Slack Socket Mode connected: button clicks come over the WebSocket');
    }
    const jupyterhub = policy.jupyterhub.enabled
      ? new JupyterHubClient({ baseUrl: required(env.JUPYTERHUB_URL, 'JUPYTERHUB_URL'), token: required(env.JUPYTERHUB_TOKEN, 'JUPYTERHUB_TOKEN'), ...(retry ? { retry } : {}), log })
      : null;
    const jenkins = new JenkinsClient({
      baseUrl: required(env.JENKINS_URL, 'JENKINS_URL'),
      user: required(env.JENKINS_USER, 'JENKINS_USER'),
      apiToken: required(env.JENKINS_API_TOKEN, 'JENKINS_API_TOKEN'),
      // Errors about a job name the policy key that sets it.
      jobSettings: { [policy.training.job]: 'training.job' },
      ...(retry ? { retry } : {}),
      log,
    });
    const mlflow = new MlflowClient({
      baseUrl: required(env.MLFLOW_TRACKING_URI, 'MLFLOW_TRACKING_URI'),
      ...(env.MLFLOW_TRACKING_TOKEN ? { token: env.MLFLOW_TRACKING_TOKEN } : {}),
      ...(env.MLFLOW_TRACKING_USERNAME ? { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD ?? '' } : {}),
      ...(retry ? { retry } : {}),
      log,
    });
    const issueUrl = (key: string) => `${jiraBaseUrl.replace(/\/$/, '')}/browse/${encodeURIComponent(key)}`;
    // The listening address is known only after listen(); the first task runs later still.
    const callbackUrl = () => `${env.PUBLIC_URL ?? publicUrl}/webhooks/jenkins`;

    // Cockpit's address: the policy's, else next to the engine's REST API (the local engine and Camunda Run both serve it there).
    const cockpitBase = (policy.delivery.cockpit_url ?? `${options.engineRestUrl.replace(/\/engine-rest\/?$/, '')}/camunda/app/cockpit/default`).replace(/\/$/, '');
    const cockpitUrl = (processInstanceId: string) => `${cockpitBase}/#/process-instance/${encodeURIComponent(processInstanceId)}`;
    const serviceProbe = { probeHealth, postJson };
    const prometheus = env.PROMETHEUS_URL
      ? new PrometheusClient({ baseUrl: env.PROMETHEUS_URL, ...(env.PROMETHEUS_TOKEN ? { token: env.PROMETHEUS_TOKEN } : {}), ...(retry ? { retry } : {}), log })
      : null;

    workers = startCamunda7Workers(createWorkers({ engine, jira, github, slack, jenkins, mlflow, metrics, jupyterhub, policy, issueUrl, callbackUrl, serviceProbe, prometheus, cockpitUrl }), {
      baseUrl: options.engineRestUrl,
      workerId: env.WORKER_ID ?? `${hostname()}-${process.pid}`,
      username: env.CAMUNDA_USER,
      password: env.CAMUNDA_PASSWORD,
      maxParallel: policy.worker.max_parallel,
      longPollMs: policy.worker.long_poll_ms,
      lockDurationMs: policy.worker.lock_duration_ms,
      maxRetries: policy.worker.max_retries,
      retryBackoffMs: policy.worker.retry_backoff_ms,
      retryBackoffMaxMs: policy.worker.retry_backoff_max_ms,
      log,
      metrics,
    });
  }

  const app = createApp({
    engine,
    metrics,
    log,
    jira: {
      project: policy.jira.project,
      issueType: policy.jira.issue_type,
      statusRoles: policy.jira.statuses,
      webhookSecret: env.JIRA_WEBHOOK_SECRET,
      webhookToken: env.JIRA_WEBHOOK_TOKEN,
    },
    jenkins: { callbackSecret: env.JENKINS_CALLBACK_SECRET },
    github: { webhookSecret: env.GITHUB_WEBHOOK_SECRET },
    ...(options.routes ? { routes: options.routes } : {}),
    ...(slackEvents ? { slackEvents } : {}),
    lifecycle: {
      researchServerEnabled: policy.jupyterhub.enabled,
      statusReconcileInterval: policy.timings.status_reconcile_interval,
      startSettle: policy.timings.start_settle,
    },
  });
  const server = await listen(app, options.port ?? env.PORT, env.HOST);
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`.replace('0.0.0.0', '127.0.0.1');
  if (options.port === 0 || env.HOST === '127.0.0.1' || env.HOST === 'localhost') publicUrl = url;
  else publicUrl = `http://${hostname()}:${address.port}`;
  log.info({ url, jenkinsCallback: `${env.PUBLIC_URL ?? publicUrl}/webhooks/jenkins` }, 'HTTP ingress listening: POST /webhooks/jira, /webhooks/jenkins, /webhooks/github, /slack/events, GET /healthz, /readyz, /metrics');

  return {
    url,
    engine,
    metrics,
    workers,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await workers?.stop();
      await stopSlack?.();
    },
  };
}

async function waitForEngine(engine: EngineClient, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let warned = false;
  for (;;) {
    try {
      const version = await engine.version();
      log.info({ version }, 'Camunda engine answers');
      return;
    } catch (error) {
      if (!(error instanceof EngineError) || Date.now() > deadline) throw error;
      if (!warned) log.warn({ err: error.message }, 'waiting for the Camunda engine');
      warned = true;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

/** Settings the loader already checked; a missing one here is a bug in the loader. */
function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '') throw new Error(`${name} is required here; the config loader should have listed it as missing`);
  return value;
}
