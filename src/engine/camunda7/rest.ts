import { z } from 'zod';

/**
 * A thin typed client for the parts of the Camunda 7 REST API this service uses.
 * Answers are parsed with zod so a surprise from the engine fails loudly here, not later.
 * See https://docs.camunda.org/rest/camunda-bpm-platform/7.24/
 */

/** An error answer from the engine, or no answer at all (`status` 0). */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  /** HTTP status; 0 when the engine could not be reached. */
  readonly status: number;
  /** The engine's exception type, e.g. `OptimisticLockingException`, `RestException`. */
  readonly type: string | undefined;
  /** The engine's error code: 1 is an optimistic-locking conflict (7.21+). */
  readonly code: number | undefined;

  constructor(message: string, status: number, type: string | undefined, code: number | undefined) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
  }

  /** Nothing answered: the engine is down or unreachable. */
  get unreachable(): boolean {
    return this.status === 0;
  }

  /** A concurrent change won; the same request may succeed if sent again. */
  get optimisticLocking(): boolean {
    return this.type === 'OptimisticLockingException' || (this.status === 500 && this.code === 1);
  }
}

const errorBody = z.object({
  type: z.string().optional(),
  message: z.string().optional(),
  // null in the engine's answers to unexpected exceptions (a NullPointerException): the body still names the type.
  code: z.number().nullish(),
});

/** A typed process variable as the REST API carries it. */
export interface TypedValue {
  value: unknown;
  type: 'String' | 'Boolean' | 'Integer' | 'Long' | 'Double' | 'Json' | 'Null' | 'Date';
}

/** Turns plain values into REST typed values: objects and arrays become `Json`, never strings. */
export function toTypedValues(values: Record<string, unknown>): Record<string, TypedValue> {
  const typed: Record<string, TypedValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    typed[name] = toTypedValue(value);
  }
  return typed;
}

function toTypedValue(value: unknown): TypedValue {
  if (value === null) return { value: null, type: 'Null' };
  switch (typeof value) {
    case 'string':
      return { value, type: 'String' };
    case 'boolean':
      return { value, type: 'Boolean' };
    case 'number':
      return Number.isInteger(value) ? { value, type: 'Long' } : { value, type: 'Double' };
    default:
      return { value: JSON.stringify(value), type: 'Json' };
  }
}

const processInstance = z.object({
  id: z.string(),
  definitionId: z.string().optional(),
  businessKey: z.string().nullable(),
  ended: z.boolean().optional(),
  suspended: z.boolean().optional(),
});
export type ProcessInstance = z.infer<typeof processInstance>;

const historicProcessInstance = z.object({
  id: z.string(),
  businessKey: z.string().nullable(),
  processDefinitionKey: z.string(),
  startTime: z.string(),
  endTime: z.string().nullable(),
  state: z.string(),
});
export type HistoricProcessInstance = z.infer<typeof historicProcessInstance>;

const incident = z.object({
  id: z.string(),
  processInstanceId: z.string(),
  incidentType: z.string(),
  activityId: z.string(),
  incidentMessage: z.string().nullable(),
  configuration: z.string().nullable(),
});
export type Incident = z.infer<typeof incident>;

const externalTask = z.object({
  id: z.string(),
  topicName: z.string(),
  activityId: z.string(),
  processInstanceId: z.string(),
  retries: z.number().nullable(),
  errorMessage: z.string().nullable(),
  workerId: z.string().nullable(),
  lockExpirationTime: z.string().nullable(),
});
export type ExternalTask = z.infer<typeof externalTask>;

const historicActivityInstance = z.object({
  id: z.string(),
  activityId: z.string(),
  activityName: z.string().nullable(),
  activityType: z.string(),
  startTime: z.string(),
  endTime: z.string().nullable(),
  canceled: z.boolean(),
});
export type HistoricActivityInstance = z.infer<typeof historicActivityInstance>;

const deployment = z.object({
  id: z.string(),
  name: z.string().nullable(),
  deployedProcessDefinitions: z.record(z.string(), z.object({ id: z.string(), key: z.string(), version: z.number() })).nullable(),
});

/** `POST /message` with `resultEnabled`: one entry per execution or process definition the message reached. */
const messageCorrelationResults = z.array(z.object({ resultType: z.enum(['Execution', 'ProcessDefinition']).nullable().optional() }));

export interface EngineClientOptions {
  /** e.g. http://localhost:8080/engine-rest */
  baseUrl: string;
  username?: string;
  password?: string;
  /** Per-request timeout (default 5 s, well inside the 10 s Jira allows a webhook delivery). */
  timeoutMs?: number;
}

export class EngineClient {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: EngineClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.headers = { accept: 'application/json' };
    if (options.username) {
      const basic = Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64');
      this.headers.authorization = `Basic ${basic}`;
    }
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The engine's version; used by /readyz to tell whether the engine answers. */
  async version(): Promise<string> {
    const body = await this.request('GET', '/version');
    return z.object({ version: z.string() }).parse(body).version;
  }

