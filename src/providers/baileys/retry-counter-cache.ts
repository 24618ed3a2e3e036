import type { Clock } from '../../infra/clock.js';

/** baileys' own default keeps a count an hour (Defaults DEFAULT_CACHE_TTLS.MSG_RETRY). */
const TTL_MS = 3_600_000;
/** A count is a few bytes; this bounds a session under a storm of retry requests. */
const MAX_ENTRIES = 2_000;

/** baileys' CacheStore (Types/Socket.d.ts), synchronous. */
export interface RetryCounterCache {
  readonly size: number;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- CacheStore's own signature: baileys reads back what it stored
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  del(key: string): void;
  flushAll(): void;
}

/**
 * How many times baileys re-sent each message to each device (`<id>:<jid>` → count,
 * Socket/messages-recv.js willSendMessageAgain / updateSendMessageAgainCount). baileys makes a
 * new one per socket unless given one: one per session, kept across reconnects, so a phone that
 * keeps asking cannot reset its count by outlasting a socket. Bounded in size and age.
 */
export function createRetryCounterCache(clock: Clock, options: { ttlMs?: number; maxEntries?: number } = {}): RetryCounterCache {
  const ttlMs = options.ttlMs ?? TTL_MS;
  const maxEntries = options.maxEntries ?? MAX_ENTRIES;
  const entries = new Map<string, { value: unknown; expires: number }>();
  return {
    get size() {
      return entries.size;
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- CacheStore's own signature: baileys reads back what it stored
    get<T>(key: string): T | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= clock.now().getTime()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value as T;
    },
    set(key: string, value: unknown): void {
      entries.delete(key);
      entries.set(key, { value, expires: clock.now().getTime() + ttlMs });
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
    del(key: string): void {
      entries.delete(key);
    },
    flushAll(): void {
      entries.clear();
    },
  };
}
