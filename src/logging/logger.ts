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

/** Query parameters whose value is a secret (a WebSocket ticket above all): never written to a log. */
const SECRET_QUERY_PARAMS = /^(ticket|token|access_token|key|api_?key|x-api-key|secret|password|auth|authorization)$/i;

/**
 * A request URL fit for a log line: the value of every secret-looking query parameter replaced
 * (`/?ticket=[redacted]`), the path and the other parameters kept. An unparseable query is dropped.
 */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const pairs = url.slice(mark + 1).split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replaceAll('+', ' '));
    } catch {
      return '[redacted]';
    }
    return SECRET_QUERY_PARAMS.test(name.trim()) && equals !== -1 ? `${rawName}=[redacted]` : pair;
  });
  return `${url.slice(0, mark)}?${pairs.join('&')}`;
}

/** pino's serializer for Fastify's `req`: what Fastify logs, with the URL's secrets redacted. */
export function requestForLog(request: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
