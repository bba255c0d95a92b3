import type { EngineClient } from '../engine/camunda7/rest.ts';
import type { Metrics } from '../observability/metrics.ts';
import { LIFECYCLE_PROCESS_KEY, lifecycleStartVariables } from './contract.ts';
import type { KeyedMutex } from './keyed-mutex.ts';

/** What starting a lifecycle needs; long-lived clients and config, wired once in `src/main.ts`. */
export interface StartLifecycleDeps {
  readonly engine: Pick<EngineClient, 'startProcess' | 'processInstances' | 'historicProcessInstances'>;
  readonly metrics: Pick<Metrics, 'lifecyclesStarted'>;
  /** Shared by every caller in this process, so two deliveries for one ticket take turns. */
  readonly locks: KeyedMutex;
  /** `policy.jupyterhub.enabled`. */
  readonly researchServerEnabled: boolean;
  /** `policy.timings.status_reconcile_interval`, an ISO-8601 duration. */
  readonly statusReconcileInterval: string;
  /** `policy.timings.start_settle`, an ISO-8601 duration. */
  readonly startSettle: string;
  /** Label of `lifecycle_started_total`; `webhook` unless said otherwise. */
  readonly trigger?: string;
}

export interface StartLifecycleInput {
  /** The Jira issue key: the lifecycle's business key. */
  readonly issueKey: string;
  /** When the ticket was created, as an ISO-8601 instant. */
  readonly createdAt: string;
}

/** `started`: this call started it. `duplicate`: a lifecycle for the ticket already existed (running or finished). */
export interface StartLifecycleResult {
  readonly result: 'started' | 'duplicate';
  readonly processInstanceId: string;
}

/**
 * Starts the lifecycle of a ticket unless one exists already: exactly one lifecycle per ticket.
 *
 * Looks at running and historic instances of `model-lifecycle` with the issue key as business
 * key before starting; a finished or cancelled lifecycle also counts, so a late redelivery of
 * `jira:issue_created` never starts a second one. The look-and-start runs under a
 * per-ticket mutex, so concurrent deliveries in this replica cannot both start. Across
 * replicas two starts can still race past the look; the process's first step
 * (`workers/lifecycle-guard-single.ts`) ends every instance but the earliest.
 *
 * Engine failures are thrown as `EngineError` for the caller to map (503 so Jira retries).
 */
export async function startLifecycleOnce(deps: StartLifecycleDeps, input: StartLifecycleInput): Promise<StartLifecycleResult> {
  const variables = lifecycleStartVariables.parse({
    issueKey: input.issueKey,
    ticketCreatedAt: input.createdAt,
    researchServerEnabled: deps.researchServerEnabled,
    statusReconcileInterval: deps.statusReconcileInterval,
    startSettle: deps.startSettle,
  });
  return deps.locks.run(variables.issueKey, async () => {
    const existing = await findLifecycle(deps.engine, variables.issueKey);
    if (existing) return { result: 'duplicate', processInstanceId: existing };
    const instance = await deps.engine.startProcess(LIFECYCLE_PROCESS_KEY, { businessKey: variables.issueKey, variables });
    deps.metrics.lifecyclesStarted.inc({ trigger: deps.trigger ?? 'webhook' });
    return { result: 'started', processInstanceId: instance.id };
  });
}

/** The id of the ticket's lifecycle: a running one first, else the oldest in history. */
async function findLifecycle(engine: StartLifecycleDeps['engine'], businessKey: string): Promise<string | undefined> {
  // Both queries: the runtime one sees a running instance even when history is off
  // (history level "none"); the history one also sees finished and cancelled ones.
  const [running, historic] = await Promise.all([
    engine.processInstances({ processDefinitionKey: LIFECYCLE_PROCESS_KEY, businessKey }),
    engine.historicProcessInstances({ processDefinitionKey: LIFECYCLE_PROCESS_KEY, businessKey }),
  ]);
  return running[0]?.id ?? historic[0]?.id;
}