  /**
   * Deploys BPMN files. With duplicate filtering an unchanged file creates no new version,
   * so every replica can deploy at startup.
   */
  async deploy(name: string, files: ReadonlyArray<{ name: string; content: string }>): Promise<{ id: string; changed: boolean }> {
    const form = new FormData();
    form.set('deployment-name', name);
    form.set('enable-duplicate-filtering', 'true');
    form.set('deploy-changed-only', 'true');
    form.set('deployment-source', 'model-lifecycle');
    for (const file of files) form.set(file.name, new Blob([file.content], { type: 'application/xml' }), file.name);
    const parsed = deployment.parse(await this.request('POST', '/deployment/create', form));
    return { id: parsed.id, changed: Object.keys(parsed.deployedProcessDefinitions ?? {}).length > 0 };
  }

  async startProcess(key: string, input: { businessKey: string; variables: Record<string, unknown> }): Promise<ProcessInstance> {
    const body = await this.request('POST', `/process-definition/key/${encodeURIComponent(key)}/start`, {
      businessKey: input.businessKey,
      variables: toTypedValues(input.variables),
    });
    return processInstance.parse(body);
  }

  /**
   * Delivers a message to the execution of `businessKey` waiting for it. Throws an
   * EngineError with status 400 when nothing waits for it.
   *
   * `correlationKeys` narrow the match further: only a process instance whose variables have
   * these values receives the message (sent as Camunda's typed `correlationKeys`).
   */
  async correlate(input: {
    messageName: string;
    businessKey: string;
    variables?: Record<string, unknown>;
    correlationKeys?: Record<string, unknown>;
  }): Promise<void> {
    await this.request('POST', '/message', {
      messageName: input.messageName,
      businessKey: input.businessKey,
      ...(input.correlationKeys ? { correlationKeys: toTypedValues(input.correlationKeys) } : {}),
      processVariables: toTypedValues(input.variables ?? {}),
    });
  }

  /**
   * Delivers a message to every execution waiting for it that matches (`all: true`), with or
   * without a business key: `correlationKeys` alone (process variables) may pick instances of
   * several lifecycles. Answers how many received it; 0 when nothing waits, which the engine
   * does not treat as an error for `all`. `resultEnabled` makes the engine list what it
   * correlated. Without `businessKey` a process definition whose message start event has this
   * name would be started too; the lifecycle's BPMN has none for the messages sent this way.
   */
  async correlateAll(input: {
    messageName: string;
    businessKey?: string | undefined;
    variables?: Record<string, unknown>;
    correlationKeys?: Record<string, unknown>;
  }): Promise<number> {
    const body = await this.request('POST', '/message', {
      messageName: input.messageName,
      ...(input.businessKey !== undefined ? { businessKey: input.businessKey } : {}),
      ...(input.correlationKeys ? { correlationKeys: toTypedValues(input.correlationKeys) } : {}),
      processVariables: toTypedValues(input.variables ?? {}),
      all: true,
      resultEnabled: true,
    });
    return messageCorrelationResults.parse(body ?? []).length;
  }

  async processInstances(query: { processDefinitionKey: string; businessKey?: string }): Promise<ProcessInstance[]> {
    const params = new URLSearchParams({ processDefinitionKey: query.processDefinitionKey });
    if (query.businessKey) params.set('businessKey', query.businessKey);
    return z.array(processInstance).parse(await this.request('GET', `/process-instance?${params}`));
  }

  /** Running and finished instances, oldest first. */
  async historicProcessInstances(query: { processDefinitionKey: string; businessKey: string }): Promise<HistoricProcessInstance[]> {
    const params = new URLSearchParams({
      processDefinitionKey: query.processDefinitionKey,
      processInstanceBusinessKey: query.businessKey,
      sortBy: 'startTime',
      sortOrder: 'asc',
    });
    return z.array(historicProcessInstance).parse(await this.request('GET', `/history/process-instance?${params}`));
  }

  async historicActivities(processInstanceId: string): Promise<HistoricActivityInstance[]> {
    const params = new URLSearchParams({ processInstanceId, sortBy: 'startTime', sortOrder: 'asc' });
    return z.array(historicActivityInstance).parse(await this.request('GET', `/history/activity-instance?${params}`));
  }

  async incidents(processInstanceId: string): Promise<Incident[]> {
    const params = new URLSearchParams({ processInstanceId });
    return z.array(incident).parse(await this.request('GET', `/incident?${params}`));
  }

  async externalTasks(processInstanceId: string): Promise<ExternalTask[]> {
    const params = new URLSearchParams({ processInstanceId });
    return z.array(externalTask).parse(await this.request('GET', `/external-task?${params}`));
  }

