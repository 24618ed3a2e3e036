import { effectiveDailyCap, msUntilWindowOpens, tightenPacing, typingMs, type PacingPolicy } from './pacing.js';

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
  /** Null when the recipients are unknown or nothing could be sent within a year. */
  estimatedSeconds: number | null;
  finishesAt: string | null;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Past this, the rest is extrapolated from the pace so far. */
const HORIZON_MS = 400 * DAY_MS;
const EPSILON = 1e-9;

/** The blast's typing when it forces it and the session says nothing. */
const DEFAULT_MESSAGE_LENGTH = 120;

export function estimateBlast(input: EstimateInput): BlastEstimate {
  const messageLength = Math.max(0, input.messageLength ?? DEFAULT_MESSAGE_LENGTH);
  const described = input.sessions.map((session) => describeSession(session, input, messageLength));
  const sessions: SessionEstimate[] = described.map(({ exactMessageMs: _exact, ...session }) => session);
  const sum = (pick: (session: SessionEstimate) => number): number => round1(sessions.reduce((total, session) => total + pick(session), 0));
  let estimatedMs: number | null = null;
  if (input.recipients !== null) {
    estimatedMs = input.recipients <= 0 ? 0 : simulate(input, described, input.recipients);
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
  const pacing = tightenPacing(session.pacing, input.override);
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
  let open = 0;
  for (let quarter = 0; quarter < 96; quarter++) {
    if (msUntilWindowOpens(policy, new Date(start.getTime() + quarter * 15 * MINUTE_MS)) === 0) open += 0.25;
  }
  return open;
}

/** Ms until the windows, open at `at`, close: when the complement of either opens. */
function msUntilWindowCloses(policy: PacingPolicy, at: Date): number {
  const windows = [policy.window, policy.alsoWindow].filter((window) => window !== undefined);
  if (windows.length === 0) return Number.POSITIVE_INFINITY;
  return Math.min(
    ...windows.map((window) => {
      const complement: PacingPolicy = { ...policy, window: { ...window, startHour: window.endHour, endHour: window.startHour }, alsoWindow: undefined };
      return Math.max(1, msUntilWindowOpens(complement, at));
    }),
  );
}

interface SimSession {
  policy: PacingPolicy;
  linkedAt: Date | null;
  /** Messages per ms; Infinity when nothing holds a message back but the caps. */
  rate: number;
  hourStart: number;
  hourSent: number;
  dayStart: number;
  daySent: number;
  dayCap: number;
  /** Cached window state: open until, or closed until (absolute ms). */
  openUntil: number;
  closedUntil: number;
}

/** Ms to send `recipients` from `input.start`, or null when nothing can be sent. */
function simulate(input: EstimateInput, described: readonly (SessionEstimate & { exactMessageMs: number })[], recipients: number): number | null {
  const startMs = input.start.getTime();
  // Windows that never overlap (no open hour in a day) never send: leave them out.
  const sending = described.flatMap((session, index) => (session.openHoursPerDay > 0 ? [{ session, linkedAt: input.sessions[index]?.linkedAt ?? null }] : []));
  const sims: SimSession[] = sending.map(({ session, linkedAt }) => ({
    policy: session.pacing,
    linkedAt,
    rate: session.exactMessageMs <= 0 ? Number.POSITIVE_INFINITY : 1 / session.exactMessageMs,
    hourStart: Number.NEGATIVE_INFINITY,
    hourSent: 0,
    dayStart: Number.NEGATIVE_INFINITY,
    daySent: 0,
    dayCap: 0,
    openUntil: Number.NEGATIVE_INFINITY,
    closedUntil: Number.NEGATIVE_INFINITY,
  }));
  if (sims.length === 0) return null;

  let t = startMs;
  let remaining = recipients;
  while (remaining > EPSILON) {
    if (t - startMs >= HORIZON_MS) {
      const sent = recipients - remaining;
      return sent <= 0 ? null : ((t - startMs) * recipients) / sent;
    }
    let next = Number.POSITIVE_INFINITY;
    let rate = 0;
    const active: SimSession[] = [];
    for (const sim of sims) {
      if (t >= sim.closedUntil && t >= sim.openUntil) {
        const wait = msUntilWindowOpens(sim.policy, new Date(t));
        if (wait > 0) sim.closedUntil = t + wait;
        else sim.openUntil = t + msUntilWindowCloses(sim.policy, new Date(t));
      }
      if (t < sim.closedUntil) {
        next = Math.min(next, sim.closedUntil);
        continue;
      }
      if (t >= sim.hourStart + HOUR_MS) {
        sim.hourStart = t;
        sim.hourSent = 0;
      }
      if (t >= sim.dayStart + DAY_MS) {
        sim.dayStart = t;
        sim.daySent = 0;
        sim.dayCap = effectiveDailyCap(sim.policy, sim.linkedAt, new Date(t));
      }
      const hourLeft = sim.policy.hourlyCap - sim.hourSent;
      const dayLeft = sim.dayCap - sim.daySent;
      if (hourLeft <= EPSILON || dayLeft <= EPSILON) {
        next = Math.min(next, dayLeft <= EPSILON ? sim.dayStart + DAY_MS : sim.hourStart + HOUR_MS);
        continue;
      }
      const budget = Math.min(hourLeft, dayLeft);
      if (sim.rate === Number.POSITIVE_INFINITY) {
        const sent = Math.min(budget, remaining);
        sim.hourSent += sent;
        sim.daySent += sent;
        remaining -= sent;
        if (remaining <= EPSILON) return t - startMs;
        next = Math.min(next, sim.hourStart + HOUR_MS);
        continue;
      }
      next = Math.min(next, t + budget / sim.rate, sim.openUntil, sim.hourStart + HOUR_MS);
      rate += sim.rate;
      active.push(sim);
    }
    if (!Number.isFinite(next)) return null;
    const dt = Math.max(1, next - t);
    if (rate * dt >= remaining) return t + remaining / rate - startMs;
    for (const sim of active) {
      const sent = sim.rate * dt;
      sim.hourSent += sent;
      sim.daySent += sent;
      remaining -= sent;
    }
    t += dt;
  }
  return t - startMs;
}

function round1(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : value;
}
