/**
 * What a script can make the sandbox's "WhatsApp" do to a session (POST /api/sessions/:id/sandbox/signal),
 * each the simulation of a signal the real WhatsApp sends and the `baileys` provider handles:
 * - `ack_error`: the next message the session sends is accepted, then refused by an ack carrying this
 *   error code (e.g. `463`, the account may not reach out: restricted until the time-lock ends, an hour
 *   unless a `timelock` signal set it; `479`, the stanza was rejected: that message only);
 * - `capping`: the new-chat cap moves to this state (`message-capping.update`), with this quota,
 *   usage and cycle end when given (else SANDBOX_NEW_CHAT_QUOTA, a usage that fits the state, and a
 *   day from now); the sandbox answers the product's reads of the cap with it until the cycle ends;
 * - `timelock`: the account may not start chats until this time (`reachoutTimeLock`); a past time lifts it;
 * - `disconnect`: the link closes with this status code, as baileys reports it.
 */
export type SandboxSignal =
  | { kind: 'ack_error'; code: string }
  | { kind: 'capping'; state: 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED'; quota?: number; used?: number; resetsAt?: string }
  | { kind: 'timelock'; until: string }
  | { kind: 'disconnect'; code: number };

/** The sandbox's new-chat quota when a capping signal names none (WhatsApp's figure for an account is its own). */
export const SANDBOX_NEW_CHAT_QUOTA = 250;

const CAPPING_STATES: ReadonlySet<string> = new Set(['FIRST_WARNING', 'SECOND_WARNING', 'CAPPED']);
/** Bounds of a capping signal's numbers and cycle end (the API schema says the same). */
export const CAPPING_LIMITS = { maxCount: 1_000_000, maxResetAheadMs: 31 * 86_400_000 } as const;

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= CAPPING_LIMITS.maxCount;

function parseCapping(signal: Record<string, unknown>): SandboxSignal | undefined {
  if (typeof signal.state !== 'string' || !CAPPING_STATES.has(signal.state)) return undefined;
  if (signal.quota !== undefined && !isCount(signal.quota)) return undefined;
  if (signal.used !== undefined && !isCount(signal.used)) return undefined;
  if (signal.resetsAt !== undefined && (typeof signal.resetsAt !== 'string' || Number.isNaN(Date.parse(signal.resetsAt)))) return undefined;
  return {
    kind: 'capping',
    state: signal.state as 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED',
    ...(signal.quota === undefined ? {} : { quota: signal.quota }),
    ...(signal.used === undefined ? {} : { used: signal.used }),
    ...(signal.resetsAt === undefined ? {} : { resetsAt: signal.resetsAt }),
  };
}

/** A signal as it crosses the command channel, checked again on arrival (anything else is dropped). */
export function parseSandboxSignal(value: unknown): SandboxSignal | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const signal = value as Record<string, unknown>;
  switch (signal.kind) {
    case 'ack_error':
      return typeof signal.code === 'string' && /^[0-9]{3}$/.test(signal.code) ? { kind: 'ack_error', code: signal.code } : undefined;
    case 'capping':
      return parseCapping(signal);
    case 'timelock':
      return typeof signal.until === 'string' && !Number.isNaN(Date.parse(signal.until)) ? { kind: 'timelock', until: signal.until } : undefined;
    case 'disconnect':
      return typeof signal.code === 'number' && Number.isInteger(signal.code) && signal.code >= 400 && signal.code <= 599
        ? { kind: 'disconnect', code: signal.code }
        : undefined;
    default:
      return undefined;
  }
}
