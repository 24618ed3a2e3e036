import { offsetChangeBetween, utcOffsetMs } from './time-zone.js';

/** Only send between these hours, local to `timezone`: `[startHour, endHour)`, past midnight when start > end. */
export interface SendingWindow {
  startHour: number;
  endHour: number;
  timezone: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A window opens within a day and a clock change; a few more steps only guard against odd zone data. */
const MAX_STEPS = 8;
/** Two windows that do not meet are searched this many times (about two rounds a day), then asked again later. */
const MAX_ROUNDS = 16;

const modulo = (value: number, by: number): number => ((value % by) + by) % by;

/** Whether a local hour (0–23) is in the window. Equal start and end hours: open all day. */
function holdsHour(window: SendingWindow, hour: number): boolean {
  const { startHour, endHour } = window;
  return startHour <= endHour ? startHour === endHour || (hour >= startHour && hour < endHour) : hour >= startHour || hour < endHour;
}

/** The local hour at `ms`, given the zone's offset there. */
const hourAt = (ms: number, offset: number): number => Math.floor(modulo(ms + offset, DAY_MS) / HOUR_MS);

/** Whether the window is open at the instant `ms`: its local hour there is in it. */
export function isOpen(window: SendingWindow, ms: number): boolean {
  return holdsHour(window, hourAt(ms, utcOffsetMs(window.timezone, ms)));
}

/**
 * The first instant at or after `from` at which the window is open: `from` itself when it is,
 * else the next local `startHour:00` — unless the clocks change before it, in which case the
 * search goes on from the instant they change. So on the night an hour is skipped (02:00 → 03:00
 * with `startHour: 2`), the window opens at 03:00, the first instant its hour holds; on the night an
 * hour repeats, at the first of the two. Returns a later instant than the true one never, and
 * returns an instant at which the window is still closed only for zone data with more than
 * MAX_STEPS changes in a day (the caller then asks again from there).
 */
export function nextOpening(window: SendingWindow, from: number): number {
  let at = from;
  let offset = utcOffsetMs(window.timezone, at);
  for (let step = 0; step < MAX_STEPS; step++) {
    if (holdsHour(window, hourAt(at, offset))) return at;
    // With the offset as it is, local time reaches startHour:00 after this long (under a day: the hour is not startHour).
    const candidate = at + modulo(window.startHour * HOUR_MS - modulo(at + offset, DAY_MS), DAY_MS);
    if (utcOffsetMs(window.timezone, candidate) === offset) return candidate;
    at = offsetChangeBetween(window.timezone, at, candidate, offset);
    offset = utcOffsetMs(window.timezone, at);
  }
  return at;
}

/** The first instant at or after `from` at which the window is closed (never, for one open all day). */
export function nextClosing(window: SendingWindow, from: number): number {
  if (window.startHour === window.endHour) return Number.POSITIVE_INFINITY;
  return nextOpening({ ...window, startHour: window.endHour, endHour: window.startHour }, from);
}

/**
 * Ms from `now` until every window is open at once: 0 when they are. Each round moves to the
 * latest of their next openings (nothing earlier can have them all open); when windows that never
 * meet have been searched for MAX_ROUNDS rounds, the time searched so far (ask again then).
 */
export function msUntilOpen(windows: readonly SendingWindow[], now: number): number {
  let at = now;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const opens = Math.max(at, ...windows.map((window) => nextOpening(window, at)));
    if (opens === at) return at - now;
    at = opens;
  }
  return at - now;
}

/** Ms from `now` until any of the windows closes (Infinity when none ever does). */
export function msUntilClosed(windows: readonly SendingWindow[], now: number): number {
  return Math.min(...windows.map((window) => nextClosing(window, now))) - now;
}
