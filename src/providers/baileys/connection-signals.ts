import type { ConnectionState, Contact } from 'baileys';
import type { ProviderEvent } from '../provider.js';
import { jidToPhone } from './baileys-jids.js';

/** baileys shows a socket's first QR for 60 s and each later one for 20 s (Socket/socket.js, genPairQR). */
export const FIRST_QR_TTL_MS = 60_000;
export const NEXT_QR_TTL_MS = 20_000;

/** How long the n-th QR code of one socket (counted from 1) stays valid. */
export function qrTtl(n: number): number {
  return n === 1 ? FIRST_QR_TTL_MS : NEXT_QR_TTL_MS;
}

/** The linked account as the product shows it; v7 may put a LID in `id` and the number beside it. */
export function linkedAccount(user: Contact | undefined): { phone: string; name?: string } | undefined {
  const phone = jidToPhone(user?.id) ?? jidToPhone(user?.phoneNumber);
  if (phone === undefined) return undefined;
  const name = user?.name ?? user?.notify ?? user?.verifiedName;
  return name ? { phone, name } : { phone };
}

/** WhatsApp's phone screen shows the code as two groups of four. */
export function formatPairingCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

/**
 * A reachout time-lock blocks messages to new chats for a while: exactly what a blast sends.
 * baileys reports it as `connection.update` `reachoutTimeLock`: from WhatsApp's notification
 * (Socket/messages-recv.js handleReachoutTimelockNotification) or as the answer to
 * `fetchAccountReachoutTimelock()` (Socket/socket.js). `isActive: false` lifts it, but only one
 * this link heard as active (`wasActive`): the answer to the query a 463 ack prompts may be
 * inactive while the 463 restriction stands (then it lasts until an operator resumes).
 */
export function timelockEvent(lock: ConnectionState['reachoutTimeLock'], wasActive: boolean): ProviderEvent | undefined {
  if (!lock) return undefined;
  const kind = lock.enforcementType ?? 'DEFAULT';
  if (!lock.isActive) {
    return wasActive ? { type: 'restriction-lifted', reason: 'reachout_timelock', detail: `reachout timelock (${kind}) lifted` } : undefined;
  }
  // baileys makes the date from WhatsApp's text without checking it: an invalid one must not throw.
  const ends = lock.timeEnforcementEnds?.getTime();
  const until = ends !== undefined && Number.isFinite(ends) ? new Date(ends).toISOString() : undefined;
  return {
    type: 'restricted',
    reason: 'reachout_timelock',
    detail: `reachout timelock (${kind})${until ? ` until ${until}` : ''}`,
    ...(until ? { until } : {}),
  };
}
