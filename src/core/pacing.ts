import { msUntilClosed, msUntilOpen, type SendingWindow } from './sending-window.js';
import { isValidTimeZone } from './time-zone.js';

export type { SendingWindow } from './sending-window.js';

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
  /** A daily budget of messages that open a new chat, by the warm-up curve (core/health.ts); the provider's default when absent. */
  newContacts?: 'warmup' | 'off' | undefined;
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

/** Whether the new-chat budget applies: the session's word, else on for WhatsApp and off for the sandbox (a demo turns it on). */
export function budgetsNewContacts(policy: PacingPolicy, provider: string): boolean {
  return (policy.newContacts ?? (provider === 'sandbox' ? 'off' : 'warmup')) === 'warmup';
}

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
    // A blast may ask for the budget, never drop it.
    newContacts: override.newContacts === 'warmup' ? 'warmup' : base.newContacts,
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
 * (22 → 6); days when the clocks change are handled (src/core/sending-window.ts).
 */
export function msUntilWindowOpens(policy: PacingPolicy, now: Date): number {
  return msUntilOpen(windowsOf(policy), now.getTime());
}

/** Ms until the window(s), open at `now`, close: when either does (Infinity without a window). */
export function msUntilWindowCloses(policy: PacingPolicy, now: Date): number {
  return msUntilClosed(windowsOf(policy), now.getTime());
}

function windowsOf(policy: PacingPolicy): SendingWindow[] {
  return [policy.window, policy.alsoWindow].filter((window): window is SendingWindow => window !== undefined);
}
