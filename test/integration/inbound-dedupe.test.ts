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
  it('the same message delivered to two workers at once (a takeover, a reconnect) is heard by exactly one', async () => {
    const a = new InboundDedupe(workerA);
    const b = new InboundDedupe(workerB);
    const answers = await Promise.all([a.firstSighting('promo', '3AOFFLINE0001'), b.firstSighting('promo', '3AOFFLINE0001')]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await a.firstSighting('promo', '3AOFFLINE0001')).toBe(false);
  });

  it('keys by session: the same id on another account is another message; the claim expires by itself', async () => {
    const dedupe = new InboundDedupe(workerA);
    expect(await dedupe.firstSighting('promo', 'ID1')).toBe(true);
    expect(await dedupe.firstSighting('support', 'ID1')).toBe(true);
    const ttl = await workerA.ttl(InboundDedupe.key('promo', 'ID1'));
    expect(ttl).toBeGreaterThan(INBOUND_SEEN_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(INBOUND_SEEN_TTL_SECONDS);
  });

  it('when Redis cannot answer, the message is heard (an opt-out twice beats none)', async () => {
    const broken = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    broken.on('error', () => undefined);
    expect(await new InboundDedupe(broken).firstSighting('promo', 'ID2')).toBe(true);
    broken.disconnect();
  });
});
