/**
 * `npm run engine`: the local Camunda 7.24 engine alone, for development.
 * Port from ENGINE_PORT (8080); database from ENGINE_DB_URL, by default the H2 file
 * database under ENGINE_DATA_DIR (./.data). Ctrl-C stops it.
 */
import { createLogger } from '../observability/logger.ts';
import { startLocalEngine } from './local.ts';

const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
const port = Number(process.env.ENGINE_PORT ?? 8080);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  log.fatal({ ENGINE_PORT: process.env.ENGINE_PORT }, 'ENGINE_PORT must be a TCP port number');
  process.exit(2);
}

try {
  const engine = await startLocalEngine({
    port,
    dataDir: process.env.ENGINE_DATA_DIR,
    dbUrl: process.env.ENGINE_DB_URL,
    dbUser: process.env.ENGINE_DB_USER,
    dbPassword: process.env.ENGINE_DB_PASSWORD,
    log,
    inheritOutput: process.env.ENGINE_LOG === 'inherit',
  });
  const user = process.env.ENGINE_ADMIN_USER ?? 'demo';
  const password = process.env.ENGINE_ADMIN_PASSWORD ? '(from ENGINE_ADMIN_PASSWORD)' : 'demo';
  process.stdout.write(
    [
      '',
      `Camunda 7 engine is running (pid ${engine.pid}).`,
      `  REST API : ${engine.restUrl}   (no authentication: local development only)`,
      `  Cockpit  : ${engine.webappUrl}cockpit/`,
      `  Login    : ${user} / ${password}   (development-only account)`,
      engine.logFile ? `  Log      : ${engine.logFile}` : '',
      '  Ctrl-C stops it.',
      '',
    ]
      .filter((line, index, lines) => line !== '' || index === 0 || index === lines.length - 1)
      .join('\n') + '\n',
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the camunda engine');
    engine.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stopping the camunda engine failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (error) {
  log.fatal({ err: error }, 'the camunda engine did not start');
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
