import type { GitHubClient } from '../src/clients/github.ts';
import type { JenkinsClient } from '../src/clients/jenkins.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { JupyterHubClient } from '../src/clients/jupyterhub.ts';
import type { MlflowClient } from '../src/clients/mlflow.ts';
import type { PrometheusClient } from '../src/clients/prometheus.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import type { Policy } from '../src/config/policy.ts';
import type { EngineClient } from '../src/engine/camunda7/rest.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import type { AnyWorker } from '../src/runtime/worker.ts';
import { createCheckRebuild } from './github-build-check-rebuild.ts';
import { createPlanBuild } from './github-build-plan.ts';
import { createReadModelConfig } from './github-model-config-read.ts';
import { createReadBuildReports } from './jenkins-build-reports.ts';
import { createReportBuild } from './jira-build-report.ts';
import { createReportBuildBlocked } from './jira-build-report-blocked.ts';
import { createNotifyBuild } from './slack-build-notify.ts';
import { createConfigureRepository } from './github-repo-configure.ts';
import { createRepository } from './github-repo-create.ts';
import { createAbortBuild } from './jenkins-build-abort.ts';
import { createCheckBuild } from './jenkins-build-check.ts';
import { createCollectBuild } from './jenkins-build-collect.ts';
import { createTriggerBuild } from './jenkins-build-trigger.ts';
import { createReportTraining } from './jira-training-report.ts';
import { createReportTrainingBlocked } from './jira-training-report-blocked.ts';
import { createRegisterModel } from './mlflow-model-register.ts';
import { createEvaluateTraining } from './mlflow-training-evaluate.ts';
import { createNotifyTraining } from './slack-training-notify.ts';
import { createTransitionIssue } from './jira-issue-transition.ts';
import { createCheckStatus } from './jira-status-check.ts';
import { createLinkRepository } from './jira-ticket-link-repo.ts';
import { createReadTicket } from './jira-ticket-read.ts';
import { createReportInvalidRequest } from './jira-ticket-report-invalid.ts';
import { createStartResearchServer } from './jupyterhub-server-start.ts';
import { createGuardSingleLifecycle } from './lifecycle-guard-single.ts';
import { createNotifyTeam } from './slack-team-notify-repo.ts';
import { createAssignReviewers } from './github-review-assign.ts';
import { createCheckReview } from './github-review-check.ts';
import { createOpenReviewPullRequest } from './github-review-open-pr.ts';
import { createReassignReviewers } from './github-review-reassign.ts';
import { createAnnounceReviewers } from './jira-review-announce.ts';
import { createReportReview } from './jira-review-report.ts';
import { createReportNoReviewer } from './jira-review-report-blocked.ts';
import { createReportChangesRequested } from './jira-review-report-changes.ts';
import { createReportReviewClosed } from './jira-review-report-closed.ts';
import { createReportNewCommits } from './jira-review-report-new-commits.ts';
import { createNotifyReviewers } from './slack-review-notify.ts';
import { createNotifyNoReviewer } from './slack-review-notify-blocked.ts';
import { createNotifyChangesRequested } from './slack-review-notify-changes.ts';
import { createNotifyReviewClosed } from './slack-review-notify-closed.ts';
import { createNotifyNewCommits } from './slack-review-notify-new-commits.ts';
import { createRemindReviewers } from './slack-review-remind.ts';
import { createSettleCanary } from './canary-outcome-settle.ts';
import { createPlanDelivery } from './github-delivery-plan.ts';
import { createReportCanary } from './jira-canary-report.ts';
import { createReportStaging } from './jira-staging-report.ts';
import { createPromoteModel } from './mlflow-model-promote.ts';
import { createAnalyseCanary } from './prometheus-canary-analyse.ts';
import { createCheckStagingFunctional } from './service-staging-functional.ts';
import { createProbeStaging, type ServiceProbeClient } from './service-staging-probe.ts';
import { createAnnounceCanary } from './slack-canary-announce.ts';
import { createConcludeCanary } from './slack-canary-conclude.ts';
import { createOpenCanaryDecision } from './slack-canary-open.ts';
import { createRemindCanary } from './slack-canary-remind.ts';

/** Long-lived clients and settings, wired once in the composition root. */
export interface WorkerDeps {
  readonly engine: EngineClient;
  readonly jira: JiraClient;
  readonly github: GitHubClient;
  readonly slack: SlackClient;
  readonly jenkins: JenkinsClient;
  readonly mlflow: MlflowClient;
  readonly metrics: Metrics;
  /** Absent when JupyterHub is not configured; the BPMN then skips the research server. */
  readonly jupyterhub: JupyterHubClient | null;
  readonly policy: Policy;
  /** The browser address of a Jira issue. */
  readonly issueUrl: (key: string) => string;
  /** Where Jenkins jobs send their end-of-build callback: `<PUBLIC_URL>/webhooks/jenkins`. */
  readonly callbackUrl: () => string;
  /** The deployed staging service, probed and sent the functional requests. */
  readonly serviceProbe: ServiceProbeClient;
  /** The Prometheus the canary analysis queries; null without PROMETHEUS_URL (the analysis then has no data: inconclusive). */
  readonly prometheus: PrometheusClient | null;
  /** A lifecycle's page in Cockpit. */
  readonly cockpitUrl: (processInstanceId: string) => string;
}

/** Every step of the lifecycle, each bound to its dependencies. */
export function createWorkers(deps: WorkerDeps): AnyWorker[] {
  const workers: AnyWorker[] = [
    createGuardSingleLifecycle(deps),
    createReadTicket(deps),
    createReportInvalidRequest(deps),
    createRepository(deps),
    createConfigureRepository(deps),
    createLinkRepository(deps),
    createTransitionIssue(deps),
    createNotifyTeam(deps),
    createCheckStatus(deps),
    createReadModelConfig(deps),
    createReportTrainingBlocked(deps),
    createTriggerBuild(deps),
    createCheckBuild(deps),
    createAbortBuild(deps),
    createCollectBuild(deps),
    createEvaluateTraining(deps),
    createRegisterModel(deps),
    createReportTraining(deps),
    createNotifyTraining(deps),
    createPlanBuild(deps),
    createReadBuildReports(deps),
    createReportBuild(deps),
    createNotifyBuild(deps),
    createReportBuildBlocked(deps),
    createCheckRebuild(deps),
    createOpenReviewPullRequest(deps),
    createAssignReviewers(deps),
    createAnnounceReviewers(deps),
    createNotifyReviewers(deps),
    createCheckReview(deps),
    createReportChangesRequested(deps),
    createNotifyChangesRequested(deps),
    createReportReviewClosed(deps),
    createNotifyReviewClosed(deps),
    createReportNewCommits(deps),
    createNotifyNewCommits(deps),
    createRemindReviewers(deps),
    createReassignReviewers(deps),
    createReportNoReviewer(deps),
    createNotifyNoReviewer(deps),
    createReportReview(deps),
    createPlanDelivery(deps),
    createProbeStaging({ probe: deps.serviceProbe, policy: deps.policy }),
    createCheckStagingFunctional({ github: deps.github, probe: deps.serviceProbe, policy: deps.policy }),
    createReportStaging(deps),
    createAnalyseCanary(deps),
    createAnnounceCanary(deps),
    createOpenCanaryDecision(deps),
    createRemindCanary(deps),
    createSettleCanary(),
    createPromoteModel(deps),
    createConcludeCanary(deps),
    createReportCanary(deps),
  ];
  if (deps.jupyterhub) workers.push(createStartResearchServer({ jupyterhub: deps.jupyterhub, policy: deps.policy }));
  return workers;
}
