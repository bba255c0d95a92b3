/**
 * Where deploy/jenkins/build.Jenkinsfile archives each report of the inference build (under
 * the build's artifacts); the step that judges the build reads them there. JUnit results are
 * read from the build's published test report first (the Jenkins JUnit plugin merges every
 * suite), else from these files.
 */
export const BUILD_REPORT_PATHS = {
  junit: 'reports/junit.xml',
  mypy: 'reports/mypy_report.txt',
  format: 'reports/fmt_report.txt',
  coverage: 'reports/coverage.xml',
  diffCover: 'reports/diff_cover.json',
  openApiDiff: 'reports/openapi_diff.json',
} as const;

export type BuildReportKey = keyof typeof BUILD_REPORT_PATHS;
