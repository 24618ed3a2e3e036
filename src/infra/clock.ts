/** The clock, behind an interface so tests can move time without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The longest delay a Node timer takes: past it (~24.8 days) the timer fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
