import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INBOUND_SEEN_TTL_SECONDS, InboundDedupe } from '../../src/sessions/inbound-dedupe.js';
import { deletePrefix, uniquePrefix } from '../support/redis.js';

const prefix = uniquePrefix('inbound');
let workerA: Redis;
let workerB: Redis;

beforeAll(() => {
  workerA = new Redis(inject('redisUrl'), { keyPrefix: `${prefix}:` });
  workerB = new Redis(inject('redisUrl'), { keyPrefix: `${prefix}:` });
});
afterAll(async () => {
  workerA.disconnect();
  workerB.disconnect();
  await deletePrefix(inject('redisUrl'), prefix);
});

describe('inbound messages heard once (Redis)', () => {
  const stop = { from: '+6281234567890', messageId: '3AOFFLINE0001' };

  it('a message is heard until it was handled, by any worker; then not again', async () => {
    const a = new InboundDedupe(workerA);
    const b = new InboundDedupe(workerB);
    // Checked but not handled (the opt-out failed, the worker died): a redelivery is still heard.
    expect(await a.handled('promo', stop)).toBe(false);
    expect(await b.handled('promo', stop)).toBe(false);
    await a.remember('promo', stop);
    expect(await b.handled('promo', stop)).toBe(true);
  });

  it('keys by session and sender: the same id on another account or from another number is another message; the key expires by itself', async () => {
    const dedupe = new InboundDedupe(workerA);
    await dedupe.remember('promo', { ...stop, messageId: 'ID1' });
    expect(await dedupe.handled('support', { ...stop, messageId: 'ID1' })).toBe(false);
    expect(await dedupe.handled('promo', { from: '+6289999999999', messageId: 'ID1' })).toBe(false);
    const ttl = await workerA.ttl(InboundDedupe.key('promo', { ...stop, messageId: 'ID1' }));
    expect(ttl).toBeGreaterThan(INBOUND_SEEN_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(3 * 24 * 3600);
  });

  it('a sender-chosen id of any length makes a key of bounded size', async () => {
    const dedupe = new InboundDedupe(workerA);
    const huge = { ...stop, messageId: 'X'.repeat(100_000) };
    await dedupe.remember('promo', huge);
    expect(await dedupe.handled('promo', huge)).toBe(true);
    expect(InboundDedupe.key('promo', huge).length).toBeLessThan(100);
  });

  it('when Redis cannot answer, the message is heard (an opt-out twice beats none)', async () => {
    const broken = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    broken.on('error', () => undefined);
    const dedupe = new InboundDedupe(broken);
    await dedupe.remember('promo', stop);
    expect(await dedupe.handled('promo', stop)).toBe(false);
    broken.disconnect();
  });
});
