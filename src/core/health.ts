import type { NewChatCapState } from './new-chat-cap.js';
import type { PacingPolicy } from './pacing.js';

/**
 * An account's health (issue 17): a score from 0 to 100 with its reasons, computed from what
 * WhatsApp signalled, how messages fared and how people reacted over a rolling window, and a band
 * that the sending engine enforces on every worker. Pure: the worker's health monitor gathers the
 * inputs (sending/health-monitor.ts) and acts on the band.
 *
 * The model is additive: each reason costs points, up to its own ceiling, and the score is what is
 * left of 100. Per-event reasons (an error ack, a ban) cost points per event in the window; rate
 * reasons (failures, opt-outs) cost nothing up to an acceptable rate and their whole ceiling at a
 * bad one, linearly between, and only once enough messages make the rate meaningful (a rate over
 * fewer messages is taken over `minSample`, so one opt-out of three messages is not 33 %).
 */
export const HEALTH_BANDS = ['healthy', 'watch', 'at_risk', 'stop'] as const;
/** A blast's session stopped by its health (blast_sessions.paused_reason); only an operator's resume lifts it. */
export const HEALTH_STOP_PAUSE = 'health_stop';
/** A blast left with no session that may send, the others stopped by their health. */
export const SESSION_HEALTH_BLAST_PAUSE = 'SESSION_HEALTH';
export type HealthBand = (typeof HEALTH_BANDS)[number];

export function isHealthBand(value: unknown): value is HealthBand {
  return typeof value === 'string' && (HEALTH_BANDS as readonly string[]).includes(value);
}

/** What is counted per session and hour (session_health_counts.kind). */
export const HEALTH_COUNTS = [
  'sent',
  'failed',
  'not_on_whatsapp',
  'delivered',
  'read',
  'replied',
  'opted_out',
  'new_chat',
  'ack_error_463',
  'ack_error_479',
  'ack_error_other',
  'rate_limited',
  'banned',
  'logged_out',
  'reconnect',
] as const;
export type HealthCountKind = (typeof HEALTH_COUNTS)[number];
export type HealthCounts = Record<HealthCountKind, number>;

export function isHealthCountKind(value: unknown): value is HealthCountKind {
  return typeof value === 'string' && (HEALTH_COUNTS as readonly string[]).includes(value);
}

export function emptyCounts(): HealthCounts {
  return Object.fromEntries(HEALTH_COUNTS.map((kind) => [kind, 0])) as HealthCounts;
}

/** Everything the score is computed from. */
export interface HealthInputs {
  /** Over the window (the last `windowHours`). */
  counts: HealthCounts;
  /** Messages sent in the window but more than `deliveryGraceHours` ago: the base of the undelivered rate. */
  sentBeforeGrace: number;
  /** WhatsApp's new-chat cap as last read; null when never read. */
  capState: NewChatCapState | null;
  /** A reach-out time-lock is in force now. */
  timelocked: boolean;
  /** Whole days since the number was linked; null when unknown. */
  ageDays: number | null;
}

/** A per-event reason: `points` for each event in the window, at most `max`. */
export interface PerEvent {
  points: number;
  max: number;
}

/** A rate reason: nothing up to `ok`, `max` points from `bad` on, linear between. */
export interface RateRule {
  ok: number;
  bad: number;
  max: number;
}

/** The model's knobs; DEFAULT_HEALTH_MODEL is a starting point (README: "Account health"). */
export interface HealthModel {
  windowHours: number;
  /** The lowest score of each band (a score below `atRisk` is `stop`). */
  bands: { healthy: number; watch: number; atRisk: number };
  /** A rate is computed over at least this many messages. */
  minSample: number;
  deliveryGraceHours: number;
  ackError463: PerEvent;
  ackError479: PerEvent;
  ackErrorOther: PerEvent;
  rateLimited: PerEvent;
  banned: PerEvent;
  loggedOut: PerEvent;
  /** Reconnects beyond `free` in the window cost `points` each. */
  reconnects: PerEvent & { free: number };
  timelock: number;
  capping: Record<Exclude<NewChatCapState, 'NONE'>, number>;
  failureRate: RateRule;
  notOnWhatsAppRate: RateRule;
  undeliveredRate: RateRule;
  optOutRate: RateRule;
  /** A read rate (of delivered messages) under `below` costs `points`, once `minDelivered` were delivered. */
  lowReadRate: { below: number; points: number; minDelivered: number };
  /** A reply rate of `rate` or more gives back up to `points` (never above 100). */
  replyBonus: { rate: number; points: number };
  /** A number linked fewer than `days` ago costs `points` (it is still warming up). */
  newNumber: { days: number; points: number };
}

