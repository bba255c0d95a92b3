import { z } from 'zod';

/**
 * Why a build of a model's inference service failed, read from how the Jenkins build ended,
 * the first stage that failed and the end of its console. The rules are data, in priority
 * order: the first rule whose every condition holds decides. A failure no rule recognises is
 * `unknown`, never a guess. Pure: the caller reads Jenkins, this only classifies.
 *
 * The report-based verdict (JUnit, mypy, format, OpenAPI diff and coverage reports against the
 * model's thresholds) is composed elsewhere; this classifier needs only the console.
 */

/**
 * The classes of build failure:
 * - `infrastructure`: not the model's code: agent lost, timeout, out of memory, container
 *   image pull, dependency download over the network, disk full. Building again may pass;
 * - `build_error`: the service image does not build (Dockerfile step, dependency resolution,
 *   a package that does not build);
 * - `unit_tests`, `functional_tests`: tests failed (after their reruns);
 * - `flaky`: tests passed only when rerun;
 * - `type_errors`: mypy; `format`: `ruff format --check`; `api_contract`: the OpenAPI diff
 *   against the default branch found breaking changes; `coverage_gate`: coverage or diff
 *   coverage below its threshold;
 * - `unknown`: no rule recognises the failure.
 */
export const buildFailureClass = z
  .enum(['infrastructure', 'build_error', 'unit_tests', 'functional_tests', 'flaky', 'type_errors', 'format', 'api_contract', 'coverage_gate', 'unknown'])
  .describe('Why the build of the inference service failed');

export type BuildFailureClass = z.infer<typeof buildFailureClass>;

export const buildFailureClassification = z
  .object({
    class: buildFailureClass,
    ruleId: z.string().nullable().describe('Id of the classifier rule that decided; null when no rule matched (class unknown)'),
  })
  .describe('The class of a build failure and the rule that decided it');

export type BuildFailureClassification = z.infer<typeof buildFailureClassification>;

/** What a classifier reads of a failed build. */
export interface BuildFailureInput {
  /** How the build ended (`FAILURE`, `UNSTABLE`, `ABORTED`, `TIMED_OUT`, …). */
  readonly result: string;
  /** The first pipeline stage that failed, was aborted or is unstable; null when unknown. */
  readonly failedStage: string | null;
  /** The last lines of the console log. */
  readonly consoleTail: readonly string[];
}

/**
 * One classifier rule. Every condition given must hold (`console`: on at least one line of
 * the console tail); a rule gives at least one. `example` is a real console excerpt, with
 * where it was copied from, that the rule recognises; a test classifies each example.
 */
export interface ClassifierRule {
  readonly id: string;
  readonly class: BuildFailureClass;
  readonly description: string;
  readonly match: {
    /** Jenkins results (as the build ended) this rule applies to. */
    readonly result?: readonly string[];
    /** Tested against the name of the failed stage. */
    readonly stage?: RegExp;
    /** Tested against each console line, after its timestamp prefix and colours are removed. */
    readonly console?: RegExp;
  };
  readonly example: {
    /** Where the excerpt comes from: the URL of the issue or log, or how it was produced. */
    readonly source: string;
    readonly console: string;
    readonly stage?: string;
    readonly result?: string;
  };
}

/** Names of the stages of deploy/jenkins/build.Jenkinsfile that the stage rules recognise. */
export const BUILD_STAGES = {
  build: 'Build',
  format: 'Format',
  types: 'Types',
  unitTests: 'Unit tests',
  functionalTests: 'Functional tests',
  swagger: 'Swagger check',
  coverage: 'Coverage',
  diffCoverage: 'Diff coverage',
} as const;

const OWN_RUN = (tool: string, fixture: string) =>
  `${tool}, run by the author of this table on a sample inference repository; full output in test/fixtures/console/${fixture}`;

