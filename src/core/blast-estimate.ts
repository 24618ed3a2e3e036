import { simulateBlast } from './blast-simulation.js';
import { bandPacing, type HealthBand } from './health.js';
import { effectiveDailyCap, msUntilWindowCloses, msUntilWindowOpens, tightenPacing, typingMs, type PacingPolicy } from './pacing.js';

/**
 * How fast a blast will go before it is created: the effective pacing of each session (its own,
 * tightened by the blast's override) and the time to send every recipient, with the caps, warm-up
 * and sending windows of each account, across days when it runs long. Pure: no clock, no I/O.
 *
 * The model follows the sending engine: one message per gap (a uniform draw in
 * [minDelayMs, maxDelayMs]) or per typing time when that is longer (typing happens inside the
 * gap), at most `hourlyCap` in an hour and today's daily cap in a day, only while the windows are
 * open; the sessions of a blast share its recipients. The rolling hour and day are modelled as
 * periods starting at the first send after the last one ran out: close, not exact.
 */
export interface EstimateSession {
  sessionId: string;
  /** The session's own policy. */
  pacing: PacingPolicy;
  linkedAt: Date | null;
  /** False: it would send none of these recipients now (its health stopped it, or allows existing chats only). */
  sends?: boolean;
  /** Its health band's pace, applied after the blast's override, as the engine does (core/health.ts bandPacing). */
  pace?: HealthBand;
  /** Its day holds at most this many (what is left of its new-chat budget). */
  dailyCeiling?: number;
}

export interface EstimateInput {
  sessions: readonly EstimateSession[];
  /** The blast's override: it only tightens. */
  override?: Partial<PacingPolicy> | null | undefined;
  /** The blast's `typing` flag: show "typing…" even when the session's policy does not. */
  typing?: boolean | undefined;
  /** Characters of a rendered message, for the typing time (a template's length is close enough). */
  messageLength?: number | undefined;
  /** Null when unknown (a file not imported yet): the pace is still given, not the duration. */
  recipients: number | null;
  /** When sending starts: now, or the schedule. */
  start: Date;
}

export interface SessionEstimate {
  sessionId: string;
  /** The policy the blast will be sent with from this session. */
  pacing: PacingPolicy;
  /** Mean time between two messages (gap and typing), in ms. */
  perMessageMs: number;
  /** Messages per hour while sending, before the daily cap runs out (gap, typing, hourly cap). */
  burstPerHour: number;
  /** Messages in a day: the burst rate over the open hours, within today's daily cap. */
  perDay: number;
  /** Messages per hour it can keep up all day long: `perDay / 24`. */
  ratePerHour: number;
  /** Today's daily cap, warm-up included. */
  dailyCapToday: number;
  /** Hours of the next 24 in which the sending windows are open. */
  openHoursPerDay: number;
}

export interface BlastEstimate {
  sessions: SessionEstimate[];
  /** Sums over the sessions. */
  burstPerHour: number;
  perDay: number;
  ratePerHour: number;
  /** Null when the recipients are unknown, nothing can be sent, or sending them all would take over a hundred years. */
  estimatedSeconds: number | null;
  finishesAt: string | null;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The blast's typing when it forces it and the session says nothing. */
const DEFAULT_MESSAGE_LENGTH = 120;

export function estimateBlast(input: EstimateInput): BlastEstimate {
  const messageLength = Math.max(0, input.messageLength ?? DEFAULT_MESSAGE_LENGTH);
  const described = input.sessions.map((session) => {
    const figures = describeSession(session, input, messageLength);
    return session.sends === false ? { ...figures, burstPerHour: 0, perDay: 0, ratePerHour: 0, openHoursPerDay: 0 } : figures;
  });
  const sessions: SessionEstimate[] = described.map(({ exactMessageMs: _exact, ...session }) => session);
  const sum = (pick: (session: SessionEstimate) => number): number => round1(sessions.reduce((total, session) => total + pick(session), 0));
  let estimatedMs: number | null = null;
  if (input.recipients !== null) {
    // Windows that never overlap (no open hour in a day) never send: leave them out.
    const sending = described.flatMap((session, index) =>
      session.openHoursPerDay > 0 ? [{ policy: session.pacing, linkedAt: input.sessions[index]?.linkedAt ?? null, messageMs: session.exactMessageMs }] : [],
    );
    estimatedMs = input.recipients <= 0 ? 0 : simulateBlast(sending, input.recipients, input.start);
  }
  return {
    sessions,
    burstPerHour: sum((session) => session.burstPerHour),
    perDay: sum((session) => session.perDay),
    ratePerHour: sum((session) => session.ratePerHour),
    estimatedSeconds: estimatedMs === null ? null : Math.ceil(estimatedMs / 1000),
    finishesAt: estimatedMs === null ? null : new Date(input.start.getTime() + estimatedMs).toISOString(),
  };
}

/**
 * Mean time per message: the gap is drawn uniformly from [min, max]; typing runs inside it, so a
 * message takes the longer of the two. E[max(U, T)] for U uniform on [a, b].
 */
export function meanMessageMs(minDelayMs: number, maxDelayMs: number, typing: number): number {
  const a = minDelayMs;
  const b = Math.max(minDelayMs, maxDelayMs);
  if (typing <= a) return (a + b) / 2;
  if (typing >= b) return typing;
  return (typing * (typing - a) + (b * b - typing * typing) / 2) / (b - a);
}

function describeSession(session: EstimateSession, input: EstimateInput, messageLength: number): SessionEstimate & { exactMessageMs: number } {
  const paced = bandPacing(tightenPacing(session.pacing, input.override), session.pace ?? 'healthy');
  const pacing = session.dailyCeiling === undefined ? paced : { ...paced, dailyCap: Math.max(1, Math.min(paced.dailyCap, session.dailyCeiling)) };
  const perMessageMs = meanMessageMs(pacing.minDelayMs, pacing.maxDelayMs, typingMs(pacing, messageLength, input.typing === true));
  const dailyCapToday = effectiveDailyCap(pacing, session.linkedAt, input.start);
  const gapPerHour = perMessageMs <= 0 ? Number.POSITIVE_INFINITY : HOUR_MS / perMessageMs;
  const burstPerHour = Math.min(gapPerHour, pacing.hourlyCap, dailyCapToday);
  const openHoursPerDay = openHours(pacing, input.start);
  const perDay = Math.min(burstPerHour * openHoursPerDay, dailyCapToday);
  return {
    sessionId: session.sessionId,
    pacing,
    perMessageMs: Math.round(perMessageMs),
    burstPerHour: round1(burstPerHour),
    perDay: Math.floor(perDay),
    ratePerHour: round1(perDay / 24),
    dailyCapToday,
    openHoursPerDay,
    exactMessageMs: perMessageMs,
  };
}

/** Open hours in the 24 from `start`, to the quarter hour (windows are whole hours in zones offset by quarters). */
function openHours(policy: PacingPolicy, start: Date): number {
  if (!policy.window && !policy.alsoWindow) return 24;
  const end = start.getTime() + DAY_MS;
  let open = 0;
  // Two windows meet at most a few times a day: a bounded walk from opening to closing.
  for (let at = start.getTime(), spell = 0; at < end && spell < 8; spell++) {
    const opens = at + msUntilWindowOpens(policy, new Date(at));
    if (opens >= end) break;
    const closes = opens + Math.max(1, msUntilWindowCloses(policy, new Date(opens)));
    open += Math.min(closes, end) - opens;
    at = closes;
  }
  return Math.round(open / (15 * MINUTE_MS)) / 4;
}

function round1(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : value;
}
