import type { PacingPolicy } from './pacing.js';

/**
 * WhatsApp's cap on messages that start new chats (baileys `NewChatMessageCappingStatusType`,
 * Types/State.d.ts): a cycle's quota, how much of it is used, and a state that warns twice
 * before the account is capped until the cycle ends.
 */
export const NEW_CHAT_CAP_STATES = ['NONE', 'FIRST_WARNING', 'SECOND_WARNING', 'CAPPED'] as const;
export type NewChatCapState = (typeof NEW_CHAT_CAP_STATES)[number];

/** What WhatsApp (or the sandbox) said, as the provider reports it. */
export interface NewChatCapReading {
  state: NewChatCapState;
  /** Messages to new chats allowed in the cycle; null when WhatsApp did not say. */
  quota: number | null;
  used: number | null;
  /** When the cycle ends and the quota resets (ISO), if WhatsApp said. */
  resetsAt: string | null;
}

/** What the product keeps of it for a session, and acts on. */
export interface NewChatCap extends NewChatCapReading {
  /** While a warning lasts, the session's hourly cap is halved until this time (ISO); null when not slowed. */
  slowUntil: string | null;
  updatedAt: string;
}

/** A blast's session paused by the cap (blast_sessions.paused_reason). */
export const NEW_CHAT_CAP_PAUSE = 'new_chat_cap';

const DAY_MS = 86_400_000;
/** How long a warning slows the session: "until the next day" (issue 15), counted from the first warning. */
export const WARNING_SLOWS_FOR_MS = DAY_MS;
/** A cap whose cycle end WhatsApp did not give is assumed to last a day (its cycles are daily). */
export const CAP_WITHOUT_RESET_MS = DAY_MS;

export function isNewChatCapState(value: unknown): value is NewChatCapState {
  return typeof value === 'string' && (NEW_CHAT_CAP_STATES as readonly string[]).includes(value);
}

/** The code of the `wab_session_new_chat_cap_state` gauge: 0 NONE … 3 CAPPED. */
export function newChatCapStateCode(state: NewChatCapState): number {
  return NEW_CHAT_CAP_STATES.indexOf(state);
}

const isWarning = (state: NewChatCapState): boolean => state === 'FIRST_WARNING' || state === 'SECOND_WARNING';

/**
 * The session's cap after a reading: a warning starts a day of half pace (a later warning within
 * it does not extend it, so repeated readings of one warning do not slow the session for ever);
 * a cap with no cycle end is taken to last a day.
 */
export function nextNewChatCap(previous: NewChatCap | null, reading: NewChatCapReading, now: Date): NewChatCap {
  const nowMs = now.getTime();
  const slowing = previous?.slowUntil != null && Date.parse(previous.slowUntil) > nowMs ? previous.slowUntil : null;
  const slowUntil = slowing ?? (isWarning(reading.state) ? new Date(nowMs + WARNING_SLOWS_FOR_MS).toISOString() : null);
  let resetsAt = reading.resetsAt;
  if (reading.state === 'CAPPED' && resetsAt === null) {
    // The same cap read again keeps the reset it was given, rather than moving it a day on every read.
    const earlier = previous?.state === 'CAPPED' && previous.resetsAt !== null && Date.parse(previous.resetsAt) > nowMs ? previous.resetsAt : null;
    resetsAt = earlier ?? new Date(nowMs + CAP_WITHOUT_RESET_MS).toISOString();
  }
  return { ...reading, resetsAt, slowUntil, updatedAt: now.toISOString() };
}

/**
 * Until when the session may not start new chats (ms since the epoch), or undefined. Which
 * recipient already has a chat with the account is not known to the product (it keeps no chat
 * history, and a campaign's recipients almost never have one), so a capped session sends no blast
 * message at all until the reset.
 */
export function cappedUntilMs(cap: NewChatCap | null, now: Date): number | undefined {
  if (cap?.state !== 'CAPPED' || cap.resetsAt === null) return undefined;
  const resetMs = Date.parse(cap.resetsAt);
  return resetMs > now.getTime() ? resetMs : undefined;
}

/** A warned session sends at half its hourly cap until `slowUntil` (at least one message an hour). */
export function slowedPacing(policy: PacingPolicy, cap: NewChatCap | null, now: Date): PacingPolicy {
  if (cap?.slowUntil == null || Date.parse(cap.slowUntil) <= now.getTime()) return policy;
  return { ...policy, hourlyCap: Math.max(1, Math.floor(policy.hourlyCap / 2)) };
}

/** What an operator sees on the session (GET /api/sessions/:id, `newChatCap`). */
export function newChatCapView(cap: NewChatCap | null): Omit<NewChatCap, 'updatedAt'> | null {
  if (!cap) return null;
  const { state, quota, used, resetsAt, slowUntil } = cap;
  return { state, quota, used, resetsAt, slowUntil };
}

/**
 * A time as WhatsApp sends it in a capping payload (a string of Unix seconds, as the reach-out
 * time-lock's `time_enforcement_ends` in Socket/messages-recv.js), or an ISO time; null otherwise.
 */
export function capTime(value: unknown): string | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^[0-9]{1,13}$/.test(value))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return null;
    // Seconds, unless the figure is clearly milliseconds.
    const ms = n < 1e11 ? n * 1000 : n;
    return new Date(ms).toISOString();
  }
  if (typeof value === 'string' && value.length <= 40) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  return null;
}

/** A count WhatsApp sent, kept only if it is a sane non-negative integer. */
export function capCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** baileys' capping payload (NewChatMessageCapInfo, Types/State.d.ts) as a reading; undefined without a known state. */
export function readingFromCapInfo(info: unknown): NewChatCapReading | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  const payload = info as Record<string, unknown>;
  const state = payload.capping_status;
  if (!isNewChatCapState(state)) return undefined;
  return { state, quota: capCount(payload.total_quota), used: capCount(payload.used_quota), resetsAt: capTime(payload.cycle_end_timestamp) };
}
