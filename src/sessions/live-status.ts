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
const CODE_KEY = (sessionId: string): string => `session:${sessionId}:code`;

/** The code that links the account right now (QR or pairing), kept until it expires. */
export type LinkingCode =
  | { event: 'qr:update'; data: { sessionId: string; qr: string; qrDataUrl: string; expiresAt: string } }
  | { event: 'pairing:code'; data: { sessionId: string; code: string; expiresAt: string } };
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
    await this.redis.del(KEY(sessionId), CODE_KEY(sessionId));
  }

  /** Keeps the newest code until it expires, so a socket opened later still shows it at once. */
  async writeCode(code: LinkingCode, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.redis.set(CODE_KEY(code.data.sessionId), JSON.stringify(code), 'PX', Math.ceil(ttlMs));
  }

  async readCode(sessionId: string): Promise<LinkingCode | undefined> {
    const raw = await this.redis.get(CODE_KEY(sessionId));
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as LinkingCode;
    } catch {
      return undefined;
    }
  }

  /** Linked, logged out or stopped: the code no longer links anything. */
  async clearCode(sessionId: string): Promise<void> {
    await this.redis.del(CODE_KEY(sessionId));
  }
}
