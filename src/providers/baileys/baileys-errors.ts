import { ProviderError } from '../provider.js';
import { DISCONNECT_CODES, type Disconnect } from './reconnect-policy.js';

/**
 * baileys fails with Boom errors: `output.statusCode` (a `DisconnectReason` for socket trouble)
 * and, for an error node in WhatsApp's answer, the node's numeric code in `data` (429 is
 * WhatsApp's `rate-overlimit`). Plain errors carry Node's network codes.
 */
interface BoomLike {
  output?: { statusCode?: unknown };
  data?: unknown;
  code?: unknown;
  message?: unknown;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENETUNREACH']);

function fields(error: unknown): BoomLike {
  return typeof error === 'object' && error !== null ? error : {};
}

/** Errors that mean WhatsApp was never reached: name resolution, TCP, TLS (Node's and OpenSSL's codes). */
const UNREACHABLE_CODES = new Set([
  ...NETWORK_CODES,
  'EHOSTUNREACH',
  'ECONNABORTED',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A closed socket's `lastDisconnect.error`, read for the reconnect policy. baileys wraps a
 * WebSocket error as Boom 408 (or 500) with the Node error as `data` (socket.js
 * mapWebSocketError), and a login `<failure>` as Boom with its attributes as `data`.
 */
export function describeDisconnect(error: unknown): Disconnect {
  const statusCode = statusCodeOf(error);
  const data = fields(fields(error).data);
  const networkCode = data.code;
  if (typeof networkCode === 'string' && UNREACHABLE_CODES.has(networkCode)) {
    const text = typeof data.message === 'string' ? data.message : networkCode;
    return { ...(statusCode === undefined ? {} : { statusCode }), unreachable: text };
  }
  const { expire } = data as { expire?: unknown };
  const seconds = typeof expire === 'string' || typeof expire === 'number' ? Number(expire) : Number.NaN;
  // `expire` is seconds left, as WhatsApp sends it: bounded by the reconnect policy, not here.
  if (statusCode === DISCONNECT_CODES.temporarilyBanned && seconds > 0) {
    return { statusCode, banForMs: seconds * 1000 };
  }
  return statusCode === undefined ? {} : { statusCode };
}

/** The Boom status code of a disconnect (`lastDisconnect.error`), if it has one. */
export function statusCodeOf(error: unknown): number | undefined {
  const statusCode = fields(error).output?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

function errorText(error: unknown): string {
  const { message } = fields(error);
  return typeof message === 'string' ? message : String(error);
}

/** WhatsApp's own answer code wins over the Boom status, which defaults to 500 around it. */
function answerCode(error: unknown): number | undefined {
  const { data } = fields(error);
  return typeof data === 'number' && Number.isFinite(data) ? data : statusCodeOf(error);
}

export function isRateLimited(error: unknown): boolean {
  return answerCode(error) === 429 || /rate-overlimit/i.test(errorText(error));
}

/** How the caller should treat a failed call to the socket (see ProviderErrorKind). */
export function toProviderError(error: unknown, action: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const code = answerCode(error);
  const text = errorText(error);
  const fail = (kind: ProviderError['kind'], why: string): ProviderError =>
    new ProviderError(kind, `${action} failed: ${why}`, error);
  if (isRateLimited(error)) return fail('restricted', 'rate-overlimit');
  if (code === 428 || /connection closed/i.test(text)) return fail('not_connected', 'the connection is closed');
  const networkCode = fields(error).code;
  if (typeof networkCode === 'string' && NETWORK_CODES.has(networkCode)) return fail('transient', networkCode);
  if (code === 408 || /timed out/i.test(text)) return fail('transient', 'timed out');
  if (code !== undefined && code >= 400 && code < 500) return fail('permanent', `${code} ${text}`);
  // 5xx and anything unrecognised: worth a bounded retry rather than losing the message.
  return fail('transient', code === undefined ? text : `${code} ${text}`);
}