  /** Whether the external task still exists (an interrupting event or a completion by another worker removes it). */
  async externalTaskExists(externalTaskId: string): Promise<boolean> {
    try {
      await this.request('GET', `/external-task/${encodeURIComponent(externalTaskId)}`);
      return true;
    } catch (error) {
      if (error instanceof EngineError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Tasks the engine holds locked (lock not yet expired): those of `workerId`, or of every
   * worker. At most `maxResults` (1,000), oldest lock expiry first.
   */
  async lockedExternalTasks(workerId?: string, maxResults = 1_000): Promise<ExternalTask[]> {
    const params = new URLSearchParams({ locked: 'true', sortBy: 'lockExpirationTime', sortOrder: 'asc', maxResults: String(maxResults) });
    if (workerId !== undefined) params.set('workerId', workerId);
    return z.array(externalTask).parse(await this.request('GET', `/external-task?${params}`));
  }

  /**
   * Releases a task's lock so any worker can fetch it at once: the engine also wakes the
   * pending long polls, which otherwise look for expired locks only every 30 s.
   */
  async unlockExternalTask(externalTaskId: string): Promise<void> {
    await this.request('POST', `/external-task/${encodeURIComponent(externalTaskId)}/unlock`);
  }

  /** What an operator does with "Retry" on an incident in Cockpit. */
  async setExternalTaskRetries(externalTaskId: string, retries: number): Promise<void> {
    await this.request('PUT', `/external-task/${encodeURIComponent(externalTaskId)}/retries`, { retries });
  }

  async variables(processInstanceId: string): Promise<Record<string, unknown>> {
    const body = await this.request('GET', `/process-instance/${encodeURIComponent(processInstanceId)}/variables?deserializeValues=false`);
    const typed = z.record(z.string(), z.object({ type: z.string(), value: z.unknown() })).parse(body);
    return Object.fromEntries(
      Object.entries(typed).map(([name, v]) => [name, v.type === 'Json' && typeof v.value === 'string' ? JSON.parse(v.value) : v.value]),
    );
  }

  /** The latest value of each variable of an instance, running or ended, from the history. */
  async historicVariables(processInstanceId: string): Promise<Record<string, unknown>> {
    const params = new URLSearchParams({ processInstanceId, deserializeValues: 'false' });
    const body = await this.request('GET', `/history/variable-instance?${params}`);
    const rows = z.array(z.object({ name: z.string(), type: z.string().nullable(), value: z.unknown(), activityInstanceId: z.string().nullable().optional() })).parse(body);
    return Object.fromEntries(
      rows
        // Instance-level variables only: a task's local input parameters have their own activity instance.
        .filter((row) => row.activityInstanceId === processInstanceId || row.activityInstanceId == null)
        .map((row) => [row.name, row.type === 'Json' && typeof row.value === 'string' ? JSON.parse(row.value) : row.value]),
    );
  }

  /**
   * One variable of a running instance, Json parsed; `undefined` when the instance has no such
   * variable or is gone (404).
   */
  async variable(processInstanceId: string, name: string): Promise<unknown> {
    try {
      const body = await this.request(
        'GET',
        `/process-instance/${encodeURIComponent(processInstanceId)}/variables/${encodeURIComponent(name)}?deserializeValue=false`,
      );
      const typed = z.object({ type: z.string(), value: z.unknown() }).parse(body);
      return typed.type === 'Json' && typeof typed.value === 'string' ? JSON.parse(typed.value) : typed.value;
    } catch (error) {
      if (error instanceof EngineError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Deletes a running instance. A job of the instance (a timer firing, an async continuation)
   * committing at the same moment makes the engine refuse with an optimistic-locking conflict;
   * the delete is then sent again, up to five times, a little later each time.
   */
  async deleteProcessInstance(processInstanceId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.request('DELETE', `/process-instance/${encodeURIComponent(processInstanceId)}?skipCustomListeners=true`);
        return;
      } catch (error) {
        if (!(error instanceof EngineError && error.optimisticLocking) || attempt === 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { ...this.headers };
    let payload: RequestInit['body'];
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Reading the body can fail too (connection dropped, timeout mid-answer): the same "no answer".
      text = await response.text();
    } catch (cause) {
      throw new EngineError(`Camunda engine at ${this.baseUrl} did not answer ${method} ${path}: ${String((cause as Error).cause ?? cause)}`, 0, undefined, undefined);
    }
    if (!response.ok) {
      const parsed = errorBody.safeParse(safeJson(text));
      const detail = parsed.success ? parsed.data : {};
      throw new EngineError(
        `Camunda engine answered ${response.status} to ${method} ${path}: ${detail.message ?? text.slice(0, 300)}`,
        response.status,
        detail.type,
        detail.code ?? undefined,
      );
    }
    return text.length > 0 ? safeJson(text) : undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
