import { describe, expect, it } from 'vitest';
import { doneOf, figuresOf, isOptOut, rateAndEta } from '../../../src/core/blast.js';
import {
  defaultPacing,
  drawGapMs,
  effectiveDailyCap,
  msUntilWindowOpens,
  pacingProblems,
  tightenPacing,
  typingMs,
  type PacingPolicy,
} from '../../../src/core/pacing.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('blast figures', () => {
  it('counts as pending whatever has no final outcome yet; receipts do not change it', () => {
    const figures = figuresOf({ total: 10, sent: 4, failed: 1, skipped: 2, delivered: 3, read: 2, replied: 1 });
    expect(figures).toEqual({ total: 10, sent: 4, failed: 1, skipped: 2, delivered: 3, read: 2, replied: 1, replyRate: 0.25, pending: 3 });
    expect(doneOf(figures)).toBe(7);
  });

  it('never shows a negative pending count', () => {
    expect(figuresOf({ total: 2, sent: 3, failed: 0, skipped: 0, delivered: 0, read: 0, replied: 0 }).pending).toBe(0);
  });

  it('gives no reply rate while nothing was sent, and replied ÷ sent after', () => {
    expect(figuresOf({ total: 5, sent: 0, failed: 5, skipped: 0, delivered: 0, read: 0, replied: 0 }).replyRate).toBeNull();
    expect(figuresOf({ total: 3, sent: 3, failed: 0, skipped: 0, delivered: 3, read: 1, replied: 1 }).replyRate).toBe(0.3333);
  });
});

describe('rate and estimated end', () => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');

  it('measures messages per minute between the oldest and newest sample', () => {
    const samples = [
      { atMs: now - 60_000, done: 10 },
      { atMs: now - 30_000, done: 12 },
      { atMs: now, done: 40 },
    ];
    expect(rateAndEta(samples, 60, now)).toEqual({ ratePerMinute: 30, eta: new Date(now + 120_000).toISOString() });
  });

  it('rounds the rate to one decimal', () => {
    const samples = [
      { atMs: now - 45_000, done: 0 },
      { atMs: now, done: 10 },
    ];
    expect(rateAndEta(samples, 5, now).ratePerMinute).toBe(13.3);
  });

  it('gives no estimate without progress or with less than a second to go on', () => {
    const unknown = { ratePerMinute: null, eta: null };
    expect(rateAndEta([], 5, now)).toEqual(unknown);
    expect(rateAndEta([{ atMs: now, done: 3 }], 5, now)).toEqual(unknown);
    expect(rateAndEta([{ atMs: now - 999, done: 0 }, { atMs: now, done: 5 }], 5, now)).toEqual(unknown);
    expect(rateAndEta([{ atMs: now - 60_000, done: 5 }, { atMs: now, done: 5 }], 5, now)).toEqual(unknown);
  });

  it('says a blast with nothing pending ends now, even without a rate', () => {
    expect(rateAndEta([], 0, now)).toEqual({ ratePerMinute: null, eta: new Date(now).toISOString() });
  });
});

describe('opt-out replies', () => {
  it('recognises a keyword alone, whatever its case, spacing or punctuation', () => {
    for (const text of ['STOP!', ' berhenti ', 'stop', 'Unsubscribe.', '"Stop"', '¡stop!', 'stop 🙏', 'stop 👍🏽', 'ＳＴＯＰ']) {
      expect(isOptOut(text), text).toBe(true);
    }
  });

  it('does not treat a sentence that merely contains a keyword as an opt-out', () => {
    for (const text of ["don't stop", 'stop please', 'STOPPED', 'non-stop', '', '!!!', '🙏']) {
      expect(isOptOut(text), text).toBe(false);
    }
  });

  it('uses the configured keywords instead of the default ones', () => {
    expect(isOptOut('Batal!', ['batal'])).toBe(true);
    expect(isOptOut('STOP', ['BATAL'])).toBe(false);
  });

  it('ignores emoji written with a variation selector or a ZWJ sequence', () => {
    expect(isOptOut('stop ❤️')).toBe(true);
    expect(isOptOut('Stop 🤷‍♂️')).toBe(true);
  });
});

