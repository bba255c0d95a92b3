import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/observability/logger.ts';
import { findFreePort, startLocalEngine } from '../../src/engine/local.ts';

/**
 * Global setup of the `integration` project: builds and starts the local Camunda 7.24
 * engine on a free port with a throw-away in-memory H2 database, and provides its REST URL
 * as `engineRestUrl`. With ENGINE_REST_URL set, the tests use that engine instead.
 * The engine's output goes to engine.log in a temporary directory named in the log.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  const external = process.env.ENGINE_REST_URL;
  if (external) {
    log.info({ restUrl: external }, 'integration tests use the engine at ENGINE_REST_URL');
    project.provide('engineRestUrl', external.replace(/\/$/, ''));
    return undefined;
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'model-lifecycle-engine-'));
  const engine = await startLocalEngine({
    port: await findFreePort(),
    dataDir,
    // In memory: starts as fast as a new file database and leaves nothing behind.
    dbUrl: 'jdbc:h2:mem:camunda-test;DB_CLOSE_DELAY=-1',
    log,
    startupTimeoutMs: 180_000,
    // CI starts from a fresh clone every time: recording the archive would only cost time.
    classDataSharing: process.env.CI !== 'true',
  });
  project.provide('engineRestUrl', engine.restUrl);

  return async () => {
    await engine.stop();
    if (process.env.KEEP_ENGINE_LOG) log.info({ logFile: engine.logFile }, 'engine log kept');
    else await rm(dataDir, { recursive: true, force: true });
  };
}
