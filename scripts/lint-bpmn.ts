/**
 * Lints every `bpmn/*.bpmn` with bpmnlint, configured by `.bpmnlintrc`, and prints the
 * problems. Exits non-zero when a file has an error (a bpmnlint error, a rule that crashed or
 * a parser warning such as an unknown element or a broken reference); warnings are printed
 * but pass. Usage: `node scripts/lint-bpmn.ts [file.bpmn…]`.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type { Config, Report } from 'bpmnlint/lib/types.js';
import { parseBpmn } from '../src/bpmn/read.ts';

const ROOT = join(import.meta.dirname, '..');
const CONFIG_FILE = join(ROOT, '.bpmnlintrc');

/** One finding in a BPMN file. */
export interface LintProblem {
  /** Element the problem is about, when the rule names one. */
  readonly id: string;
  /** `error`, `warn` or `info` as configured; `rule-error` when a rule crashed. */
  readonly category: string;
  readonly message: string;
  /** bpmnlint rule name, or `parse` for a warning of the XML parser. */
  readonly rule: string;
}

interface BpmnLinter {
  lint(definitions: unknown): Promise<Record<string, (Report & { category: string })[]>>;
}
interface BpmnlintModule {
  Linter: new (options: { config: Config; resolver: unknown }) => BpmnLinter;
}

// bpmnlint is CommonJS without a declaration for its entry point (only lib/types.d.ts).
const requireFromRoot = createRequire(CONFIG_FILE);
const { Linter } = requireFromRoot('bpmnlint') as BpmnlintModule;
const NodeResolver = requireFromRoot('bpmnlint/lib/resolver/node-resolver') as new (options: { require: NodeJS.Require }) => unknown;

/** The configuration in `.bpmnlintrc` at the repository root. */
export async function loadLintConfig(): Promise<Config> {
  return JSON.parse(await readFile(CONFIG_FILE, 'utf8')) as Config;
}

/** Lints one BPMN document; parser warnings come first, as `parse` errors. */
export async function lintBpmn(xml: string, config?: Config): Promise<LintProblem[]> {
  const { definitions, warnings } = await parseBpmn(xml);
  const problems: LintProblem[] = warnings.map((warning) => ({ id: '', category: 'error', message: warning.message, rule: 'parse' }));
  // Plug-ins and configs resolve from the repository root, wherever the script is started.
  const linter = new Linter({ config: config ?? (await loadLintConfig()), resolver: new NodeResolver({ require: requireFromRoot }) });
  const results = await linter.lint(definitions);
  for (const [rule, reports] of Object.entries(results)) {
    for (const report of reports) {
      problems.push({ id: report.id ?? '', category: report.category, message: report.message, rule });
    }
  }
  return problems;
}

/** True when a problem should fail the lint run. */
export function isFailure(problem: LintProblem): boolean {
  return problem.category === 'error' || problem.category === 'rule-error';
}

async function main(args: string[]): Promise<number> {
  const bpmnDir = join(ROOT, 'bpmn');
  const files = args.length > 0 ? args : (await readdir(bpmnDir)).filter((name) => name.endsWith('.bpmn')).sort().map((name) => join(bpmnDir, name));
  if (files.length === 0) {
    console.error(`no .bpmn files in ${relative(process.cwd(), bpmnDir) || '.'}`);
    return 1;
  }
  const config = await loadLintConfig();
  let failures = 0;
  let warnings = 0;
  for (const file of files) {
    const problems = await lintBpmn(await readFile(file, 'utf8'), config);
    const name = relative(process.cwd(), file);
    if (problems.length === 0) {
      console.log(`${name}: ok`);
      continue;
    }
    console.log(name);
    for (const problem of problems) {
      if (isFailure(problem)) failures++;
      else warnings++;
      console.log(`  ${problem.id.padEnd(36)} ${problem.category.padEnd(10)} ${problem.message}  (${problem.rule})`);
    }
  }
  console.log(`${files.length} file(s): ${failures} error(s), ${warnings} warning(s)`);
  return failures > 0 ? 1 : 0;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
