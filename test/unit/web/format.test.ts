import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDateTimeWithZone, formatMoment, formatTimeWithZone } from '../../../web/src/format.js';

/** One date format across the console (issue 22): the browser's locale, with the zone where a time is a promise. */
describe('console dates', () => {
  const earlier = '2026-03-01T10:05:23.000Z';
  const local = new Date(earlier);

  it('shows every date-time the same way, in the browser\'s locale, and a dash for none or junk', () => {
    expect(formatDateTime(earlier)).toBe(new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(local));
    for (const none of [null, undefined, 'not a date']) {
      expect(formatDateTime(none)).toBe('—');
      expect(formatDateTimeWithZone(none)).toBe('—');
      expect(formatMoment(none)).toBe('—');
      expect(formatTimeWithZone(none)).toBe('—');
    }
  });

  it('names the time zone where a time is a promise (a schedule, an end), and keeps seconds for what happened', () => {
    const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(local).find((part) => part.type === 'timeZoneName')?.value ?? '';
    expect(zone).not.toBe('');
    expect(formatDateTimeWithZone(earlier)).toContain(zone);
    expect(formatTimeWithZone(earlier)).toContain(zone);
    // Another day: the date and the seconds; today: the time of day alone.
    expect(formatMoment(earlier)).toBe(new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(local));
    const now = new Date();
    expect(formatMoment(now.toISOString())).toBe(new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' }).format(now));
  });
});
