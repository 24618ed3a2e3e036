import { describe, expect, it } from 'vitest';
import { REPLY_MESSAGE_ID_LIMIT, REPLY_TEXT_LIMIT, attributionWindowStart, replyRate, storedReplyMessageId, storedReplyText } from '../../../src/core/reply.js';
import { sandboxLidOf } from '../../../src/core/sandbox-lid.js';

describe('reply rules', () => {
  it('rates replied over sent, null while nothing was sent', () => {
    expect(replyRate(0, 0)).toBeNull();
    expect(replyRate(1, 3)).toBe(0.3333);
    expect(replyRate(3, 3)).toBe(1);
  });

  it('keeps at most REPLY_TEXT_LIMIT characters, never splitting an emoji, and no empty text', () => {
    expect(storedReplyText('')).toBeNull();
    expect(storedReplyText(undefined)).toBeNull();
    expect(storedReplyText('ok')).toBe('ok');
    const cut = storedReplyText('👍'.repeat(REPLY_TEXT_LIMIT + 1)) ?? '';
    expect(Array.from(cut)).toHaveLength(REPLY_TEXT_LIMIT);
    expect(cut.endsWith('👍')).toBe(true);
  });

  it('keeps a message id that fits, and a digest of one that does not (the same id, the same digest)', () => {
    expect(storedReplyMessageId('3EB0ABC')).toBe('3EB0ABC');
    const long = 'A'.repeat(REPLY_MESSAGE_ID_LIMIT + 1);
    expect(storedReplyMessageId(long)).toMatch(/^h:[0-9a-f]{64}$/);
    expect(storedReplyMessageId(long).length).toBeLessThanOrEqual(REPLY_MESSAGE_ID_LIMIT);
    expect(storedReplyMessageId(long)).toBe(storedReplyMessageId('A'.repeat(REPLY_MESSAGE_ID_LIMIT + 1)));
    expect(storedReplyMessageId(long)).not.toBe(storedReplyMessageId(`${long}B`));
  });

  it('stores no NUL (PostgreSQL refuses it in text): dropped from a text, a message id with one is stored as its digest', () => {
    expect(storedReplyText('hi\u0000 there')).toBe('hi there');
    expect(storedReplyText('\u0000')).toBeNull();
    expect(storedReplyMessageId('3EB0\u0000AB')).toMatch(/^h:[0-9a-f]{64}$/);
    expect(storedReplyMessageId('3EB0AB')).toBe('3EB0AB');
  });

  it('opens the attribution window the given hours before the reply', () => {
    expect(attributionWindowStart('2026-03-04T10:00:00.000Z', 72)).toBe('2026-03-01T10:00:00.000Z');
  });

  it('gives a number one stable LID per session, different across sessions and numbers', () => {
    const lid = sandboxLidOf('uid-1', '+6281234567890');
    expect(lid).toMatch(/^1[0-9]{14}@lid$/);
    expect(sandboxLidOf('uid-1', '+6281234567890')).toBe(lid);
    expect(sandboxLidOf('uid-2', '+6281234567890')).not.toBe(lid);
    expect(sandboxLidOf('uid-1', '+6281234567891')).not.toBe(lid);
  });
});
