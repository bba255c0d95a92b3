import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_REPORT_PATHS } from '../src/domain/build-artifacts.ts';
import { signJenkinsCallback } from '../src/http/verify-jenkins.ts';
import type { JobRunner, StandInResult } from './jenkins.ts';

/**
 * What deploy/jenkins/build.Jenkinsfile does, played by the Jenkins stand-in: its stages, the
 * reports it archives and the JUnit report it publishes, then the signed callback. The reports
 * are real: those the tools wrote over the example inference service
 * (test/fixtures/build-reports/<scenario>/, made by scripts/make-build-report-fixtures.sh).
 */
export interface BuildBehaviour {
  /** Which set of real reports the build archives: `green` (every check passes) or `red` (failures of every kind). Default `green`. */
  readonly scenario?: 'green' | 'red';
  /** Archive none of these reports (a step that died before writing its report). */
  readonly omit?: ReadonlyArray<keyof typeof BUILD_REPORT_PATHS | 'testReport'>;
  /** Archive the first half of these reports only (a disk that filled up). */
  readonly truncate?: ReadonlyArray<keyof typeof BUILD_REPORT_PATHS>;
  /** The build breaks in its Build stage with these console lines (an infrastructure failure, a broken Dockerfile); no report is written. */
  readonly breakWith?: readonly string[];
  /** Send no callback. */
  readonly noCallback?: boolean;
}

export interface BuildJobOptions {
  /** test/fixtures/build-reports. */
  readonly reportsDir: string;
  /** JENKINS_CALLBACK_SECRET of the service. */
  readonly callbackSecret: string;
  readonly behaviour?: (parameters: Readonly<Record<string, string>>) => BuildBehaviour;
}

/** The stage whose failure names the failed check in a red build, as the Jenkinsfile names it. */
const RED_STAGE = 'Unit tests';

export function buildJob(options: BuildJobOptions): JobRunner {
  return async (build) => {
    const p = build.parameters;
    const behaviour = options.behaviour?.(p) ?? {};
    const scenario = behaviour.scenario ?? 'green';
    const dir = join(options.reportsDir, scenario);
    let result: StandInResult = 'SUCCESS';
    const image = `registry.acme.test/ml/${p.MODEL_NAME ?? 'model'}:${p.MODEL_VERSION ?? '0'}-${(p.GIT_COMMIT ?? '').slice(0, 12)}`;
    try {
      await build.stage('Checkout', async () => build.log(`Checking out ${p.REPOSITORY ?? '?'} at ${p.GIT_COMMIT ?? '?'}`));
      await build.stage('Build', async () => {
        if (behaviour.breakWith) {
          for (const line of behaviour.breakWith) build.log(line);
          throw new Error('script returned exit code 1');
        }
        build.log(`Successfully tagged ${image}`);
      });
      const archive = async (key: keyof typeof BUILD_REPORT_PATHS, file: string) => {
        if (behaviour.omit?.includes(key)) return;
        const text = await readFile(join(dir, file), 'utf8');
        build.archive(BUILD_REPORT_PATHS[key], behaviour.truncate?.includes(key) ? text.slice(0, Math.floor(text.length / 2)) : text);
      };
      for (const stage of ['Format', 'Types', 'Unit tests', 'Functional tests', 'Swagger check', 'Coverage', 'Diff coverage']) {
        await build.stage(stage, async () => build.log(`${stage}: see reports/`));
      }
      await archive('format', 'fmt_report.txt');
      await archive('mypy', 'mypy_report.txt');
      await archive('junit', 'junit.xml');
      await archive('coverage', 'coverage.xml');
      await archive('diffCover', 'diff-cover.json');
      await archive('openApiDiff', 'openapi-diff.json');
      if (!behaviour.omit?.includes('testReport')) build.publishTestReport(JSON.parse(await readFile(join(dir, 'jenkins-test-report.json'), 'utf8')));
      if (scenario === 'red') {
        build.log(`ERROR: stage ${RED_STAGE} failed: 2 failed, 9 passed, 1 skipped, 5 rerun`);
        result = 'FAILURE';
      }
    } catch (error) {
      result = build.signal.aborted ? 'ABORTED' : 'FAILURE';
      build.log(`ERROR: ${(error as Error).message}`);
    }
    const body = { buildKey: p.BUILD_KEY, jiraKey: p.JIRA_KEY, buildUrl: build.url, result, outputs: result === 'SUCCESS' ? { image } : {} };
    // As the Jenkinsfile: the callback's body is archived, then sent.
    build.archive('callback.json', JSON.stringify(body));
    if (!behaviour.noCallback) await callback(options, p, JSON.stringify(body));
    return result;
  };
}

async function callback(options: BuildJobOptions, p: Readonly<Record<string, string>>, text: string): Promise<void> {
  if (!p.CALLBACK_URL) return;
  for (let attempt = 1; attempt <= 6; attempt++) {
    try {
      const headers = { 'content-type': 'application/json', ...signJenkinsCallback(options.callbackSecret, text, Math.floor(Date.now() / 1000)) };
      const response = await fetch(p.CALLBACK_URL, { method: 'POST', headers, body: text });
      if (response.status < 500) return;
    } catch {
      // As curl --retry: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}