describe('a blast can only tighten its sessions’ pacing', () => {
  const base: PacingPolicy = { ...defaultPacing('baileys'), minDelayMs: 8_000, maxDelayMs: 20_000, hourlyCap: 200, dailyCap: 1_000 };

  it('leaves the session’s policy alone when the blast sets none', () => {
    expect(tightenPacing(base, null)).toEqual(base);
    expect(tightenPacing(base, undefined)).toEqual(base);
    expect(tightenPacing(base, {})).toEqual(base);
  });

  it('may slow sending down but never speed it up', () => {
    expect(tightenPacing(base, { minDelayMs: 1_000, maxDelayMs: 2_000 })).toMatchObject({ minDelayMs: 8_000, maxDelayMs: 20_000 });
    expect(tightenPacing(base, { maxDelayMs: 60_000 })).toMatchObject({ minDelayMs: 8_000, maxDelayMs: 60_000 });
    // A longer minimum than the session's maximum lifts the maximum with it.
    expect(tightenPacing(base, { minDelayMs: 30_000 })).toMatchObject({ minDelayMs: 30_000, maxDelayMs: 30_000 });
  });

  it('may lower the caps but never raise them', () => {
    expect(tightenPacing(base, { hourlyCap: 50, dailyCap: 5_000 })).toMatchObject({ hourlyCap: 50, dailyCap: 1_000 });
    expect(tightenPacing(base, { hourlyCap: 500, dailyCap: 300 })).toMatchObject({ hourlyCap: 200, dailyCap: 300 });
  });

  it('narrows the session’s window with its own (both hold), and uses its own typing when it sets it', () => {
    const session = { ...base, window: { startHour: 8, endHour: 20, timezone: 'UTC' }, typing: { enabled: true, msPerChar: 30, maxMs: 2_000 } };
    const jakarta = { startHour: 9, endHour: 17, timezone: 'Asia/Jakarta' };
    const tightened = tightenPacing(session, { window: jakarta });
    expect(tightened).toMatchObject({ window: session.window, alsoWindow: jakarta, typing: session.typing });
    // 03:00 UTC is 10:00 in Jakarta (inside its window) but outside the session's 8–20 UTC: wait until 08:00 UTC.
    expect(msUntilWindowOpens(tightened, new Date('2026-05-10T03:00:00.000Z'))).toBe(5 * 3_600_000);
    expect(tightenPacing({ ...base }, { window: jakarta })).toMatchObject({ window: jakarta });
    expect(tightenPacing(session, { hourlyCap: 10 })).toMatchObject({ window: session.window, typing: session.typing });
  });

  it('keeps the session’s warm-up', () => {
    const warm = { ...base, warmup: { initialDailyCap: 20, dailyIncrease: 10 } };
    expect(tightenPacing(warm, { dailyCap: 500 }).warmup).toEqual(warm.warmup);
  });

  it('always yields a sound policy from a sound one', () => {
    const overrides: Partial<PacingPolicy>[] = [{ minDelayMs: 50_000 }, { maxDelayMs: 1 }, { hourlyCap: 1, dailyCap: 1 }, { minDelayMs: 0, maxDelayMs: 0 }];
    for (const override of overrides) expect(pacingProblems(tightenPacing(base, override))).toEqual([]);
  });
});

describe('warm-up', () => {
  const linkedAt = new Date('2026-03-01T12:00:00.000Z');
  const policy: PacingPolicy = { ...defaultPacing('baileys'), dailyCap: 100, warmup: { initialDailyCap: 20, dailyIncrease: 15 } };
  const after = (ms: number): Date => new Date(linkedAt.getTime() + ms);

  it('starts a newly linked number low and raises its cap each full day, up to the daily cap', () => {
    expect(effectiveDailyCap(policy, linkedAt, after(0))).toBe(20);
    expect(effectiveDailyCap(policy, linkedAt, after(DAY - 1))).toBe(20);
    expect(effectiveDailyCap(policy, linkedAt, after(DAY))).toBe(35);
    expect(effectiveDailyCap(policy, linkedAt, after(5 * DAY))).toBe(95);
    expect(effectiveDailyCap(policy, linkedAt, after(6 * DAY))).toBe(100);
    expect(effectiveDailyCap(policy, linkedAt, after(365 * DAY))).toBe(100);
  });

  it('treats a clock before the link time as the first day', () => {
    expect(effectiveDailyCap(policy, linkedAt, after(-3 * DAY))).toBe(20);
  });

  it('uses the plain daily cap without warm-up or without a link time', () => {
    expect(effectiveDailyCap({ ...policy, warmup: undefined }, linkedAt, after(0))).toBe(100);
    expect(effectiveDailyCap(policy, null, after(0))).toBe(100);
  });
});

