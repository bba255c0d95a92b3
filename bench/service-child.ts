/**
 * The service exactly as `npm start` runs it (src/main.ts: configuration from the environment,
 * `startService`, the workers and the webhook ingress), in a process of its own for the burst
 * bench, so the memory read is the service's alone. The bench (bench/lifecycle.ts) runs the
 * stand-ins in its own process and passes their URLs and credentials here by environment
 * (CAMUNDA_URL, PORT, JIRA_BASE_URL, GITHUB_API_URL, SLACK_API_URL, …); readiness is `GET /readyz`.
 *
 * The one addition: on SIGUSR2 it collects garbage (run it with `--expose-gc`) and prints one
 * line `mem <json>` (bench/memory.ts).
 */
import { readMemory } from './memory.ts';

process.on('SIGUSR2', () => process.stdout.write(`mem ${JSON.stringify(readMemory())}\n`));
await import('../src/main.ts');
