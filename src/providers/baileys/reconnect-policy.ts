import type { LinkStatus } from '../provider.js';

/**
 * What to do when a baileys socket closes (pure: the link owns sockets, timers and the credential
 * store; this module owns the rules). Codes are baileys' `DisconnectReason` plus the login
 * failure reasons WhatsApp sends (`<failure reason=…>`, Socket/socket.js `CB:failure`), spelt out
 * so this file needs no I/O import. Compared with whatsmeow's ConnectFailureReason table and with
 * how WAHA and Evolution API drive baileys: 401 and 406 are logouts, 402 a temporary ban, 405 an
 * outdated client; everything that is not the account's fault is retried for ever.
 */
export const DISCONNECT_CODES = {
  restartRequired: 515,
  loggedOut: 401,
  temporarilyBanned: 402,
  forbidden: 403,
  clientOutdated: 405,
  unknownLogout: 406,
  multideviceMismatch: 411,
  connectionReplaced: 440,
  badSession: 500,
  connectionClosed: 428,
  /** `connectionLost` and `timedOut` share 408; baileys also gives it to DNS/TCP/TLS errors. */
  connectionLost: 408,
  unavailableService: 503,
} as const;

export type DisconnectReasonName =
  | 'restart_required'
  | 'logged_out'
  | 'unknown_logout'
  | 'temporarily_banned'
  | 'forbidden'
  | 'client_outdated'
  | 'multidevice_mismatch'
  | 'connection_replaced'
  | 'bad_session'
  | 'connection_closed'
  | 'connection_lost'
  | 'unavailable'
  | 'whatsapp_unreachable'
  | 'unknown';

const NAMES: ReadonlyMap<number, DisconnectReasonName> = new Map([
  [DISCONNECT_CODES.restartRequired, 'restart_required'],
  [DISCONNECT_CODES.loggedOut, 'logged_out'],
  [DISCONNECT_CODES.temporarilyBanned, 'temporarily_banned'],
  [DISCONNECT_CODES.forbidden, 'forbidden'],
  [DISCONNECT_CODES.clientOutdated, 'client_outdated'],
  [DISCONNECT_CODES.unknownLogout, 'unknown_logout'],
  [DISCONNECT_CODES.multideviceMismatch, 'multidevice_mismatch'],
  [DISCONNECT_CODES.connectionReplaced, 'connection_replaced'],
  [DISCONNECT_CODES.badSession, 'bad_session'],
  [DISCONNECT_CODES.connectionClosed, 'connection_closed'],
  [DISCONNECT_CODES.connectionLost, 'connection_lost'],
  [DISCONNECT_CODES.unavailableService, 'unavailable'],
]);

export function disconnectReasonName(statusCode: number | undefined): DisconnectReasonName {
  return (statusCode === undefined ? undefined : NAMES.get(statusCode)) ?? 'unknown';
}

/** A closed socket as the policy needs to know it (read from baileys' error by baileys-errors.ts). */
export interface Disconnect {
  statusCode?: number;
  /** The network error when WhatsApp could not be reached at all (DNS, TCP, TLS). */
  unreachable?: string;
  /** How long a temporary ban (402) lasts, if WhatsApp said: its `expire`, unbounded until the policy caps it. */
  banForMs?: number;
}

