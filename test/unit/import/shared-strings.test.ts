import { describe, expect, it } from 'vitest';
import { SharedStrings } from '../../../src/import/shared-strings.js';
import { ARABIC, EMOJI } from '../../fixtures/spreadsheets.js';

describe('SharedStrings: a workbook\'s strings packed outside the heap', () => {
  it('gives back every string as it was added, whatever its script, across many blocks', () => {
    const table = new SharedStrings();
    const expected: string[] = [];
    // ~2.5 MB of UTF-8: several 1 MiB blocks, strings landing at every offset.
    for (let i = 0; i < 60_000; i += 1) {
      const text = i % 3 === 0 ? `${ARABIC} ${String(i)}` : i % 3 === 1 ? `${EMOJI}${'x'.repeat(i % 97)}` : `Customer number ${String(i)}`;
      table.add(text);
      expected.push(text);
    }
    table.add('');
    expected.push('');
    expect(table.size).toBe(60_001);
    // In order, and again in an order that makes every cache slot change hands.
    for (let i = 0; i < expected.length; i += 1) expect(table.get(i)).toBe(expected[i]);
    for (let i = expected.length - 1; i >= 0; i -= 4_096 - 1) expect(table.get(i)).toBe(expected[i]);
    expect(table.get(5)).toBe(expected[5]);
    expect(table.get(5 + 4_096)).toBe(expected[5 + 4_096]);
    expect(table.get(5)).toBe(expected[5]);
  });

  it('keeps a string longer than a block', () => {
    const table = new SharedStrings();
    table.add('before');
    const long = 'é'.repeat(700_000); // 1.4 MB of UTF-8
    table.add(long);
    table.add('after');
    expect([table.get(0), table.get(1), table.get(2)]).toEqual(['before', long, 'after']);
  });

  it('answers undefined for an index a damaged sheet may hold: past the end, negative, fractional, NaN', () => {
    const table = new SharedStrings();
    table.add('only');
    expect([table.get(1), table.get(-1), table.get(0.5), table.get(Number.NaN), table.get(Number('x'))]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(new SharedStrings().get(0)).toBeUndefined();
  });
});
