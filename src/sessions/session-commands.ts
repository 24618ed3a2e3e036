import { isReplyKind } from '../core/reply.js';
import type { SandboxInbound } from '../core/sandbox-lid.js';
import { parseSandboxSignal, type SandboxSignal } from '../core/sandbox-signal.js';
import type { Redis } from '../infra/redis.js';

/**
 * Orders from an api to the worker that owns a session. They only make things happen sooner:
 * the durable desired state in the database is what workers reconcile towards, so a command
 * lost in transit (pub/sub keeps nothing) is caught up by the next reconcile pass.
 */
export type SessionCommand =
  | { type: 'reconcile'; sessionId: string }
  | { type: 'logout'; sessionId: string }
  | { type: 'sandbox-scan'; sessionId: string }
  /**
   * `messageId`: WhatsApp's id for it (a repeat is a redelivery). `backlog`: queued while offline, delivered at the next
   * (re)connect. `live`: written to the backlog for a connected session, to pass on at once (or at the next connect).
   */
  | ({ type: 'sandbox-inbound'; sessionId: string; backlog?: true; live?: true } & SandboxInbound)
  /** The session has a signal waiting (sandbox_backlog); `signal`: the signal itself, from an api of an earlier version. */
  | { type: 'sandbox-signal'; sessionId: string; signal?: SandboxSignal };

export function commandsChannel(prefix: string): string {
  return `${prefix}:session-commands`;
}

export async function sendSessionCommand(redis: Redis, prefix: string, command: SessionCommand): Promise<void> {
  await redis.publish(commandsChannel(prefix), JSON.stringify(command));
}

export function parseSessionCommand(message: string): SessionCommand | undefined {
  try {
    const parsed = JSON.parse(message) as Partial<SessionCommand>;
    if (typeof parsed.sessionId !== 'string') return undefined;
    switch (parsed.type) {
      case 'reconcile':
      case 'logout':
      case 'sandbox-scan':
        return { type: parsed.type, sessionId: parsed.sessionId };
      case 'sandbox-inbound':
        return typeof parsed.from === 'string'
          ? {
              type: parsed.type,
              sessionId: parsed.sessionId,
              from: parsed.from,
              ...(typeof parsed.text === 'string' ? { text: parsed.text } : {}),
              ...(isReplyKind(parsed.kind) ? { kind: parsed.kind } : {}),
              ...(typeof parsed.messageId === 'string' ? { messageId: parsed.messageId } : {}),
              ...(parsed.viaLid === true ? { viaLid: true } : {}),
              ...(parsed.backlog === true ? { backlog: true } : {}),
              ...(parsed.live === true ? { live: true } : {}),
            }
          : undefined;
      case 'sandbox-signal': {
        if (parsed.signal === undefined) return { type: parsed.type, sessionId: parsed.sessionId };
        const signal = parseSandboxSignal(parsed.signal);
        return signal ? { type: parsed.type, sessionId: parsed.sessionId, signal } : undefined;
      }
      case undefined:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
