import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the service exposes on /metrics. One registry per service instance (tests and
 * benchmarks create their own), passed to whoever records.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Seconds a handler ran, by topic and outcome (complete | bpmn_error | failure | invalid_input). */
  readonly taskDuration: Histogram<'topic' | 'outcome'>;
  /** Finished tasks by topic, outcome and failure class (none | business code | error name). */
  readonly taskOutcomes: Counter<'topic' | 'outcome' | 'failure_class'>;
  /** Webhook deliveries by source (jira …) and result (started, duplicate, correlated, not_awaited, ignored, unauthorized, invalid, engine_unavailable). */
  readonly webhooks: Counter<'source' | 'result'>;
  /** BPMN messages sent to the engine, by message name and result (correlated, not_awaited). */
  readonly messageCorrelations: Counter<'message' | 'result'>;
  /** Lifecycles started, by how (webhook). */
  readonly lifecyclesStarted: Counter<'trigger'>;
  /** Long polls that failed (engine down, connection dropped). */
  readonly pollErrors: Counter<'engine'>;
  /** Seconds Jenkins builds waited in the queue, by job. */
  readonly jenkinsQueueWait: Histogram<'job'>;
  /** Seconds Jenkins builds ran, by job and result (SUCCESS, FAILURE, TIMED_OUT …). */
  readonly jenkinsBuildDuration: Histogram<'job' | 'result'>;
  /** Training attempts by outcome (success | failure) and failure class (none, build_failed, metric_gate …). */
  readonly trainingAttempts: Counter<'outcome' | 'failure_class'>;
  /** Metric gate verdicts, by metric and result (pass | fail). */
  readonly metricGate: Counter<'metric' | 'result'>;
  /** Build-and-test attempts by outcome (success | failure) and failure class (none, unit_tests, infrastructure …). */
  readonly buildAttempts: Counter<'outcome' | 'failure_class'>;
  /** Tests that failed and then passed on a rerun (flaky), counted as builds are judged. */
  readonly testsRerun: Counter;
  /** Seconds from a review request to that reviewer's first review, observed when the review stage ends. */
  readonly reviewPickup: Histogram;
  /** Seconds of the review phases: approval (first request → the required approval) and merge (approval → merge). */
  readonly reviewDuration: Histogram<'phase'>;
  /** Reminders sent to late reviewers, by role (required | second). */
  readonly reviewReminders: Counter<'role'>;
  /** Late reviewers replaced, by role (required | second). */
  readonly reviewReassignments: Counter<'role'>;
  /** Staging checks by check (deploy, health, functional) and result (pass | fail). */
  readonly stagingChecks: Counter<'check' | 'result'>;
  /** Canary ends by outcome (approved, rejected, analysis_failed, no_decision, deploy_failed). */
  readonly canaryDecisions: Counter<'outcome'>;
  /** Seconds from the canary announcement to the Approve or Reject, by outcome. */
  readonly canaryDecisionSeconds: Histogram<'outcome'>;
  /** Canaries rolled back without a person deciding, by reason (analysis_failed, no_decision, deploy_failed). */
  readonly canaryAutomaticRollbacks: Counter<'reason'>;
  /** Clicks on the canary's Approve/Reject, by action (approve | reject) and result (accepted | not_allowed | barred | too_early | no_gate | already_decided | engine_unavailable). */
  readonly canaryClicks: Counter<'action' | 'result'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    taskDuration: new Histogram({
      name: 'lifecycle_task_duration_seconds',
      help: 'Time a worker handler ran for one external task',
      labelNames: ['topic', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    taskOutcomes: new Counter({
      name: 'lifecycle_task_outcomes_total',
      help: 'External tasks finished, by topic, outcome and failure class',
      labelNames: ['topic', 'outcome', 'failure_class'],
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'lifecycle_webhooks_total',
      help: 'Webhook deliveries, by source and result',
      labelNames: ['source', 'result'],
      registers: [registry],
    }),
    messageCorrelations: new Counter({
      name: 'lifecycle_message_correlations_total',
      help: 'BPMN messages correlated from webhooks, by message name and result',
      labelNames: ['message', 'result'],
      registers: [registry],
    }),
    lifecyclesStarted: new Counter({
      name: 'lifecycle_started_total',
      help: 'Model lifecycles started',
      labelNames: ['trigger'],
      registers: [registry],
    }),
    pollErrors: new Counter({
      name: 'lifecycle_poll_errors_total',
      help: 'Failed fetch-and-lock polls against the engine',
      labelNames: ['engine'],
      registers: [registry],
    }),
    jenkinsQueueWait: new Histogram({
      name: 'lifecycle_jenkins_queue_wait_seconds',
      help: 'Time Jenkins builds waited in the queue before they ran',
      labelNames: ['job'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    jenkinsBuildDuration: new Histogram({
      name: 'lifecycle_jenkins_build_duration_seconds',
      help: 'Running time of Jenkins builds, by job and result',
      labelNames: ['job', 'result'],
      buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
      registers: [registry],
    }),
    trainingAttempts: new Counter({
      name: 'lifecycle_training_attempts_total',
      help: 'Training attempts, by outcome and failure class',
      labelNames: ['outcome', 'failure_class'],
      registers: [registry],
    }),
    buildAttempts: new Counter({
      name: 'lifecycle_build_attempts_total',
      help: 'Build-and-test attempts of the inference service, by outcome and failure class',
      labelNames: ['outcome', 'failure_class'],
      registers: [registry],
    }),
    testsRerun: new Counter({
      name: 'lifecycle_tests_rerun_total',
      help: 'Tests that failed and then passed on a rerun (flaky) in judged builds',
      registers: [registry],
    }),
    reviewPickup: new Histogram({
      name: 'lifecycle_review_pickup_seconds',
      help: 'Time from a review request to that reviewer\'s first review',
      buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 345600, 604800],
      registers: [registry],
    }),
    reviewDuration: new Histogram({
      name: 'lifecycle_review_duration_seconds',
      help: 'Review phases: approval (first request to the required approval) and merge (approval to merge)',
      labelNames: ['phase'],
      buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 345600, 604800],
      registers: [registry],
    }),
    reviewReminders: new Counter({
      name: 'lifecycle_review_reminders_total',
      help: 'Reminders sent to reviewers who had not reviewed in time, by role',
      labelNames: ['role'],
      registers: [registry],
    }),
    reviewReassignments: new Counter({
      name: 'lifecycle_review_reassignments_total',
      help: 'Reviewers replaced after they had not reviewed in time, by role',
      labelNames: ['role'],
      registers: [registry],
    }),
    stagingChecks: new Counter({
      name: 'lifecycle_staging_checks_total',
      help: 'Staging check results, by check (deploy, health, functional) and result',
      labelNames: ['check', 'result'],
      registers: [registry],
    }),
    canaryDecisions: new Counter({
      name: 'lifecycle_canary_decisions_total',
      help: 'Canary ends, by outcome (approved, rejected, analysis_failed, no_decision, deploy_failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    canaryDecisionSeconds: new Histogram({
      name: 'lifecycle_canary_decision_seconds',
      help: 'Time from the canary announcement to the Approve or Reject, by outcome',
      labelNames: ['outcome'],
      buckets: [60, 180, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400],
      registers: [registry],
    }),
    canaryAutomaticRollbacks: new Counter({
      name: 'lifecycle_canary_automatic_rollbacks_total',
      help: 'Canaries rolled back without a person deciding, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    metricGate: new Counter({
      name: 'lifecycle_metric_gate_total',
      help: 'Metric gate verdicts after training, by metric and result',
      labelNames: ['metric', 'result'],
      registers: [registry],
    }),
    canaryClicks: new Counter({
      name: 'lifecycle_canary_clicks_total',
      help: 'Clicks on the canary Approve/Reject buttons, by action and result (accepted, or why nothing changed)',
      labelNames: ['action', 'result'],
      registers: [registry],
    }),
  };
}