export const DEFAULT_HEALTH_MODEL: Readonly<HealthModel> = Object.freeze({
  windowHours: 24,
  bands: { healthy: 80, watch: 60, atRisk: 40 },
  minSample: 50,
  deliveryGraceHours: 6,
  ackError463: { points: 30, max: 60 },
  ackError479: { points: 10, max: 40 },
  ackErrorOther: { points: 5, max: 20 },
  rateLimited: { points: 15, max: 45 },
  banned: { points: 70, max: 100 },
  loggedOut: { points: 40, max: 80 },
  reconnects: { free: 6, points: 2, max: 10 },
  timelock: 25,
  capping: { FIRST_WARNING: 10, SECOND_WARNING: 25, CAPPED: 40 },
  failureRate: { ok: 0.05, bad: 0.25, max: 20 },
  notOnWhatsAppRate: { ok: 0.1, bad: 0.4, max: 20 },
  undeliveredRate: { ok: 0.2, bad: 0.6, max: 20 },
  optOutRate: { ok: 0.01, bad: 0.05, max: 40 },
  lowReadRate: { below: 0.05, points: 5, minDelivered: 50 },
  replyBonus: { rate: 0.1, points: 10 },
  newNumber: { days: 7, points: 5 },
});

/** One reason the score is below 100 (or above what the rest would give, for a bonus: negative points). */
export interface HealthReason {
  code: string;
  /** Points taken off (negative: given back). */
  points: number;
  /** The figure behind it: a count, or a rate between 0 and 1. */
  figure: number;
  detail: string;
}

export interface HealthAssessment {
  score: number;
  band: HealthBand;
  reasons: HealthReason[];
}

const percent = (rate: number): string => `${(rate * 100).toFixed(1)} %`;

function perEvent(code: string, count: number, rule: PerEvent, what: string): HealthReason | undefined {
  if (count <= 0) return undefined;
  return { code, points: Math.round(Math.min(rule.max, count * rule.points)), figure: count, detail: `${String(count)} ${what}` };
}

function rate(code: string, events: number, base: number, minSample: number, rule: RateRule, what: string): HealthReason | undefined {
  if (events <= 0) return undefined;
  const value = events / Math.max(base, minSample);
  if (value <= rule.ok) return undefined;
  const share = Math.min(1, (value - rule.ok) / (rule.bad - rule.ok));
  const points = Math.round(rule.max * share);
  if (points <= 0) return undefined;
  return { code, points, figure: Number(value.toFixed(4)), detail: `${percent(value)} ${what} (${String(events)} of ${String(base)}; acceptable up to ${percent(rule.ok)})` };
}

