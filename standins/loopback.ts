/**
 * The plumbing the loopback stand-ins (jenkins.ts, jira.ts, github.ts, slack.ts, jupyterhub.ts)
 * share, so each file holds only its vendor: a node:http server on 127.0.0.1 that reads each
 * request body (with a size cap) before handing it over, faults for the next matching request,
 * a capped request log, and change listeners for a page that shows a stand-in live.
 *
 * Each stand-in composes these and keeps its own answer shapes (error bodies, content types,
 * vendor headers); nothing here knows a vendor.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a stand-in gets it: the body already read. */
export interface LoopbackRequest {
  readonly req: IncomingMessage;
  /** `req.method`, `GET` when absent. */
  readonly method: string;
  /** The URL as received, resolved against the server's origin. */
  readonly url: URL;
  /** The body as UTF-8 text; '' when there is none. */
  readonly body: string;
}

/** An answer as most stand-ins build it: status, headers and a text body. */
export interface LoopbackAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/** What a status fault answers instead of doing the work. */
export interface LoopbackFaultAnswer<Body = string> {
  readonly status: number;
  readonly body?: Body;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A fault for the next matching request: `'drop-answer'` does the work and destroys the socket
 * before answering (an answer lost on the way); a status answers it without doing the work.
 */
export type LoopbackFault<Body = string> = 'drop-answer' | LoopbackFaultAnswer<Body>;

/** Which request a fault is for: the method (any when left out) and a path, exact or a pattern. */
export interface FaultMatch {
  readonly method?: string;
  readonly path: string | RegExp;
}

/** Request bodies above this get 413 (a long-running sandbox must not buffer without bound). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Entries a request log keeps: the latest 10 000. */
export const REQUEST_LOG_LIMIT = 10_000;

/**
 * A node:http server on 127.0.0.1 that reads each request's body and hands the request to
 * `handle`. A request that breaks off mid-body, or a handler that throws, has its connection
 * destroyed: there is no one to answer.
 */
export class LoopbackServer {
  private readonly handle: (request: LoopbackRequest, res: ServerResponse) => Promise<void> | void;
  private readonly maxBodyBytes: number;
  private server: Server | null = null;
  private address = '';

  constructor(handle: (request: LoopbackRequest, res: ServerResponse) => Promise<void> | void, options: { readonly maxBodyBytes?: number } = {}) {
    this.handle = handle;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  /** `http://127.0.0.1:PORT`; '' before the first {@link start}. */
  get origin(): string {
    return this.address;
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one) unless it already does; answers {@link origin}. */
  async start(port = 0): Promise<string> {
    if (this.server) return this.address;
    const server = createServer((req, res) => void this.serve(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.address;
  }

  /** Closes the server and every connection it holds; nothing when it is not listening. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (Number(req.headers['content-length'] ?? 0) > this.maxBodyBytes) {
      writeAnswer(res, { status: 413, headers: { 'Content-Type': 'text/plain', Connection: 'close' }, body: 'Request body too large' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // A chunked body has no length up front; past the cap, the connection goes.
      if (size > this.maxBodyBytes) throw new RangeError('request body too large');
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', this.address);
    await this.handle({ req, method: req.method ?? 'GET', url, body: Buffer.concat(chunks).toString('utf8') }, res);
  }
}

/** Faults set with a stand-in's `onNextRequest`, each met by the first request that matches it. */
export class Faults<F> {
  private readonly pending: Array<{ readonly method: string | undefined; readonly path: string | RegExp; readonly fault: F }> = [];

  /** Sets `fault` for the next request that `match`es. */
  add(match: FaultMatch, fault: F): void {
    this.pending.push({ method: match.method?.toUpperCase(), path: match.path, fault });
  }

  /** The fault set for this request, if any; it is used up. */
  take(method: string, path: string): F | undefined {
    const index = this.pending.findIndex(
      (entry) => (entry.method === undefined || entry.method === method) && (typeof entry.path === 'string' ? entry.path === path : entry.path.test(path)),
    );
    return index >= 0 ? this.pending.splice(index, 1)[0]?.fault : undefined;
  }

  /** Forgets the faults no request has met yet. */
  clear(): void {
    this.pending.length = 0;
  }
}

/** How a stand-in answers one request under a fault; see {@link serveUnderFault}. */
export interface FaultedWork<A, F> {
  /** The answer of a status fault, given instead of doing the work. */
  faultAnswer(fault: F): A;
  /** The work and its answer. */
  work(): A | Promise<A>;
  /** The answer when the work throws (the vendor's 500). */
  failed(error: unknown): A;
}

/**
 * Serves one request under `fault` (from {@link Faults.take}): none, the work's answer; a status,
 * {@link FaultedWork.faultAnswer} without the work; `'drop-answer'`, the work done and the
 * socket destroyed before anything is written. Answers what was written, undefined when dropped.
 */
export async function serveUnderFault<A, F extends object>(
  res: ServerResponse,
  fault: F | 'drop-answer' | undefined,
  answers: FaultedWork<A, F>,
  write: (res: ServerResponse, answer: A) => void,
): Promise<A | undefined> {
  if (fault !== undefined && fault !== 'drop-answer') {
    const answer = answers.faultAnswer(fault);
    write(res, answer);
    return answer;
  }
  let answer: A;
  try {
    answer = await answers.work();
  } catch (error) {
    answer = answers.failed(error);
  }
  if (fault === 'drop-answer') {
    res.destroy();
    return undefined;
  }
  write(res, answer);
  return answer;
}

/** Writes `answer`, its headers over `defaults` (a vendor's headers on every answer). */
export function writeAnswer(res: ServerResponse, answer: LoopbackAnswer, defaults: Readonly<Record<string, string>> = {}): void {
  res.writeHead(answer.status, { ...defaults, ...answer.headers });
  res.end(answer.body);
}

/** `value` as a JSON answer with the vendor's exact `Content-Type` spelling. */
export function jsonAnswer(status: number, value: unknown, contentType: string): LoopbackAnswer {
  return { status, headers: { 'Content-Type': contentType }, body: JSON.stringify(value) };
}

/** An error's message, for a 500's body. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Appends `entry` to a request log, keeping the latest {@link REQUEST_LOG_LIMIT}. */
export function appendCapped<T>(log: T[], entry: T, limit = REQUEST_LOG_LIMIT): void {
  log.push(entry);
  if (log.length > limit) log.splice(0, log.length - limit);
}

/** The `onChange` listeners of a stand-in: a listener's failure never breaks what the stand-in answers. */
export class ChangeListeners<E> {
  private readonly listeners = new Set<(change: E) => void>();
  private readonly onError: (error: unknown) => void;

  /** `onError` hears a listener's failure; by default it is ignored. */
  constructor(onError: (error: unknown) => void = () => undefined) {
    this.onError = onError;
  }

  /** Calls `listener` on every change; answers the unsubscribe. */
  add(listener: (change: E) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(change: E): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
