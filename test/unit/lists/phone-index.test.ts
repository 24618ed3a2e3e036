import { describe, expect, it } from 'vitest';
import { PhoneIndex } from '../../../src/lists/phone-index.js';

describe('PhoneIndex, the first row of each number an import keeps', () => {
  it('answers the first row of a number seen before, across growth, and records new ones', () => {
    const index = new PhoneIndex();
    for (let row = 2; row < 50_002; row += 1) expect(index.firstRowOrAdd(`+62812${String(row).padStart(8, '0')}`, row)).toBeUndefined();
    for (let row = 2; row < 50_002; row += 997) expect(index.firstRowOrAdd(`+62812${String(row).padStart(8, '0')}`, 999_999)).toBe(row);
    expect(index.firstRowOrAdd('+999999999999999', 99_999_999_999)).toBeUndefined();
    expect(index.firstRowOrAdd('+999999999999999', 3)).toBe(99_999_999_999);
  });

  it('keeps what is not a plain E.164 number apart, by its text', () => {
    const index = new PhoneIndex();
    expect(index.firstRowOrAdd('+12345678901234567890', 2)).toBeUndefined();
    expect(index.firstRowOrAdd('+12345678901234567890', 5)).toBe(2);
    expect(index.firstRowOrAdd('+12345678901234567891', 6)).toBeUndefined();
    expect(index.firstRowOrAdd('0', 7)).toBeUndefined();
    expect(index.firstRowOrAdd('0', 8)).toBe(7);
  });
});
