import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BPMN_FILE,
  BPMN_FILES,
  ElementIds,
  JENKINS_BUILD_PROCESS_KEY,
  ErrorCodes,
  Messages,
  PROCESS_KEY,
  StatusRoles,
  Topics,
} from '../../src/bpmn/contract.ts';
import { AWAITED_STATUS_ROLES, lifecycleStartVariables, statusMessage, TICKET_UPDATED_MESSAGE } from '../../src/lifecycle/contract.ts';
import { readBpmnContract } from '../../src/bpmn/read.ts';
import { parsePolicy } from '../../src/config/policy.ts';
import { createWorkers, type WorkerDeps } from '../../workers/index.ts';
import { loadDiagram, type Element } from './diagram.ts';
import { lintBpmn } from '../../scripts/lint-bpmn.ts';

const xml = readFileSync(BPMN_FILE, 'utf8');
const examplePolicy = parsePolicy(readFileSync('config/policy.example.toml', 'utf8'), 'policy.example.toml');
if (!examplePolicy.ok) throw new Error(examplePolicy.problems.join('\n'));
const contractDeps = { policy: examplePolicy.policy, issueUrl: String, callbackUrl: String, cockpitUrl: String } as unknown as WorkerDeps;
const { warnings, ofType, byId, attr, outgoing, incoming, eventDefinitions, inputParameters, extensions, shapes, edges, onOutline } = await loadDiagram(xml);
const processes = ofType('bpmn:Process');
const flowNodes = ofType('bpmn:FlowNode');
const sequenceFlows = ofType('bpmn:SequenceFlow');
const serviceTasks = ofType('bpmn:ServiceTask');

