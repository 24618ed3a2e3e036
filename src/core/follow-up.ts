import { FOLLOW_UP_SEGMENTS, type FollowUpSegment, type LedgerStatus } from './blast.js';

/**
 * Follow-ups: a blast to a segment of an earlier blast's recipients, taken from the parent's
 * ledger when the follow-up starts. Pure: the store turns a segment's rule into a WHERE clause,
 * and the segment sizes are summed here from one grouped count.
 */

/**
 * Which ledger rows of the parent a segment takes: a status among `statuses`, and, when `replied`
 * is set, a reply attributed to the row (`replied_at`) or none. Skipped rows (suppressed, not on
 * WhatsApp, cancelled before sending) are in no segment: nothing reached them, and the sender would
 * skip a suppressed number again anyway. Rows still pending or in flight are in none either.
 */
export interface SegmentRule {
  statuses: readonly LedgerStatus[];
  replied?: boolean;
}

/** Accepted by WhatsApp: sent, with or without receipts since. */
const ACCEPTED: readonly LedgerStatus[] = ['sent', 'delivered', 'read'];

export const SEGMENT_RULES: Readonly<Record<FollowUpSegment, SegmentRule>> = {
  /** Accepted, and a delivery receipt (or a read one) came. */
  delivered: { statuses: ['delivered', 'read'] },
  /** Accepted, but no delivery receipt (yet): the phone may be off or the number idle. */
  not_delivered: { statuses: ['sent'] },
  /** Accepted, not read (delivered or not). */
  not_read: { statuses: ['sent', 'delivered'] },
  /** A reply was attributed to the row (whatever receipts came; a row WhatsApp refused after a reply included). */
  replied: { statuses: [...ACCEPTED, 'failed'], replied: true },
  /** Accepted, and no reply attributed. */
  not_replied: { statuses: ACCEPTED, replied: false },
  /** The send failed (retries outlasted, refused, or refused by WhatsApp after accepting it). */
  failed: { statuses: ['failed'] },
};

export const SEGMENT_DESCRIPTIONS: Readonly<Record<FollowUpSegment, string>> = {
  delivered: 'delivered or read',
  not_delivered: 'accepted by WhatsApp (sent) with no delivery receipt',
  not_read: 'accepted by WhatsApp (sent or delivered), not read',
  replied: 'a reply was attributed to the recipient (any status but skipped)',
  not_replied: 'accepted by WhatsApp (sent, delivered or read) with no reply attributed',
  failed: 'the send failed',
};

export function isSegment(value: string): value is FollowUpSegment {
  return (FOLLOW_UP_SEGMENTS as readonly string[]).includes(value);
}

/** Whether a ledger row is in the segment. */
export function inSegment(segment: FollowUpSegment, row: { status: LedgerStatus; replied: boolean }): boolean {
  const rule = SEGMENT_RULES[segment];
  return rule.statuses.includes(row.status) && (rule.replied === undefined || rule.replied === row.replied);
}

/** The size of every segment from the ledger counted by (status, replied). */
export function segmentSizes(groups: readonly { status: LedgerStatus; replied: boolean; count: number }[]): Record<FollowUpSegment, number> {
  const sizes = Object.fromEntries(FOLLOW_UP_SEGMENTS.map((segment) => [segment, 0])) as Record<FollowUpSegment, number>;
  for (const group of groups) {
    for (const segment of FOLLOW_UP_SEGMENTS) if (inSegment(segment, group)) sizes[segment] += group.count;
  }
  return sizes;
}

/** The longest `after` a follow-up may wait past its parent's end (as for scheduledAt: a year). */
export const MAX_FOLLOW_UP_AFTER_MS = 366 * 86_400_000;

export class DurationError extends Error {
  constructor(
    readonly code: 'INVALID_DURATION' | 'AFTER_TOO_FAR',
    message: string,
  ) {
    super(message);
    this.name = 'DurationError';
  }
}

/**
 * An ISO 8601 duration of fixed length, in ms: weeks, days, hours, minutes, seconds (`PT24H`,
 * `P2D`, `P1DT12H`, `PT90M`, `PT0.5S`). Years and months are refused (their length depends on the
 * calendar). At most MAX_FOLLOW_UP_AFTER_MS; the text is bounded before it is read.
 */
export function parseAfter(text: string): number {
  const match = text.length > 64 ? null : /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,7})H)?(?:(\d{1,9})M)?(?:(\d{1,10}(?:[.,]\d{1,3})?)S)?)?$/i.exec(text);
  if (!match || text.toUpperCase() === 'P' || /T$/i.test(text)) {
    throw new DurationError('INVALID_DURATION', `after "${text.slice(0, 64)}" is not an ISO 8601 duration in weeks, days, hours, minutes or seconds (e.g. PT24H, P2D, PT30M).`);
  }
  const [, weeks, days, hours, minutes, seconds] = match;
  const ms =
    Number(weeks ?? 0) * 7 * 86_400_000 +
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number((seconds ?? '0').replace(',', '.')) * 1_000);
  if (ms > MAX_FOLLOW_UP_AFTER_MS) throw new DurationError('AFTER_TOO_FAR', `after "${text}" is longer than 366 days.`);
  return ms;
}

/** When a follow-up starts (ms): its parent's end plus `after`. */
export function followUpStartMs(parentEndedAt: string, afterMs: number): number {
  return Date.parse(parentEndedAt) + afterMs;
}
