import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How the service's process is started: the entry file (relative to the project root) and the environment that tunes Node and glibc. */
export interface ServiceRuntime {
  /** `production`: the Dockerfile's command and settings; `source`: `npm start` (Node strips the TypeScript as it loads it). */
  readonly name: 'production' | 'source';
  /** Node's command-line flags before the entry (V8 flags that NODE_OPTIONS does not accept). */
  readonly flags: readonly string[];
  readonly entry: string;
  /** NODE_OPTIONS and MALLOC_* variables; empty for `npm start`. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The service's runtime as the Dockerfile runs it: its `CMD ["node", <flags>…, <entry>]` and the `ENV`
 * values of NODE_OPTIONS and glibc's MALLOC_* tunables. Read from the Dockerfile itself, so the
 * bench measures what the image runs. Errors name the missing instruction.
 */
export function productionRuntime(root: string): ServiceRuntime {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = dockerfile.split('\n').map((line) => line.trim());
  const cmd = lines.filter((line) => line.startsWith('CMD ')).at(-1);
  const command = cmd ? (JSON.parse(cmd.slice(4)) as unknown) : undefined;
  if (!Array.isArray(command) || command[0] !== 'node' || command.length < 2 || !command.every((word) => typeof word === 'string')) {
    throw new Error(`Dockerfile: expected a last CMD of the form ["node", <flags>…, "<entry>"], got ${cmd ?? 'none'}`);
  }
  const env: Record<string, string> = {};
  for (const line of lines.filter((l) => l.startsWith('ENV '))) {
    for (const [, name, quoted, bare] of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) {
      if (name === 'NODE_OPTIONS' || name!.startsWith('MALLOC_')) env[name!] = quoted ?? bare ?? '';
    }
  }
  return { name: 'production', flags: command.slice(1, -1) as string[], entry: command.at(-1) as string, env };
}

/** `npm start`: `node src/main.ts` with Node's defaults. */
export const SOURCE_RUNTIME: ServiceRuntime = { name: 'source', flags: [], entry: 'src/main.ts', env: {} };

/** `NAME=value NAME2=value2` (BENCH_SERVICE_ENV) as variables; errors name the bad word. */
export function parseEnvAssignments(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of (text ?? '').split(/\s+/).filter(Boolean)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
    if (!match) throw new Error(`BENCH_SERVICE_ENV: "${word}" is not NAME=value`);
    env[match[1]!] = match[2]!;
  }
  return env;
}
