/**
 * A session's sending policy: how fast and how much one WhatsApp account may send.
 * Pure data and pure checks; the sending engine enforces it.
 */
export interface PacingPolicy {
  /** Random delay between two messages of one account, in [minDelayMs, maxDelayMs]. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Rolling caps. */
  hourlyCap: number;
  dailyCap: number;
  /** Sending window: only send between these hours (local to `timezone`). */
  window?: SendingWindow | undefined;
  /** A second window that must hold as well (a blast's own, inside its session's). */
  alsoWindow?: SendingWindow | undefined;
  /** A newly linked number starts at `initialDailyCap` and grows by `dailyIncrease` each day. */
  warmup?: { initialDailyCap: number; dailyIncrease: number } | undefined;
  /** Show "typing…" before each message, for a time proportional to its length. */
  typing?: { enabled: boolean; msPerChar: number; maxMs: number } | undefined;
}

export interface SendingWindow {
  startHour: number;
  endHour: number;
  timezone: string;
}

/** Conservative defaults for a real WhatsApp account: slow enough not to look like a bot. */
export const SAFE_PACING: Readonly<PacingPolicy> = Object.freeze({
  minDelayMs: 8_000,
  maxDelayMs: 20_000,
  hourlyCap: 200,
  dailyCap: 1_000,
});

/** The sandbox sends nothing, so it may go as fast as the machine allows. */
export const SANDBOX_PACING: Readonly<PacingPolicy> = Object.freeze({
  minDelayMs: 0,
  maxDelayMs: 0,
  hourlyCap: 1_000_000,
  dailyCap: 10_000_000,
});

export function defaultPacing(provider: 'baileys' | 'sandbox'): PacingPolicy {
  return { ...(provider === 'sandbox' ? SANDBOX_PACING : SAFE_PACING) };
}

/** Problems a schema cannot express (relations between fields). Empty when the policy is sound. */
export function pacingProblems(policy: PacingPolicy): string[] {
  const problems: string[] = [];
  if (policy.minDelayMs > policy.maxDelayMs) problems.push('pacing.minDelayMs must not exceed pacing.maxDelayMs');
  if (policy.hourlyCap > policy.dailyCap) problems.push('pacing.hourlyCap must not exceed pacing.dailyCap');
  if (policy.window && policy.window.startHour === policy.window.endHour) {
    problems.push('pacing.window.startHour and endHour must differ');
  }
  if (policy.window && !isValidTimeZone(policy.window.timezone)) {
    problems.push(`pacing.window.timezone "${policy.window.timezone}" is not a known IANA time zone`);
  }
  return problems;
}

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A blast may only tighten its sessions' pace, never loosen it: the larger of the delays, the
 * smaller of the caps, and its own window when it sets one.
 */
export function tightenPacing(base: PacingPolicy, override: Partial<PacingPolicy> | null | undefined): PacingPolicy {
  if (!override) return base;
  const minDelayMs = Math.max(base.minDelayMs, override.minDelayMs ?? 0);
  return {
    ...base,
    minDelayMs,
    maxDelayMs: Math.max(base.maxDelayMs, override.maxDelayMs ?? 0, minDelayMs),
    hourlyCap: Math.min(base.hourlyCap, override.hourlyCap ?? Number.POSITIVE_INFINITY),
    dailyCap: Math.min(base.dailyCap, override.dailyCap ?? Number.POSITIVE_INFINITY),
    // Both windows hold: a blast narrows its sessions' hours, never widens them.
    window: base.window ?? override.window,
    alsoWindow: base.window && override.window ? override.window : undefined,
    typing: override.typing ?? base.typing,
  };
}

const DAY_MS = 86_400_000;

/** Today's daily cap: with warm-up, it starts low for a newly linked number and grows each day. */
export function effectiveDailyCap(policy: PacingPolicy, linkedAt: Date | null, now: Date): number {
  if (!policy.warmup || linkedAt === null) return policy.dailyCap;
  const days = Math.max(0, Math.floor((now.getTime() - linkedAt.getTime()) / DAY_MS));
  return Math.min(policy.dailyCap, policy.warmup.initialDailyCap + days * policy.warmup.dailyIncrease);
}

/** The delay before the next message, drawn uniformly from [minDelayMs, maxDelayMs]. */
export function drawGapMs(policy: PacingPolicy, random: () => number = Math.random): number {
  return Math.round(policy.minDelayMs + random() * (policy.maxDelayMs - policy.minDelayMs));
}

/** How long to show "typing…" before a message of this length (0 when typing is off). */
export function typingMs(policy: PacingPolicy, textLength: number, forced = false): number {
  const typing = policy.typing ?? (forced ? { enabled: true, msPerChar: 40, maxMs: 4_000 } : undefined);
  if (!typing || (!typing.enabled && !forced)) return 0;
  return Math.min(typing.maxMs, Math.round(textLength * typing.msPerChar));
}

/**
 * 0 when `now` is inside the sending window(s) (or there is none), else the ms until they are
 * all open. A window is `[startHour, endHour)` in its time zone and may run past midnight
 * (22 → 6); days when the clocks change are handled.
 */
export function msUntilWindowOpens(policy: PacingPolicy, now: Date): number {
  const windows = [policy.window, policy.alsoWindow].filter((window): window is SendingWindow => window !== undefined);
  let waited = 0;
  // Opening one window may land outside the other; a few rounds settle it (or give a day's wait).
  for (let round = 0; round < 4; round++) {
    const waits = windows.map((window) => waitForWindow(window, new Date(now.getTime() + waited)));
    const longest = Math.max(0, ...waits);
    if (longest === 0) return waited;
    waited += longest;
  }
  return Math.min(waited, DAY_MS);
}

function localTime(timeZone: string, at: Date): { hour: number; sinceMidnightMs: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const hour = part('hour');
  return { hour, sinceMidnightMs: ((hour * 60 + part('minute')) * 60 + part('second')) * 1000 + at.getMilliseconds() };
}

function waitForWindow(window: SendingWindow, now: Date): number {
  const { hour, sinceMidnightMs } = localTime(window.timezone, now);
  const { startHour, endHour } = window;
  const inside = startHour < endHour ? hour >= startHour && hour < endHour : hour >= startHour || hour < endHour;
  if (inside) return 0;
  const startMs = startHour * 3_600_000;
  let wait = startMs > sinceMidnightMs ? startMs - sinceMidnightMs : DAY_MS - sinceMidnightMs + startMs;
  // On a night the clocks change, the wall-clock difference is an hour off: correct it by
  // looking at the local time at the computed instant.
  const landed = localTime(window.timezone, new Date(now.getTime() + wait)).sinceMidnightMs;
  let drift = startMs - landed;
  if (drift > DAY_MS / 2) drift -= DAY_MS;
  if (drift < -DAY_MS / 2) drift += DAY_MS;
  wait += drift;
  return Math.max(1, wait);
}
