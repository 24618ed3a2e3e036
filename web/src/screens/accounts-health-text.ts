import type { components, paths } from '../api/schema.js';
import { formatDelay, formatNumber } from '../format.js';

// An account's health in words, for the Accounts screen's column and detail panel
// (accounts-health.tsx). Pure, so it is unit-tested without a page (test/unit/web); it imports
// nothing of the page, and with the extensions Node needs.

type Session = components['schemas']['Session'];
type SessionHealth = paths['/api/sessions/{id}/health']['get']['responses'][200]['content']['application/json'];

export type HealthBand = Session['health']['band'];
export type HealthReason = SessionHealth['reasons'][number];

const BANDS: Record<HealthBand, { label: string; tone: string; does: string }> = {
  healthy: { label: 'healthy', tone: 'ok', does: 'Sends as configured.' },
  watch: { label: 'watch', tone: 'warn', does: 'Delays doubled, hourly cap halved, half the new-chat budget.' },
  at_risk: { label: 'at risk', tone: 'risk', does: 'Delays ×4, hourly cap quartered, existing chats only.' },
  stop: { label: 'stop', tone: 'bad', does: 'Paused on every blast it serves until an operator resumes one.' },
};

export function bandLabel(band: HealthBand): string {
  return BANDS[band].label;
}

/** The badge tone (styles.css `.badge-*`): green, amber, orange, red. */
export function bandTone(band: HealthBand): string {
  return BANDS[band].tone;
}

/** What the band does to the account's sending, in one sentence. */
export function bandEffect(band: HealthBand): string {
  return BANDS[band].does;
}

/** What each reason code means to an operator; an unknown code is shown as it is. */
const REASONS: Record<string, string> = {
  ACK_ERROR_463: 'Error acks 463 (may not reach out)',
  ACK_ERROR_479: 'Error acks 479',
  ACK_ERROR: 'Other error acks',
  RATE_LIMITED: 'Rate over limit',
  BANNED: 'Banned (402/403)',
  LOGGED_OUT: 'Logged out unasked',
  RECONNECTS: 'Frequent reconnects',
  TIMELOCK: 'Reach-out time-lock',
  NEW_CHAT_CAP_FIRST_WARNING: 'New-chat cap: first warning',
  NEW_CHAT_CAP_SECOND_WARNING: 'New-chat cap: second warning',
  NEW_CHAT_CAP_CAPPED: 'New-chat cap: capped',
  FAILURE_RATE: 'Failed messages',
  NOT_ON_WHATSAPP_RATE: 'Numbers not on WhatsApp',
  UNDELIVERED_RATE: 'Never delivered',
  OPT_OUT_RATE: 'Opt-outs (STOP)',
  LOW_READ_RATE: 'Few messages read',
  NEW_NUMBER: 'New number',
  REPLIES: 'Replies',
};

export function reasonLabel(code: string): string {
  return REASONS[code] ?? code;
}

/** 25 → "−25"; −4 → "+4 back" (a bonus gives points back). */
export function reasonPoints(points: number): string {
  const whole = Number.isInteger(points) ? formatNumber(Math.abs(points)) : Math.abs(points).toFixed(1);
  if (points < 0) return `+${whole} back`;
  return points === 0 ? '0' : `−${whole}`;
}

/** The reasons, worst first (the most points taken off; points given back last). */
export function worstFirst<Reason extends Pick<HealthReason, 'points'>>(reasons: readonly Reason[]): Reason[] {
  return [...reasons].sort((a, b) => b.points - a.points);
}

/** The badge's text: "70 · watch"; "—" before the first assessment. */
export function healthBadgeText(health: Session['health']): string {
  return health.assessedAt === null ? '—' : `${String(health.score)} · ${bandLabel(health.band)}`;
}

type Enforcement = SessionHealth['enforcement'];

/** What the band does now, each line a fact: pace, delays, caps, pause, new chats. */
export function enforcementLines(enforcement: Enforcement): [string, string][] {
  const delays =
    enforcement.minDelayMs === enforcement.maxDelayMs
      ? `${formatDelay(enforcement.minDelayMs)} apart`
      : `${formatDelay(enforcement.minDelayMs)}–${formatDelay(enforcement.maxDelayMs)} apart`;
  return [
    ['Pace', enforcement.slowdown > 1 ? `${bandLabel(enforcement.pace)}: ${String(enforcement.slowdown)}× slower than configured` : `${bandLabel(enforcement.pace)}: as configured`],
    ['Delays', delays],
    ['Caps', `${formatNumber(enforcement.hourlyCap)}/h · ${formatNumber(enforcement.dailyCap)}/day`],
    ['Blasts', enforcement.paused ? 'paused on every blast it serves' : 'sending'],
    ['New chats', enforcement.existingChatsOnly ? 'none: existing chats only' : 'allowed'],
  ];
}

/** The new-chat budget of the last 24 hours: "12 / 20 used · 8 left (warm-up: 3 healthy days)"; null: the account has none. */
export function newContactsText(newContacts: SessionHealth['newContacts']): string {
  if (newContacts === null) return 'No budget (new contacts not counted for this account)';
  const days = newContacts.healthyDays === 1 ? '1 healthy day' : `${formatNumber(newContacts.healthyDays)} healthy days`;
  return `${formatNumber(newContacts.used)} / ${formatNumber(newContacts.budget)} used · ${formatNumber(newContacts.left)} left (warm-up: ${days})`;
}

/** The model's bands: "healthy from 80 · watch from 60 · at risk from 40 · stop below 40". */
export function thresholdsText(model: SessionHealth['model']): string {
  const { healthy, watch, atRisk } = model.bands;
  return `healthy from ${String(healthy)} · watch from ${String(watch)} · at risk from ${String(atRisk)} · stop below ${String(atRisk)}`;
}
