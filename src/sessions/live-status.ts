import type { SessionStatus } from '../events/event-catalogue.js';
import type { Redis } from '../infra/redis.js';

/** A session's live state, as its owning worker last reported it. */
export interface LiveStatus {
  status: SessionStatus;
  reason: string | null;
  phone: string | null;
  name: string | null;
  owner: string | null;
  at: string;
}

const KEY = (sessionId: string): string => `session:${sessionId}:live`;
/** Outlives any owner by far; refreshed on every change. */
const TTL_SECONDS = 7 * 24 * 3600;

export class LiveStatusStore {
  constructor(private readonly redis: Redis) {}

  async write(sessionId: string, status: LiveStatus): Promise<void> {
    await this.redis
      .multi()
      .hset(KEY(sessionId), {
        status: status.status,
        reason: status.reason ?? '',
        phone: status.phone ?? '',
        name: status.name ?? '',
        owner: status.owner ?? '',
        at: status.at,
      })
      .expire(KEY(sessionId), TTL_SECONDS)
      .exec();
  }

  async read(sessionId: string): Promise<LiveStatus | undefined> {
    const hash = await this.redis.hgetall(KEY(sessionId));
    if (!hash.status) return undefined;
    return {
      status: hash.status as SessionStatus,
      reason: hash.reason || null,
      phone: hash.phone || null,
      name: hash.name || null,
      owner: hash.owner || null,
      at: hash.at ?? '',
    };
  }

  async remove(sessionId: string): Promise<void> {
    await this.redis.del(KEY(sessionId));
  }
}
