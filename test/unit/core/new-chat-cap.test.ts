import { describe, expect, it } from 'vitest';
import { cappedUntilMs, nextNewChatCap, readingFromCapInfo, slowedPacing, type NewChatCapReading } from '../../../src/core/new-chat-cap.js';
import { defaultPacing } from '../../../src/core/pacing.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const HOUR = 3_600_000;
const at = (ms: number): Date => new Date(NOW.getTime() + ms);
const reading = (state: NewChatCapReading['state'], resetsAt: string | null = null): NewChatCapReading => ({ state, quota: 250, used: 200, resetsAt });

describe("WhatsApp's new-chat cap (issue 15, item 2)", () => {
  const policy = { ...defaultPacing('baileys'), hourlyCap: 40, dailyCap: 300 };

  it('a warning halves the hourly cap for a day, and only the hourly cap', () => {
    const cap = nextNewChatCap(null, reading('FIRST_WARNING'), NOW);
    expect(cap.slowUntil).toBe(at(24 * HOUR).toISOString());
    expect(slowedPacing(policy, cap, at(HOUR))).toEqual({ ...policy, hourlyCap: 20 });
    expect(slowedPacing(policy, cap, at(24 * HOUR))).toEqual(policy);
    expect(slowedPacing({ ...policy, hourlyCap: 1 }, cap, NOW).hourlyCap).toBe(1);
  });

  it('no warning, no slowing', () => {
    expect(slowedPacing(policy, null, NOW)).toBe(policy);
    expect(slowedPacing(policy, nextNewChatCap(null, reading('NONE'), NOW), NOW)).toEqual(policy);
  });

  it('the same warning read again (at each connect, before each blast) does not push the day further', () => {
    const first = nextNewChatCap(null, reading('FIRST_WARNING'), NOW);
    const again = nextNewChatCap(first, reading('SECOND_WARNING'), at(5 * HOUR));
    expect(again.slowUntil).toBe(first.slowUntil);
    // After the day, a new warning starts a new one.
    expect(nextNewChatCap(again, reading('FIRST_WARNING'), at(25 * HOUR)).slowUntil).toBe(at(49 * HOUR).toISOString());
  });

  it('CAPPED stops the session until the cycle ends; a day when WhatsApp does not say when, kept on later reads', () => {
    const end = at(6 * HOUR).toISOString();
    expect(cappedUntilMs(nextNewChatCap(null, reading('CAPPED', end), NOW), at(HOUR))).toBe(Date.parse(end));
    expect(cappedUntilMs(nextNewChatCap(null, reading('CAPPED', end), NOW), at(6 * HOUR))).toBeUndefined();
    const unsaid = nextNewChatCap(null, reading('CAPPED'), NOW);
    expect(unsaid.resetsAt).toBe(at(24 * HOUR).toISOString());
    expect(nextNewChatCap(unsaid, reading('CAPPED'), at(3 * HOUR)).resetsAt).toBe(unsaid.resetsAt);
    expect(cappedUntilMs(nextNewChatCap(null, reading('SECOND_WARNING', end), NOW), NOW)).toBeUndefined();
  });

  it("reads baileys' NewChatMessageCapInfo (Types/State.d.ts), seconds as strings, and refuses what it does not know", () => {
    expect(readingFromCapInfo({ total_quota: 250, used_quota: 12, cycle_end_timestamp: '1796688000', capping_status: 'SECOND_WARNING' })).toEqual({
      state: 'SECOND_WARNING',
      quota: 250,
      used: 12,
      resetsAt: '2026-12-08T00:00:00.000Z',
    });
    expect(readingFromCapInfo({ capping_status: 'CAPPED', total_quota: -1, used_quota: 1.5, cycle_end_timestamp: 'soon' })).toEqual({
      state: 'CAPPED',
      quota: null,
      used: null,
      resetsAt: null,
    });
    expect(readingFromCapInfo({ capping_status: 'LATER' })).toBeUndefined();
    expect(readingFromCapInfo(null)).toBeUndefined();
  });
});
