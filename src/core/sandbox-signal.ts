/**
 * What a script can make the sandbox's "WhatsApp" do to a session (POST /api/sessions/:id/sandbox/signal),
 * each the simulation of a signal the real WhatsApp sends and the `baileys` provider handles:
 * - `ack_error`: the next message the session sends is accepted, then refused by an ack carrying this
 *   error code (e.g. `463`, the account may not reach out: restricted until the time-lock ends, an hour
 *   unless a `timelock` signal set it; `479`, the stanza was rejected: that message only);
 * - `capping`: the new-chat cap moves to this state (`message-capping.update`);
 * - `timelock`: the account may not start chats until this time (`reachoutTimeLock`); a past time lifts it;
 * - `disconnect`: the link closes with this status code, as baileys reports it.
 */
export type SandboxSignal =
  | { kind: 'ack_error'; code: string }
  | { kind: 'capping'; state: 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED' }
  | { kind: 'timelock'; until: string }
  | { kind: 'disconnect'; code: number };

const CAPPING_STATES: ReadonlySet<string> = new Set(['FIRST_WARNING', 'SECOND_WARNING', 'CAPPED']);

/** A signal as it crosses the command channel, checked again on arrival (anything else is dropped). */
export function parseSandboxSignal(value: unknown): SandboxSignal | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const signal = value as Record<string, unknown>;
  switch (signal.kind) {
    case 'ack_error':
      return typeof signal.code === 'string' && /^[0-9]{3}$/.test(signal.code) ? { kind: 'ack_error', code: signal.code } : undefined;
    case 'capping':
      return typeof signal.state === 'string' && CAPPING_STATES.has(signal.state)
        ? { kind: 'capping', state: signal.state as 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED' }
        : undefined;
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
