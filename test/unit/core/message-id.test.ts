import { describe, expect, it } from 'vitest';
import { isProductMessageId, messageIdFor } from '../../../src/core/message-id.js';

describe('message ids', () => {
  it('are the same for the same (blast, recipient), and recognisable as ours', () => {
    expect(messageIdFor('b1', 3)).toBe(messageIdFor('b1', 3));
    expect(messageIdFor('b1', 3)).not.toBe(messageIdFor('b1', 4));
    expect(isProductMessageId(messageIdFor('b1', 3))).toBe(true);
  });

  it.each([
    ['an Android phone id', 'A5C2E81F0D3B4C6A9E7F1B2D3C4A5E6F'],
    ['an iPhone id', '3A9F2C1B7D6E5A4B3C2D'],
    ['a lower-case copy of ours', messageIdFor('b1', 3).toLowerCase()],
    ['ours with more after it', `${messageIdFor('b1', 3)}0`],
    ['empty', ''],
  ])('do not match %s', (_label, id) => {
    expect(isProductMessageId(id)).toBe(false);
  });
});
