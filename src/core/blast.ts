import type { PacingPolicy } from './pacing.js';
import type { BlastStatus } from './blast-state.js';
import type { MediaKind } from './media-type.js';
import { replyRate } from './reply.js';

/** A recipient's outcome in a blast. `sending` (claimed, outcome unknown) is shown as `pending`. */
export const RECIPIENT_STATUSES = ['pending', 'sent', 'delivered', 'read', 'failed', 'skipped'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];
export type LedgerStatus = RecipientStatus | 'sending';

/** Why a recipient failed or was skipped: machine-readable, with a human detail beside it. */
export type RecipientReason =
  | 'SUPPRESSED' // on the unit's opt-out list at send time
  | 'NOT_ON_WHATSAPP'
  | 'CANCELLED' // the blast was cancelled before it was sent
  | 'SEND_FAILED' // transient errors outlasted the retries
  | 'REJECTED' // the provider refused this message for good
  | 'WHATSAPP_REJECTED' // WhatsApp accepted it, then refused it with an error ack (its code in the detail, e.g. 463, 479)
  | 'MESSAGE_TOO_LONG' // its values made the message longer than WhatsApp allows (65,536 characters, 1,024 for a caption)
  | 'SESSION_LOST' // claimed on an account that is gone; whether it went out is unknown, so it is not re-sent from another
  | 'SESSION_DELETED' // every session the blast was made with was deleted (or moved to another unit) before it was sent
  | 'REPLIED'; // stopOnReply: the person replied after the blast was created (core/follow-up.ts)

/** The parts of an earlier blast's outcome a follow-up can go to (defined in core/follow-up.ts). */
export const FOLLOW_UP_SEGMENTS = ['not_delivered', 'not_read', 'not_replied', 'replied', 'failed', 'delivered'] as const;
export type FollowUpSegment = (typeof FOLLOW_UP_SEGMENTS)[number];

/** What makes a blast a follow-up of an earlier one. */
export interface FollowUpOf {
  /** The earlier (parent) blast. */
  of: string;
  segment: FollowUpSegment;
  /** How long after the parent's end it starts (ISO 8601 duration as given); null: at the parent's end. */
  after: string | null;
}

export interface BlastFigures {
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  delivered: number;
  read: number;
  /** Recipients with at least one reply attributed to this blast. */
  replied: number;
  /** replied ÷ sent (0 to 1, four places); null while nothing was sent. */
  replyRate: number | null;
  pending: number;
}

export interface BlastMedia {
  sha256: string;
  kind: MediaKind;
  mimetype: string;
  fileName: string | null;
}

export interface BlastSessionState {
  sessionId: string;
  /** The uid of the session the blast was made with: only that session sends it, not a later one with the same id. */
  sessionUid: string | null;
  /** Why this session stopped sending for this blast, e.g. `restricted:rate_limited`; null when active. */
  pausedReason: string | null;
}

export interface Blast {
  id: string;
  name: string;
  businessUnit: string;
  status: BlastStatus;
  listId: string;
  message: string;
  media: BlastMedia | null;
  sessions: BlastSessionState[];
  checkNumbers: boolean;
  typing: boolean;
  pacing: Partial<PacingPolicy> | null;
  scheduledAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  pause: { reason: string; detail: string | null } | null;
  error: { code: string; message: string; details?: unknown } | null;
  /** Skip (REPLIED) a recipient who replied after the blast was created (0015). */
  stopOnReply: boolean;
  /** Set for a follow-up: its recipients are a segment of the parent's, taken when it starts (0015). */
  followUp: FollowUpOf | null;
  figures: BlastFigures;
  createdAt: string;
  updatedAt: string;
}

export function figuresOf(counts: Omit<BlastFigures, 'pending' | 'replyRate'>): BlastFigures {
  return {
    ...counts,
    replyRate: replyRate(counts.replied, counts.sent),
    pending: Math.max(0, counts.total - counts.sent - counts.failed - counts.skipped),
  };
}

/** Recipients with a final outcome (sent counts, whatever receipts follow). */
export function doneOf(figures: BlastFigures): number {
  return figures.sent + figures.failed + figures.skipped;
}

/**
 * Messages per minute over the samples of the last minute (oldest first), and the estimated
 * time left. Null while there is not enough to go on.
 */
export function rateAndEta(
  samples: readonly { atMs: number; done: number }[],
  pending: number,
  nowMs: number,
): { ratePerMinute: number | null; eta: string | null } {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.atMs - first.atMs < 1_000 || last.done <= first.done) {
    return { ratePerMinute: null, eta: pending === 0 ? new Date(nowMs).toISOString() : null };
  }
  const perMs = (last.done - first.done) / (last.atMs - first.atMs);
  return {
    ratePerMinute: Math.round(perMs * 60_000 * 10) / 10,
    eta: new Date(nowMs + Math.round(pending / perMs)).toISOString(),
  };
}

const DEFAULT_OPT_OUT = ['STOP', 'UNSUBSCRIBE', 'BERHENTI'];

/**
 * Whether a reply asks to stop: the whole message (trimmed, any case, trailing punctuation and
 * emoji ignored) is one of the keywords. "stop!" opts out; "don't stop" does not.
 */
export function isOptOut(text: string, keywords: readonly string[] = DEFAULT_OPT_OUT): boolean {
  const word = text
    .normalize('NFKC')
    .trim()
    .replace(/[\s\p{P}\p{S}\p{M}\p{Cf}]+$/u, '')
    .replace(/^[\s\p{P}\p{S}\p{M}\p{Cf}]+/u, '')
    .toUpperCase();
  return word !== '' && keywords.some((keyword) => keyword.toUpperCase() === word);
}
