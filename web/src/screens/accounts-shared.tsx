import type { Pacing, Session } from '../api/client';
import { formatDateTimeWithZone, formatDelay, formatNumber } from '../format';

// Parts shared by the Accounts screen (accounts.tsx, accounts-form.tsx, accounts-connect.tsx).

export type SessionStatus = Session['status'];

/** Statuses in which a worker holds (or is taking) the session. */
const RUNNING: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['connecting', 'qr', 'connected', 'paused']);

/**
 * Whether a worker holds the session or is asked to (then it offers Disconnect, else Connect).
 * A logged-out or failed session is stopped whatever was asked of it.
 */
export function isRunning(session: Pick<Session, 'status' | 'desiredState'>): boolean {
  if (RUNNING.has(session.status)) return true;
  return session.desiredState === 'connected' && session.status === 'disconnected';
}

/** What each status is called on screen ("qr" is the wait for the phone to scan the code). */
const STATUS_LABELS: Record<SessionStatus, string> = {
  disconnected: 'Disconnected',
  connecting: 'Connecting',
  qr: 'Waiting for scan',
  connected: 'Connected',
  logged_out: 'Logged out',
  failed: 'Failed',
  paused: 'Paused',
};

export function statusLabel(status: SessionStatus): string {
  return STATUS_LABELS[status];
}

/** "logout_requested" → "logout requested". */
export function humanize(text: string): string {
  return text.replace(/[_-]+/g, ' ');
}

function hour(value: number): string {
  return `${String(value).padStart(2, '0')}:00`;
}

/** The pacing policy in a few words, for the table. */
export function pacingSummary(pacing: Pacing): string[] {
  const delay =
    pacing.minDelayMs === pacing.maxDelayMs
      ? `${formatDelay(pacing.minDelayMs)} apart`
      : `${formatDelay(pacing.minDelayMs)}–${formatDelay(pacing.maxDelayMs)} apart`;
  const lines = [delay, `${formatNumber(pacing.hourlyCap)}/h · ${formatNumber(pacing.dailyCap)}/day`];
  if (pacing.window !== undefined) {
    lines.push(`${hour(pacing.window.startHour)}–${hour(pacing.window.endHour)} ${pacing.window.timezone}`);
  }
  if (pacing.warmup !== undefined) {
    lines.push(`warm-up ${formatNumber(pacing.warmup.initialDailyCap)} +${formatNumber(pacing.warmup.dailyIncrease)}/day`);
  }
  if (pacing.typing?.enabled === true) lines.push('typing shown');
  return lines;
}

type NewChatCap = NonNullable<Session['newChatCap']>;

const CAP_STATES: Record<NewChatCap['state'], string> = {
  NONE: 'no warning',
  FIRST_WARNING: 'first warning',
  SECOND_WARNING: 'second warning',
  CAPPED: 'capped',
};

/**
 * WhatsApp's cap on new chats, in one line for the table: usage of the quota and the state, with
 * what the product does about it ("half pace until …", "no blast message until …").
 */
export function newChatCapSummary(cap: NewChatCap): { text: string; warn: boolean; title: string } {
  const usage = cap.quota !== null ? `${formatNumber(cap.used)}/${formatNumber(cap.quota)}` : cap.used !== null ? `${formatNumber(cap.used)} used` : '';
  const text = `New chats: ${[usage, CAP_STATES[cap.state]].filter(Boolean).join(' · ')}`;
  const notes: string[] = [];
  if (cap.state === 'CAPPED' && cap.resetsAt !== null) notes.push(`No blast message until the quota resets (${formatDateTimeWithZone(cap.resetsAt)}).`);
  if (cap.slowUntil !== null && Date.parse(cap.slowUntil) > Date.now()) notes.push(`Half the hourly cap until ${formatDateTimeWithZone(cap.slowUntil)}.`);
  if (cap.state !== 'CAPPED' && cap.resetsAt !== null) notes.push(`The quota resets ${formatDateTimeWithZone(cap.resetsAt)}.`);
  return { text, warn: cap.state !== 'NONE', title: notes.join(' ') || "WhatsApp's cap on messages that start new chats." };
}
