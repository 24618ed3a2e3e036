import type { LinkStatus } from '../provider.js';

/**
 * What to do when a baileys socket closes, decided from the Boom status code alone (pure: the
 * provider owns sockets, timers and the credential store; this module owns the rules).
 * Status codes are baileys' `DisconnectReason`, spelt out so this file needs no I/O import.
 */
export const DISCONNECT_CODES = {
  restartRequired: 515,
  loggedOut: 401,
  connectionReplaced: 440,
  forbidden: 403,
  badSession: 500,
  multideviceMismatch: 411,
  connectionClosed: 428,
  /** `connectionLost` and `timedOut` share 408; baileys also uses it when the QR refs run out. */
  connectionLost: 408,
  unavailableService: 503,
} as const;

export type DisconnectReasonName =
  | 'restart_required'
  | 'logged_out'
  | 'connection_replaced'
  | 'forbidden'
  | 'bad_session'
  | 'multidevice_mismatch'
  | 'connection_closed'
  | 'connection_lost'
  | 'unavailable'
  | 'unknown';

const NAMES: ReadonlyMap<number, DisconnectReasonName> = new Map([
  [DISCONNECT_CODES.restartRequired, 'restart_required'],
  [DISCONNECT_CODES.loggedOut, 'logged_out'],
  [DISCONNECT_CODES.connectionReplaced, 'connection_replaced'],
  [DISCONNECT_CODES.forbidden, 'forbidden'],
  [DISCONNECT_CODES.badSession, 'bad_session'],
  [DISCONNECT_CODES.multideviceMismatch, 'multidevice_mismatch'],
  [DISCONNECT_CODES.connectionClosed, 'connection_closed'],
  [DISCONNECT_CODES.connectionLost, 'connection_lost'],
  [DISCONNECT_CODES.unavailableService, 'unavailable'],
]);

export function disconnectReasonName(statusCode: number | undefined): DisconnectReasonName {
  return (statusCode === undefined ? undefined : NAMES.get(statusCode)) ?? 'unknown';
}

export interface ReconnectOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Even full jitter never waits less than this: a draw near 0 must not become a tight loop. */
  minDelayMs: number;
  /** The failure with this number in a row ends the link as `failed`. */
  maxConsecutiveFailures: number;
  /** Restart-required answered at once this many times in a row; more is treated as a failure. */
  maxImmediateRestarts: number;
}

/**
 * Ten failures in a row with ceilings 1, 2, 4 … 60 s is about two minutes of waiting on average
 * (four at most): long enough to ride out a network blip, short enough that an operator hears of
 * a session that cannot come back instead of it retrying silently for hours.
 */
export const DEFAULT_RECONNECT: ReconnectOptions = {
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  minDelayMs: 250,
  maxConsecutiveFailures: 10,
  maxImmediateRestarts: 3,
};

/** Counters carried from one disconnect to the next; the provider resets them when a link opens. */
export interface ReconnectCounters {
  failures: number;
  restarts: number;
}

export const FRESH_COUNTERS: ReconnectCounters = { failures: 0, restarts: 0 };

export type ReconnectDecision =
  | { action: 'reconnect'; reason: DisconnectReasonName; delayMs: number; counters: ReconnectCounters }
  | {
      action: 'stop';
      reason: DisconnectReasonName;
      status: LinkStatus;
      clearCredentials: boolean;
      restricted?: 'banned' | 'logged_out';
      counters: ReconnectCounters;
    };

export function decideReconnect(
  statusCode: number | undefined,
  counters: ReconnectCounters,
  random: () => number,
  options: ReconnectOptions = DEFAULT_RECONNECT,
): ReconnectDecision {
  const reason = disconnectReasonName(statusCode);
  const stop = (status: LinkStatus, clearCredentials: boolean, restricted?: 'banned' | 'logged_out'): ReconnectDecision => ({
    action: 'stop',
    reason,
    status,
    clearCredentials,
    ...(restricted ? { restricted } : {}),
    counters,
  });
  switch (reason) {
    case 'restart_required':
      // Normal right after pairing; a server that keeps asking falls through to backing off.
      if (counters.restarts < options.maxImmediateRestarts) {
        return { action: 'reconnect', reason, delayMs: 0, counters: { ...counters, restarts: counters.restarts + 1 } };
      }
      return backOff(reason, counters, random, options);
    case 'logged_out':
      return stop('logged_out', true, 'logged_out');
    case 'multidevice_mismatch':
      // The stored device identity is unusable: only a new link helps, so say so as logged out.
      return stop('logged_out', true);
    case 'connection_replaced':
      // Another client took over this account; fighting back would flap both.
      return stop('disconnected', false);
    case 'forbidden':
      // Kept: a temporary ban may lift, and the creds are evidence for an appeal.
      return stop('failed', false, 'banned');
    // baileys maps every stream error it does not recognise to 500, so bad_session is no proof
    // that the creds are bad: retry with them kept, and end `failed` (not unlinked) if it persists.
    case 'bad_session':
    case 'connection_closed':
    case 'connection_lost':
    case 'unavailable':
    case 'unknown':
      return backOff(reason, counters, random, options);
  }
}

function backOff(
  reason: DisconnectReasonName,
  counters: ReconnectCounters,
  random: () => number,
  options: ReconnectOptions,
): ReconnectDecision {
  const failures = counters.failures + 1;
  const next = { ...counters, failures };
  if (failures >= options.maxConsecutiveFailures) {
    return { action: 'stop', reason, status: 'failed', clearCredentials: false, counters: next };
  }
  return { action: 'reconnect', reason, delayMs: backoffDelay(failures, random, options), counters: next };
}

/** Full jitter (uniform in [0, ceiling]) over an exponential, capped ceiling, with a floor. */
export function backoffDelay(failures: number, random: () => number, options: ReconnectOptions = DEFAULT_RECONNECT): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, failures - 1));
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.max(options.minDelayMs, Math.round(draw * ceiling));
}