/**
 * The rules, in priority order:
 * 1. infrastructure, whatever the stage: an agent lost or a process killed for memory in the
 *    tests is still not the tests' fault;
 * 2. image build errors;
 * 3. flaky tests (an UNSTABLE test stage: the Jenkinsfile marks reruns that passed so);
 * 4. the failed stage of build.Jenkinsfile, which names the check;
 * 5. the tools' own console lines, for when the failed stage is not known.
 */
export const CLASSIFIER_RULES: readonly ClassifierRule[] = [
  // ---- 1. infrastructure ------------------------------------------------------------------
  {
    id: 'lifecycle-timeout',
    class: 'infrastructure',
    description: "The lifecycle aborted the build after the policy's build.timeout",
    match: { result: ['TIMED_OUT'] },
    example: {
      source: 'https://github.com/jenkinsci/saltstack-plugin/issues/80',
      result: 'TIMED_OUT',
      console: ['07:06:52 Build was aborted', '07:06:53 Notifying upstream projects of job completion', '07:06:53 Finished: ABORTED'].join('\n'),
    },
  },
  {
    id: 'pipeline-timeout',
    class: 'infrastructure',
    description: "A Pipeline timeout step (the job's own backstop) cancelled the build",
    match: { console: /Cancelling nested steps due to timeout|Timeout has been exceeded/ },
    example: {
      source: 'https://github.com/eclipse-openj9/openj9/issues/8282',
      result: 'ABORTED',
      console: [
        '11:24:35  Copied 11 artifacts from "test.getDependency" build number 12395',
        '[Pipeline] step',
        'Cancelling nested steps due to timeout',
        '[Pipeline] echo',
        '20:42:38  Cannot run copyArtifacts from systemtest.getDependency. Skipping copyArtifacts...',
      ].join('\n'),
    },
  },
  {
    id: 'agent-offline',
    class: 'infrastructure',
    description: 'The Jenkins agent went offline during the build',
    match: { console: /Agent went offline during the build/ },
    example: {
      source: 'https://github.com/r-hub/rhub/issues/375',
      console: [
        '#> Agent went offline during the build',
        '1543#> ERROR: Node is being removed',
        "1544#> Build step 'Windows PowerShell' marked build as failure",
      ].join('\n'),
    },
  },
  {
    id: 'agent-channel-closed',
    class: 'infrastructure',
    description: 'The connection to the Jenkins agent closed (remoting channel)',
    match: { console: /hudson\.remoting\.(?:ChannelClosedException|RequestAbortedException)|java\.nio\.channels\.ClosedChannelException/ },
    example: {
      source: 'https://github.com/opendevstack/ods-jenkins-shared-library/issues/73',
      console:
        'Cannot contact jenkins-slave-g00m0-6tjbr: hudson.remoting.ChannelClosedException: Channel "unknown": Remote call on JNLP4-connect connection from 10.251.18.1/10.251.18.1:52068 failed. The channel is closing down or has closed down',
    },
  },
  {
    id: 'java-out-of-memory',
    class: 'infrastructure',
    description: 'A Java process (Jenkins, its agent or a tool) ran out of heap',
    match: { console: /java\.lang\.OutOfMemoryError/ },
    example: {
      source: 'https://github.com/fabric8io/fabric8/pull/7056',
      console: ['[ERROR] Java heap space -> [Help 1]', 'java.lang.OutOfMemoryError: Java heap space'].join('\n'),
    },
  },
  {
    id: 'killed-exit-137',
    class: 'infrastructure',
    description: 'A process was killed with SIGKILL (exit code 137), usually by the out-of-memory killer',
    match: { console: /(?:exit code|returned a non-zero code:|exited with) 137\b/ },
    example: {
      source: 'https://github.com/eclipse-sprotty/sprotty-server/issues/63',
      console: ['Killed', '', 'ERROR: script returned exit code 137'].join('\n'),
    },
  },
  {
    id: 'disk-full',
    class: 'infrastructure',
    description: 'The agent or its Docker daemon ran out of disk space',
    match: { console: /no space left on device/i },
    example: {
      source: 'https://github.com/BD2KGenomics/cgl-docker-lib/issues/100',
      console: [
        'Error response from daemon: mkdir /var/lib/docker/tmp/docker-build451302929: no space left on device',
        'make: *** [apache-hadoop-common] Error 1',
      ].join('\n'),
    },
  },
  {
    id: 'image-pull-denied',
    class: 'infrastructure',
    description: 'A container image could not be pulled: the registry denied access',
    match: { console: /pull access denied for / },
    example: {
      source: 'https://github.com/docker/for-win/issues/9562',
      console:
        "Error response from daemon: pull access denied for utils, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    },
  },
  {
    id: 'image-manifest-unknown',
    class: 'infrastructure',
    description: 'A container image could not be pulled: the registry has no such tag',
    match: { console: /manifest unknown|manifest for \S+ not found/ },
    example: {
      source: 'https://github.com/whitelok/watermark-remover/issues/18',
      console: ['Using default tag: latest', 'Error response from daemon: manifest for whitelok/watermark-remover:latest not found: manifest unknown: manifest unknown'].join(
        '\n',
      ),
    },
  },
  {
    id: 'agent-image-pull',
    class: 'infrastructure',
    description: 'The image of a Kubernetes build agent could not be pulled (ErrImagePull, ImagePullBackOff)',
    match: { console: /Unable to pull Docker image|ImagePullBackOff|ErrImagePull/ },
    example: {
      source: 'https://github.com/jenkinsci/docker-agents/issues/639',
      console: 'Unable to pull Docker image "jenkins/jnlp-slave:4.0.1-1". Check if image tag name is spelled correctly.',
    },
  },
  {
    id: 'registry-rate-limit',
    class: 'infrastructure',
    description: 'The container registry refused pulls over its rate limit',
    match: { console: /You have reached your pull rate limit|toomanyrequests/i },
    example: {
      source: 'https://github.com/ORNL/TASMANIAN/pull/560',
      console: 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    },
  },
  {
    id: 'dependency-download-network',
    class: 'infrastructure',
    description: 'pip could not reach the package index (connection errors, retries)',
    match: { console: /Retrying \(Retry\(total=\d+.*\) after connection broken by / },
    example: {
      source: 'https://github.com/networkx/networkx/issues/3887',
      console:
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.VerifiedHTTPSConnection object at 0x00000209D8EF2370>: Failed to establish a new connection: [Errno 11001] getaddrinfo failed')': /simple/networkx/",
    },
  },

  // ---- 2. the image does not build --------------------------------------------------------
  {
    id: 'pip-resolution-impossible',
    class: 'build_error',
    description: 'The pinned Python requirements conflict with each other',
    match: { console: /ResolutionImpossible|because these package versions have conflicting dependencies/ },
    example: {
      source: 'https://github.com/pypa/pip/issues/11994',
      console: [
        'ERROR: Cannot install glue-vispy-viewers==1.0.6 and glue-vispy-viewers==1.0.7 because these package versions have conflicting dependencies.',
        '',
        'The conflict is caused by:',
        '    glue-vispy-viewers 1.0.7 depends on vispy>=0.9.1',
        '    glue-vispy-viewers 1.0.6 depends on vispy>=0.9.1',
      ].join('\n'),
    },
  },
  {
    id: 'pip-no-matching-distribution',
    class: 'build_error',
    description: 'A pinned requirement has no matching release on the package index (a wrong pin, not the network)',
    match: { console: /Could not find a version that satisfies the requirement|No matching distribution found for/ },
    example: {
      source: 'https://github.com/google-deepmind/alphageometry/issues/62',
      console: [
        'ERROR: Could not find a version that satisfies the requirement array-record==0.4.1 (from -r requirements.txt (line 28)) (from versions: none)',
        'ERROR: No matching distribution found for array-record==0.4.1 (from -r requirements.txt (line 28))',
      ].join('\n'),
    },
  },
  {
    id: 'pip-subprocess-error',
    class: 'build_error',
    description: 'A Python package failed to build or to prepare its metadata during pip install',
    match: { console: /error: subprocess-exited-with-error|error: metadata-generation-failed|Failed building wheel for / },
    example: {
      source: 'https://github.com/orcasgit/py-wsse/issues/21',
      console: [
        'Collecting py-wsse',
        '  Downloading py-wsse-0.1.tar.gz (9.7 kB)',
        '  error: subprocess-exited-with-error',
        '  ',
        '  × python setup.py egg_info did not run successfully.',
        '  │ exit code: 1',
        '  ╰─> See above for output.',
      ].join('\n'),
    },
  },
  {
    id: 'docker-build-step-failed',
    class: 'build_error',
    description: 'A RUN step of the Dockerfile failed (classic builder or BuildKit)',
    match: { console: /The command '.*' returned a non-zero code: \d+|failed to solve: process ".*" did not complete successfully: exit code: \d+/ },
    example: {
      source: 'https://github.com/docker-archive/docker-birthday-3/issues/25',
      console: [
        'Step 6 : RUN pip install --no-cache-dir -r /usr/src/app/requirements.txt',
        ' ---> Running in 57af2fee9952',
        '/bin/sh: pip: not found',
        "The command '/bin/sh -c pip install --no-cache-dir -r /usr/src/app/requirements.txt' returned a non-zero code: 127",
      ].join('\n'),
    },
  },
  {
    id: 'docker-build-context',
    class: 'build_error',
    description: 'A COPY or ADD of the Dockerfile names a file missing from the build context',
    match: { console: /\b(?:COPY|ADD) failed: / },
    example: {
      source: 'https://github.com/jasonxtn/Argus/issues/36',
      console: [
        'Step 11/20 : COPY requirements.txt .',
        'COPY failed: file not found in build context or excluded by .dockerignore: stat requirements.txt: file does not exist',
      ].join('\n'),
    },
  },
  {
    id: 'build-stage',
    class: 'build_error',
    description: 'The Build stage (the service image) failed',
    match: { stage: /^Build$/i },
    example: {
      source: 'https://github.com/ipedrazas/taiga-docker/issues/36',
      stage: BUILD_STAGES.build,
      console: ['# Executing 3 build triggers...', 'Step 1 : COPY requirements.txt /usr/src/app/', 'lstat requirements.txt: no such file or directory'].join('\n'),
    },
  },

  // ---- 3. flaky tests ---------------------------------------------------------------------
  {
    id: 'flaky-test-stage',
    class: 'flaky',
    description: 'A test stage ended unstable: its tests passed only when rerun (pytest --reruns)',
    match: { result: ['UNSTABLE'], stage: /^(?:Unit|Functional) tests$/i },
    example: {
      source: OWN_RUN('pytest 9.2.0 with pytest-rerunfailures 16.7 (PyPI)', 'pytest-flaky.txt'),
      result: 'UNSTABLE',
      stage: BUILD_STAGES.unitTests,
      console: [
        'tests/test_flaky.py R.                                                   [ 50%]',
        'tests/test_inference.py .                                                [100%]',
        '',
        '========================== 2 passed, 1 rerun in 0.05s ==========================',
      ].join('\n'),
    },
  },
  {
    id: 'pytest-rerun-passed',
    class: 'flaky',
    description: "An unstable build whose pytest summary shows reruns and no failure: tests that passed only when rerun",
    match: { result: ['UNSTABLE'], console: /^=+ (?!.*\b\d+ (?:failed|errors?)\b).*\b\d+ rerun\b.*=+$/ },
    example: {
      source: OWN_RUN('pytest 9.2.0 with pytest-rerunfailures 16.7 (PyPI)', 'pytest-flaky.txt'),
      result: 'UNSTABLE',
      console: ['tests/test_inference.py .                                                [100%]', '', '========================== 2 passed, 1 rerun in 0.05s =========================='].join(
        '\n',
      ),
    },
  },

  // ---- 4. the failed stage names the check ------------------------------------------------
  {
    id: 'unit-tests-stage',
    class: 'unit_tests',
    description: 'The Unit tests stage failed: unit tests failed after their reruns, or could not run',
    match: { stage: /^Unit tests$/i },
    example: {
      source: OWN_RUN('pytest 9.2.0 with pytest-rerunfailures 16.7 (PyPI)', 'pytest-unit-failed.txt'),
      stage: BUILD_STAGES.unitTests,
      console: [
        'tests/test_inference.py:13: AssertionError',
        '------------ generated xml file: /tmp/bfproj/reports/junit-unit.xml ------------',
        '=========================== short test summary info ============================',
        'FAILED tests/test_inference.py::test_label - assert 0 == 1',
        '===================== 1 failed, 2 passed, 2 rerun in 0.23s =====================',
      ].join('\n'),
    },
  },
  {
    id: 'functional-tests-stage',
    class: 'functional_tests',
    description: 'The Functional tests stage failed: a tests_functional request got another answer than expected',
    match: { stage: /^Functional tests$/i },
    example: {
      source: OWN_RUN('pytest 9.2.0 with pytest-rerunfailures 16.7 (PyPI)', 'pytest-functional-failed.txt'),
      stage: BUILD_STAGES.functionalTests,
      console: [
        "E       AssertionError: assert {'prediction': 0.75} == {'prediction': 0.7}",
        'tests_functional/test_v1_predict.py:12: AssertionError',
        '=========================== short test summary info ============================',
        'FAILED tests_functional/test_v1_predict.py::test_request_01 - AssertionError:...',
        '========================== 1 failed, 2 rerun in 0.07s ==========================',
      ].join('\n'),
    },
  },
  {
    id: 'types-stage',
    class: 'type_errors',
    description: 'The Types stage (mypy) failed',
    match: { stage: /^Types$/i },
    example: {
      source: OWN_RUN('mypy 2.4.1 (PyPI)', 'mypy.txt'),
      stage: BUILD_STAGES.types,
      console: [
        'ml_model/inference/inference.py:10: error: Incompatible return value type (got "int", expected "str")  [return-value]',
        'Found 1 error in 1 file (checked 4 source files)',
      ].join('\n'),
    },
  },
  {
    id: 'format-stage',
    class: 'format',
    description: 'The Format stage (ruff format --check) failed',
    match: { stage: /^Format$/i },
    example: {
      source: OWN_RUN('ruff 0.17.6 (PyPI)', 'ruff-format.txt'),
      stage: BUILD_STAGES.format,
      console: ['unformatted: File would be reformatted', ' --> ml_model/inference/util.py:1:5', '1 file would be reformatted, 5 files already formatted'].join('\n'),
    },
  },
  {
    id: 'swagger-stage',
    class: 'api_contract',
    description: "The Swagger check stage failed: openapi.yaml breaks the default branch's contract",
    match: { stage: /^Swagger check$/i },
    example: {
      source: OWN_RUN('oasdiff v1.38.0 (Go module github.com/oasdiff/oasdiff), oasdiff breaking base.yaml openapi.yaml --fail-on ERR', 'oasdiff-breaking.txt'),
      stage: BUILD_STAGES.swagger,
      console: [
        '2 changes: 2 error, 0 warning, 0 info',
        'error\t[api-path-removed-without-deprecation] at base.yaml',
        '\tin API GET /healthz',
        '\t\tAPI path removed without deprecation',
      ].join('\n'),
    },
  },
  {
    id: 'coverage-stage',
    class: 'coverage_gate',
    description: 'The Coverage stage failed: total coverage below its fail-under threshold',
    match: { stage: /^Coverage$/i },
    example: {
      source: OWN_RUN('coverage 7.17.5 (PyPI), coverage report --fail-under=90', 'coverage-report.txt'),
      stage: BUILD_STAGES.coverage,
      console: ['TOTAL                                13      7    46%', 'Coverage failure: total of 46 is less than fail-under=90'].join('\n'),
    },
  },
  {
    id: 'diff-coverage-stage',
    class: 'coverage_gate',
    description: 'The Diff coverage stage failed: the changed lines are not covered enough',
    match: { stage: /^Diff coverage$/i },
    example: {
      source: OWN_RUN('diff-cover 11.0.1 (PyPI), --fail-under 80', 'diff-cover.txt'),
      stage: BUILD_STAGES.diffCoverage,
      console: ['Total:   9 lines', 'Missing: 7 lines', 'Coverage: 22%', '-------------', '', 'Failure. Coverage is below 80%.'].join('\n'),
    },
  },

  // ---- 5. the tools' own lines, when the failed stage is not known ------------------------
  {
    id: 'pytest-functional-failed',
    class: 'functional_tests',
    description: 'pytest reports a failed functional test (under tests_functional/ or tests/functional/)',
    match: { console: /^(?:FAILED|ERROR) (?:tests_functional|tests\/functional)\/\S+/ },
    example: {
      source: OWN_RUN('pytest 9.2.0 with pytest-rerunfailures 16.7 (PyPI)', 'pytest-functional-failed.txt'),
      console: [
        'FAILED tests_functional/test_v1_predict.py::test_request_01 - AssertionError:...',
        '========================== 1 failed, 2 rerun in 0.07s ==========================',
      ].join('\n'),
    },
  },
  {
    id: 'pytest-failed',
    class: 'unit_tests',
    description: 'pytest reports a failed test outside the functional tests, or a test module that does not import',
    match: { console: /^(?:FAILED|ERROR) (?!tests_functional\/|tests\/functional\/)\S+\.py\b|^!+ Interrupted: \d+ errors? during collection !+$/ },
    example: {
      source: OWN_RUN('pytest 9.2.0 with pytest-rerunfailures 16.7 (PyPI)', 'pytest-collection-error.txt'),
      console: [
        "E   ModuleNotFoundError: No module named 'ml_model.inference.missing'",
        '=========================== short test summary info ============================',
        'ERROR tests/test_broken_import.py',
        '!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!',
        '=============================== 1 error in 0.26s ===============================',
      ].join('\n'),
    },
  },
  {
    id: 'mypy-errors',
    class: 'type_errors',
    description: "mypy's summary line: it found type errors",
    match: { console: /^Found \d+ errors? in \d+ files? \(checked \d+ source files?\)$/ },
    example: {
      source: OWN_RUN('mypy 2.4.1 (PyPI)', 'mypy.txt'),
      console: [
        'ml_model/inference/inference.py:10: error: Incompatible return value type (got "int", expected "str")  [return-value]',
        'Found 1 error in 1 file (checked 4 source files)',
      ].join('\n'),
    },
  },
  {
    id: 'ruff-would-reformat',
    class: 'format',
    description: '`ruff format --check` would reformat files',
    match: { console: /^Would reformat: |^\d+ files? would be reformatted\b/ },
    example: {
      source: OWN_RUN('ruff 0.6.9 (PyPI)', 'ruff-0.6.9-format.txt'),
      console: ['Would reformat: ml_model/inference/util.py', '1 file would be reformatted, 5 files already formatted'].join('\n'),
    },
  },
  {
    id: 'oasdiff-breaking',
    class: 'api_contract',
    description: 'oasdiff reports breaking changes (errors) of the OpenAPI contract',
    match: { console: /^\d+ (?:breaking )?changes: [1-9]\d* error/ },
    example: {
      source: 'https://github.com/oasdiff/oasdiff/issues/622',
      console: [
        '3 changes: 2 error, 0 warning, 1 info',
        'error\t[api-path-removed-without-deprecation] at data/deprecation/base-alpha-stability.yaml',
        '\tin API GET /api/test',
        '\t\tapi path removed without deprecation',
      ].join('\n'),
    },
  },
  {
    id: 'api-schema-diff-breaking',
    class: 'api_contract',
    description: 'api-schema-diff (the Swagger check of build.Jenkinsfile) found breaking changes of the OpenAPI contract',
    match: { console: /^BREAKING CHANGES FOUND$/ },
    example: {
      source: OWN_RUN('api-schema-diff 1.0.4 (PyPI), api-schema-diff base.yaml openapi.yaml', 'api-schema-diff.txt'),
      console: ['Old schema: openapi  New schema: openapi', '', 'BREAKING CHANGES FOUND', ''].join('\n'),
    },
  },
  {
    id: 'coverage-fail-under',
    class: 'coverage_gate',
    description: "coverage.py's fail-under check: total coverage below the threshold",
    match: { console: /^Coverage failure: total of [\d.]+ is less than fail-under=[\d.]+$/ },
    example: {
      source: OWN_RUN('coverage 7.17.5 (PyPI), coverage report --fail-under=90', 'coverage-report.txt'),
      console: ['TOTAL                                13      7    46%', 'Coverage failure: total of 46 is less than fail-under=90'].join('\n'),
    },
  },
  {
    id: 'diff-cover-failure',
    class: 'coverage_gate',
    description: "diff-cover's fail-under check: the changed lines are not covered enough",
    match: { console: /^Failure\. Coverage is below [\d.]+%\.$/ },
    example: {
      source: OWN_RUN('diff-cover 11.0.1 (PyPI), --fail-under 80', 'diff-cover.txt'),
      console: ['Coverage: 22%', '-------------', '', 'Failure. Coverage is below 80%.'].join('\n'),
    },
  },
];

/** Longest part of a console line the rules look at, so a huge line costs little. */
export const MAX_CONSOLE_LINE_LENGTH = 2_000;

// ANSI colour and cursor sequences (Jenkins AnsiColor, pytest and ruff colour their output).
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b\[[0-9;?]*[A-Za-z]/g;
// Prefixes the Timestamper plugin adds: `12:14:18  ` or `[2023-03-09T16:09:35.191Z] `.
const TIMESTAMP_PREFIX = /^(?:\[\d{4}-\d{2}-\d{2}T[\d:.]+Z?\] |\d{2}:\d{2}:\d{2}(?:\.\d+)? {1,2})/;

/** A console line as the rules see it: cut short, without colours or a timestamp prefix. */
export function normalizeConsoleLine(line: string): string {
  return line.slice(0, MAX_CONSOLE_LINE_LENGTH).replace(ANSI_SEQUENCE, '').replace(/\r$/, '').replace(TIMESTAMP_PREFIX, '');
}

function ruleMatches(rule: ClassifierRule, result: string, failedStage: string | null, lines: readonly string[]): boolean {
  const { match } = rule;
  if (match.result === undefined && match.stage === undefined && match.console === undefined) return false;
  if (match.result !== undefined && !match.result.includes(result)) return false;
  if (match.stage !== undefined && (failedStage === null || !match.stage.test(failedStage))) return false;
  const consolePattern = match.console;
  if (consolePattern !== undefined && !lines.some((line) => consolePattern.test(line))) return false;
  return true;
}

/**
 * The class of a failed build: the first rule of `rules` (default {@link CLASSIFIER_RULES})
 * whose every condition holds. A build that succeeded, or that no rule recognises, is
 * `{ class: 'unknown', ruleId: null }`. Never throws.
 */
export function classifyBuildFailure(input: BuildFailureInput, rules: readonly ClassifierRule[] = CLASSIFIER_RULES): BuildFailureClassification {
  const result = input.result.trim().toUpperCase();
  if (result === 'SUCCESS') return { class: 'unknown', ruleId: null };
  const failedStage = input.failedStage?.trim() ?? null;
  const lines = input.consoleTail.flatMap((entry) => entry.split('\n')).map(normalizeConsoleLine);
  const rule = rules.find((candidate) => ruleMatches(candidate, result, failedStage, lines));
  return rule ? { class: rule.class, ruleId: rule.id } : { class: 'unknown', ruleId: null };
}
