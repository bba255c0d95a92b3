/**
 * The service alone in its own process for the burst bench, so its RSS is the service's: real
 * workers and webhook ingress against ENGINE_REST_URL, Jira/GitHub/Slack as the loopback
 * stand-ins of the tests (standins/). Creates the Jira issues MLM-10000 … MLM-(10000+BENCH_BURST_N-1)
 * in the stand-in, prints `url <ingress url>` when ready, and stops on SIGTERM.
 *
 * Environment: ENGINE_REST_URL, POLICY_FILE, BENCH_BURST_N.
 */
import { loadConfig } from '../src/config/load.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService } from '../src/service.ts';
import { installWorld, testEnv, uninstallWorld } from '../test/support/service.ts';

const n = Number(process.env.BENCH_BURST_N ?? 1_000);
// First the stand-ins: testEnv points at them once they listen.
const world = await installWorld();
const loaded = loadConfig({ env: { ...testEnv, POLICY_FILE: process.env.POLICY_FILE ?? '', LOG_LEVEL: 'warn' }, cwd: process.cwd() });
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
for (let i = 0; i < n; i++) {
  const key = `MLM-${10_000 + i}`;
  world.jira.addIssue({
    key,
    summary: `Churn predictor ${key.toLowerCase()}`,
    status: 'Backlog',
    components: ['search'],
    assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Mia Krystof', emailAddress: 'mia@acme.test' },
  });
}
const service = await startService({ config: loaded.config, engineRestUrl: process.env.ENGINE_REST_URL ?? '', log: createLogger({ level: 'warn' }), port: 0 });
process.stdout.write(`url ${service.url}\n`);
// SIGUSR2: collect garbage (run with --expose-gc), then report `mem <rss MB> <heap used MB>`.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`mem ${(rss / 2 ** 20).toFixed(1)} ${(heapUsed / 2 ** 20).toFixed(1)}\n`);
});
process.once('SIGTERM', () => void service.stop().then(uninstallWorld).finally(() => process.exit(0)));
