import { z } from 'zod';
import { ErrorCodes, Topics } from '../src/bpmn/contract.ts';
import type { GitHubClient } from '../src/clients/github.ts';
import type { JiraClient } from '../src/clients/jira.ts';
import type { SlackClient } from '../src/clients/slack.ts';
import { findTeam, type Policy } from '../src/config/policy.ts';
import { canaryGateSchema, type CanaryPerson } from '../src/domain/canary-decision.ts';
import { canaryAnnouncementSlack, canaryFacts, deployParameters, deployFailureReason, fillUrlPattern, type CanaryFacts } from '../src/domain/delivery.ts';
import { parseIsoDuration } from '../src/domain/duration.ts';
import { jenkinsBuildResult } from '../src/domain/jenkins-build.ts';
import { isoInstant, repository, ticketCreatedAt } from '../src/domain/lifecycle-variables.ts';
import { modelRequestSchema } from '../src/domain/model-request.ts';
import { InvalidTaskInputError, defineWorker } from '../src/runtime/worker.ts';
import { codeOwnersOf, developerSlackId, slackReach, splitRepository } from './review-people.ts';
import { exampleCanaryDeploy, exampleCanaryFacts, exampleCanaryGate, exampleCanaryParameters, exampleModelRequest, exampleRepository } from './examples.ts';

/** What the announcement reads of GitHub to find the model's maintainers. */
type DeciderGitHub = Pick<GitHubClient, 'repositoryMaintainers' | 'readFileAt' | 'teamMembers' | 'userEmail'>;

/**
 * Announces the canary in the team's channel, once per attempt: "Service deployed in canary
 * mode" with the Grafana and Cockpit links, the task, initiator, developer and repository,
 * "Approve becomes available in 3 min, after stabilisation", and the Approve and Reject buttons
 * (`canary:approve`, `canary:reject`, value = the issue key). Names who may decide (the model's
 * maintainers and the policy's approvers, as Slack users) and who may not (the developer unless
 * the policy allows self-approval) in `canaryGate`, which the Slack listener judges clicks by.
 * The window starts when the canary deploy build ended, so a rerun computes the same instants.
 * A canary deploy build that failed raises DEPLOY_FAILED: the canary is rolled back.
 */
