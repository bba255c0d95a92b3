import type { z } from 'zod';
import { isRetryableStatus } from './retry.ts';

/** The systems the clients talk to, as an operator reads them in Cockpit. */
export type ExternalSystem = 'Jira' | 'GitHub' | 'Slack' | 'JupyterHub' | 'MLflow' | 'Jenkins' | 'Prometheus';

export interface ClientErrorDetails {
  readonly system: ExternalSystem;
  /** What was being done, in words: "creating repository acme-ml/churn-model from template …". */
  readonly operation: string;
  /** HTTP status; 0 when nothing answered. */
  readonly status: number;
  readonly statusText?: string | undefined;
  /** The vendor's own error text or code (Slack: `channel_not_found`). */
  readonly vendorMessage?: string | undefined;
  /** Replaces the status in the message when the failure is not an HTTP error (an answer of the wrong shape, a missing transition). */
  readonly problem?: string | undefined;
  /** What an operator can do about it. */
  readonly hint?: string | undefined;
  /** Overrides the default (retryable when nothing answered, on 429 and on 5xx). */
  readonly retryable?: boolean | undefined;
  readonly cause?: unknown;
}

/**
 * A failed call to an external system. The message is written for the incident view in
 * Camunda Cockpit: which system, which call, the HTTP status, the vendor's text and a hint,
 * e.g. "GitHub: creating repository acme-ml/churn-model from template acme-ml/ml-model-template
 * failed: 404 Not Found — check github.template in the policy file and that the token can read it".
 */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly system: ExternalSystem;
  readonly operation: string;
  /** HTTP status; 0 when nothing answered. */
  readonly status: number;
  readonly vendorMessage: string | undefined;
  /** Whether the same call may succeed later (rate limit, outage); false for requests that are wrong. */
  readonly retryable: boolean;

  constructor(details: ClientErrorDetails) {
    super(formatClientErrorMessage(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.system = details.system;
    this.operation = details.operation;
    this.status = details.status;
    this.vendorMessage = details.vendorMessage;
    this.retryable = details.retryable ?? (details.problem === undefined && (details.status === 0 || isRetryableStatus(details.status)));
  }
}

const reasonPhrases: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** "System: operation failed: 404 Not Found: vendor text — hint". */
export function formatClientErrorMessage(details: ClientErrorDetails): string {
  const statusText = details.statusText || reasonPhrases[details.status] || '';
  const status = details.status === 0 ? 'no answer' : `${details.status}${statusText ? ` ${statusText}` : ''}`;
  const vendor = details.vendorMessage?.trim();
  const showVendor = vendor && vendor.toLowerCase() !== statusText.toLowerCase();
  const failure = details.problem ?? (details.status === 0 && vendor ? vendor : `${status}${showVendor ? `: ${vendor}` : ''}`);
  return `${details.system}: ${details.operation} failed: ${failure}${details.hint ? ` — ${details.hint}` : ''}`;
}

/** Hints that hold for any of the REST systems when a more specific one is not known. */
export function genericHint(system: ExternalSystem, status: number): string | undefined {
  if (status === 0) return `check that ${system} is reachable from the worker`;
  if (status === 401) return `check the ${system} credentials given to the service`;
  if (status === 403) return `the ${system} account used by the service lacks the permission for this`;
  if (status === 429) return `${system} is rate limiting the service; the engine retries the task later`;
  if (status >= 500) return `${system} failed on its side; the engine retries the task`;
  return undefined;
}

/** Text of an unknown thrown value, for the "no answer" case. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && cause.message !== error.message ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/**
 * An answer that parsed as JSON but not as the documented shape: usually the wrong API root
 * (an HTML login page, a proxy, the wrong product). Not retried.
 */
export function unexpectedAnswer(system: ExternalSystem, operation: string, error: z.ZodError, hint: string): ClientError {
  const issues = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
  return new ClientError({ system, operation, status: 200, problem: `${system} answered with an unexpected shape (${issues})`, hint, retryable: false });
}
