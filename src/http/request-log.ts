import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

const LOG = Symbol('requestLog');

/** Probes and scrapes arrive every few seconds; their successes are logged at debug only. */
const quietPaths = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One pino child per request, bound to a request id, and one line when the response is
 * finished. Logs the path without its query string (a `?token=` must not reach a log) and no
 * headers at all (Authorization, X-Hub-Signature).
 */
export function requestLogging(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const child = log.child({ reqId: randomUUID() });
    (res.locals as Record<PropertyKey, unknown>)[LOG] = child;
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, path: req.path, status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10 };
      if (res.statusCode >= 500) child.error(line, 'request');
      else if (res.statusCode < 400 && quietPaths.has(req.path)) child.debug(line, 'request');
      else child.info(line, 'request');
    });
    next();
  };
}

/** The request's logger set by `requestLogging`. */
export function requestLog(res: Response): Logger {
  const log = (res.locals as Record<PropertyKey, unknown>)[LOG];
  if (!log) throw new Error('requestLogging middleware is not installed');
  return log as Logger;
}
