import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/observability/logger.ts';
import { startMlflowServer, type MlflowServer } from './mlflow-server.ts';

/**
 * Global setup of the `integration` project: a real MLflow tracking server (from
 * .venv-mlflow, see scripts/setup-mlflow.sh) on a free port with a throw-away SQLite store,
 * provided as `mlflowUrl` (read it with `mlflowUrl()` from test/support/mlflow-server.ts).
 * With MLFLOW_TEST_URL set, the tests use that server instead.
 *
 * The server starts when vitest loads this file, which it does for every global setup file
 * before running the first one: so it comes up while the engine's setup runs, and setup()
 * only waits for it. KEEP_MLFLOW_LOG keeps its log and data.
 */
const external = process.env.MLFLOW_TEST_URL;
const starting: Promise<{ server: MlflowServer } | { error: unknown }> | undefined = external
  ? undefined
  : startMlflowServer({ keepData: Boolean(process.env.KEEP_MLFLOW_LOG) }).then(
      (server) => ({ server }),
      (error: unknown) => ({ error }),
    );

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  if (external || !starting) {
    log.info({ url: external }, 'integration tests use the MLflow server at MLFLOW_TEST_URL');
    project.provide('mlflowUrl', (external ?? '').replace(/\/+$/, ''));
    return undefined;
  }
  const started = await starting;
  if ('error' in started) throw started.error;
  const { server } = started;
  project.provide('mlflowUrl', server.url);
  return async () => {
    await server.stop();
    if (process.env.KEEP_MLFLOW_LOG) log.info({ logFile: server.logFile }, 'MLflow log kept');
  };
}