export function createAnnounceCanary(deps: {
  slack: Pick<SlackClient, 'postMessageOnce' | 'lookupUserByEmail'>;
  github: DeciderGitHub;
  jira: Pick<JiraClient, 'getIssue'>;
  policy: Policy;
  issueUrl: (key: string) => string;
  cockpitUrl: (processInstanceId: string) => string;
}) {
  return defineWorker({
    topic: Topics.announceCanary,
    description: 'Posts "Service deployed in canary mode" with Approve and Reject, and names who may decide',
    input: z.object({
      deliveryAttempt: z.number().int().min(1).describe('The delivery attempt'),
      canaryDeploy: jenkinsBuildResult.describe('How the canary deploy build ended'),
      modelRequest: modelRequestSchema,
      repository,
      canaryBuildParameters: deployParameters.describe('The canary deploy build\'s parameters: the model version in the canary'),
      ticketCreatedAt: ticketCreatedAt.optional().describe('When the Jira ticket was created; the search for an earlier message stops there'),
    }),
    output: z.object({
      canaryGate: canaryGateSchema,
      canaryFacts,
      canaryStartedAt: isoInstant.describe('When the canary took traffic (its deploy build ended)'),
      canaryWindowEndsAt: isoInstant.describe('End of the stabilisation window: Approve becomes available'),
      canaryReminderAt: isoInstant.describe('When the deciders are reminded (BPMN timer date)'),
      canaryDecisionDeadlineAt: isoInstant.describe('When an undecided canary is rolled back (BPMN timer date)'),
    }),
    errors: { [ErrorCodes.deployFailed]: 'the canary deploy build did not succeed; the canary is rolled back' },
    examples: [
      {
        title: 'churn-predictor v3 in canary, Alice may decide, Mia may not',
        input: { deliveryAttempt: 1, canaryDeploy: exampleCanaryDeploy, modelRequest: exampleModelRequest, repository: exampleRepository, canaryBuildParameters: exampleCanaryParameters },
        outcome: {
          kind: 'complete',
          variables: {
            canaryGate: exampleCanaryGate,
            canaryFacts: exampleCanaryFacts,
            canaryStartedAt: '2026-11-30T12:20:00.000Z',
            canaryWindowEndsAt: '2026-11-30T12:23:00.000Z',
            canaryReminderAt: '2026-11-30T13:23:00.000Z',
            canaryDecisionDeadlineAt: '2026-11-30T16:23:00.000Z',
          },
        },
      },
      {
        title: 'the canary deploy failed',
        input: { deliveryAttempt: 1, canaryDeploy: { ...exampleCanaryDeploy, result: 'FAILURE' }, modelRequest: exampleModelRequest, repository: exampleRepository, canaryBuildParameters: exampleCanaryParameters },
        outcome: { kind: 'bpmnError', code: ErrorCodes.deployFailed },
      },
    ],
    async run(ctx) {
      const { canary } = deps.policy.delivery;
      const { modelRequest: request, canaryDeploy: deploy } = ctx.input;
      const team = findTeam(deps.policy, request.team);
      if (!team) throw new InvalidTaskInputError(`team "${request.team}" is no longer in [[teams]] of the policy file; add it back and retry the incident`);

      const startedAt = new Date(deploy.endedAt);
      const windowEndsAt = new Date(startedAt.getTime() + (parseIsoDuration(canary.window) ?? 180_000));
      const reminderAt = new Date(windowEndsAt.getTime() + (parseIsoDuration(canary.reminder_after) ?? 3_600_000));
      const deadlineAt = new Date(windowEndsAt.getTime() + (parseIsoDuration(canary.decision_deadline) ?? 14_400_000));

      const issue = await deps.jira.getIssue(request.issueKey);
      const facts: CanaryFacts = {
        issueKey: request.issueKey,
        issueUrl: deps.issueUrl(request.issueKey),
        summary: issue.summary,
        initiator: issue.reporter?.displayName ?? 'unknown',
        developer: request.developer.displayName,
        modelName: request.modelName,
        modelVersion: ctx.input.canaryBuildParameters.MODEL_VERSION,
        repository: { fullName: ctx.input.repository.fullName, htmlUrl: ctx.input.repository.htmlUrl },
        weight: canary.weight,
        grafanaUrl: fillUrlPattern(canary.grafana_dashboard_url, { model: request.modelName, issue: request.issueKey }),
        cockpitUrl: deps.cockpitUrl(ctx.task.processInstanceId),
        attempt: ctx.input.deliveryAttempt,
        startedAt: startedAt.toISOString(),
        windowEndsAt: windowEndsAt.toISOString(),
      };
      // The facts travel with the error too: the rollback's messages and the ticket show them.
      if (deploy.result !== 'SUCCESS') return ctx.bpmnError(ErrorCodes.deployFailed, deployFailureReason('canary', deploy), { canaryFacts: facts });

      const { deciders, barred, unreachable } = await gatherPeople(deps, {
        team,
        repositoryFullName: ctx.input.repository.fullName,
        commit: ctx.input.canaryBuildParameters.GIT_COMMIT,
        developerEmail: request.developer.emailAddress,
      });
      if (unreachable.length > 0) ctx.log.warn({ unreachable }, 'some people allowed to decide cannot be found in Slack');
      const message = canaryAnnouncementSlack(facts);
      const posted = await deps.slack.postMessageOnce({
        channel: team.slack_channel,
        idempotencyKey: `model-lifecycle:${request.issueKey}:canary:${ctx.input.deliveryAttempt}`,
        text: message.text,
        blocks: message.blocks,
        ...(ctx.input.ticketCreatedAt === undefined ? {} : { notBefore: new Date(Date.parse(ctx.input.ticketCreatedAt) - 3_600_000) }),
      });
      ctx.log.info({ channel: posted.channel, ts: posted.ts, created: posted.created, deciders: deciders.length, windowEndsAt }, 'announced the canary');
      return ctx.complete({
        canaryGate: {
          issueKey: request.issueKey,
          channel: posted.channel,
          ts: posted.ts,
          windowEndsAt: windowEndsAt.toISOString(),
          decisionDeadlineAt: deadlineAt.toISOString(),
          deciders,
          barred,
        },
        canaryFacts: facts,
        canaryStartedAt: startedAt.toISOString(),
        canaryWindowEndsAt: windowEndsAt.toISOString(),
        canaryReminderAt: reminderAt.toISOString(),
        canaryDecisionDeadlineAt: deadlineAt.toISOString(),
      });
    },
  });
}

