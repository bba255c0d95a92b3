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
  };
}
