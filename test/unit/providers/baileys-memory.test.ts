import { initAuthCreds } from 'baileys';
import { describe, expect, it } from 'vitest';
import { createAddressBook, LID_LIMIT } from '../../../src/providers/baileys/address-book.js';
import { createSocketCaches, socketConfig } from '../../../src/providers/baileys/baileys-socket.js';
import { createBoundedCache } from '../../../src/providers/baileys/bounded-cache.js';
import { createRetryCounterCache } from '../../../src/providers/baileys/retry-counter-cache.js';
import { systemClock } from '../../../src/infra/clock.js';
import { isTcTokenExpired } from '../../../src/providers/baileys/db-auth-state.js';
import { createLogger } from '../../../src/logging/logger.js';

/** A contact never seen before, as WhatsApp v7 names it twice: by LID and by phone number. */
const contact = (k: number) => ({ lid: `${200_000_000_000_000 + k}@lid`, pn: `62857${String(k).padStart(8, '0')}@s.whatsapp.net` });

describe('memory per idle session (item 10): what a session keeps stays bounded while contacts churn', () => {
  it('the address book keeps the most recent LID ↔ phone pairs only; older ones are asked of baileys LID store again', async () => {
    const book = createAddressBook();
    for (let k = 0; k < LID_LIMIT * 5; k++) book.learn(contact(k).lid, contact(k).pn);
    expect(book.size).toBe(LID_LIMIT);
    const newest = contact(LID_LIMIT * 5 - 1);
    expect(book.knownPhoneOf(newest.lid)).toBe('+6285700009999');
    // The oldest pair left memory; the reply of that contact is still attributed through the LID store.
    const oldest = contact(0);
    expect(book.knownPhoneOf(oldest.lid)).toBeUndefined();
    const asked: string[] = [];
    const phone = await book.phoneOf(oldest.lid, (lid) => {
      asked.push(lid);
      return Promise.resolve(oldest.pn);
    });
    expect(phone).toBe('+6285700000000');
    expect(asked).toEqual([oldest.lid]);
  });

  it('the caches handed to baileys (device lists, call offers, placeholder resends) hold at most their bound under churn', async () => {
    const config = socketConfig({
      auth: undefined as never,
      logger: createLogger('silent'),
      getMessage: () => Promise.resolve(undefined),
      retryCounts: createRetryCounterCache(systemClock),
      version: undefined,
      caches: createSocketCaches(),
    });
    const caches = [config.userDevicesCache, config.callOfferCache, config.placeholderResendCache];
    for (const cache of caches) {
      expect(cache).toBeDefined();
      for (let k = 0; k < 20_000; k++) await cache?.set(contact(k).pn, [{ user: String(k), device: 0 }]);
    }
    const sizes = caches.map((cache) => (cache as unknown as { size: number }).size);
    expect(sizes).toEqual([1_000, 100, 1_000]);
  });

  it("baileys' LID store keeps its pairs in a bounded cache, and reads a pair that left it from the keys again", async () => {
    const caches = createSocketCaches();
    const config = socketConfig({ auth: undefined as never, logger: createLogger('silent'), getMessage: () => Promise.resolve(undefined), retryCounts: createRetryCounterCache(systemClock), version: undefined, caches });
    const keys = new Map<string, unknown>();
    const reads: string[] = [];
    const store = {
      get: (type: string, ids: string[]) => {
        reads.push(...ids);
        return Object.fromEntries(ids.filter((id) => keys.has(`${type}/${id}`)).map((id) => [id, keys.get(`${type}/${id}`)]));
      },
      set: (data: Record<string, Record<string, unknown>>) => {
        for (const [type, values] of Object.entries(data)) for (const [id, value] of Object.entries(values)) keys.set(`${type}/${id}`, value);
      },
      transaction: <T>(work: () => Promise<T>) => work(),
      isInTransaction: () => false,
    };
    const repository = config.makeSignalRepository?.({ creds: initAuthCreds(), keys: store as never }, createLogger('silent'));
    expect(repository).toBeDefined();
    const pairs = Array.from({ length: 5_000 }, (_, k) => contact(k));
    await repository!.lidMapping.storeLIDPNMappings(pairs.map(({ lid, pn }) => ({ lid, pn })));
    expect(caches.lidMappings.size).toBe(4_000);
    reads.length = 0;
    // Read from the `lid-mapping` keys; baileys names the device (lid-mapping.js getPNForLID).
    expect(await repository!.lidMapping.getPNForLID(pairs[0]!.lid)).toBe('6285700000000:0@s.whatsapp.net');
    expect(reads.length).toBeGreaterThan(0);
  });

  it('a bounded cache forgets an entry at its time to live, and the oldest entry first when full', () => {
    let now = 0;
    const cache = createBoundedCache({ maxEntries: 3, ttlMs: 1_000, now: () => now });
    cache.set('a', 1);
    now = 500;
    cache.set('b', 2);
    now = 600;
    cache.set('a', 3); // written again: now the newest, living to 1,600
    expect(cache.get('a')).toBe(3);
    now = 1_499;
    expect(cache.get('b')).toBe(2);
    now = 1_500;
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.set('c', 4);
    cache.set('d', 5);
    cache.set('e', 6);
    expect([cache.get('a'), cache.get('c'), cache.get('d'), cache.get('e')]).toEqual([undefined, 4, 5, 6]);
    cache.del('d');
    cache.flushAll();
    expect(cache.size).toBe(0);
  });

  it('a privacy token expires as baileys says: 7-day buckets, the current one and the 3 before it', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const days = (n: number): number => Math.floor(now.getTime() / 1000) - n * 86_400;
    expect(isTcTokenExpired(String(days(1)), now)).toBe(false);
    expect(isTcTokenExpired(days(20), now)).toBe(false);
    expect(isTcTokenExpired(String(days(29)), now)).toBe(true);
    expect(isTcTokenExpired(undefined, now)).toBe(true);
    expect(isTcTokenExpired('not a time', now)).toBe(true);
  });
});
