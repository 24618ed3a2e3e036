import type { Blast } from '../api/client';
import type { Frame } from '../api/events';
import { formatDateTime, formatDuration } from '../format';

// What the blasts list and the blast detail share: statuses, figures from live frames, wording.

export type BlastStatus = Blast['status'];

export const BLAST_STATUSES: readonly BlastStatus[] = ['importing', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed'];

/** Statuses after which nothing more is sent (receipts may still arrive). */
export const FINAL_STATUSES: ReadonlySet<BlastStatus> = new Set(['completed', 'cancelled', 'failed']);

/** Recipients with an outcome: sent (delivered and read included), failed or skipped. */
export function doneOf(blast: Pick<Blast, 'sent' | 'failed' | 'skipped'>): number {
  return blast.sent + blast.failed + blast.skipped;
}

/**
 * How far a progress bar goes: the recipients with an outcome; for a cancelled blast only those
 * it actually tried (sent or failed), not the ones the cancellation skipped (a cancelled blast is not "100 %").
 */
export function barValueOf(blast: Pick<Blast, 'status' | 'sent' | 'failed' | 'skipped'>): number {
  return blast.status === 'cancelled' ? blast.sent + blast.failed : doneOf(blast);
}

/**
 * A blast as a live frame of the WebSocket changes it (progress figures, status), or the same
 * object when the frame is about another blast or says nothing new.
 */
export function applyFrame(blast: Blast, frame: Frame): Blast {
  if (!('blastId' in frame.data) || frame.data.blastId !== blast.id) return blast;
  if (frame.event === 'blast:progress' || frame.event === 'blast:completed') {
    const { total, sent, failed, skipped, delivered, read, replied, replyRate, pending, ratePerMinute, eta, status } = frame.data;
    // A rate and an ETA only mean something while it sends.
    const sending = status === 'running';
    const next: Blast = {
      ...blast,
      total,
      sent,
      failed,
      skipped,
      delivered,
      read,
      replied,
      replyRate,
      pending,
      status,
      ratePerMinute: sending ? ratePerMinute : null,
      eta: sending ? eta : null,
    };
    if (frame.event === 'blast:completed') {
      next.completedAt = frame.data.completedAt;
      next.error = frame.data.error;
    }
    return next;
  }
  if (frame.event === 'blast:started') return { ...blast, status: 'running', startedAt: blast.startedAt ?? frame.data.startedAt, total: frame.data.total };
  if (frame.event === 'blast:paused') return { ...blast, status: 'paused', pause: { reason: frame.data.reason, detail: frame.data.detail }, ratePerMinute: null, eta: null };
  if (frame.event === 'blast:resumed') return { ...blast, status: 'running', pause: null };
  return blast;
}

const PAUSE_REASONS: Record<string, string> = {
  PAUSED_BY_USER: 'Paused by an operator',
  SESSION_RESTRICTED: 'Every account it sends from was restricted',
  NEW_CHAT_CAP: "Every account it sends from reached WhatsApp's cap on new chats; it resumes by itself when the quota resets",
};

export function pauseReasonText(reason: string): string {
  return PAUSE_REASONS[reason] ?? reason.replace(/_/g, ' ').toLowerCase();
}

/** A session's own pause on a blast, e.g. `restricted:rate_limited` → "restricted (rate limited)". */
export function sessionPauseText(reason: string): string {
  const [kind = reason, detail] = reason.split(':', 2);
  const words = (text: string): string => text.replace(/_/g, ' ');
  return detail === undefined ? words(kind) : `${words(kind)} (${words(detail)})`;
}

/** The console's one date format (format.ts). */
export const formatShort = formatDateTime;

export function formatRate(perMinute: number | null): string {
  if (perMinute === null || !Number.isFinite(perMinute)) return '—';
  return `${perMinute >= 10 ? Math.round(perMinute).toString() : perMinute.toFixed(1)} / min`;
}

export { formatMoment } from '../format';

/** How a blast's session shows beside it: sending only while the blast runs. */
export function sessionRole(status: BlastStatus): 'connected' | 'paused' | 'scheduled' | 'completed' {
  if (FINAL_STATUSES.has(status)) return 'completed';
  if (status === 'paused') return 'paused';
  return status === 'running' ? 'connected' : 'scheduled';
}

export function sessionRoleLabel(status: BlastStatus): string {
  if (FINAL_STATUSES.has(status)) return 'used';
  if (status === 'paused') return 'paused with the blast';
  return status === 'running' ? 'sending' : 'will send';
}

/** A finished blast's duration and its average pace: "12 min 4 s · 83.1 / min". */
export function finishedPace(blast: Pick<Blast, 'startedAt' | 'completedAt' | 'sent' | 'failed' | 'skipped'>): string {
  if (blast.startedAt === null || blast.completedAt === null) return '—';
  const seconds = Math.max(0, (Date.parse(blast.completedAt) - Date.parse(blast.startedAt)) / 1_000);
  if (seconds < 1) return 'under a second';
  return `${formatDuration(seconds)} · ${formatRate((doneOf(blast) / seconds) * 60)} on average`;
}