/** The score, its band and every reason behind it, worst first. */
export function assessHealth(inputs: HealthInputs, model: HealthModel = DEFAULT_HEALTH_MODEL): HealthAssessment {
  const { counts } = inputs;
  const attempted = counts.sent + counts.failed + counts.not_on_whatsapp;
  const delivered = Math.max(counts.delivered, counts.read);
  const reasons = [
    perEvent('ACK_ERROR_463', counts.ack_error_463, model.ackError463, 'messages refused with 463 (the account may not reach out)'),
    perEvent('ACK_ERROR_479', counts.ack_error_479, model.ackError479, 'messages refused with 479'),
    perEvent('ACK_ERROR', counts.ack_error_other, model.ackErrorOther, 'messages refused with another error code'),
    perEvent('RATE_LIMITED', counts.rate_limited, model.rateLimited, 'rate-overlimit answers'),
    perEvent('BANNED', counts.banned, model.banned, 'disconnects for a ban (402/403)'),
    perEvent('LOGGED_OUT', counts.logged_out, model.loggedOut, 'logouts nobody asked for'),
    counts.reconnect > model.reconnects.free
      ? perEvent('RECONNECTS', counts.reconnect - model.reconnects.free, model.reconnects, `reconnects beyond ${String(model.reconnects.free)}`)
      : undefined,
    inputs.timelocked ? { code: 'TIMELOCK', points: Math.round(model.timelock), figure: 1, detail: 'a reach-out time-lock is in force' } : undefined,
    inputs.capState !== null && inputs.capState !== 'NONE'
      ? { code: `NEW_CHAT_CAP_${inputs.capState}`, points: Math.round(model.capping[inputs.capState]), figure: 1, detail: `WhatsApp's new-chat cap says ${inputs.capState}` }
      : undefined,
    rate('FAILURE_RATE', counts.failed, attempted, model.minSample, model.failureRate, 'of messages failed'),
    rate('NOT_ON_WHATSAPP_RATE', counts.not_on_whatsapp, attempted, model.minSample, model.notOnWhatsAppRate, 'of numbers are not on WhatsApp'),
    inputs.sentBeforeGrace > 0
      ? rate(
          'UNDELIVERED_RATE',
          Math.max(0, inputs.sentBeforeGrace - delivered),
          inputs.sentBeforeGrace,
          model.minSample,
          model.undeliveredRate,
          `of messages sent over ${String(model.deliveryGraceHours)} h ago were never delivered`,
        )
      : undefined,
    rate('OPT_OUT_RATE', counts.opted_out, counts.sent, model.minSample, model.optOutRate, 'of recipients opted out'),
    delivered >= model.lowReadRate.minDelivered && counts.read / delivered < model.lowReadRate.below
      ? { code: 'LOW_READ_RATE', points: Math.round(model.lowReadRate.points), figure: Number((counts.read / delivered).toFixed(4)), detail: `${percent(counts.read / delivered)} of delivered messages were read` }
      : undefined,
    inputs.ageDays !== null && inputs.ageDays < model.newNumber.days
      ? { code: 'NEW_NUMBER', points: Math.round(model.newNumber.points), figure: inputs.ageDays, detail: `linked ${String(inputs.ageDays)} days ago: still warming up` }
      : undefined,
  ].filter((reason): reason is HealthReason => reason !== undefined);
  const penalties = reasons.reduce((sum, reason) => sum + reason.points, 0);
  // `replied` counts people who answered other than by opting out (the monitor counts opt-outs apart).
  const replyRate = counts.replied / Math.max(counts.sent, model.minSample);
  if (replyRate > 0 && penalties > 0) {
    const bonus = Math.round(model.replyBonus.points * Math.min(1, replyRate / model.replyBonus.rate));
    if (bonus > 0) reasons.push({ code: 'REPLIES', points: -Math.min(bonus, penalties), figure: Number(replyRate.toFixed(4)), detail: `${percent(replyRate)} of recipients replied` });
  }
  // Whole points (the knobs may be fractions): the score is a whole number on every database.
  const score = Math.round(Math.max(0, Math.min(100, 100 - reasons.reduce((sum, reason) => sum + reason.points, 0))));
  reasons.sort((a, b) => b.points - a.points);
  return { score, band: bandOf(score, model), reasons };
}

export function bandOf(score: number, model: Pick<HealthModel, 'bands'> = DEFAULT_HEALTH_MODEL): HealthBand {
  if (score >= model.bands.healthy) return 'healthy';
  if (score >= model.bands.watch) return 'watch';
  if (score >= model.bands.atRisk) return 'at_risk';
  return 'stop';
}

/** How much worse a band is than another (healthy 0 … stop 3). */
export function bandRank(band: HealthBand): number {
  return HEALTH_BANDS.indexOf(band);
}

/** What a band does to the pace: delays multiplied, hourly cap divided (at least one an hour). */
export const BAND_SLOWDOWN: Readonly<Record<HealthBand, number>> = Object.freeze({ healthy: 1, watch: 2, at_risk: 4, stop: 4 });

/** The session's pace in its band: watch doubles the delays and halves the hourly cap; at risk, four times. */
export function bandPacing(policy: PacingPolicy, band: HealthBand): PacingPolicy {
  const factor = BAND_SLOWDOWN[band];
  if (factor === 1) return policy;
  return {
    ...policy,
    minDelayMs: policy.minDelayMs * factor,
    maxDelayMs: policy.maxDelayMs * factor,
    hourlyCap: Math.max(1, Math.floor(policy.hourlyCap / factor)),
  };
}

/**
 * Messages that open a new chat a number may send per rolling day, by the days it has been
 * healthy since it was linked (README: "Warm-up"). Days spent in another band do not count, so a
 * number does not grow while it is not healthy.
 */
export const NEW_CONTACT_WARMUP: readonly { day: number; perDay: number }[] = Object.freeze([
  { day: 0, perDay: 20 },
  { day: 3, perDay: 30 },
  { day: 7, perDay: 50 },
  { day: 14, perDay: 100 },
  { day: 21, perDay: 200 },
  { day: 28, perDay: 400 },
  { day: 42, perDay: 700 },
  { day: 56, perDay: 1_000 },
]);

