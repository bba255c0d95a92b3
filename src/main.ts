import { createLogger } from './observability/logger.ts';
import { formatMissing, formatProblems, loadConfig, loadDotEnv } from './config/load.ts';
import { startLocalEngine, type LocalEngine } from './engine/local.ts';
import { startService, type Service } from './service.ts';

/**
 * `npm start`: reads .env and the policy file, starts a local Camunda engine when no
 * CAMUNDA_URL is set, deploys the BPMN, and runs the workers and the webhook ingress.
 * Invalid configuration stops it before anything starts, with every problem listed.
 */
async function main(): Promise<void> {
  const cwd = process.cwd();
  loadDotEnv(cwd);
  const loaded = loadConfig({ env: process.env, cwd });
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`);
    process.exit(1);
  }
  const { config } = loaded;
  const log = createLogger({ level: config.env.LOG_LEVEL });
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
    service = await startService({ config, engineRestUrl, log });
  } catch (error) {
    log.fatal({ err: error }, 'could not start the service');
    await localEngine?.stop();
    process.exit(1);
  }
  if (config.missing.length > 0) {
    log.warn({ missing: config.missing }, 'running engine-only: the lifecycle workers and webhooks are off until these settings are set');
    process.stderr.write(`${formatMissing(config.missing)}\n`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new tasks, waiting for running handlers');
    await service.stop();
    await localEngine?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
