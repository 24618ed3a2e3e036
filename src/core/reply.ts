import { createHash } from 'node:crypto';

/**
 * Replies (issue 16): what a person sent to a linked session, kept and attributed to the blast
 * that last messaged them from that session. Pure rules; storage is store/reply.repository.ts.
 */

/** What a reply was. `other` is anything a person sent that is none of these (a poll, an event, a payment…). */
export const REPLY_KINDS = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contact', 'other'] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];

/** Most characters of a reply's text (or caption) kept: a reply is read by an operator, not archived whole. */
export const REPLY_TEXT_LIMIT = 4_096;
/** The width of `replies.message_id` (0014). */
export const REPLY_MESSAGE_ID_LIMIT = 128;

export function isReplyKind(value: unknown): value is ReplyKind {
  return typeof value === 'string' && (REPLY_KINDS as readonly string[]).includes(value);
}

/** The text as stored: at most REPLY_TEXT_LIMIT characters (never a lone surrogate at the cut); null when there is none. */
/**
 * A sender writes what it likes, NUL included, which PostgreSQL refuses in text (and a batch of
 * other people's replies with it): NUL characters are dropped from what is stored.
 */
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

export function storedReplyText(raw: string | undefined | null): string | null {
  const text = raw === undefined || raw === null ? '' : withoutNul(raw);
  if (text === '') return null;
  const chars = Array.from(text);
  return chars.length <= REPLY_TEXT_LIMIT ? text : chars.slice(0, REPLY_TEXT_LIMIT).join('');
}

/**
 * WhatsApp's id as stored. The sender chooses it, of any length: one longer than the column is
 * replaced by a digest of it (`h:` + 64 hex), so the same id always maps to the same key and a
 * redelivery is still recognised.
 */
export function storedReplyMessageId(messageId: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is checked for
  if (messageId.length <= REPLY_MESSAGE_ID_LIMIT && !/[\u0000-\u001f]/.test(messageId)) return messageId;
  return `h:${createHash('sha256').update(messageId).digest('hex')}`;
}

/** Replied ÷ sent, rounded to four places; null while nothing was sent (a rate of nothing is no rate). */
export function replyRate(replied: number, sent: number): number | null {
  if (sent <= 0) return null;
  return Math.round((replied / sent) * 10_000) / 10_000;
}

/** The earliest `sent_at` a blast row may have for a reply received at `receivedAt` to be attributed to it. */
export function attributionWindowStart(receivedAt: string, windowHours: number): string {
  return new Date(Date.parse(receivedAt) - windowHours * 3_600_000).toISOString();
}

/** The first characters of a reply, for a log line or a suppression's reason. */
export function replyPreview(text: string | null, length = 40): string {
  return text === null ? '' : Array.from(withoutNul(text).trim()).slice(0, length).join('');
}
