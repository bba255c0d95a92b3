// The package ships no types; this declares only the surface this service uses (v3.1).
declare module 'camunda-external-task-client-js' {
  import { EventEmitter } from 'node:events';

  export interface TypedValue {
    value: unknown;
    type: string;
    valueInfo?: Record<string, unknown>;
  }

  export class Variables {
    constructor(initial?: Record<string, TypedValue>, options?: Record<string, unknown>);
    get(name: string): unknown;
    getAll(): Record<string, unknown>;
    getAllTyped(): Record<string, TypedValue>;
    set(name: string, value: unknown): Variables;
    setAll(values: Record<string, unknown>): Variables;
    setTyped(name: string, value: TypedValue): Variables;
    setAllTyped(values: Record<string, TypedValue>): Variables;
  }

  export interface Task {
    id: string;
    topicName: string;
    activityId: string;
    activityInstanceId: string;
    processInstanceId: string;
    processDefinitionKey: string;
    businessKey: string | null;
    retries: number | null;
    workerId: string;
    errorMessage: string | null;
    variables: Variables;
  }

  export interface HandleFailureOptions {
    errorMessage?: string;
    errorDetails?: string;
    retries?: number;
    retryTimeout?: number;
  }

  export interface TaskService {
    complete(task: Task, variables?: Variables, localVariables?: Variables): Promise<void>;
    handleFailure(task: Task, options: HandleFailureOptions): Promise<void>;
    handleBpmnError(task: Task, errorCode: string, errorMessage?: string, variables?: Variables): Promise<void>;
    extendLock(task: Task, newDuration: number): Promise<void>;
    unlock(task: Task): Promise<void>;
  }

  export interface SubscribeOptions {
    lockDuration?: number;
    variables?: string[];
    businessKey?: string;
    processDefinitionKey?: string;
  }

  export type Handler = (args: { task: Task; taskService: TaskService }) => Promise<void> | void;

  export interface ClientOptions {
    baseUrl: string;
    workerId?: string;
    maxTasks?: number;
    maxParallelExecutions?: number;
    interval?: number;
    lockDuration?: number;
    autoPoll?: boolean;
    asyncResponseTimeout?: number;
    usePriority?: boolean;
    interceptors?: ((config: Record<string, unknown>) => Record<string, unknown>) | Array<(config: Record<string, unknown>) => Record<string, unknown>>;
    use?: ((client: Client) => void) | Array<(client: Client) => void>;
  }

  export class Client extends EventEmitter {
    constructor(options: ClientOptions);
    options: Required<Pick<ClientOptions, 'interval'>> & ClientOptions;
    activeTasksCount: number;
    start(): void;
    stop(): void;
    subscribe(topic: string, options: SubscribeOptions, handler: Handler): { unsubscribe(): void };
    subscribe(topic: string, handler: Handler): { unsubscribe(): void };
  }

  export const logger: (client: Client) => void;
}
