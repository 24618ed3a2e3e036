import type { Redis } from '../infra/redis.js';

/**
 * How long a message id is remembered. WhatsApp redelivers what a linked device missed (the
 * offline backlog, baileys' `append`) and baileys may hand the same message over again after a
 * reconnect or a takeover; a device offline for longer than this is unlinked by WhatsApp anyway.
 */
export const INBOUND_SEEN_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Hears each inbound message once per session, across reconnects and workers: the first worker to
 * see an id claims it with SET NX. Redis rather than the database: every worker already shares
 * it, the key expires by itself (no table to prune), and the claim is one round trip. Should
 * Redis forget (flush, failover), a redelivered message is heard again, which for an opt-out
 * only repeats what is already true.
 */
export class InboundDedupe {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = INBOUND_SEEN_TTL_SECONDS,
  ) {}

  static key(sessionId: string, messageId: string): string {
    return `session:${sessionId}:inbound:${messageId}`;
  }

  /** True the first time any worker asks about this message of this session; true also when Redis cannot answer. */
  async firstSighting(sessionId: string, messageId: string): Promise<boolean> {
    try {
      return (await this.redis.set(InboundDedupe.key(sessionId, messageId), '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
    } catch {
      // Better twice than never: the consumers (opt-out) are idempotent.
      return true;
    }
  }
}
