import { createLogger } from './observability/logger.ts';
import { sandboxWanted } from './config/integrations.ts';
import { withoutBlanks } from './config/env.ts';
import { formatMissing, formatProblems, loadConfig, loadDotEnv } from './config/load.ts';
import type { Sandbox } from '../sandbox/start.ts';
import { startLocalEngine, type LocalEngine } from './engine/local.ts';
import { startMemoryReducer } from './runtime/memory-reducer.ts';
import { startService, type Service } from './service.ts';

/**
 * `npm start`: reads .env and the policy file, starts a local Camunda engine when no
 * CAMUNDA_URL is set, deploys the BPMN, and runs the workers and the webhook ingress.
 * Invalid configuration stops it before anything starts, with every problem listed.
 * With no real endpoint configured at all, it runs the local sandbox: stand-ins of Jira,
 * GitHub, Slack and Jenkins on loopback, a real MLflow where Python can run one, and a page.
 */
async function main(): Promise<void> {
  const cwd = process.cwd();
  loadDotEnv(cwd);
  let sandbox: Sandbox | null = null;
  if (sandboxWanted(withoutBlanks(process.env))) {
    const sandboxLog = createLogger({ level: process.env.LOG_LEVEL ?? 'info' }).child({ sandbox: true });
    sandboxLog.info('no Jira, GitHub, Slack, Jenkins or MLflow settings: starting the SANDBOX, stand-ins of those systems on this machine (set any real endpoint, or SANDBOX=off, to leave it)');
    // Loaded only here: a configured service never holds the sandbox and its stand-ins in memory
    // (2 MB RSS, bench/memory-baseline.ts), and its image needs neither sandbox/ nor standins/.
    const { startSandbox } = await import('../sandbox/start.ts');
    sandbox = await startSandbox({ log: sandboxLog });
  }
  // The sandbox's Jenkins calls back on loopback, whatever this machine's host name resolves to.
  const sandboxEnv = sandbox ? { PUBLIC_URL: `http://127.0.0.1:${process.env.PORT ?? 3000}`, ...sandbox.env } : {};
  const loaded = loadConfig({ env: { ...process.env, ...sandboxEnv }, cwd });
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`);
    process.exit(1);
  }
  const { config } = loaded;
  const base = createLogger({ level: config.env.LOG_LEVEL });
  // Every line of a sandbox run says so.
  const log = sandbox ? base.child({ sandbox: true }) : base;
  log.info({ policyFile: config.policyFile }, 'configuration loaded');
  for (const warning of config.warnings) log.warn(warning);

  let localEngine: LocalEngine | null = null;
  let engineRestUrl = config.env.CAMUNDA_URL;
  if (!engineRestUrl) {
    log.info({ port: config.env.ENGINE_PORT }, 'no CAMUNDA_URL set: starting the local Camunda 7 engine (built on first use)');
    localEngine = await startLocalEngine({
      port: config.env.ENGINE_PORT,
      dataDir: config.env.ENGINE_DATA_DIR,
      dbUrl: config.env.ENGINE_DB_URL,
      dbUser: config.env.ENGINE_DB_USER,
      dbPassword: config.env.ENGINE_DB_PASSWORD,
      log,
    });
    engineRestUrl = localEngine.restUrl;
    log.info({ cockpit: `${localEngine.webappUrl}cockpit/`, login: 'demo / demo (local development only)' }, 'local engine ready: Cockpit is open');
  }

  let service: Service;
  try {
    let serviceUrl = `http://127.0.0.1:${config.env.PORT}`;
    const page = sandbox?.page({
      engineRestUrl,
      cockpitUrl: localEngine ? `${localEngine.webappUrl}cockpit/default/` : `${engineRestUrl.replace(/\/engine-rest\/?$/, '')}/camunda/app/cockpit/default/`,
      serviceUrl: () => serviceUrl,
      teams: config.policy.teams.map((team) => team.name),
    });
    service = await startService({ config, engineRestUrl, log, sandbox: sandbox !== null, ...(page ? { routes: [{ path: '/sandbox', router: page }] } : {}) });
    serviceUrl = service.url;
    if (sandbox) {
      sandbox.connect(service.url);
      log.info({ page: `${service.url}/sandbox/` }, `SANDBOX ready: open ${service.url}/sandbox/ to create a model ticket and play each role`);
    }
  } catch (error) {
    log.fatal({ err: error }, 'could not start the service');
    await sandbox?.stop();
    await localEngine?.stop();
    process.exit(1);
  }
  if (config.missing.length > 0) {
    log.warn({ missing: config.missing }, 'running engine-only: the lifecycle workers and webhooks are off until these settings are set');
    process.stderr.write(`${formatMissing(config.missing)}\n`);
  }

  // Memory a burst made V8 take goes back once the service is quiet (needs --expose-gc, as the image runs it).
  startMemoryReducer({ log });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new tasks, waiting for running handlers');
    await service.stop();
    await sandbox?.stop();
    await localEngine?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