/**
 * The deciders and the barred, as Slack users. Deciders are the model's maintainers, from the
 * review's sources (`reviewers.maintainer_sources`: the team's maintainers, CODEOWNERS of the
 * model's files at the delivered commit, the repository's maintainers), then the policy's
 * approvers; a GitHub login maps through `[reviewers.slack_users]`, else its public e-mail,
 * and an e-mail through `users.lookupByEmail`. The developer is barred unless self-approval
 * is allowed. People who cannot be reached are answered with why, for the log.
 */
async function gatherPeople(
  deps: { slack: Pick<SlackClient, 'lookupUserByEmail'>; github: DeciderGitHub; policy: Policy },
  input: { team: { name: string; maintainers: readonly string[] }; repositoryFullName: string; commit: string; developerEmail: string | undefined },
): Promise<{ deciders: CanaryPerson[]; barred: CanaryPerson[]; unreachable: string[] }> {
  const { policy } = deps;
  const sources = policy.reviewers.maintainer_sources;
  const [owner, repo] = splitRepository(input.repositoryFullName);
  const candidates: Array<{ ref: string; reason: string }> = [];
  if (sources.includes('team')) candidates.push(...input.team.maintainers.map((login) => ({ ref: login, reason: `maintainer of team ${input.team.name}` })));
  if (sources.includes('codeowners')) candidates.push(...(await codeOwnersOf(deps.github, owner, repo, input.commit)).map((login) => ({ ref: login, reason: 'code owner of the model (CODEOWNERS)' })));
  if (sources.includes('repository')) candidates.push(...(await deps.github.repositoryMaintainers(owner, repo)).map((login) => ({ ref: login, reason: `maintainer of ${input.repositoryFullName}` })));
  candidates.push(...policy.delivery.canary.approvers.map((ref) => ({ ref, reason: 'platform approver (delivery.canary.approvers)' })));

  const deciders: CanaryPerson[] = [];
  const unreachable: string[] = [];
  for (const candidate of candidates) {
    const reach = candidate.ref.includes('@')
      ? await lookUp(deps, candidate.ref)
      : await slackReach(deps, candidate.ref, policy.reviewers.slack_users[candidate.ref] ? null : await deps.github.userEmail(candidate.ref));
    if ('problem' in reach) unreachable.push(reach.problem);
    else if (!deciders.some((person) => person.slackId === reach.userId)) deciders.push({ slackId: reach.userId, reason: candidate.reason });
  }
  const barred: CanaryPerson[] = [];
  if (!policy.delivery.canary.developer_may_approve) {
    const developer = await developerSlackId(deps, input.developerEmail);
    if (developer) barred.push({ slackId: developer, reason: 'developer of the model (delivery.canary.developer_may_approve = false)' });
  }
  return { deciders, barred, unreachable };
}

async function lookUp(deps: { slack: Pick<SlackClient, 'lookupUserByEmail'> }, email: string): Promise<{ userId: string } | { problem: string }> {
  const user = await deps.slack.lookupUserByEmail(email);
  return user ? { userId: user.id } : { problem: `nobody in Slack has the e-mail ${email} (delivery.canary.approvers)` };
}
