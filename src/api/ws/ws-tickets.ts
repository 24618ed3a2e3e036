import { randomBytes } from 'node:crypto';
import type { Redis } from '../../infra/redis.js';

/** What a ticket lets its holder watch. A null unit means every unit (admin or unscoped key). */
export interface TicketGrant {
  businessUnit: string | null;
  sessionId?: string;
  blastId?: string;
}

const KEY = (ticket: string): string => `ws-ticket:${ticket}`;
const TICKET = /^[A-Za-z0-9_-]{43}$/;

/**
 * Short-lived, single-use WebSocket tickets, kept in Redis so that any api instance accepts a
 * ticket another one issued. Browsers cannot set headers on a WebSocket, hence tickets.
 */
export class WsTickets {
  constructor(
    private readonly redis: Redis,
    readonly ttlMs: number,
  ) {}

  async issue(grant: TicketGrant): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = randomBytes(32).toString('base64url');
    await this.redis.set(KEY(ticket), JSON.stringify(grant), 'PX', this.ttlMs);
    return { ticket, expiresAt: new Date(Date.now() + this.ttlMs) };
  }

  /** The grant, once: a second use, an expired or unknown ticket gives undefined. */
  async redeem(ticket: string): Promise<TicketGrant | undefined> {
    if (!TICKET.test(ticket)) return undefined;
    const value = await this.redis.getdel(KEY(ticket));
    if (value === null) return undefined;
    return JSON.parse(value) as TicketGrant;
  }
}
