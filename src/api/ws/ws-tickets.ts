import { randomBytes } from 'node:crypto';
import { TooManyRequests, Unauthorized } from '../../errors/app-error.js';
import type { Redis } from '../../infra/redis.js';
import { ticketKey, type WsKeyLedger } from './ws-key-ledger.js';

/** What a ticket lets its holder watch. A null unit means every unit (admin or unscoped key). */
export interface TicketGrant {
  /** The key it was issued to; null for the environment's admin key (not counted, never revoked). */
  keyId: string | null;
  businessUnit: string | null;
  sessionId?: string;
  blastId?: string;
}

const TICKET = /^[A-Za-z0-9_-]{43}$/;

/**
 * Short-lived, single-use WebSocket tickets, kept in Redis so that any api instance accepts a
 * ticket another one issued. Browsers cannot set headers on a WebSocket, hence tickets. A key's
 * unused tickets count towards its sockets (the ledger), so minting tickets cannot fill Redis.
 */
export class WsTickets {
  constructor(
    private readonly redis: Redis,
    readonly ttlMs: number,
    private readonly ledger: WsKeyLedger,
  ) {}

  async issue(grant: TicketGrant): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = randomBytes(32).toString('base64url');
    if (grant.keyId === null) {
      await this.redis.set(ticketKey(ticket), JSON.stringify(grant), 'PX', this.ttlMs);
    } else {
      const outcome = await this.ledger.reserveTicket(grant.keyId, ticket, JSON.stringify(grant), this.ttlMs);
      if (outcome === 'revoked') throw new Unauthorized('API_KEY_INVALID', 'The API key is unknown or revoked.');
      if (outcome === 'full') throw socketLimitReached(this.ledger.maxPerKey);
    }
    return { ticket, expiresAt: new Date(Date.now() + this.ttlMs) };
  }

  /** The grant, once: a second use, an expired or unknown ticket gives undefined. */
  async redeem(ticket: string): Promise<TicketGrant | undefined> {
    if (!TICKET.test(ticket)) return undefined;
    const value = await this.redis.getdel(ticketKey(ticket));
    if (value === null) return undefined;
    const grant = JSON.parse(value) as Partial<TicketGrant> & { businessUnit: string | null };
    return { ...grant, keyId: grant.keyId ?? null };
  }
}

export function socketLimitReached(limit: number): TooManyRequests {
  return new TooManyRequests(
    'WS_LIMIT_REACHED',
    `This API key has ${limit} WebSockets open or about to open (its unused tickets count), the most it may have. Close one first.`,
    undefined,
    { limit },
  );
}