/** What share of the warm-up budget each band may use: none at risk (existing chats only) or stopped. */
export const BAND_NEW_CONTACT_SHARE: Readonly<Record<HealthBand, number>> = Object.freeze({ healthy: 1, watch: 0.5, at_risk: 0, stop: 0 });

/** Days since the link that count for warm-up: those not spent outside the healthy band. */
export function healthyDaysOf(linkedAt: Date | null, unhealthyDays: number, nowMs: number): number {
  const ageDays = linkedAt === null ? 0 : Math.max(0, Math.floor((nowMs - linkedAt.getTime()) / 86_400_000));
  return Math.max(0, ageDays - unhealthyDays);
}

/** Today's budget of new chats: the warm-up curve at `healthyDays`, times the band's share (enforcementOf). */
export function newContactBudget(healthyDays: number, share: number, curve: readonly { day: number; perDay: number }[] = NEW_CONTACT_WARMUP): number {
  let perDay = curve[0]?.perDay ?? 0;
  for (const step of curve) if (healthyDays >= step.day) perDay = step.perDay;
  return Math.floor(perDay * share);
}

/** What the engine does with a session in its band (an operator's acknowledgement softens a stop). */
export interface HealthEnforcement {
  /** The band whose pace applies (bandPacing). */
  pace: HealthBand;
  /** Share of the warm-up budget of new chats it may use (0: existing chats only). */
  newContactShare: number;
  /** Paused on every blast it serves until an operator resumes one. */
  pause: boolean;
}

/**
 * healthy: as configured; watch: half pace, half the new chats; at risk: a quarter of the pace,
 * existing chats only; stop: paused until an operator resumes a blast of it, and then at the
 * at-risk pace with half the new chats (the operator's word) until its score drops further.
 */
export function enforcementOf(health: { band: HealthBand; acknowledgedScore: number | null } | null): HealthEnforcement {
  const band = health?.band ?? 'healthy';
  if (band === 'stop') {
    return health?.acknowledgedScore != null ? { pace: 'at_risk', newContactShare: BAND_NEW_CONTACT_SHARE.watch, pause: false } : { pace: 'at_risk', newContactShare: 0, pause: true };
  }
  return { pace: band, newContactShare: BAND_NEW_CONTACT_SHARE[band], pause: false };
}

/**
 * The model with `overrides` (HEALTH_MODEL, JSON) laid over `base`: only the knobs the model has,
 * each a finite number from 0 to 1,000,000 (a rate's `ok`/`bad` from 0 to 1). Returns the problems
 * instead when there are any.
 */
export function overrideHealthModel(base: HealthModel, overrides: unknown): HealthModel | string[] {
  const problems: string[] = [];
  const merge = (target: Record<string, unknown>, patch: unknown, path: string): Record<string, unknown> => {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      problems.push(`${path || 'HEALTH_MODEL'} must be an object`);
      return target;
    }
    const out: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      const at = path === '' ? key : `${path}.${key}`;
      const current = target[key];
      if (current === undefined) problems.push(`${at} is not a knob of the model`);
      else if (typeof current === 'object' && current !== null) out[key] = merge(current as Record<string, unknown>, value, at);
      else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1_000_000) problems.push(`${at} must be a number from 0 to 1000000`);
      else if ((key === 'ok' || key === 'bad' || key === 'below' || key === 'rate') && value > 1) problems.push(`${at} is a rate: from 0 to 1`);
      else out[key] = value;
    }
    return out;
  };
  const model = merge(base as unknown as Record<string, unknown>, overrides, '') as unknown as HealthModel;
  const { healthy, watch, atRisk } = model.bands;
  if (!(healthy > watch && watch > atRisk && healthy <= 100)) problems.push('bands must satisfy 100 >= healthy > watch > atRisk');
  if (model.windowHours < 1 || model.windowHours > 168 || !Number.isInteger(model.windowHours)) problems.push('windowHours must be a whole number from 1 to 168');
  for (const [name, rule] of Object.entries({ failureRate: model.failureRate, notOnWhatsAppRate: model.notOnWhatsAppRate, undeliveredRate: model.undeliveredRate, optOutRate: model.optOutRate })) {
    if (rule.bad <= rule.ok) problems.push(`${name}.bad must be above ${name}.ok`);
  }
  return problems.length > 0 ? problems : model;
}
