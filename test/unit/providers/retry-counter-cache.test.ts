import { describe, expect, it } from 'vitest';
import { createRetryCounterCache } from '../../../src/providers/baileys/retry-counter-cache.js';

describe('the retry counts baileys keeps per session (retry-counter-cache.ts)', () => {
  it('reads back what baileys stored, until the count is an hour old', () => {
    let nowMs = Date.parse('2026-12-01T09:00:00Z');
    const cache = createRetryCounterCache({ now: () => new Date(nowMs) });
    cache.set('3EB0AA:50000000000001@lid', 2);
    expect(cache.get<number>('3EB0AA:50000000000001@lid')).toBe(2);
    nowMs += 3_600_000 - 1;
    expect(cache.get<number>('3EB0AA:50000000000001@lid')).toBe(2);
    nowMs += 1;
    expect(cache.get<number>('3EB0AA:50000000000001@lid')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds a bounded number of counts, dropping the oldest first', () => {
    const cache = createRetryCounterCache({ now: () => new Date() }, { maxEntries: 3 });
    for (let i = 1; i <= 5; i++) cache.set(`id-${String(i)}`, i);
    expect(cache.size).toBe(3);
    expect(cache.get('id-2')).toBeUndefined();
    expect(cache.get<number>('id-3')).toBe(3);
    expect(cache.get<number>('id-5')).toBe(5);
    cache.del('id-5');
    cache.flushAll();
    expect(cache.size).toBe(0);
  });
});