export interface ReconnectOptions {
  baseDelayMs: number;
  /** The backoff ceiling: a session that cannot connect tries at least this often, for ever. */
  maxDelayMs: number;
  /** Even full jitter never waits less than this: a draw near 0 must not become a tight loop. */
  minDelayMs: number;
  /** From this failure in a row on, the session is reported as `session_reconnecting` (alert-worthy). */
  alertAfterFailures: number;
  /** Restart-required answered at once this many times in a row; more is treated as a failure. */
  maxImmediateRestarts: number;
  /** A link must stay open this long before its failure count starts over (no flapping every second). */
  stableAfterMs: number;
  /** How long a temporary ban is waited out when WhatsApp gave no end. */
  defaultBanMs: number;
  /**
   * The longest a temporary ban is waited out before trying again (WhatsApp answers with the time
   * left, if any): an absurd `expire` must neither overflow a timer (Node fires anything past
   * 2^31-1 ms, ~24.8 days, at once: a reconnect loop while banned) nor make an invalid date.
   */
  maxBanMs: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = {
  baseDelayMs: 1_000,
  maxDelayMs: 300_000,
  minDelayMs: 250,
  alertAfterFailures: 10,
  maxImmediateRestarts: 3,
  stableAfterMs: 60_000,
  defaultBanMs: 3_600_000,
  maxBanMs: 7 * 24 * 3_600_000,
};

/** Counters carried from one disconnect to the next; the link resets them once a link has been stable. */
export interface ReconnectCounters {
  failures: number;
  restarts: number;
}

export const FRESH_COUNTERS: ReconnectCounters = { failures: 0, restarts: 0 };

export type ReconnectDecision =
  | {
      action: 'reconnect';
      reason: DisconnectReasonName;
      /** What the operator reads (the reason, or more: the network error, the ban's end). */
      detail: string;
      delayMs: number;
      counters: ReconnectCounters;
      /** Set once failures reach `alertAfterFailures`. */
      alert?: true;
      /** A temporary ban: sending stops until `until`, then the link reconnects by itself. */
      restricted?: { reason: 'temporarily_banned'; until: string };
    }
  | {
      action: 'stop';
      reason: DisconnectReasonName;
      detail: string;
      status: LinkStatus;
      clearCredentials: boolean;
      restricted?: 'banned' | 'logged_out';
      counters: ReconnectCounters;
    };

const OUTDATED_ADVICE = 'WhatsApp refused this client version: set WA_VERSION to the current WhatsApp Web version, or upgrade';

export function decideReconnect(
  disconnect: Disconnect,
  counters: ReconnectCounters,
  random: () => number,
  options: ReconnectOptions = DEFAULT_RECONNECT,
  now: Date = new Date(),
): ReconnectDecision {
  const reason = disconnect.unreachable === undefined ? disconnectReasonName(disconnect.statusCode) : 'whatsapp_unreachable';
  const stop = (status: LinkStatus, clearCredentials: boolean, restricted?: 'banned' | 'logged_out', detail: string = reason): ReconnectDecision => ({
    action: 'stop',
    reason,
    detail,
    status,
    clearCredentials,
    ...(restricted ? { restricted } : {}),
    counters,
  });
  switch (reason) {
    case 'restart_required':
      // Normal right after pairing; a server that keeps asking falls through to backing off.
      if (counters.restarts < options.maxImmediateRestarts) {
        return { action: 'reconnect', reason, detail: reason, delayMs: 0, counters: { ...counters, restarts: counters.restarts + 1 } };
      }
      return backOff(reason, reason, counters, random, options);
    case 'logged_out':
      return stop('logged_out', true, 'logged_out');
    case 'unknown_logout':
      // whatsmeow counts 406 as a logout too: the creds no longer open a session.
      return stop('logged_out', true, 'logged_out');
    case 'temporarily_banned': {
      const wanted = disconnect.banForMs ?? options.defaultBanMs;
      const delayMs = Math.min(options.maxBanMs, Math.max(options.minDelayMs, wanted));
      const until = new Date(now.getTime() + delayMs).toISOString();
      return { action: 'reconnect', reason, detail: `${reason} until ${until}`, delayMs, counters, restricted: { reason, until } };
    }
    case 'forbidden':
      // Banned. Creds kept: they are the account's evidence in an appeal, and bans do get lifted.
      return stop('failed', false, 'banned');
    case 'client_outdated':
      // The same version would be refused again: only an operator (WA_VERSION, an upgrade) helps.
      return stop('failed', false, undefined, `${reason}: ${OUTDATED_ADVICE}`);
    case 'multidevice_mismatch':
      // Kept: the phone side changed, not our identity; a reconnect later may still work.
      return stop('failed', false);
    case 'connection_replaced':
      // Another socket uses our creds; fighting back would flap both. The session manager decides.
      return stop('disconnected', false);
    case 'whatsapp_unreachable':
      return backOff(reason, `${reason}: ${disconnect.unreachable ?? ''}`, counters, random, options);
    // baileys maps every stream error it does not recognise to 500, so bad_session is no proof
    // that the creds are bad: retry with them kept.
    case 'bad_session':
    case 'connection_closed':
    case 'connection_lost':
    case 'unavailable':
    case 'unknown':
      return backOff(reason, reason, counters, random, options);
  }
}

function backOff(
  reason: DisconnectReasonName,
  detail: string,
  counters: ReconnectCounters,
  random: () => number,
  options: ReconnectOptions,
): ReconnectDecision {
  const failures = counters.failures + 1;
  const delayMs = backoffDelay(failures, random, options);
  const next = { ...counters, failures };
  return { action: 'reconnect', reason, detail, delayMs, counters: next, ...(failures >= options.alertAfterFailures ? { alert: true as const } : {}) };
}

/** Full jitter (uniform in [0, ceiling]) over an exponential, capped ceiling, with a floor. */
export function backoffDelay(failures: number, random: () => number, options: ReconnectOptions = DEFAULT_RECONNECT): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, Math.min(failures, 40) - 1));
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.max(options.minDelayMs, Math.round(draw * ceiling));
}
