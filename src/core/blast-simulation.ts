import { effectiveDailyCap, msUntilWindowCloses, msUntilWindowOpens, type PacingPolicy } from './pacing.js';

/**
 * The time a blast takes, by simulating its sessions from state change to state change (a window
 * opening or closing, an hour's or a day's cap running out or renewing). Pure: no clock, no I/O.
 *
 * Every simulation is bounded, whatever the input: past HORIZON_MS of simulated time, MAX_STEPS
 * steps or MAX_WINDOW_LOOKUPS window lookups (the costly part: each reads local time through
 * Intl), the rest is extrapolated from the pace so far. Sessions with the same windows share their
 * lookups. Together: a few ms of CPU, tens at worst.
 */
export interface SimulatedSession {
  /** The policy the blast is sent with from this session. */
  policy: PacingPolicy;
  linkedAt: Date | null;
  /** Mean time per message (gap and typing), in ms; 0 when only the caps hold messages back. */
  messageMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HORIZON_MS = 400 * DAY_MS;
const MAX_STEPS = 10_000;
const MAX_WINDOW_LOOKUPS = 1_000;
/** Past this, "when" is no useful answer (and no valid date either, soon after). */
const LONGEST_MS = 100 * 365 * DAY_MS;
const EPSILON = 1e-9;

interface WindowState {
  /** Open until, or closed until (absolute ms). */
  openUntil: number;
  closedUntil: number;
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
  window: WindowState;
}

/** Ms to send `recipients` from `start`, or null when nothing can be sent (or not within LONGEST_MS). */
export function simulateBlast(sessions: readonly SimulatedSession[], recipients: number, start: Date): number | null {
  const startMs = start.getTime();
  const windows = new Map<string, WindowState>();
  const sims: SimSession[] = sessions.map((session) => {
    const key = JSON.stringify([session.policy.window, session.policy.alsoWindow]);
    const window = windows.get(key) ?? { openUntil: Number.NEGATIVE_INFINITY, closedUntil: Number.NEGATIVE_INFINITY };
    windows.set(key, window);
    return {
      policy: session.policy,
      linkedAt: session.linkedAt,
      rate: session.messageMs <= 0 ? Number.POSITIVE_INFINITY : 1 / session.messageMs,
      hourStart: Number.NEGATIVE_INFINITY,
      hourSent: 0,
      dayStart: Number.NEGATIVE_INFINITY,
      daySent: 0,
      dayCap: 0,
      window,
    };
  });
  if (sims.length === 0) return null;
  const finished = (ms: number): number | null => (ms > LONGEST_MS ? null : ms);

  let t = startMs;
  let remaining = recipients;
  let lookups = 0;
  for (let step = 0; remaining > EPSILON; step++) {
    if (t - startMs >= HORIZON_MS || step >= MAX_STEPS || lookups >= MAX_WINDOW_LOOKUPS) {
      const sent = recipients - remaining;
      return sent <= 0 ? null : finished(((t - startMs) * recipients) / sent);
    }
    let next = Number.POSITIVE_INFINITY;
    let rate = 0;
    const active: SimSession[] = [];
    for (const sim of sims) {
      const window = sim.window;
      if (t >= window.closedUntil && t >= window.openUntil) {
        lookups++;
        const wait = msUntilWindowOpens(sim.policy, new Date(t));
        if (wait > 0) window.closedUntil = t + wait;
        else window.openUntil = t + Math.max(1, msUntilWindowCloses(sim.policy, new Date(t)));
      }
      if (t < window.closedUntil) {
        next = Math.min(next, window.closedUntil);
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
        if (remaining <= EPSILON) return finished(t - startMs);
        next = Math.min(next, sim.hourStart + HOUR_MS);
        continue;
      }
      next = Math.min(next, t + budget / sim.rate, window.openUntil, sim.hourStart + HOUR_MS);
      rate += sim.rate;
      active.push(sim);
    }
    if (!Number.isFinite(next)) return null;
    const dt = Math.max(1, next - t);
    if (rate * dt >= remaining) return finished(t + remaining / rate - startMs);
    for (const sim of active) {
      const sent = sim.rate * dt;
      sim.hourSent += sent;
      sim.daySent += sent;
      remaining -= sent;
    }
    t += dt;
  }
  return finished(t - startMs);
}
