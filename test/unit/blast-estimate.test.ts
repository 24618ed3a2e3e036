import { describe, expect, it } from 'vitest';
import { estimateBlast, meanMessageMs, type EstimateSession } from '../../src/core/blast-estimate.js';
import type { PacingPolicy } from '../../src/core/pacing.js';

const HOUR = 3_600;
const open: PacingPolicy = { minDelayMs: 5_000, maxDelayMs: 15_000, hourlyCap: 100_000, dailyCap: 1_000_000 };
const session = (sessionId: string, pacing: Partial<PacingPolicy> = {}, linkedAt: Date | null = null): EstimateSession => ({
  sessionId,
  pacing: { ...open, ...pacing },
  linkedAt,
});
const start = new Date('2026-03-02T10:00:00Z');

describe('blast estimate', () => {
  it('1,000 recipients at 5–15 s on one session take about 10,000 s', () => {
    const estimate = estimateBlast({ sessions: [session('a')], recipients: 1_000, start });
    expect(estimate.estimatedSeconds).toBeGreaterThan(9_900);
    expect(estimate.estimatedSeconds).toBeLessThan(10_100);
    expect(estimate.ratePerHour).toBe(360);
    expect(estimate.sessions[0]).toMatchObject({ perMessageMs: 10_000, burstPerHour: 360, perDay: 8_640, openHoursPerDay: 24 });
    expect(estimate.finishesAt).toBe(new Date(start.getTime() + (estimate.estimatedSeconds ?? 0) * 1000).toISOString());
  });

  it('two sessions share the recipients and halve the time', () => {
    const one = estimateBlast({ sessions: [session('a')], recipients: 1_000, start });
    const two = estimateBlast({ sessions: [session('a'), session('b')], recipients: 1_000, start });
    expect(two.estimatedSeconds).toBeCloseTo((one.estimatedSeconds ?? 0) / 2, -1);
    expect(two.ratePerHour).toBe(720);
  });

  it('an hourly cap below the pace binds: 1,000 at 100 an hour take between 9 and 10 hours', () => {
    const estimate = estimateBlast({ sessions: [session('a', { hourlyCap: 100 })], recipients: 1_000, start });
    expect(estimate.sessions[0]?.burstPerHour).toBe(100);
    expect(estimate.estimatedSeconds).toBeGreaterThan(9 * HOUR);
    expect(estimate.estimatedSeconds).toBeLessThan(10 * HOUR);
  });

  it('a daily cap carries the rest to the next days', () => {
    // The safe defaults of a real account: 8–20 s, 200/h, 1,000 a day. 2,500 recipients: three days.
    const estimate = estimateBlast({ sessions: [session('a', { minDelayMs: 8_000, maxDelayMs: 20_000, hourlyCap: 200, dailyCap: 1_000 })], recipients: 2_500, start });
    expect(estimate.sessions[0]).toMatchObject({ burstPerHour: 200, perDay: 1_000, dailyCapToday: 1_000 });
    expect(estimate.estimatedSeconds).toBeGreaterThan(2 * 86_400);
    expect(estimate.estimatedSeconds).toBeLessThan(2 * 86_400 + 3 * HOUR);
  });

  it('a 9–17 window pushes what is left past 17:00 to the next morning', () => {
    const late = new Date('2026-03-02T16:00:00Z');
    const policy = { window: { startHour: 9, endHour: 17, timezone: 'UTC' } };
    const estimate = estimateBlast({ sessions: [session('a', policy)], recipients: 1_000, start: late });
    expect(estimate.sessions[0]?.openHoursPerDay).toBe(8);
    expect(estimate.sessions[0]?.perDay).toBe(2_880);
    // 360 sent from 16:00 to 17:00, the other 640 from 09:00 the next day (1 h 47 min).
    expect(estimate.finishesAt?.slice(0, 10)).toBe('2026-03-03');
    const finishes = new Date(estimate.finishesAt ?? '');
    expect(finishes.getUTCHours()).toBe(10);
    expect(finishes.getUTCMinutes()).toBeGreaterThanOrEqual(40);
    expect(finishes.getUTCMinutes()).toBeLessThanOrEqual(53);
  });

  it('a window in another time zone: Jakarta 08–17 is 01–10 UTC; starting at 12:00 UTC waits until 01:00', () => {
    const policy = { window: { startHour: 8, endHour: 17, timezone: 'Asia/Jakarta' } };
    const estimate = estimateBlast({ sessions: [session('a', policy)], recipients: 36, start: new Date('2026-03-02T12:00:00Z') });
    expect(estimate.finishesAt).toBe('2026-03-03T01:06:00.000Z');
  });

  it('the blast override only tightens, and its window narrows the session\'s', () => {
    const estimate = estimateBlast({
      sessions: [session('a', { window: { startHour: 8, endHour: 20, timezone: 'UTC' } })],
      override: { minDelayMs: 20_000, maxDelayMs: 40_000, hourlyCap: 1_000_000, window: { startHour: 10, endHour: 12, timezone: 'UTC' } },
      recipients: 10,
      start,
    });
    expect(estimate.sessions[0]?.pacing).toMatchObject({ minDelayMs: 20_000, maxDelayMs: 40_000, hourlyCap: 100_000 });
    expect(estimate.sessions[0]?.openHoursPerDay).toBe(2);
    expect(estimate.sessions[0]?.perMessageMs).toBe(30_000);
    expect(estimate.estimatedSeconds).toBe(300);
  });

  it('typing takes its time when it is longer than the gap', () => {
    // 100 characters at 40 ms each: 4 s per message, no gap: 900 an hour.
    const typing = { enabled: true, msPerChar: 40, maxMs: 10_000 };
    const estimate = estimateBlast({ sessions: [session('a', { minDelayMs: 0, maxDelayMs: 0, typing })], recipients: 900, messageLength: 100, start });
    expect(estimate.sessions[0]?.burstPerHour).toBe(900);
    expect(estimate.estimatedSeconds).toBe(HOUR);
    // The blast's typing flag forces it with the defaults (40 ms a character, at most 4 s).
    const forced = estimateBlast({ sessions: [session('a', { minDelayMs: 0, maxDelayMs: 0 })], typing: true, recipients: 900, messageLength: 500, start });
    expect(forced.sessions[0]?.perMessageMs).toBe(4_000);
    expect(meanMessageMs(2_000, 6_000, 4_000)).toBe(4_500);
  });

  it('warm-up limits a newly linked number', () => {
    const warm = { warmup: { initialDailyCap: 50, dailyIncrease: 25 }, hourlyCap: 100, dailyCap: 1_000 };
    const linkedTwoDaysAgo = new Date(start.getTime() - 2 * 86_400_000 - 1_000);
    const estimate = estimateBlast({ sessions: [session('a', warm, linkedTwoDaysAgo)], recipients: 300, start });
    expect(estimate.sessions[0]).toMatchObject({ dailyCapToday: 100, perDay: 100 });
    // 100 today, 125 tomorrow, 75 of 150 the day after.
    expect(estimate.estimatedSeconds).toBeGreaterThan(2 * 86_400);
    expect(estimate.estimatedSeconds).toBeLessThan(3 * 86_400);
  });

  it('with no delay the sandbox sends at once; unknown recipients give the pace only', () => {
    const sandbox = session('s', { minDelayMs: 0, maxDelayMs: 0, hourlyCap: 1_000_000, dailyCap: 10_000_000 });
    expect(estimateBlast({ sessions: [sandbox], recipients: 10_000, start }).estimatedSeconds).toBe(0);
    const unknown = estimateBlast({ sessions: [session('a')], recipients: null, start });
    expect(unknown).toMatchObject({ estimatedSeconds: null, finishesAt: null, ratePerHour: 360 });
    expect(estimateBlast({ sessions: [session('a')], recipients: 0, start }).estimatedSeconds).toBe(0);
  });

  it('windows that never overlap send nothing, and say so', () => {
    const estimate = estimateBlast({
      sessions: [session('a', { window: { startHour: 8, endHour: 10, timezone: 'UTC' } })],
      override: { window: { startHour: 14, endHour: 16, timezone: 'UTC' } },
      recipients: 10,
      start,
    });
    expect(estimate.estimatedSeconds).toBeNull();
    expect(estimate.sessions[0]?.perDay).toBe(0);
  });

  it('a very long blast is extrapolated past a year, and fast', () => {
    const began = performance.now();
    const estimate = estimateBlast({
      sessions: [session('a', { hourlyCap: 20, dailyCap: 100, window: { startHour: 9, endHour: 17, timezone: 'Asia/Jakarta' } })],
      recipients: 100_000,
      start,
    });
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(estimate.estimatedSeconds).toBeGreaterThan(990 * 86_400);
    expect(estimate.estimatedSeconds).toBeLessThan(1_010 * 86_400);
  });

  describe('bounded, whatever the input (issue 14)', () => {
    const cpuMs = (run: () => void): number => {
      const before = process.cpuUsage();
      run();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000;
    };
    const skipped = { startHour: 2, endHour: 5, timezone: 'America/New_York' };
    const changeNight = new Date('2027-03-14T06:30:00Z'); // 01:30 EST; 02:00 EST becomes 03:00 EDT at 07:00 UTC

    it('a window whose start hour is skipped that night opens at 03:00, and the estimate is exact and quick', () => {
      // 100 messages at one a second from 03:00 EDT (07:00 UTC).
      let estimate: ReturnType<typeof estimateBlast> | undefined;
      const used = cpuMs(() => {
        estimate = estimateBlast({ sessions: [session('a', { minDelayMs: 1_000, maxDelayMs: 1_000, window: skipped })], recipients: 100, start: changeNight });
      });
      expect(estimate?.finishesAt).toBe('2027-03-14T07:01:40.000Z');
      // In the 24 hours from 01:30 EST: 03:00 to 05:00 EDT that night, 02:00 to 02:30 EDT the next.
      expect(estimate?.sessions[0]?.openHoursPerDay).toBe(2.5);
      expect(used).toBeLessThan(1_000);
    });

    it('the attack: 100 million recipients on 20 sessions with windows in 20 zones, from that night, take milliseconds', () => {
      const zones = ['America/New_York', 'America/Santiago', 'America/Havana', 'Asia/Beirut', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'Africa/Cairo', 'Europe/Berlin'];
      const sessions = Array.from({ length: 20 }, (_, i) =>
        session(`s${i}`, {
          minDelayMs: 1 + i,
          maxDelayMs: 1 + i,
          hourlyCap: 1 + i,
          dailyCap: 1_000,
          window: { startHour: i % 4, endHour: (i % 4) + 1 + (i % 3), timezone: zones[i % zones.length] ?? 'UTC' },
        }),
      );
      const estimates = [100_000_000, 1_000].map((recipients) => {
        let estimate: ReturnType<typeof estimateBlast> | undefined;
        const used = cpuMs(() => {
          estimate = estimateBlast({ sessions, override: { window: skipped }, recipients, start: changeNight });
        });
        expect(used).toBeLessThan(1_000);
        return estimate?.estimatedSeconds;
      });
      // Some 45 a day: 100 million would take millennia (no date), 1,000 a few weeks.
      expect(estimates[0]).toBeNull();
      expect(estimates[1]).toBeGreaterThan(5 * 86_400);
      expect(estimates[1]).toBeLessThan(40 * 86_400);
    });

    it('a blast that would take longer than anyone can wait has no finish date, instead of an invalid one', () => {
      // One a day for 100 million recipients: 270,000 years, past the last date a Date can hold.
      const estimate = estimateBlast({ sessions: [session('a', { hourlyCap: 1, dailyCap: 1 })], recipients: 100_000_000, start });
      expect(estimate).toMatchObject({ estimatedSeconds: null, finishesAt: null, perDay: 1 });
    });
  });
});
