import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { JenkinsClient } from '../src/clients/jenkins.ts';
import type { Policy } from '../src/config/policy.ts';
import { BUILD_REPORT_PATHS } from '../src/domain/build-artifacts.ts';
import { effectiveBuildChecks } from '../src/domain/build-checks.ts';
import { buildOutcome, judgeBuild, type BuildOutcome, type BuildReportKey } from '../src/domain/build-outcome.ts';
import { mergeTestReads, readCobertura, readDiffCover, readJenkinsTestReport, readJUnitXml, readMypy, readOpenApiDiff, readRuffFormat, type ReportRead, type TestSummary } from '../src/domain/build-reports.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { commitSha, issueKey, repository } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { modelTomlSchema } from '../src/domain/model-toml.ts';
import { trainingOutcome } from '../src/domain/training.ts';
import { defineWorker } from '../src/runtime/worker.ts';
import { exampleCommit, exampleModelConfig, exampleModelRequest, exampleRepository, exampleBuildOutcome, exampleInferenceBuild, exampleTrainingOutcome } from './examples.ts';

/**
 * Judges a build-and-test attempt from what the build left in Jenkins: its published JUnit
 * report and the reports it archived (mypy, ruff format, Cobertura, diff-cover, the OpenAPI
 * diff), held to model.toml's `[build_checks]` (else the policy's). A report that is missing
 * or unreadable never passes. A failure is a business outcome: BUILD_FAILED carries the facts
 * to the report steps. Reads only.
 */
export function createReadBuildReports(deps: {
  jenkins: Pick<JenkinsClient, 'testReport' | 'artifact' | 'artifacts' | 'artifactUrl'>;
  policy: Policy;
}) {
  return defineWorker({
    topic: Topics.readBuildReports,
    description: "Reads the build's reports, judges every check against its threshold and classifies a failure",
    input: z.object({
      issueKey,
      modelRequest: modelRequestSchema,
      repository,
      modelConfig: modelTomlSchema.describe('model.toml as training read it'),
      trainingOutcome: trainingOutcome.describe('The training that registered the model version'),
      buildAttempt: z.number().int().min(1).describe('This build attempt'),
      buildCommit: commitSha.describe('The commit built'),
      inferenceBuild: jenkinsBuildResult.describe('How the inference build ended (output of the jenkins-build call)'),
    }),
    output: z.object({ buildOutcome }),
    errors: { [ErrorCodes.buildFailed]: 'the build or a check failed, or a report could not be read; buildOutcome says which' },
    examples: [
      {
        title: 'a green build',
        input: {
          issueKey: 'MLM-42',
          modelRequest: exampleModelRequest,
          repository: exampleRepository,
          modelConfig: exampleModelConfig,
          trainingOutcome: exampleTrainingOutcome,
          buildAttempt: 1,
          buildCommit: exampleCommit,
          inferenceBuild: exampleInferenceBuild,
        },
        outcome: { kind: 'complete', variables: { buildOutcome: exampleBuildOutcome } },
      },
      {
        title: 'a build whose tests fail',
        input: {
          issueKey: 'MLM-42',
          modelRequest: exampleModelRequest,
          repository: exampleRepository,
          modelConfig: exampleModelConfig,
          trainingOutcome: exampleTrainingOutcome,
          buildAttempt: 1,
          buildCommit: exampleCommit,
          inferenceBuild: { ...exampleInferenceBuild, result: 'FAILURE', outputs: {} },
        },
        outcome: { kind: 'bpmnError', code: ErrorCodes.buildFailed },
      },
    ],
    async run(ctx) {
      const build = ctx.input.inferenceBuild;
      const registered = ctx.input.trainingOutcome.registered;
      const number = build.number;
      const read = async (key: BuildReportKey): Promise<string | null> =>
        number === null ? null : deps.jenkins.artifact(build.jobPath, number, BUILD_REPORT_PATHS[key]);
      /** Every archived reports/junit*.xml (the Jenkinsfile writes one per suite), as one summary. */
      const readArchivedJUnit = async (): Promise<ReportRead<TestSummary>> => {
        if (number === null) return { status: 'missing' };
        const files = (await deps.jenkins.artifacts(build.jobPath, number)).filter((artifact) => /^reports\/junit[^/]*\.xml$/.test(artifact.relativePath));
        if (files.length === 0) return readJUnitXml(null);
        const reads = await Promise.all(files.map(async (file) => readJUnitXml(await deps.jenkins.artifact(build.jobPath, number, file.relativePath))));
        return mergeTestReads(reads);
      };
      const parseJson = (text: string | null): unknown => {
        if (text === null) return null;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          // The reader names it unreadable; a string is never its JSON.
          return text;
        }
      };
      // Jenkins' test report merges every published suite; the archived JUnit files are the fallback.
      const testReport = number === null ? null : await deps.jenkins.testReport(build.jobPath, number);
      const junit = testReport !== null ? readJenkinsTestReport(testReport) : await readArchivedJUnit();
      const [mypy, format, coverage, diffCover, openApiDiff] = await Promise.all([read('mypy'), read('format'), read('coverage'), read('diffCover'), read('openApiDiff')]);
      const reportUrls = Object.fromEntries(
        number === null ? [] : (Object.keys(BUILD_REPORT_PATHS) as BuildReportKey[]).map((key) => [key, deps.jenkins.artifactUrl(build.jobPath, number, BUILD_REPORT_PATHS[key])]),
      );
      const verdict = judgeBuild({
        build,
        reports: { junit, mypy: readMypy(mypy), format: readRuffFormat(format), coverage: readCobertura(coverage), diffCover: readDiffCover(parseJson(diffCover)), openApiDiff: readOpenApiDiff(openApiDiff) },
        reportUrls,
        thresholds: effectiveBuildChecks(ctx.input.modelConfig, deps.policy),
      });
      const outcome: BuildOutcome = {
        issueKey: ctx.input.issueKey,
        attempt: ctx.input.buildAttempt,
        maxAttempts: deps.policy.build.max_attempts,
        modelName: ctx.input.modelConfig.model.model_name,
        modelVersion: registered?.version ?? String(ctx.input.modelConfig.model.model_version),
        branch: ctx.input.repository.defaultBranch,
        commit: ctx.input.buildCommit,
        repository: { fullName: ctx.input.repository.fullName, htmlUrl: ctx.input.repository.htmlUrl },
        developer: ctx.input.modelRequest.developer,
        build,
        image: build.outputs.image ?? null,
        ...verdict,
      };
      if (outcome.outcome === 'failure') {
        ctx.log.info({ failureClass: outcome.failureClass, rule: outcome.failureRule, result: build.result }, 'the build failed; reporting it to the developer');
        return ctx.bpmnError(ErrorCodes.buildFailed, `build attempt ${outcome.attempt} failed: ${outcome.failureClass ?? 'unknown'}`, { buildOutcome: outcome });
      }
      ctx.log.info({ image: outcome.image }, 'the build and every check passed');
      return ctx.complete({ buildOutcome: outcome });
    },
  });
}
