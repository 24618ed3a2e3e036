import { describe, expect, it } from 'vitest';
import { defaultPacing, msUntilWindowCloses, msUntilWindowOpens, type PacingPolicy, type SendingWindow } from '../../../src/core/pacing.js';
import { prng } from '../../support/prng.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const windowed = (window: SendingWindow, alsoWindow?: SendingWindow): PacingPolicy => ({ ...defaultPacing('baileys'), window, alsoWindow });
const w = (startHour: number, endHour: number, timezone: string): SendingWindow => ({ startHour, endHour, timezone });
/** Where sending starts when asked at `iso`. */
const opensAt = (policy: PacingPolicy, iso: string): string => new Date(Date.parse(iso) + msUntilWindowOpens(policy, new Date(iso))).toISOString();

describe('sending window on the days the clocks change', () => {
  it('an hour skipped at 02:00 (New York, 14 Mar 2027): a 02–05 window opens at 03:00 EDT, not in a few ms', () => {
    const policy = windowed(w(2, 5, 'America/New_York'));
    // 01:30 EST: the next instant with a local hour in 2–5 is 03:00 EDT (07:00 UTC).
    expect(msUntilWindowOpens(policy, new Date('2027-03-14T06:30:00.000Z'))).toBe(30 * MINUTE);
    expect(msUntilWindowOpens(policy, new Date('2027-03-14T06:59:59.000Z'))).toBe(1_000);
    expect(opensAt(policy, '2027-03-14T05:00:00.000Z')).toBe('2027-03-14T07:00:00.000Z');
    expect(opensAt(policy, '2027-03-13T12:00:00.000Z')).toBe('2027-03-14T07:00:00.000Z');
    expect(msUntilWindowOpens(policy, new Date('2027-03-14T07:00:00.000Z'))).toBe(0);
    // and it closes at 05:00 EDT, two hours later (the day is an hour short).
    expect(msUntilWindowCloses(policy, new Date('2027-03-14T07:00:00.000Z'))).toBe(2 * HOUR);
  });

  it('a window made only of the skipped hour (02–03) does not open that day: the next day at 02:00', () => {
    expect(opensAt(windowed(w(2, 3, 'America/New_York')), '2027-03-14T05:30:00.000Z')).toBe('2027-03-15T06:00:00.000Z');
  });

  it('an hour repeated (New York, 7 Nov 2027): the window opens at the first 01:00, and 02:00 comes once', () => {
    expect(opensAt(windowed(w(1, 5, 'America/New_York')), '2027-11-07T04:30:00.000Z')).toBe('2027-11-07T05:00:00.000Z'); // 01:00 EDT
    expect(opensAt(windowed(w(2, 5, 'America/New_York')), '2027-11-07T05:30:00.000Z')).toBe('2027-11-07T07:00:00.000Z'); // 02:00 EST
    // 01:30 EST, the second time round, is still inside a 01–05 window.
    expect(msUntilWindowOpens(windowed(w(1, 5, 'America/New_York')), new Date('2027-11-07T06:30:00.000Z'))).toBe(0);
  });

  it('zones whose clocks change at midnight: Santiago, Havana, Beirut', () => {
    // Santiago, 6 Sep 2026: 24:00 -04 becomes 01:00 -03.
    expect(opensAt(windowed(w(0, 6, 'America/Santiago')), '2026-09-06T03:00:00.000Z')).toBe('2026-09-06T04:00:00.000Z');
    // Santiago, 4 Apr 2027: 24:00 -03 becomes 23:00 -04; a 23–02 window opens at the first 23:00.
    expect(opensAt(windowed(w(23, 2, 'America/Santiago')), '2027-04-04T01:00:00.000Z')).toBe('2027-04-04T02:00:00.000Z');
    // Havana, 14 Mar 2027: 00:00 CST becomes 01:00 CDT.
    expect(opensAt(windowed(w(0, 5, 'America/Havana')), '2027-03-14T04:00:00.000Z')).toBe('2027-03-14T05:00:00.000Z');
    // Beirut, 28 Mar 2027: 00:00 +02 becomes 01:00 +03.
    expect(opensAt(windowed(w(0, 3, 'Asia/Beirut')), '2027-03-27T21:00:00.000Z')).toBe('2027-03-27T22:00:00.000Z');
  });

  it('a half-hour change (Lord Howe, 4 Oct 2026: 02:00 becomes 02:30) and a 45-minute offset (Kathmandu)', () => {
    expect(opensAt(windowed(w(2, 5, 'Australia/Lord_Howe')), '2026-10-03T15:00:00.000Z')).toBe('2026-10-03T15:30:00.000Z');
    expect(opensAt(windowed(w(2, 3, 'Australia/Lord_Howe')), '2026-10-03T15:00:00.000Z')).toBe('2026-10-03T15:30:00.000Z');
    expect(opensAt(windowed(w(8, 17, 'Asia/Kathmandu')), '2026-10-03T00:00:00.000Z')).toBe('2026-10-03T02:15:00.000Z');
  });

  it('two windows both hold: the first instant both are open, across a skipped hour', () => {
    // 01–06 New York and 08–20 Berlin on 14 Mar 2027: New York opens at 06:00 UTC (01:00 EST), Berlin at 07:00 UTC.
    const policy = windowed(w(1, 6, 'America/New_York'), w(8, 20, 'Europe/Berlin'));
    expect(opensAt(policy, '2027-03-14T00:00:00.000Z')).toBe('2027-03-14T07:00:00.000Z');
    // and they close together when New York reaches 06:00 EDT (10:00 UTC).
    expect(msUntilWindowCloses(policy, new Date('2027-03-14T07:00:00.000Z'))).toBe(3 * HOUR);
  });

  it('windows that never meet are searched a bounded time, never answered with a few ms', () => {
    const policy = windowed(w(2, 4, 'UTC'), w(10, 12, 'UTC'));
    const wait = msUntilWindowOpens(policy, new Date('2027-03-14T00:00:00.000Z'));
    expect(wait).toBeGreaterThanOrEqual(DAY);
  });
});

