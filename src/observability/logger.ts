import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line. Tokens travel in headers, config objects and
 * client options; pino replaces them with "[redacted]".
 */
export const redactedPaths = [
  'token',
  'password',
  'secret',
  'privateKey',
  'apiToken',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.privateKey',
  '*.apiToken',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers["x-hub-signature"]',
  'headers.authorization',
  'headers["x-hub-signature"]',
];

/** JSON logs on stdout (or the given destination), one object per line. */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'model-lifecycle' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
