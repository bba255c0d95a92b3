import { join } from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';

/**
 * The contract between `bpmn/model-lifecycle.bpmn` and the code around it: the process key,
 * the external-task topics the workers subscribe to, the messages the webhooks correlate and
 * the BPMN error codes the workers may raise. Everything else imports these constants; the
 * unit tests check the BPMN against them with {@link readBpmnContract}.
 */

/** Process definition key (and id) of the lifecycle; the business key is the Jira issue key. */
export const PROCESS_KEY = 'model-lifecycle';

/** Absolute path of the BPMN file the service deploys. */
export const BPMN_FILE = join(PROJECT_ROOT, 'bpmn', 'model-lifecycle.bpmn');

/**
 * Process key of the shared "wait for a Jenkins build" sub-process, called by every stage that
 * runs a Jenkins job (training now; build and deploy later) through a call activity.
 */
export const JENKINS_BUILD_PROCESS_KEY = 'jenkins-build';

/** Absolute path of the Jenkins-build sub-process. */
export const JENKINS_BUILD_BPMN_FILE = join(PROJECT_ROOT, 'bpmn', 'jenkins-build.bpmn');

/** Every BPMN file the service deploys, in one deployment. */
export const BPMN_FILES: readonly string[] = [BPMN_FILE, JENKINS_BUILD_BPMN_FILE];

