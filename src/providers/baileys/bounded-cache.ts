import type { PossiblyExtendedCacheStore } from 'baileys';

/**
 * A cache for baileys' `CacheStore` slots with both a size bound and a time to live. baileys'
 * own default (@cacheable/node-cache, Socket/messages-send.js, messages-recv.js, chats.js,
 * Utils/auth-utils.js) has a TTL but no size bound, so a burst of contacts grows a session until
 * the TTL passes, and it runs a timer per cache. This one runs no timer: entries leave when they
 * expire (checked on every read and write, oldest first) or when the bound is reached (oldest
 * written first). A write moves an entry to the back, so the front is always the oldest.
 */
export type BoundedCache = {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  del(key: string): boolean;
  flushAll(): void;
  readonly size: number;
} & PossiblyExtendedCacheStore;

export function createBoundedCache(options: { maxEntries: number; ttlMs: number; now?: () => number }): BoundedCache {
  const { maxEntries, ttlMs } = options;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: unknown; expiresAt: number }>();

  const dropExpired = (at: number): void => {
    for (const [key, entry] of entries) {
      if (entry.expiresAt > at) return;
      entries.delete(key);
    }
  };

  const get = (key: string): unknown => {
    const at = now();
    dropExpired(at);
    return entries.get(key)?.value;
  };

  const set = (key: string, value: unknown): void => {
    const at = now();
    dropExpired(at);
    entries.delete(key);
    entries.set(key, { value, expiresAt: at + ttlMs });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };

  const cache = {
    get size() {
      dropExpired(now());
      return entries.size;
    },
    get,
    set,
    del: (key: string) => entries.delete(key),
    flushAll: () => {
      entries.clear();
    },
    mget: (keys: string[]) => Promise.resolve(Object.fromEntries(keys.map((key) => [key, get(key)]))),
    mset: (list: { key: string; value: unknown }[]) => {
      for (const { key, value } of list) set(key, value);
      return Promise.resolve();
    },
  };
  // baileys types its slots with a type parameter per call (`get<T>`), which a cache holding
  // whatever baileys puts in it cannot express: the values it gets back are the ones it set.
  return cache as unknown as BoundedCache;
}
