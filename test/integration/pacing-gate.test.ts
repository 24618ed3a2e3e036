import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { messageIdFor } from '../../src/core/message-id.js';
import { PacingGate } from '../../src/sending/pacing-gate.js';
import { deletePrefix, uniquePrefix } from '../support/redis.js';

const prefix = uniquePrefix('pacing');
let redis: Redis;
let gate: PacingGate;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { keyPrefix: `${prefix}:` });
  gate = new PacingGate(redis);
});
afterAll(async () => {
  redis.disconnect();
  await deletePrefix(inject('redisUrl'), prefix);
});

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

describe('pacing gate (Redis)', () => {
  it('keeps the gap between two messages of one account', async () => {
    const policy = { hourlyCap: 100, dailyCap: 1_000 };
    expect(await gate.reserve('gap', policy, 10_000, T0)).toBe(0);
    expect(await gate.reserve('gap', policy, 10_000, T0 + 4_000)).toBe(6_000);
    expect(await gate.reserve('gap', policy, 10_000, T0 + 10_000)).toBe(0);
  });

  it('never books more than the hourly cap in any rolling hour, and says when the next slot opens', async () => {
    const policy = { hourlyCap: 3, dailyCap: 1_000 };
    for (let i = 0; i < 3; i++) expect(await gate.reserve('hourly', policy, 0, T0 + i * 60_000)).toBe(0);
    const wait = await gate.reserve('hourly', policy, 0, T0 + 5 * 60_000);
    expect(wait).toBe(55 * 60_000);
    expect(await gate.reserve('hourly', policy, 0, T0 + 60 * 60_000)).toBe(0);
    expect(await gate.usage('hourly', T0 + 60 * 60_000)).toEqual({ lastHour: 3, lastDay: 4 });
  });

  it('holds the daily cap across hours', async () => {
    const policy = { hourlyCap: 10, dailyCap: 2 };
    expect(await gate.reserve('daily', policy, 0, T0)).toBe(0);
    expect(await gate.reserve('daily', policy, 0, T0 + 2 * 3_600_000)).toBe(0);
    expect(await gate.reserve('daily', policy, 0, T0 + 5 * 3_600_000)).toBe(19 * 3_600_000);
  });

  it('books a batch at full speed only up to what the caps leave, and one at a time when there is a delay', async () => {
    const policy = { hourlyCap: 150, dailyCap: 1_000 };
    expect(await gate.reserveMany('batch', policy, 0, T0, 1_000, 100)).toEqual({ granted: 100, waitMs: 0 });
    expect(await gate.reserveMany('batch', policy, 0, T0 + 1, 1_000, 100)).toEqual({ granted: 50, waitMs: 0 });
    const full = await gate.reserveMany('batch', policy, 0, T0 + 2, 1_000, 100);
    expect(full.granted).toBe(0);
    expect(full.waitMs).toBeGreaterThan(0);
    expect(await gate.reserveMany('paced', policy, 5_000, T0, 1_000, 100)).toEqual({ granted: 1, waitMs: 0 });
    expect(await gate.reserveMany('paced', policy, 5_000, T0 + 1_000, 1_000, 100)).toEqual({ granted: 0, waitMs: 4_000 });
    // A warm-up's lower daily cap for today wins over the policy's.
    expect(await gate.reserveMany('warm', policy, 0, T0, 20, 100)).toEqual({ granted: 20, waitMs: 0 });
  });

  it('serialises concurrent callers: one booking per gap, whoever asks', async () => {
    const policy = { hourlyCap: 1_000, dailyCap: 10_000 };
    const answers = await Promise.all(Array.from({ length: 20 }, () => gate.reserve('race', policy, 5_000, T0)));
    expect(answers.filter((wait) => wait === 0)).toHaveLength(1);
  });
});

describe('message ids', () => {
  it('are the same for the same (blast, recipient) and differ otherwise', () => {
    expect(messageIdFor('blast-1', 7)).toBe(messageIdFor('blast-1', 7));
    expect(messageIdFor('blast-1', 7)).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(new Set(Array.from({ length: 10_000 }, (_, i) => messageIdFor('blast-1', i))).size).toBe(10_000);
    expect(messageIdFor('blast-2', 7)).not.toBe(messageIdFor('blast-1', 7));
  });
});