/** External-task topics, one per service task of the BPMN. */
export const Topics = {
  /** Ends the new lifecycle when another one already exists for the ticket. Writes `isDuplicate`, `duplicateOf`. */
  guardSingle: 'lifecycle:guard:single',
  /** Reads and validates the model request from the Jira ticket. Writes `modelRequest`; may raise `MODEL_REQUEST_INVALID`. */
  readTicket: 'jira:ticket:read',
  /** Comments on the ticket what is missing or wrong (reads `requestProblems`). */
  reportInvalidRequest: 'jira:ticket:report-invalid',
  /** Creates the model repository from the template. Writes `repository`; may raise `MODEL_REQUEST_INVALID` when the name is taken. */
  createRepository: 'github:repo:create',
  /** Grants the team access and protects the default branch. */
  configureRepository: 'github:repo:configure',
  /** Starts the developer's JupyterHub server. Writes `researchServerUrl`. */
  startResearchServer: 'jupyterhub:server:start',
  /** Puts the repository (and research server) links on the ticket. */
  linkRepository: 'jira:ticket:link-repo',
  /** Moves the ticket to the status of the local input `targetStatusRole`. */
  transitionIssue: 'jira:issue:transition',
  /** Tells the team in Slack that the repository is ready. */
  notifyTeam: 'slack:team:notify-repo',
  /** Tells whether the ticket already has the status of the local input `awaitedStatusRole`. Writes `statusReached`. */
  checkStatus: 'jira:status:check',
  /** Reads and validates model.toml at the head of the default branch; writes the training attempt's plan. May raise `MODEL_CONFIG_INVALID`, `TRAINING_ATTEMPTS_EXHAUSTED`. */
  readModelConfig: 'github:model-config:read',
  /** Tells the developer on the ticket why training did not start (invalid model.toml, attempts used up). */
  reportTrainingBlocked: 'jira:training:report-blocked',
  /** jenkins-build: starts the build of `buildKey` once (looks in the queue and recent builds first). */
  triggerBuild: 'jenkins:build:trigger',
  /** jenkins-build: tells whether the build has ended. Writes `buildEnded`. */
  checkBuild: 'jenkins:build:check',
  /** jenkins-build: aborts a build that ran past its timeout. */
  abortBuild: 'jenkins:build:abort',
  /** jenkins-build: reads the ended build (result, failed stage, console tail). Writes `buildResult`. */
  collectBuild: 'jenkins:build:collect',
  /** Finds the build's MLflow run and checks its metrics against model.toml. Writes `trainingOutcome`; may raise `TRAINING_FAILED`. */
  evaluateTraining: 'mlflow:training:evaluate',
  /** Registers the model version from the run, with tags and the `candidate` alias. Updates `trainingOutcome`. */
  registerModel: 'mlflow:model:register',
  /** Comments TRAIN_RESULT on the ticket and records the stage. Writes `stageRecords`. */
  reportTraining: 'jira:training:report',
  /** Tells the team in Slack how training went. */
  notifyTraining: 'slack:training:notify',
  /** Pins the commit to build and plans the inference build of this attempt. Writes `buildAttempt`, `buildCommit`, …; may raise `BUILD_ATTEMPTS_EXHAUSTED`. */
  planBuild: 'github:build:plan',
  /** Reads the build's archived reports, judges every check and classifies a failure. Writes `buildOutcome`; may raise `BUILD_FAILED`. */
  readBuildReports: 'jenkins:build:reports',
  /** Comments BUILD_RESULT and TESTING_RESULT on the ticket and records both stages. Writes `stageRecords`. */
  reportBuild: 'jira:build:report',
  /** Tells the team in Slack how the build and tests went. */
  notifyBuild: 'slack:build:notify',
  /** Tells the developer on the ticket why the build did not start (attempts used up). */
  reportBuildBlocked: 'jira:build:report-blocked',
  /** Tells whether a new build is wanted: a new commit on the default branch, or the ticket moved to Ready for build. Writes `rebuildWanted`. */
  checkRebuild: 'github:build:check-rebuild',
  /** Review: ensures the release branch (at the default branch's first commit when missing) and finds or opens the pull request default branch → release branch. Writes `pullRequest`, `repositoryFullName`. */
  openReviewPullRequest: 'github:review:open-pr',
  /** Review: chooses the required and the second reviewer from the policy and requests their reviews on GitHub once. Writes `reviewAssignment`; may raise `NO_ELIGIBLE_REVIEWER`. */
  assignReviewers: 'github:review:assign',
  /** Review: sets the ticket's Reviewers and Required reviewers fields and comments who was chosen (or who replaced whom) and why, once per assignment version. */
  announceReviewers: 'jira:review:announce',
  /** Review: sends each chosen reviewer (and each replaced one) a Slack direct message once; names people it cannot reach in the team channel. */
  notifyReviewers: 'slack:review:notify',
  /** Review: reads the pull request's reviews and merge now. Writes `reviewState`, `reviewDone`, `reviewNewCommits`, `reviewHeadSha`, `reviewChangesToTell`, `reviewRemindAt`, `reviewReassignAt`. */
  checkReview: 'github:review:check',
  /** Review: comments on the ticket that new commits came during the review and are built and tested before it goes on, once per head. */
  reportNewCommits: 'jira:review:report-new-commits',
  /** Review: tells each reviewer in Slack that new commits are built and tested and their review will be asked again, once per reviewer and head. */
  notifyNewCommits: 'slack:review:notify-new-commits',
  /** Review: comments on the ticket each new "changes requested" review, once per review id. */
  reportChangesRequested: 'jira:review:report-changes',
  /** Review: comments on the ticket that the review pull request was closed without merging, once per closing. */
  reportReviewClosed: 'jira:review:report-closed',
  /** Review: tells the team channel that the review pull request was closed without merging, once per closing. Writes `reviewClosedTold`, `reviewClosings`. */
  notifyReviewClosed: 'slack:review:notify-closed',
  /** Review: tells the developer in Slack of each new "changes requested" review, once per review id. Writes `reviewsTold`. */
  notifyChangesRequested: 'slack:review:notify-changes',
  /** Review: reminds each reviewer whose review is overdue by a Slack direct message, once per period. Updates `reviewAssignment`. */
  remindReviewers: 'slack:review:remind',
  /** Review: replaces each reviewer silent past `reviewers.reassign_after` by the next candidate on GitHub. Updates `reviewAssignment`. */
  reassignReviewers: 'github:review:reassign',
  /** Review: comments on the ticket why nobody could be asked to review (reads `reviewBlockedReason`). */
  reportNoReviewer: 'jira:review:report-blocked',
  /** Review: tells the platform channel that a pull request has nobody to review it. */
  notifyNoReviewer: 'slack:review:notify-blocked',
  /** Review: comments [Success] REVIEW_RESULT with the reviewers and the review times, records the review stage, measures it. Writes `stageRecords`. */
  reportReview: 'jira:review:report',
  /** Pins the merged commit and plans the delivery attempt: the deploy builds (staging, canary, promote, rollback), the staging checks and the canary's timings. Writes `deliveryAttempt`, `stagingBuildKey`, … */
  planDelivery: 'github:delivery:plan',
  /** Probes the staging service's health once and folds the answer into `stagingHealth`. Writes `stagingHealthVerdict` (waiting | healthy | unhealthy). */
  probeStaging: 'service:staging:probe',
  /** Sends the repository's functional requests to the staging service and compares the answers. Writes `stagingFunctional`. */
  checkStagingFunctional: 'service:staging:functional',
  /** Comments STAGING_RESULT on the ticket, records the stage and counts the checks. Writes `stagingPassed`, `stageRecords`. */
  reportStaging: 'jira:staging:report',
  /** Posts the canary message with Approve and Reject and names who may decide. Writes `canaryGate`, the window's instants; may raise `DEPLOY_FAILED`. */
  announceCanary: 'slack:canary:announce',
  /** Runs the canary analysis's PromQL queries once and folds the sample into `canaryAnalysis`; may raise `CANARY_ANALYSIS_FAILED`. */
  analyseCanary: 'prometheus:canary:analyse',
  /** At the window's end: updates the canary message in place, Approve live, with the analysis figures. */
  openCanaryDecision: 'slack:canary:open',
  /** Reminds the deciders that the canary waits for them. */
  remindCanary: 'slack:canary:remind',
  /** Settles how the canary ends (local input `canaryEnd`): approved, rejected, analysis failed, no decision or deploy failed. Writes `canaryOutcome`. */
  settleCanary: 'canary:outcome:settle',
  /** Gives the promoted model version the `champion` alias in MLflow; may raise `DEPLOY_FAILED` when the promote build failed. */
  promoteModel: 'mlflow:model:promote',
  /** Updates the canary message in place with how it ended ("Approved by @… at …", rejected, rolled back). */
  concludeCanary: 'slack:canary:conclude',
  /** Comments the canary's end on the ticket, records the stage and counts the decision. Writes `stageRecords`. */
  reportCanary: 'jira:canary:report',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** Status roles the BPMN passes to `jira:issue:transition` and `jira:status:check` (mapped to Jira status names by the policy). */
export const StatusRoles = {
  research: 'research',
  readyForTraining: 'ready_for_training',
  /** Optional in the policy: the developer asks for a new inference build without a new commit. */
  readyForBuild: 'ready_for_build',
  /** The model is in production: the delivery stage's end. */
  done: 'done',
} as const;

/**
 * The status roles in the order a lifecycle passes them. A ticket is never moved back: the
 * transition step leaves a ticket alone that already has the status of a later role (the
 * developer moved it on while an earlier step waited for an operator).
 */
export const StatusRoleOrder: readonly string[] = [StatusRoles.research, StatusRoles.readyForTraining, StatusRoles.readyForBuild, StatusRoles.done];

/** Stages whose Jenkins builds carry a build key `<issue key>/<stage>/<attempt>`. */
export function buildKeyOf(issueKey: string, stage: string, attempt: number): string {
  return `${issueKey}/${stage}/${attempt}`;
}

/** Message names the webhooks correlate, always with the issue key as business key. */
export const Messages = {
  /** Any update of the ticket while the process waits for an invalid request to be fixed. */
  ticketUpdated: 'jira-ticket:updated',
  /** The ticket reached the status of a role, e.g. `jira-status:ready_for_training`. */
  statusReached: (role: string) => `jira-status:${role}` as const,
  /** A Jenkins build attempt ended (`POST /webhooks/jenkins`); correlated with `correlationKeys: { buildKey }`. */
  jenkinsBuildFinished: 'jenkins-build:finished',
  /** A push to the default branch of a model repository, correlated by the `repositoryFullName` variable: wakes the wait for a fix and the review wait (new commits are built before the review goes on). */
  githubPush: 'github:push',
  /** A review submitted on a pull request of a model repository, correlated by `repositoryFullName`; sets `review`. */
  githubPrReview: 'github:pr-review',
  /** A pull request of a model repository merged, correlated by `repositoryFullName`; sets `mergedPr`. */
  githubPrMerged: 'github:pr-merged',
  /** A pull request of a model repository closed without merging, or reopened, correlated by `repositoryFullName`; sets `changedPr`. */
  githubPrChanged: 'github:pr-changed',
  /**
   * Someone allowed to decide clicked Approve, or submitted the Reject form, on the canary message
   * (`POST /slack/events`); correlated by business key, sets `canaryDecision` (src/domain/canary-decision.ts).
   */
  slackCanaryDecision: 'slack:canary-decision',
  /**
   * An operator asks a lifecycle that found nobody to review to choose reviewers again (after a
   * policy change or someone's return): `POST /engine-rest/message` with
   * `{"messageName":"review:retry","businessKey":"MLM-42"}`.
   */
  reviewRetry: 'review:retry',
} as const;

/** BPMN error codes a worker may raise; each is declared and caught in the BPMN. */
export const ErrorCodes = {
  /** The ticket lacks fields or has invalid ones; the error message lists the problems. */
  modelRequestInvalid: 'MODEL_REQUEST_INVALID',
  /** model.toml in the repository is invalid; the error message lists every problem by TOML path. */
  modelConfigInvalid: 'MODEL_CONFIG_INVALID',
  /** The lifecycle used `training.max_attempts` training attempts. */
  trainingAttemptsExhausted: 'TRAINING_ATTEMPTS_EXHAUSTED',
  /** The training build failed, left no MLflow run, or a metric missed its threshold; `trainingOutcome` says which. */
  trainingFailed: 'TRAINING_FAILED',
  /** The build or a check failed; `buildOutcome` holds the class and the facts. */
  buildFailed: 'BUILD_FAILED',
  /** The lifecycle used `build.max_attempts` inference builds. */
  buildAttemptsExhausted: 'BUILD_ATTEMPTS_EXHAUSTED',
  /** Nobody the policy allows can review the pull request; the error message says who was left out and why. */
  noEligibleReviewer: 'NO_ELIGIBLE_REVIEWER',
  /** A canary or promote deploy build did not succeed; the canary is rolled back. */
  deployFailed: 'DEPLOY_FAILED',
  /** The canary analysis failed (a query past its threshold too often); the canary is rolled back. */
  canaryAnalysisFailed: 'CANARY_ANALYSIS_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Ids of the elements tests and operators refer to (wait states and ends). */
export const ElementIds = {
  startEvent: 'StartEvent_TicketCreated',
  duplicateEnd: 'EndEvent_Duplicate',
  readTicket: 'Task_ReadTicket',
  createRepository: 'Task_CreateRepository',
  awaitTicketFix: 'Gateway_AwaitTicketFix',
  checkReadyForTraining: 'Task_CheckReadyForTraining',
  awaitReady: 'Gateway_AwaitReady',
  readModelConfig: 'Task_ReadModelConfig',
  trainingBuild: 'Call_TrainingBuild',
  /** Milestone: the model is trained and registered. */
  trained: 'Event_Trained',
  planBuild: 'Task_PlanBuild',
  inferenceBuild: 'Call_InferenceBuild',
  awaitRebuild: 'Gateway_AwaitRebuild',
  /** Milestone: the inference service is built and every check passed; the review stage follows. */
  builtEnd: 'Event_Built',
  openPullRequest: 'Task_OpenPullRequest',
  assignReviewers: 'Task_AssignReviewers',
  /** The wait for an operator or the re-check when nobody can review. */
  awaitReviewerChange: 'Gateway_AwaitReviewerChange',
  checkReview: 'Task_CheckReview',
  /** The wait for reviews and the merge, with the reminder and reassignment timers. */
  awaitReview: 'Gateway_AwaitReview',
  remindReviewers: 'Task_RemindReviewers',
  reassignReviewers: 'Task_ReassignReviewers',
  /** Tells the ticket, then the team channel, that the review pull request was closed without merging. */
  reportReviewClosed: 'Task_ReportReviewClosed',
  notifyReviewClosed: 'Task_NotifyReviewClosed',
  /** The wait's catch of `github:pr-changed`: the pull request closed or reopened. */
  prChanged: 'Event_PrChanged',
  /** The wait's catch of `github:push`: new commits on the default branch, the review pull request's head. */
  pushedInReview: 'Event_PushedInReview',
  /** Tells the ticket, then each reviewer, that new commits are built and tested before the review goes on. */
  reportNewCommits: 'Task_ReportNewCommits',
  notifyNewCommits: 'Task_NotifyNewCommits',
  /** Milestone: reviewed, approved by the required reviewer and merged; the delivery stage follows. */
  reviewed: 'Event_Reviewed',
  planDelivery: 'Task_PlanDelivery',
  stagingDeploy: 'Call_StagingDeploy',
  probeStaging: 'Task_ProbeStaging',
  reportStaging: 'Task_ReportStaging',
  canaryDeploy: 'Call_CanaryDeploy',
  announceCanary: 'Task_AnnounceCanary',
  analyseCanary: 'Task_AnalyseCanary',
  openCanaryDecision: 'Task_OpenCanaryDecision',
  /** The wait for Approve or Reject (receive task with the reminder and deadline timers). */
  awaitCanaryDecision: 'Receive_CanaryDecision',
  promoteDeploy: 'Call_PromoteDeploy',
  rollbackDeploy: 'Call_RollbackDeploy',
  reportCanaryRollback: 'Task_ReportCanaryRollback',
  /** The model is in production and the ticket is Done. */
  deliveredEnd: 'EndEvent_Delivered',
} as const;

/** Ids of the jenkins-build sub-process's elements that tests and operators refer to. */
export const JenkinsBuildElementIds = {
  triggerBuild: 'Task_TriggerBuild',
  /** The wait for the callback or the poll timer. */
  awaitBuild: 'Gateway_AwaitBuild',
  abortBuild: 'Task_AbortBuild',
  buildEnd: 'EndEvent_BuildEnded',
} as const;
