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
  window?: { startHour: number; endHour: number; timezone: string } | undefined;
  /** A newly linked number starts at `initialDailyCap` and grows by `dailyIncrease` each day. */
  warmup?: { initialDailyCap: number; dailyIncrease: number } | undefined;
  /** Show "typing…" before each message, for a time proportional to its length. */
  typing?: { enabled: boolean; msPerChar: number; maxMs: number } | undefined;
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
