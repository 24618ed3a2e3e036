import { createHash } from 'node:crypto';
import type { Redis } from '../infra/redis.js';

/**
 * How long a handled message is remembered: long enough for what WhatsApp redelivers after a
 * reconnect or a takeover (the offline backlog, baileys' `append`), which comes within minutes of
 * the link being back. Past it a redelivery is heard again, which only repeats an opt-out.
 */
export const INBOUND_SEEN_TTL_SECONDS = 3 * 24 * 3600;

/** The message as the dedupe knows it: the sender's number and WhatsApp's id (unique per chat, not globally). */
export interface InboundMessageRef {
  from: string;
  messageId: string;
}

/**
 * Hears each inbound message once per session, across reconnects and workers, at least once: a
 * message is remembered only after it was handled (the opt-out stored, or found not to be one), so
 * a handling that failed, or a worker that died mid-way, leaves the redelivery to be heard. Two
 * workers handed the same message at the same moment may both hear it; the consumer (opt-out)
 * is idempotent. Redis rather than the database: every worker shares it and the key expires by itself.
 */
export class InboundDedupe {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = INBOUND_SEEN_TTL_SECONDS,
  ) {}

  /** The id is the sender's to choose, of any length: hashed, so a key has a bounded size. */
  static key(sessionId: string, message: InboundMessageRef): string {
    const digest = createHash('sha256').update(`${message.from}\n${message.messageId}`).digest('base64url');
    return `session:${sessionId}:inbound:${digest}`;
  }

  /** True once any worker has handled this message of this session; false also when Redis cannot answer (twice beats never). */
  async handled(sessionId: string, message: InboundMessageRef): Promise<boolean> {
    try {
      return (await this.redis.exists(InboundDedupe.key(sessionId, message))) === 1;
    } catch {
      return false;
    }
  }

  /** Remembers a handled message. Best effort: should Redis not take it, a redelivery is heard again. */
  async remember(sessionId: string, message: InboundMessageRef): Promise<void> {
    try {
      await this.redis.set(InboundDedupe.key(sessionId, message), '1', 'EX', this.ttlSeconds);
    } catch {
      // See above.
    }
  }
}
