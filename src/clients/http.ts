import type { Logger } from 'pino';
import { ClientError, describeCause, genericHint, type ExternalSystem } from './errors.ts';
import { isRetryableStatus, resolveRetryPolicy, type HeadersLike, type RetryOptions, type RetryPolicy, type RetryVerdict } from './retry.ts';

/** Options shared by the thin clients over fetch that take a token or a user name and password. */
export interface HttpClientOptions {
  /** Server root, without its API path. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …`; wins over `username` and `password`. */
  readonly token?: string;
  /** With `password`: HTTP basic auth. */
  readonly username?: string;
  readonly password?: string;
  /** Retries of 429 (honouring `Retry-After`), 5xx and lost connections; `retries: 0` turns them off. */
  readonly retry?: RetryOptions;
  readonly log?: Logger;
  /** Longest wait for one answer before it counts as lost. Default 30 s. */
  readonly timeoutMs?: number;
}

/** What a client keeps of {@link HttpClientOptions}. */
export interface HttpSettings {
  /** The root without trailing slashes. */
  readonly baseUrl: string;
  readonly authorization: string | undefined;
  readonly policy: RetryPolicy;
  readonly sleep: ((ms: number) => Promise<void>) | undefined;
  readonly log: Logger | undefined;
  readonly timeoutMs: number;
}

/** The `Authorization` header: bearer with a token, else basic with a user name and password, else none. */
export function authorizationHeader(options: Pick<HttpClientOptions, 'token' | 'username' | 'password'>): string | undefined {
  if (options.token) return `Bearer ${options.token}`;
  if (options.username !== undefined && options.password !== undefined) {
    return `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }
  return undefined;
}

/** Resolves {@link HttpClientOptions}: defaults filled in, the header computed once. */
export function httpSettings(options: HttpClientOptions): HttpSettings {
  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    authorization: authorizationHeader(options),
    policy: resolveRetryPolicy(options.retry),
    sleep: options.retry?.sleep,
    log: options.log,
    timeoutMs: options.timeoutMs ?? 30_000,
  };
}

/** One request of {@link fetchText}. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly authorization: string | undefined;
  readonly timeoutMs: number;
  /** The body and its media type; none for a GET. */
  readonly body?: { readonly contentType: string; readonly text: string };
}

/**
 * One exchange, no retries: sends `request` asking for JSON, aborts it after its timeout, and
 * reads the whole answer as text (the caller decides what an error answer means).
 */
export async function fetchText(url: string | URL, request: HttpRequest): Promise<{ response: Response; text: string }> {
  const response = await fetch(url, {
    method: request.method,
    headers: {
      Accept: 'application/json',
      ...(request.authorization ? { Authorization: request.authorization } : {}),
      ...(request.body ? { 'Content-Type': request.body.contentType } : {}),
    },
    ...(request.body ? { body: request.body.text } : {}),
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  return { response, text: await response.text() };
}

/** An error answer, kept with its status, the vendor's error code or type and the headers for the retry loop. */
export class HttpStatusError extends Error {
  override readonly name: string = 'HttpStatusError';
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeadersLike;
  /** The vendor's error code or type, when its error body names one. */
  readonly code: string | undefined;
  readonly vendorMessage: string | undefined;
  constructor(status: number, statusText: string, headers: HeadersLike, code: string | undefined, vendorMessage: string | undefined) {
    super(`${status} ${statusText}${code ? ` ${code}` : ''}${vendorMessage ? `: ${vendorMessage}` : ''}`);
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.code = code;
    this.vendorMessage = vendorMessage;
  }
}

/**
 * The retry verdict of a client whose error answers are thrown as `HttpError`: its status
 * decides (its headers carry `Retry-After`); a body that is not JSON will not become JSON by
 * asking again; a lost connection is retried.
 */
export function classifyHttpError(HttpError: abstract new (...args: never[]) => { readonly status: number; readonly headers: HeadersLike }) {
  return (error: unknown): RetryVerdict =>
    error instanceof HttpError ? { retry: isRetryableStatus(error.status), headers: error.headers } : { retry: !(error instanceof SyntaxError) };
}

/**
 * The vendor's code and message of an error answer: `read` picks them from the JSON body (undefined
 * when the body is not the vendor's error shape); anything else (a proxy's page) gives its first
 * 300 characters as the message.
 */
export function vendorErrorText(text: string, read: (body: unknown) => { code: string | undefined; message: string | undefined } | undefined): { code: string | undefined; message: string | undefined } {
  try {
    const found = read(JSON.parse(text));
    if (found) return found;
  } catch {
    // not JSON: a proxy's page
  }
  return { code: undefined, message: text.trim().slice(0, 300) || undefined };
}

/**
 * The {@link ClientError} a failed call of `system` ends in: an error answer with its status,
 * the vendor's code and message and `hint`; an answer that is not JSON (when `notJsonHint` says
 * what to check) as a non-retryable error; anything else as a lost connection (status 0).
 */
export function httpFailure(
  error: unknown,
  input: { system: ExternalSystem; operation: string; hint: (error: HttpStatusError) => string | undefined; notJsonHint?: string },
): ClientError {
  const { system, operation } = input;
  if (error instanceof ClientError) return error;
  if (error instanceof HttpStatusError) {
    return new ClientError({
      system,
      operation,
      status: error.status,
      statusText: error.statusText,
      vendorMessage: [error.code, error.vendorMessage].filter(Boolean).join(': ') || undefined,
      hint: input.hint(error),
      cause: error,
    });
  }
  if (error instanceof SyntaxError && input.notJsonHint !== undefined) {
    return new ClientError({
      system,
      operation,
      status: 200,
      problem: `${system} answered with something that is not JSON`,
      hint: input.notJsonHint,
      retryable: false,
      cause: error,
    });
  }
  return new ClientError({ system, operation, status: 0, vendorMessage: describeCause(error), hint: genericHint(system, 0), cause: error });
}