describe('gap between messages', () => {
  const policy: PacingPolicy = { ...defaultPacing('baileys'), minDelayMs: 8_000, maxDelayMs: 20_000 };

  it('is drawn uniformly between the minimum and maximum delay, in whole milliseconds', () => {
    expect(drawGapMs(policy, () => 0)).toBe(8_000);
    expect(drawGapMs(policy, () => 0.5)).toBe(14_000);
    expect(drawGapMs(policy, () => 0.123_456_7)).toBe(9_481);
    expect(drawGapMs(policy, () => 0.999_999_99)).toBe(20_000);
  });

  it('stays within bounds with the default random source', () => {
    for (let i = 0; i < 200; i++) {
      const gap = drawGapMs(policy);
      expect(gap).toBeGreaterThanOrEqual(8_000);
      expect(gap).toBeLessThanOrEqual(20_000);
      expect(Number.isInteger(gap)).toBe(true);
    }
  });

  it('is a fixed delay when minimum and maximum agree', () => {
    expect(drawGapMs(defaultPacing('sandbox'), () => 0.7)).toBe(0);
  });
});

describe('"typing…" before a message', () => {
  const plain = defaultPacing('baileys');
  const typing = { ...plain, typing: { enabled: true, msPerChar: 50, maxMs: 3_000 } };

  it('lasts in proportion to the text, up to a maximum', () => {
    expect(typingMs(typing, 10)).toBe(500);
    expect(typingMs(typing, 1_000)).toBe(3_000);
    expect(typingMs(typing, 0)).toBe(0);
  });

  it('is not shown when the session does not ask for it', () => {
    expect(typingMs(plain, 100)).toBe(0);
    expect(typingMs({ ...typing, typing: { ...typing.typing, enabled: false } }, 100)).toBe(0);
  });

  it('is shown when the blast asks for it, at the session’s speed or a default one', () => {
    expect(typingMs({ ...typing, typing: { ...typing.typing, enabled: false } }, 10, true)).toBe(500);
    expect(typingMs(plain, 50, true)).toBe(2_000);
    expect(typingMs(plain, 500, true)).toBe(4_000);
  });
});