describe('bpmn/model-lifecycle.bpmn', () => {
  it('parses without moddle warnings', () => {
    expect(warnings.map((warning) => warning.message)).toEqual([]);
  });

  it('lints clean with .bpmnlintrc (bpmnlint:recommended), warnings included', async () => {
    expect(await lintBpmn(xml)).toEqual([]);
  });

  it('declares one executable process the engine accepts', () => {
    expect(processes).toHaveLength(1);
    const process = processes[0]!;
    expect(process.id).toBe(PROCESS_KEY);
    expect(process.get('name')).toBe('Model lifecycle');
    expect(process.get('isExecutable')).toBe(true);
    // Camunda 7.20+ refuses a deployment without a history time to live; it accepts days or P<n>D.
    expect(attr(process, 'historyTimeToLive')).toMatch(/^(\d+|P\d+D)$/);
    expect(attr(process, 'historyTimeToLive')).toBe('P180D');
    expect(attr(process, 'versionTag')).toMatch(/\S/);
    expect(process.get('documentation')?.[0]?.text).toMatch(/incident/i);
  });

  it('commits the start at once and leaves external tasks synchronous', () => {
    const [start, ...others] = ofType('bpmn:StartEvent');
    expect(others).toEqual([]);
    expect(start?.id).toBe(ElementIds.startEvent);
    // The first step is an external task (a wait state): an async start would only add job-executor latency.
    expect(attr(start!, 'asyncBefore')).toBeUndefined();
    // Through the join of the guard's settle loop (a gateway passes straight through) to the first wait state.
    let firstStep = (start!.get('outgoing') as Element[])[0]?.get('targetRef') as Element | undefined;
    while (firstStep?.$instanceOf('bpmn:ExclusiveGateway')) firstStep = outgoing(firstStep)[0]?.get('targetRef') as Element | undefined;
    expect(firstStep?.id).toBe('Task_GuardSingleLifecycle');
    expect(firstStep?.$type).toBe('bpmn:ServiceTask');
    expect(attr(firstStep!, 'type')).toBe('external');
    for (const task of serviceTasks) expect(attr(task, 'asyncBefore'), task.id).toBeUndefined();
  });

  it('gives every flow node a human name', () => {
    for (const node of flowNodes) expect(String(node.get('name') ?? '').trim(), node.id).not.toBe('');
  });

  it('has diagram interchange for every flow node and sequence flow', () => {
    expect(ofType('bpmndi:BPMNPlane').map((plane) => plane.get('bpmnElement'))).toEqual(processes);
    for (const node of flowNodes) {
      const bounds = shapes.get(node);
      expect(bounds, node.id).toBeDefined();
      expect(bounds!.width * bounds!.height, node.id).toBeGreaterThan(0);
    }
    for (const flow of sequenceFlows) expect(edges.get(flow)?.length ?? 0, flow.id).toBeGreaterThanOrEqual(2);
  });

  it('draws every sequence flow from the outline of its source to the outline of its target', () => {
    for (const flow of sequenceFlows) {
      const waypoints = edges.get(flow)!;
      expect(onOutline(flow.get('sourceRef'), waypoints[0]!), `${flow.id} starts on its source`).toBe(true);
      expect(onOutline(flow.get('targetRef'), waypoints.at(-1)!), `${flow.id} ends on its target`).toBe(true);
    }
  });

  it('puts every boundary event on the outline of its host', () => {
    const boundaryEvents = ofType('bpmn:BoundaryEvent');
    expect(boundaryEvents.map((event) => event.id).sort()).toEqual([
      'BoundaryEvent_AnalysisFailed',
      'BoundaryEvent_AttemptsExhausted',
      'BoundaryEvent_BuildAttemptsExhausted',
      'BoundaryEvent_BuildFailed',
      'BoundaryEvent_CanaryDeployFailed',
      'BoundaryEvent_DecisionDeadline',
      'BoundaryEvent_DecisionReminder',
      'BoundaryEvent_MergedWhileChecking',
      'BoundaryEvent_ModelConfigInvalid',
      'BoundaryEvent_NoEligibleReviewer',
      'BoundaryEvent_PrChangedWhileChecking',
      'BoundaryEvent_PromoteFailed',
      'BoundaryEvent_PushWhileChecking',
      'BoundaryEvent_PushWhileCheckingReview',
      'BoundaryEvent_ReadyForBuildWhileChecking',
      'BoundaryEvent_ReadyWhileChecking',
      'BoundaryEvent_RejectedWhileAnalysing',
      'BoundaryEvent_RejectedWhileOpening',
      'BoundaryEvent_RepositoryNameTaken',
      'BoundaryEvent_RequestInvalid',
      'BoundaryEvent_ReviewWhileChecking',
      'BoundaryEvent_TrainingFailed',
    ]);
    for (const event of boundaryEvents) {
      const b = shapes.get(event)!;
      expect(onOutline(event.get('attachedToRef'), { x: b.x + b.width / 2, y: b.y + b.height / 2 }), event.id).toBe(true);
    }
  });

  it('runs every service task as an external task on the topic the workers subscribe to', () => {
    const expected: Record<string, string> = {
      Task_GuardSingleLifecycle: Topics.guardSingle,
      Task_ReadTicket: Topics.readTicket,
      Task_ReportInvalidRequest: Topics.reportInvalidRequest,
      Task_CreateRepository: Topics.createRepository,
      Task_ConfigureRepository: Topics.configureRepository,
      Task_StartResearchServer: Topics.startResearchServer,
      Task_LinkRepository: Topics.linkRepository,
      Task_MoveToResearch: Topics.transitionIssue,
      Task_NotifyTeam: Topics.notifyTeam,
      Task_CheckReadyForTraining: Topics.checkStatus,
      Task_ReadModelConfig: Topics.readModelConfig,
      Task_ReportTrainingBlocked: Topics.reportTrainingBlocked,
      Task_EvaluateTraining: Topics.evaluateTraining,
      Task_RegisterModel: Topics.registerModel,
      Task_CommentTrainSuccess: Topics.reportTraining,
      Task_NotifyTrainSuccess: Topics.notifyTraining,
      Task_CommentTrainFailure: Topics.reportTraining,
      Task_NotifyTrainFailure: Topics.notifyTraining,
      Task_MoveBackToResearch: Topics.transitionIssue,
      Task_PlanBuild: Topics.planBuild,
      Task_ReportBuildBlocked: Topics.reportBuildBlocked,
      Task_ReadBuildReports: Topics.readBuildReports,
      Task_CommentBuildSuccess: Topics.reportBuild,
      Task_NotifyBuildSuccess: Topics.notifyBuild,
      Task_CommentBuildFailure: Topics.reportBuild,
      Task_NotifyBuildFailure: Topics.notifyBuild,
      Task_MoveBackForBuild: Topics.transitionIssue,
      Task_CheckRebuild: Topics.checkRebuild,
      Task_OpenPullRequest: Topics.openReviewPullRequest,
      Task_AssignReviewers: Topics.assignReviewers,
      Task_ReportNoReviewer: Topics.reportNoReviewer,
      Task_NotifyNoReviewer: Topics.notifyNoReviewer,
      Task_AnnounceReviewers: Topics.announceReviewers,
      Task_NotifyReviewers: Topics.notifyReviewers,
      Task_CheckReview: Topics.checkReview,
      Task_ReportChangesRequested: Topics.reportChangesRequested,
      Task_NotifyChangesRequested: Topics.notifyChangesRequested,
      Task_ReportReviewClosed: Topics.reportReviewClosed,
      Task_NotifyReviewClosed: Topics.notifyReviewClosed,
      Task_ReportNewCommits: Topics.reportNewCommits,
      Task_NotifyNewCommits: Topics.notifyNewCommits,
      Task_RemindReviewers: Topics.remindReviewers,
      Task_ReassignReviewers: Topics.reassignReviewers,
      Task_ReportReview: Topics.reportReview,
      Task_PlanDelivery: Topics.planDelivery,
      Task_ProbeStaging: Topics.probeStaging,
      Task_CheckStagingFunctional: Topics.checkStagingFunctional,
      Task_ReportStaging: Topics.reportStaging,
      Task_AnnounceCanary: Topics.announceCanary,
      Task_AnalyseCanary: Topics.analyseCanary,
      Task_OpenCanaryDecision: Topics.openCanaryDecision,
      Task_RemindCanary: Topics.remindCanary,
      Task_SettleDecision: Topics.settleCanary,
      Task_SettleDeployFailed: Topics.settleCanary,
      Task_SettleAnalysisFailed: Topics.settleCanary,
      Task_SettleNoDecision: Topics.settleCanary,
      Task_SettlePromoteFailed: Topics.settleCanary,
      Task_PromoteModel: Topics.promoteModel,
      Task_ConcludePromoted: Topics.concludeCanary,
      Task_ConcludeRolledBack: Topics.concludeCanary,
      Task_ReportCanaryPromoted: Topics.reportCanary,
      Task_ReportCanaryRollback: Topics.reportCanary,
      Task_MoveToDone: Topics.transitionIssue,
    };
    for (const task of serviceTasks) expect(attr(task, 'type'), task.id).toBe('external');
    expect(Object.fromEntries(serviceTasks.map((task) => [task.id, attr(task, 'topic')]))).toEqual(expected);
  });

  it('passes the status roles as constant input parameters', () => {
    expect(inputParameters(byId('Task_MoveToResearch'))).toEqual({ targetStatusRole: StatusRoles.research });
    expect(inputParameters(byId('Task_CheckReadyForTraining'))).toEqual({ awaitedStatusRole: StatusRoles.readyForTraining });
    // A failed training hands the ticket back: the only task allowed to move it to an earlier status.
    expect(inputParameters(byId('Task_MoveBackToResearch'))).toEqual({ targetStatusRole: StatusRoles.research, moveBack: '${true}' });
    expect(outgoing(byId('Task_MoveBackToResearch')).map((flow) => flow.get('targetRef').id)).toEqual(['Gateway_CheckStatusJoin']);
    expect(inputParameters(byId('Task_MoveBackForBuild'))).toEqual({ targetStatusRole: StatusRoles.research, moveBack: '${true}' });
    expect(outgoing(byId('Task_MoveBackForBuild')).map((flow) => flow.get('targetRef').id)).toEqual(['Gateway_RebuildCheckJoin']);
  });

  it('trains through the shared jenkins-build process, passing the attempt in and the result out', () => {
    const call = byId(ElementIds.trainingBuild);
    expect(call.$type).toBe('bpmn:CallActivity');
    expect(call.get('calledElement')).toBe(JENKINS_BUILD_PROCESS_KEY);
    expect(extensions(call, 'in')).toEqual([
      { businessKey: '#{execution.processBusinessKey}' },
      { source: 'trainingJob', target: 'jobPath' },
      { source: 'trainingBuildKey', target: 'buildKey' },
      { source: 'trainingBuildParameters', target: 'buildParameters' },
      { source: 'trainingTimeout', target: 'buildTimeout' },
      { source: 'buildPollInterval', target: 'buildPollInterval' },
    ]);
    expect(extensions(call, 'out')).toEqual([{ source: 'buildResult', target: 'trainingBuild' }]);
    // Every way training does not succeed leads back to the developer.
    for (const id of ['Task_ReportTrainingBlocked', 'Task_NotifyTrainFailure']) {
      expect(outgoing(byId(id)).map((flow) => flow.get('targetRef').id), id).toEqual(['Gateway_BackToDeveloper']);
    }
  });

  it('names and guards every sequence flow out of a splitting exclusive gateway', () => {
    const splits = ofType('bpmn:ExclusiveGateway').filter((gateway) => outgoing(gateway).length > 1);
    expect(splits.map((gateway) => gateway.id).sort()).toEqual([
      'Gateway_AlreadyReady',
      'Gateway_IsDuplicate',
      'Gateway_Promote',
      'Gateway_RebuildWanted',
      'Gateway_ResearchServer',
      'Gateway_ReviewClosed',
      'Gateway_ReviewDone',
      'Gateway_StagingHealthy',
      'Gateway_StagingPassed',
      'Gateway_WindowOver',
    ]);
    for (const gateway of splits) {
      const fallback = gateway.get('default');
      expect(outgoing(gateway), `${gateway.id} default flow`).toContain(fallback);
      for (const flow of outgoing(gateway)) {
        expect(String(flow.get('name') ?? '').trim(), flow.id).not.toBe('');
        if (flow === fallback) expect(flow.get('conditionExpression'), flow.id).toBeUndefined();
        else expect(flow.get('conditionExpression')?.body, flow.id).toMatch(/^\$\{\s*\w+\s*\}$/);
      }
    }
    expect(byId('Flow_IsDuplicate').get('conditionExpression').body).toBe('${isDuplicate}');
    expect(byId('Flow_ResearchServerWanted').get('conditionExpression').body).toBe('${researchServerEnabled}');
    expect(byId('Flow_AlreadyReady').get('conditionExpression').body).toBe('${statusReached}');
    expect(byId('Flow_RebuildWanted').get('conditionExpression').body).toBe('${rebuildWanted}');
    expect(byId('Flow_ReviewDone').get('conditionExpression').body).toBe('${reviewDone}');
    expect(byId('Flow_ChangesRequested').get('conditionExpression').body).toBe('${reviewChangesToTell}');
    expect(byId('Flow_ReviewNewCommits').get('conditionExpression').body).toBe('${reviewNewCommits}');
    expect(byId('Flow_StagingHealthy').get('conditionExpression').body).toBe('${stagingHealthy}');
    expect(byId('Flow_StagingGaveUp').get('conditionExpression').body).toBe('${stagingGaveUp}');
    expect(byId('Flow_StagingPassed').get('conditionExpression').body).toBe('${stagingPassed}');
    expect(byId('Flow_WindowOver').get('conditionExpression').body).toBe('${canaryWindowOver}');
    expect(byId('Flow_Approved').get('conditionExpression').body).toBe('${canaryPromote}');
  });

  it('keeps conditions off every flow that is not out of a splitting exclusive gateway', () => {
    for (const flow of sequenceFlows) {
      const source = flow.get('sourceRef');
      if (source.$instanceOf('bpmn:ExclusiveGateway') && outgoing(source).length > 1) continue;
      expect(flow.get('conditionExpression'), flow.id).toBeUndefined();
    }
  });

  it('connects event-based gateways only to catch events that nothing else leads to', () => {
    const gateways = ofType('bpmn:EventBasedGateway');
    expect(gateways.map((gateway) => gateway.id).sort()).toEqual(['Gateway_AwaitAnalysis', 'Gateway_AwaitReady', 'Gateway_AwaitRebuild', 'Gateway_AwaitReview', 'Gateway_AwaitReviewerChange', 'Gateway_AwaitTicketFix']);
    for (const gateway of gateways) {
      expect(outgoing(gateway).length, gateway.id).toBeGreaterThanOrEqual(2);
      for (const flow of outgoing(gateway)) {
        const target: Element = flow.get('targetRef');
        expect(target.$type, flow.id).toBe('bpmn:IntermediateCatchEvent');
        // Camunda: "Invalid incoming sequenceflow for intermediateCatchEvent … connected to an event-based gateway".
        expect(incoming(target), target.id).toEqual([flow]);
        expect(eventDefinitions(target).map((definition) => definition.$type), target.id).toEqual([
          expect.stringMatching(/^bpmn:(Message|Timer)EventDefinition$/),
        ]);
      }
    }
  });

  it('waits with timers the engine can evaluate', async () => {
    const timers = ofType('bpmn:TimerEventDefinition');
    const durations = Object.fromEntries(timers.flatMap((timer) => (timer.get('timeDuration') ? [[timer.$parent?.id, timer.get('timeDuration').body]] : [])));
    expect(durations).toEqual({
      Event_StartSettle: '${startSettle}',
      Event_TicketRecheck: '${statusReconcileInterval}',
      Event_StatusRecheck: '${statusReconcileInterval}',
      Event_RebuildRecheck: '${statusReconcileInterval}',
      Event_AssignRecheck: '${statusReconcileInterval}',
      Event_ReviewRecheck: '${statusReconcileInterval}',
      Event_HealthProbeWait: '${stagingHealthInterval}',
      Event_AnalysisWait: '${canaryAnalysisWait}',
    });
    // The review's reminder and replacement, and the canary's reminder and deadline, fall due at dates their steps compute.
    const dates = Object.fromEntries(timers.flatMap((timer) => (timer.get('timeDate') ? [[timer.$parent?.id, timer.get('timeDate').body]] : [])));
    expect(dates).toEqual({
      Event_ReminderDue: '${reviewRemindAt}',
      Event_ReassignDue: '${reviewReassignAt}',
      BoundaryEvent_DecisionReminder: '${canaryReminderAt}',
      BoundaryEvent_DecisionDeadline: '${canaryDecisionDeadlineAt}',
    });
    // Every duration reads a start variable, or one the step just before it always writes, so a
    // lifecycle never fails on an unknown property; the dates are written by the step every way into the wait passes through.
    expect((await readBpmnContract(xml)).timers).toEqual([
      '${canaryAnalysisWait}',
      '${canaryDecisionDeadlineAt}',
      '${canaryReminderAt}',
      '${reviewReassignAt}',
      '${reviewRemindAt}',
      '${stagingHealthInterval}',
      '${startSettle}',
      '${statusReconcileInterval}',
    ]);
    for (const name of ['startSettle', 'statusReconcileInterval']) expect(Object.keys(lifecycleStartVariables.shape)).toContain(name);
    expect(incoming(byId(ElementIds.awaitReview)).map((flow) => flow.get('sourceRef').id)).toEqual(['Gateway_ReviewClosed']);
    expect(incoming(byId('Gateway_ReviewClosed')).map((flow) => flow.get('sourceRef').id)).toEqual(['Gateway_ReviewDone']);
    // A pull request closed without merging is told once, then read again: the wait is the same one.
    expect(outgoing(byId('Gateway_ReviewClosed')).map((flow) => flow.get('targetRef').id).sort()).toEqual([ElementIds.awaitReview, ElementIds.reportReviewClosed].sort());
    expect(outgoing(byId(ElementIds.reportReviewClosed)).map((flow) => flow.get('targetRef').id)).toEqual([ElementIds.notifyReviewClosed]);
    expect(outgoing(byId(ElementIds.notifyReviewClosed)).map((flow) => flow.get('targetRef').id)).toEqual(['Gateway_ReviewEventJoin']);
    expect(incoming(byId('Gateway_ReviewDone')).map((flow) => flow.get('sourceRef').id)).toEqual([ElementIds.checkReview]);
    const written = (topic: string) => Object.keys((createWorkers(contractDeps).find((worker) => worker.topic === topic)?.output as { shape: object }).shape);
    expect(written(Topics.planDelivery)).toContain('stagingHealthInterval');
    expect(written(Topics.analyseCanary)).toContain('canaryAnalysisWait');
    expect(written(Topics.announceCanary)).toEqual(expect.arrayContaining(['canaryReminderAt', 'canaryDecisionDeadlineAt']));
    // The canary's reminder leaves the wait in place; the deadline ends it.
    expect(byId('BoundaryEvent_DecisionReminder').get('cancelActivity')).toBe(false);
    expect(byId('BoundaryEvent_DecisionDeadline').get('cancelActivity')).not.toBe(false);
  });

  it('declares exactly the messages the webhooks correlate', async () => {
    const fromJira = [Messages.ticketUpdated, Messages.statusReached(StatusRoles.readyForTraining), Messages.statusReached(StatusRoles.readyForBuild)].sort();
    expect([TICKET_UPDATED_MESSAGE, ...AWAITED_STATUS_ROLES.map(statusMessage)].sort(), 'what the Jira webhook sends').toEqual(fromJira);
    const expected = [...fromJira, Messages.githubPush, Messages.githubPrReview, Messages.githubPrMerged, Messages.githubPrChanged, Messages.reviewRetry, Messages.slackCanaryDecision].sort();
    expect(ofType('bpmn:Message').map((message) => message.get('name')).sort()).toEqual(expected);
    expect((await readBpmnContract(xml)).messages).toEqual(expected);
    const waitsFor = (id: string) => eventDefinitions(byId(id)).map((definition) => definition.get('messageRef')?.name);
    expect(waitsFor('Event_TicketUpdated')).toEqual([Messages.ticketUpdated]);
    expect(waitsFor('Event_ReadyForTraining')).toEqual([Messages.statusReached(StatusRoles.readyForTraining)]);
    expect(waitsFor('BoundaryEvent_ReadyWhileChecking')).toEqual([Messages.statusReached(StatusRoles.readyForTraining)]);
    const boundary = byId('BoundaryEvent_ReadyWhileChecking');
    expect(boundary.get('attachedToRef').id).toBe(ElementIds.checkReadyForTraining);
    expect(boundary.get('cancelActivity')).not.toBe(false);
    expect(waitsFor('Event_Pushed')).toEqual([Messages.githubPush]);
    expect(waitsFor('BoundaryEvent_PushWhileChecking')).toEqual([Messages.githubPush]);
    expect(waitsFor('Event_ReadyForBuild')).toEqual([Messages.statusReached(StatusRoles.readyForBuild)]);
    expect(waitsFor('BoundaryEvent_ReadyForBuildWhileChecking')).toEqual([Messages.statusReached(StatusRoles.readyForBuild)]);
    // The review wait: the webhooks' messages are subscribed while the check runs, so none is lost.
    expect(waitsFor('Event_ReviewSubmitted')).toEqual([Messages.githubPrReview]);
    expect(waitsFor('BoundaryEvent_ReviewWhileChecking')).toEqual([Messages.githubPrReview]);
    expect(waitsFor('Event_PrMerged')).toEqual([Messages.githubPrMerged]);
    expect(waitsFor('BoundaryEvent_MergedWhileChecking')).toEqual([Messages.githubPrMerged]);
    expect(waitsFor(ElementIds.prChanged)).toEqual([Messages.githubPrChanged]);
    expect(waitsFor('BoundaryEvent_PrChangedWhileChecking')).toEqual([Messages.githubPrChanged]);
    expect(waitsFor('Event_ReviewRetry')).toEqual([Messages.reviewRetry]);
    // New commits during the review: a push wakes the wait and the check; the check decides, and new commits go back to the build stage.
    expect(waitsFor(ElementIds.pushedInReview)).toEqual([Messages.githubPush]);
    expect(waitsFor('BoundaryEvent_PushWhileCheckingReview')).toEqual([Messages.githubPush]);
    expect(incoming(byId(ElementIds.pushedInReview)).map((flow) => flow.get('sourceRef').id)).toEqual([ElementIds.awaitReview]);
    expect(outgoing(byId(ElementIds.pushedInReview)).map((flow) => flow.get('targetRef').id)).toEqual(['Gateway_ReviewEventJoin']);
    expect(outgoing(byId(ElementIds.reportNewCommits)).map((flow) => flow.get('targetRef').id)).toEqual([ElementIds.notifyNewCommits]);
    expect(outgoing(byId(ElementIds.notifyNewCommits)).map((flow) => flow.get('targetRef').id)).toEqual(['Gateway_Rebuild']);
    for (const id of ['BoundaryEvent_ReviewWhileChecking', 'BoundaryEvent_MergedWhileChecking', 'BoundaryEvent_PrChangedWhileChecking', 'BoundaryEvent_PushWhileCheckingReview']) {
      expect(byId(id).get('attachedToRef').id, id).toBe(ElementIds.checkReview);
      expect(outgoing(byId(id)).map((flow) => flow.get('targetRef').id), id).toEqual(['Gateway_CheckReviewJoin']);
    }
    expect(byId(ElementIds.awaitCanaryDecision).get('messageRef')?.name).toBe(Messages.slackCanaryDecision);
    // A Reject during the stabilisation window is caught wherever the canary is: analysing, between analyses, opening Approve.
    expect(waitsFor('Event_RejectedInWindow')).toEqual([Messages.slackCanaryDecision]);
    expect(waitsFor('BoundaryEvent_RejectedWhileAnalysing')).toEqual([Messages.slackCanaryDecision]);
    expect(waitsFor('BoundaryEvent_RejectedWhileOpening')).toEqual([Messages.slackCanaryDecision]);
  });

  it('declares exactly the error codes the workers raise, and catches them', async () => {
    expect(ofType('bpmn:Error').map((error) => error.get('errorCode'))).toEqual(Object.values(ErrorCodes));
    expect((await readBpmnContract(xml)).errorCodes).toEqual(Object.values(ErrorCodes).sort());
    for (const [id, host] of [
      ['BoundaryEvent_RequestInvalid', ElementIds.readTicket],
      ['BoundaryEvent_RepositoryNameTaken', ElementIds.createRepository],
    ] as const) {
      const boundary = byId(id);
      expect(boundary.get('attachedToRef').id, id).toBe(host);
      const [definition] = eventDefinitions(boundary);
      expect(definition?.get('errorRef')?.errorCode, id).toBe(ErrorCodes.modelRequestInvalid);
      expect(attr(definition!, 'errorMessageVariable'), id).toBe('requestProblems');
      // Both problems reach the developer the same way: through the join to the report task.
      const [flow] = outgoing(boundary);
      expect(flow?.get('targetRef').id, id).toBe('Gateway_ReportProblems');
    }
    expect(outgoing(byId('Gateway_ReportProblems')).map((flow) => flow.get('targetRef').id)).toEqual(['Task_ReportInvalidRequest']);
    // Nobody to review is no incident: it is reported and waited out.
    const noReviewer = byId('BoundaryEvent_NoEligibleReviewer');
    expect(noReviewer.get('attachedToRef').id).toBe(ElementIds.assignReviewers);
    expect(eventDefinitions(noReviewer)[0]?.get('errorRef')?.errorCode).toBe(ErrorCodes.noEligibleReviewer);
    expect(attr(eventDefinitions(noReviewer)[0]!, 'errorMessageVariable')).toBe('reviewBlockedReason');
    expect(outgoing(byId('Task_NotifyNoReviewer')).map((flow) => flow.get('targetRef').id)).toEqual([ElementIds.awaitReviewerChange]);
  });

  it('reports every topic of the contract, with the processes it calls', async () => {
    const contracts = await Promise.all(BPMN_FILES.map(async (file) => readBpmnContract(readFileSync(file, 'utf8'))));
    expect([...new Set(contracts.flatMap((contract) => contract.topics))].sort()).toEqual([...new Set(Object.values(Topics))].sort());
  });

  it('knows every element id the contract names', () => {
    expect(existsSync(BPMN_FILE)).toBe(true);
    for (const id of Object.values(ElementIds)) expect(() => byId(id)).not.toThrow();
  });
});

describe('readBpmnContract', () => {
  it('reads topics, messages, error codes, timers and the errors caught per topic of any prefix binding', async () => {
    const other = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:c="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <process id="p" isExecutable="true">
    <serviceTask id="a" c:type="external" c:topic="x:y" />
    <serviceTask id="b" c:class="com.example.Delegate" />
    <intermediateCatchEvent id="e"><messageEventDefinition messageRef="m" /></intermediateCatchEvent>
    <boundaryEvent id="f" attachedToRef="a"><errorEventDefinition errorRef="err" /></boundaryEvent>
    <intermediateCatchEvent id="g"><timerEventDefinition><timeCycle>R3/PT1M</timeCycle></timerEventDefinition></intermediateCatchEvent>
  </process>
  <message id="m" name="hello" />
  <error id="err" errorCode="BAD" />
</definitions>`;
    expect(await readBpmnContract(other)).toEqual({ topics: ['x:y'], messages: ['hello'], errorCodes: ['BAD'], timers: ['R3/PT1M'], caughtByTopic: { 'x:y': ['BAD'] } });
  });
});
