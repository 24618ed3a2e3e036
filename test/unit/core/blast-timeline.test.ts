import { describe, expect, it } from 'vitest';
import { clampBucket, MAX_BUCKETS, timelineRange } from '../../../src/core/blast-timeline.js';

const T = Date.parse('2026-03-01T10:00:07Z') / 1_000;

describe('timeline buckets', () => {
  it('picks the smallest round size giving at most 120 buckets, starting on a multiple of it', () => {
    expect(timelineRange(T, T + 30)).toEqual({ bucketSeconds: 1, fromSeconds: T, count: 31 });
    expect(timelineRange(T, T + 119)).toEqual({ bucketSeconds: 1, fromSeconds: T, count: 120 });
    expect(timelineRange(T, T + 120)).toEqual({ bucketSeconds: 2, fromSeconds: T - 1, count: 61 });
    expect(timelineRange(T, T + 3_600)).toEqual({ bucketSeconds: 60, fromSeconds: T - 7, count: 61 });
    expect(timelineRange(T, T + 86_400)).toEqual({ bucketSeconds: 900, fromSeconds: T - 7, count: 97 });
    const year = timelineRange(T, T + 365 * 86_400);
    expect(year.bucketSeconds % 86_400).toBe(0);
    expect(year.count).toBeLessThanOrEqual(120);
    expect(timelineRange(T, T)).toEqual({ bucketSeconds: 1, fromSeconds: T, count: 1 });
    expect(timelineRange(T, T - 5).count).toBe(1);
  });

  it('uses the size asked for, raised when it would make too many buckets', () => {
    expect(timelineRange(T, T + 600, 60)).toEqual({ bucketSeconds: 60, fromSeconds: T - 7, count: 11 });
    const raised = timelineRange(T, T + 86_400, 1);
    expect(raised.bucketSeconds).toBeGreaterThan(1);
    expect(raised.count).toBeLessThanOrEqual(MAX_BUCKETS);
  });

  it('keeps a stray timestamp inside the range', () => {
    const range = timelineRange(T, T + 30);
    expect([clampBucket(-2, range), clampBucket(5, range), clampBucket(99, range)]).toEqual([0, 5, 30]);
  });
});
