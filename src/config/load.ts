import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseEnv, withoutBlanks, type Env } from './env.ts';
import { missingSettings, partialSettingProblems, type MissingSetting } from './integrations.ts';
import { parsePolicy, type Policy } from './policy.ts';

export type { MissingSetting } from './integrations.ts';

/** Everything the composition root needs to wire the service. */
export interface Config {
  readonly env: Env;
  readonly policy: Policy;
  /** Absolute path of the policy file that was read. */
  readonly policyFile: string;
  /** Integration settings that are absent; the service runs without those integrations. */
  readonly missing: MissingSetting[];
  /** Things to tell the operator at startup that stop nothing, e.g. the example policy is in use. */
  readonly warnings: string[];
}

export type LoadResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export const DEFAULT_POLICY_FILE = 'config/policy.toml';
export const EXAMPLE_POLICY_FILE = 'config/policy.example.toml';

/**
 * Reads the environment and the policy file. Invalid values in either are problems, all listed
 * together; absent integration settings are `missing`, which does not stop the service.
 */
export function loadConfig(options: { env: Readonly<Record<string, string | undefined>>; cwd: string }): LoadResult {
  const problems: string[] = [];
  const missing: MissingSetting[] = [];
  const warnings: string[] = [];
  const present = withoutBlanks(options.env);

  const env = parseEnv(options.env);
  if (!env.ok) problems.push(...env.problems);

  let policy: Policy | undefined;
  const located = locatePolicy(present.POLICY_FILE, options.cwd);
  if ('problem' in located) problems.push(located.problem);
  else {
    if (located.example) {
      warnings.push(
        `${DEFAULT_POLICY_FILE} does not exist and POLICY_FILE is unset, so the example policy ${EXAMPLE_POLICY_FILE} is used ` +
          `(Jira project, GitHub organisation and teams of a made-up company) — copy it to ${DEFAULT_POLICY_FILE} and edit it`,
      );
    }
    const name = displayName(located.file, options.cwd);
    const read = readText(located.file);
    if ('problem' in read) problems.push(`${name}: ${read.problem}`);
    else {
      const parsed = parsePolicy(read.text, name);
      if (parsed.ok) policy = parsed.policy;
      else problems.push(...parsed.problems);
    }
  }

  problems.push(...partialSettingProblems(present));
  if (policy) missing.push(...missingSettings(present, policy));

  if (problems.length > 0 || !env.ok || !policy || 'problem' in located) return { ok: false, problems };
  return { ok: true, config: { env: env.env, policy, policyFile: located.file, missing, warnings } };
}

function locatePolicy(configured: string | undefined, cwd: string): { file: string; example: boolean } | { problem: string } {
  if (configured) {
    const file = resolve(cwd, configured);
    return existsSync(file)
      ? { file, example: false }
      : { problem: `POLICY_FILE: no file at ${file} — fix the path, or unset POLICY_FILE to use ${DEFAULT_POLICY_FILE}` };
  }
  const file = resolve(cwd, DEFAULT_POLICY_FILE);
  if (existsSync(file)) return { file, example: false };
  const example = resolve(cwd, EXAMPLE_POLICY_FILE);
  if (existsSync(example)) return { file: example, example: true };
  return { problem: `no policy file: neither ${file} nor ${example} exists — create ${DEFAULT_POLICY_FILE} or set POLICY_FILE` };
}

function readText(file: string): { text: string } | { problem: string } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (error) {
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}) — check that it is a readable file` };
  }
}

function displayName(file: string, cwd: string): string {
  const path = relative(cwd, file);
  return path.startsWith('..') || isAbsolute(path) ? file : path;
}

/**
 * Loads `<cwd>/.env` into `process.env` with Node's own parser; variables already set in the
 * environment win. Returns the file read, or `undefined` when there is none.
 */
export function loadDotEnv(cwd: string): string | undefined {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}

/** The text printed when the configuration is invalid. */
export function formatProblems(problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [`The configuration has ${count}; fix ${problems.length === 1 ? 'it' : 'them'} and start again:`, ...problems.map((p) => `  - ${p}`)].join('\n');
}

/** The text printed at startup when integrations are not configured; empty when all are. */
export function formatMissing(missing: readonly MissingSetting[]): string {
  if (missing.length === 0) return '';
  return [
    'Some integrations are not configured, so the service runs without them (engine only if none is set). To turn them on, set:',
    ...missing.map((m) => `  - ${m.setting} (in ${m.where}): ${m.why}`),
  ].join('\n');
}