/**
 * An oracle independent of the product code: the local hour at an instant, read from Intl's
 * parts. Every zone offset and clock change of these years falls on a quarter hour of UTC, so a
 * window can only open on a UTC quarter hour: checking those between two instants is exhaustive.
 */
const oracles = new Map<string, Intl.DateTimeFormat>();
function localHour(timeZone: string, ms: number): number {
  let format = oracles.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit' });
    oracles.set(timeZone, format);
  }
  return Number(format.formatToParts(ms).find((part) => part.type === 'hour')?.value);
}
const holds = (window: SendingWindow, ms: number): boolean => {
  const hour = localHour(window.timezone, ms);
  return window.startHour < window.endHour ? hour >= window.startHour && hour < window.endHour : hour >= window.startHour || hour < window.endHour;
};
const allHold = (windows: SendingWindow[], ms: number): boolean => windows.every((window) => holds(window, ms));

describe('sending window, every day of 2026 and 2027 in zones with odd offsets and clock changes', () => {
  const zones = [
    'America/New_York',
    'Europe/Berlin',
    'America/Santiago',
    'America/Havana',
    'Asia/Beirut',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'America/St_Johns',
    'Pacific/Chatham',
    'Australia/Adelaide',
    'Africa/Cairo',
    'Asia/Tehran',
  ];
  const QUARTER = 15 * MINUTE;

  it.each(zones)('%s: the answer is open, is a moment the window opens, and nothing before it is open', (zone) => {
    const random = prng(zone.length * 7919);
    // Start hours where these zones change their clocks (0, 1, 2, 3), past midnight, and two windows that always meet.
    const shapes: SendingWindow[][] = [
      [w(2, 5, zone)],
      [w(0, 6, zone)],
      [w(1, 2, zone)],
      [w(3, 4, zone)],
      [w(22, 6, zone)],
      [w(23, 1, zone)],
      [w(22, 6, zone), w(1, 9, zone)],
      [w(1, 9, zone), w(7, 2, 'Europe/Berlin')],
    ];
    const first = Date.parse('2026-01-01T00:00:00.000Z');
    for (let day = 0; day < 730; day++) {
      const midnight = first + day * DAY;
      for (const [index, windows] of [shapes[day % shapes.length] ?? [], shapes[(day * 3 + 1) % shapes.length] ?? []].entries()) {
        const policy = windowed(windows[0] ?? w(0, 1, zone), windows[1]);
        // Anywhere in the day, or in the four hours before the window's start hour there (where clocks change).
        const offsetHours = localHour(zone, midnight);
        const beforeStart = midnight + ((((windows[0]?.startHour ?? 0) - offsetHours + 24) % 24) * HOUR) - random() * 4 * HOUR;
        const now = Math.floor(index === 0 ? midnight + random() * DAY : beforeStart);
        const wait = msUntilWindowOpens(policy, new Date(now));
        const opens = now + wait;
        const where = `${zone} ${JSON.stringify(windows.map(({ startHour, endHour }) => [startHour, endHour]))} from ${new Date(now).toISOString()}`;
        expect(wait, where).toBeGreaterThanOrEqual(0);
        expect(wait, where).toBeLessThan(2 * DAY);
        expect(allHold(windows, opens), `${where}: closed at ${new Date(opens).toISOString()}`).toBe(true);
        if (wait === 0) continue;
        // An opening moment, not "a few ms later": a quarter hour, with the window closed just before.
        expect(opens % QUARTER, where).toBe(0);
        expect(allHold(windows, opens - 1), where).toBe(false);
        for (let at = Math.ceil(now / QUARTER) * QUARTER; at < opens; at += QUARTER) {
          expect(allHold(windows, at), `${where}: already open at ${new Date(at).toISOString()}`).toBe(false);
        }
      }
    }
  });
});
