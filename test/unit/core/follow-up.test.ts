import { describe, expect, it } from 'vitest';
import { FOLLOW_UP_SEGMENTS, type FollowUpSegment, type LedgerStatus } from '../../../src/core/blast.js';
import { DurationError, followUpStartMs, inSegment, isSegment, MAX_FOLLOW_UP_AFTER_MS, parseAfter, segmentSizes } from '../../../src/core/follow-up.js';

const STATUSES: LedgerStatus[] = ['pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped'];

/** Every (status, replied) a ledger row can have, and the segments it is in. */
function segmentsOf(status: LedgerStatus, replied: boolean): FollowUpSegment[] {
  return FOLLOW_UP_SEGMENTS.filter((segment) => inSegment(segment, { status, replied }));
}

describe('follow-up segments', () => {
  it('puts each ledger row in the segments their names say', () => {
    expect(segmentsOf('sent', false).sort()).toEqual(['not_delivered', 'not_read', 'not_replied']);
    expect(segmentsOf('delivered', false).sort()).toEqual(['delivered', 'not_read', 'not_replied']);
    expect(segmentsOf('read', false).sort()).toEqual(['delivered', 'not_replied']);
    expect(segmentsOf('read', true).sort()).toEqual(['delivered', 'replied']);
    expect(segmentsOf('sent', true).sort()).toEqual(['not_delivered', 'not_read', 'replied']);
    expect(segmentsOf('failed', false)).toEqual(['failed']);
    // A reply after WhatsApp refused the message (an error ack) still counts as a reply.
    expect(segmentsOf('failed', true).sort()).toEqual(['failed', 'replied']);
  });

  it('leaves skipped, pending and in-flight rows out of every segment', () => {
    for (const status of ['skipped', 'pending', 'sending'] as const) {
      expect(segmentsOf(status, false)).toEqual([]);
      expect(segmentsOf(status, true)).toEqual([]);
    }
  });

  it('splits every accepted row into replied or not_replied, and never both', () => {
    for (const status of STATUSES) {
      for (const replied of [false, true]) {
        const segments = segmentsOf(status, replied);
        expect(segments.includes('replied') && segments.includes('not_replied')).toBe(false);
        if (['sent', 'delivered', 'read'].includes(status)) expect(segments.includes('replied') || segments.includes('not_replied')).toBe(true);
      }
    }
  });

  it('sums the sizes of every segment from one grouped count', () => {
    const sizes = segmentSizes([
      { status: 'sent', replied: false, count: 3 },
      { status: 'delivered', replied: false, count: 5 },
      { status: 'read', replied: false, count: 7 },
      { status: 'read', replied: true, count: 2 },
      { status: 'failed', replied: false, count: 4 },
      { status: 'skipped', replied: false, count: 100 },
    ]);
    expect(sizes).toEqual({ not_delivered: 3, not_read: 8, not_replied: 15, replied: 2, failed: 4, delivered: 14 });
    expect(segmentSizes([])).toEqual({ not_delivered: 0, not_read: 0, not_replied: 0, replied: 0, failed: 0, delivered: 0 });
  });

  it('knows its segment names and nothing else', () => {
    for (const segment of FOLLOW_UP_SEGMENTS) expect(isSegment(segment)).toBe(true);
    for (const wrong of ['', 'all', 'NOT_READ', 'not-read', '__proto__', 'constructor']) expect(isSegment(wrong)).toBe(false);
  });
});

describe('follow-up after (ISO 8601 durations)', () => {
  it('reads weeks, days, hours, minutes and seconds', () => {
    expect(parseAfter('PT24H')).toBe(86_400_000);
    expect(parseAfter('P2D')).toBe(2 * 86_400_000);
    expect(parseAfter('P1DT12H')).toBe(36 * 3_600_000);
    expect(parseAfter('PT90M')).toBe(90 * 60_000);
    expect(parseAfter('PT2S')).toBe(2_000);
    expect(parseAfter('PT0.5S')).toBe(500);
    expect(parseAfter('P1W')).toBe(7 * 86_400_000);
    expect(parseAfter('pt1h30m')).toBe(90 * 60_000);
    expect(parseAfter('PT0S')).toBe(0);
  });

  it('refuses what is not a fixed-length duration, with INVALID_DURATION', () => {
    for (const text of ['', 'P', 'PT', 'P1DT', '24H', 'PT-1H', 'P1M', 'P1Y', 'PT1.5H', 'PT1H ', ' PT1H', 'P1H', 'PT1S1M', 'PT1e3S', 'x'.repeat(10_000), 'P'.padEnd(100, '1')]) {
      expect(() => parseAfter(text), text.slice(0, 20)).toThrow(DurationError);
      try {
        parseAfter(text);
      } catch (error) {
        expect((error as DurationError).code).toBe('INVALID_DURATION');
      }
    }
  });

  it('refuses more than 366 days, with AFTER_TOO_FAR, and takes 366 days exactly', () => {
    expect(parseAfter('P366D')).toBe(MAX_FOLLOW_UP_AFTER_MS);
    for (const text of ['P367D', 'PT8785H', 'P53W', 'P999999W', 'PT9999999999S']) {
      expect(() => parseAfter(text)).toThrow(expect.objectContaining({ code: 'AFTER_TOO_FAR' }) as Error);
    }
  });

  it('starts a follow-up at its parent end plus after', () => {
    expect(new Date(followUpStartMs('2026-03-01T10:00:00.000Z', parseAfter('PT24H'))).toISOString()).toBe('2026-03-02T10:00:00.000Z');
  });
});
