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

/** A reachout timelock blocks messages to new chats for a while: exactly what a blast sends. */
export function timelockRestriction(lock: ConnectionState['reachoutTimeLock']): ProviderEvent | undefined {
  if (!lock?.isActive) return undefined;
  // baileys makes the date from WhatsApp's text without checking it: an invalid one must not throw.
  const ends = lock.timeEnforcementEnds?.getTime();
  const until = ends !== undefined && Number.isFinite(ends) ? ` until ${new Date(ends).toISOString()}` : '';
  return { type: 'restricted', reason: 'rate_limited', detail: `reachout timelock (${lock.enforcementType ?? 'DEFAULT'})${until}` };
}