describe('sending window', () => {
  const windowed = (startHour: number, endHour: number, timezone: string): PacingPolicy => ({
    ...defaultPacing('baileys'),
    window: { startHour, endHour, timezone },
  });
  const at = (iso: string): Date => new Date(iso);

  /** Where a sender that sleeps for as long as it is told, then asks again, starts sending. */
  const sendingStartsAt = (policy: PacingPolicy, now: Date): string => {
    let ms = now.getTime();
    for (let waits = 0; waits < 5; waits++) {
      const wait = msUntilWindowOpens(policy, new Date(ms));
      if (wait === 0) return new Date(ms).toISOString();
      ms += wait;
    }
    throw new Error('the window never opened');
  };

  it('is always open without a window', () => {
    expect(msUntilWindowOpens(defaultPacing('baileys'), at('2026-03-01T03:00:00.000Z'))).toBe(0);
  });

  it('opens at the start hour (inclusive) and closes at the end hour (exclusive)', () => {
    const policy = windowed(8, 20, 'UTC');
    expect(msUntilWindowOpens(policy, at('2026-03-01T07:59:59.500Z'))).toBe(500);
    expect(msUntilWindowOpens(policy, at('2026-03-01T08:00:00.000Z'))).toBe(0);
    expect(msUntilWindowOpens(policy, at('2026-03-01T19:59:59.999Z'))).toBe(0);
    expect(msUntilWindowOpens(policy, at('2026-03-01T20:00:00.000Z'))).toBe(12 * HOUR);
    expect(msUntilWindowOpens(policy, at('2026-03-01T23:30:00.000Z'))).toBe(8.5 * HOUR);
  });

  it('may run past midnight (22 → 6)', () => {
    const policy = windowed(22, 6, 'UTC');
    expect(msUntilWindowOpens(policy, at('2026-03-01T22:00:00.000Z'))).toBe(0);
    expect(msUntilWindowOpens(policy, at('2026-03-01T23:59:59.000Z'))).toBe(0);
    expect(msUntilWindowOpens(policy, at('2026-03-02T00:00:00.000Z'))).toBe(0);
    expect(msUntilWindowOpens(policy, at('2026-03-02T05:59:59.999Z'))).toBe(0);
    expect(msUntilWindowOpens(policy, at('2026-03-02T06:00:00.000Z'))).toBe(16 * HOUR);
    expect(msUntilWindowOpens(policy, at('2026-03-02T21:15:00.000Z'))).toBe(45 * 60_000);
  });

  it('follows the window’s own time zone (Asia/Jakarta, UTC+7)', () => {
    const policy = windowed(8, 20, 'Asia/Jakarta');
    // 07:30 in Jakarta is 00:30 UTC.
    expect(msUntilWindowOpens(policy, at('2026-05-10T00:30:00.000Z'))).toBe(30 * 60_000);
    expect(msUntilWindowOpens(policy, at('2026-05-10T01:00:00.000Z'))).toBe(0);
    // 20:00 in Jakarta is 13:00 UTC: closed until 08:00 there, 01:00 UTC the next day.
    expect(msUntilWindowOpens(policy, at('2026-05-10T13:00:00.000Z'))).toBe(12 * HOUR);
    expect(sendingStartsAt(policy, at('2026-05-10T13:00:00.000Z'))).toBe('2026-05-11T01:00:00.000Z');
  });

  it('runs past midnight in its own time zone (22 → 6 in Jakarta)', () => {
    const policy = windowed(22, 6, 'Asia/Jakarta');
    expect(msUntilWindowOpens(policy, at('2026-05-10T16:00:00.000Z'))).toBe(0); // 23:00 WIB
    expect(msUntilWindowOpens(policy, at('2026-05-10T22:59:59.000Z'))).toBe(0); // 05:59:59 WIB
    expect(msUntilWindowOpens(policy, at('2026-05-10T23:00:00.000Z'))).toBe(16 * HOUR); // 06:00 WIB
    expect(msUntilWindowOpens(policy, at('2026-05-10T05:00:00.000Z'))).toBe(10 * HOUR); // 12:00 WIB
    expect(sendingStartsAt(policy, at('2026-05-10T05:00:00.000Z'))).toBe('2026-05-10T15:00:00.000Z');
  });

  it('follows daylight saving time (Europe/Berlin: UTC+1 in winter, UTC+2 in summer)', () => {
    const policy = windowed(8, 20, 'Europe/Berlin');
    expect(msUntilWindowOpens(policy, at('2026-01-15T06:00:00.000Z'))).toBe(HOUR); // 07:00 CET
    expect(msUntilWindowOpens(policy, at('2026-01-15T07:00:00.000Z'))).toBe(0); // 08:00 CET
    expect(msUntilWindowOpens(policy, at('2026-07-15T05:00:00.000Z'))).toBe(HOUR); // 07:00 CEST
    expect(msUntilWindowOpens(policy, at('2026-07-15T06:00:00.000Z'))).toBe(0); // 08:00 CEST
    expect(msUntilWindowOpens(policy, at('2026-07-15T18:00:00.000Z'))).toBe(12 * HOUR); // 20:00 CEST
  });

  it('starts sending at the opening hour on the night clocks go back (Berlin, 25 Oct 2026)', () => {
    // 01:00 CEST; 03:00 CEST becomes 02:00 CET; 08:00 CET is 07:00 UTC.
    expect(sendingStartsAt(windowed(8, 20, 'Europe/Berlin'), at('2026-10-24T23:00:00.000Z'))).toBe('2026-10-25T07:00:00.000Z');
  });

  it('starts sending at the opening hour on the night clocks go forward (Berlin, 29 Mar 2026)', () => {
    // 01:00 CET; 02:00 CET becomes 03:00 CEST; 08:00 CEST is 06:00 UTC.
    expect(sendingStartsAt(windowed(8, 20, 'Europe/Berlin'), at('2026-03-29T00:00:00.000Z'))).toBe('2026-03-29T06:00:00.000Z');
  });
});
