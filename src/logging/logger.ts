import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may carry secrets. pino removes them before a line is written, so a secret
 * cannot reach the logs even when a whole request or config object is logged by mistake.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.adminApiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.ticket',
  'adminApiKey',
  'apiKey',
  'secret',
  'password',
  'config.redis.url',
  'config.database.url',
];

export function createLogger(
  level: LevelWithSilent,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Strips credentials from a connection URL before it is shown anywhere. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
