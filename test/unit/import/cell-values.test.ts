import { describe, expect, it } from 'vitest';
import { booleanText, decodeEscapes, numberText, serialToIso } from '../../../src/import/cell-values.js';
import { sniffDelimiter } from '../../../src/import/csv-sniff.js';
import { elapsedFormat, elapsedText, isDateFormat, isDateFormatCode } from '../../../src/import/number-formats.js';
import { columnName } from '../../../src/import/row-gate.js';
import { columnIndex } from '../../../src/import/sheet-rows.js';
import { resolveTarget } from '../../../src/import/workbook-layout.js';

describe('numberText', () => {
  it.each([
    ['628123456789', '628123456789'],
    ['6.2812345678900E+12', '6281234567890'],
    ['6.28123456789E+11', '628123456789'],
    ['6.2812345678901E+14', '628123456789010'],
    ['628123456789012', '628123456789012'],
    ['628123456789.0', '628123456789'],
    ['6281234567890.0000', '6281234567890'],
    ['1E+2', '100'],
    ['1e21', '1000000000000000000000'],
    // Beyond 2^53: every digit kept, none made up by a double.
    ['12345678901234567890', '12345678901234567890'],
    ['9.007199254740993E+15', '9007199254740993'],
    ['0.30000000000000004', '0.3'],
    ['628123456789.00006', '628123456789'],
    ['1.5', '1.5'],
    ['-42', '-42'],
    ['-0', '0'],
    ['0', '0'],
    ['0.000', '0'],
    ['.5', '0.5'],
    ['1.25E-3', '0.00125'],
    ['0.99999999999999999', '1'],
    ['  12  ', '12'],
  ])('%s → %s', (raw, expected) => {
    expect(numberText(raw)).toBe(expected);
  });

  it('never prints scientific notation or a trailing .0 for integers', () => {
    for (let digits = 1; digits <= 20; digits += 1) {
      const integer = '9'.repeat(digits);
      const scientific = `${integer[0] ?? ''}.${integer.slice(1)}E+${digits - 1}`;
      expect(numberText(scientific)).toBe(integer);
    }
  });

  it('leaves text that is not a number, and absurd exponents, as written', () => {
    expect(numberText('abc')).toBe('abc');
    expect(numberText('1E+999999999')).toBe('1E+999999999');
    expect(numberText('.')).toBe('.');
  });
});

describe('serialToIso', () => {
  it.each([
    [1, '1900-01-01'],
    [59, '1900-02-28'],
    [60, '1900-02-29'], // the day Lotus invented and Excel kept
    [61, '1900-03-01'],
    [44927, '2023-01-01'],
    [45000.5, '2023-03-15T12:00:00'],
    [45000.999999, '2023-03-16'],
    [0.75, '18:00:00'],
    [2958465, '9999-12-31'],
  ])('1900 system: %s → %s', (serial, expected) => {
    expect(serialToIso(serial, false)).toBe(expected);
  });

  it('1904 system counts from 1 January 1904 and has no phantom leap day', () => {
    expect(serialToIso(1, true)).toBe('1904-01-02');
    expect(serialToIso(43465, true)).toBe('2023-01-01');
  });

  it('refuses numbers that cannot be dates', () => {
    expect(serialToIso(-1, false)).toBeUndefined();
    expect(serialToIso(3e6, false)).toBeUndefined();
    expect(serialToIso(Number.NaN, false)).toBeUndefined();
  });
});

describe('date formats', () => {
  it('knows the built-in date ids and that the others are numbers', () => {
    const none = new Map<number, string>();
    expect([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47].every((id) => isDateFormat(id, none))).toBe(true);
    expect([0, 1, 2, 3, 4, 9, 10, 11, 12, 37, 40, 48, 49].some((id) => isDateFormat(id, none))).toBe(false);
  });

  it('a custom code overrides the built-in meaning of its id', () => {
    expect(isDateFormat(164, new Map([[164, 'yyyy-mm-dd']]))).toBe(true);
    expect(isDateFormat(14, new Map([[14, '0.00']]))).toBe(false);
  });

  it.each([
    ['dd/mm/yyyy', true],
    ['[$-409]mmmm d, yyyy;@', true],
    ['YYYY\\-MM\\-DD', true],
    ['h:mm AM/PM', true],
    ['[h]:mm:ss', true],
    ['[Red][<=9999999]###-####;(###) ###-####', false],
    ['"Days: "0', false],
    ['0.00E+00', false],
    ['#,##0.00 [$€-407]', false],
    ['General', false],
    ['@', false],
    ['0" ms"', false],
    ['_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)', false],
  ])('%s → %s', (code, expected) => {
    expect(isDateFormatCode(code)).toBe(expected);
  });
});

describe('small helpers', () => {
  it('decodes OOXML character escapes, and a literal _x sequence escaped with _x005F_', () => {
    expect(decodeEscapes('a_x000D_b_x0009_c')).toBe('a\rb\tc');
    expect(decodeEscapes('_x005F_x000D_')).toBe('_x000D_');
    expect(decodeEscapes('plain_text')).toBe('plain_text');
  });

  it('shows booleans as Excel does', () => {
    expect([booleanText('1'), booleanText('0'), booleanText('true'), booleanText('x')]).toEqual(['TRUE', 'FALSE', 'TRUE', 'x']);
  });

  it('maps cell references to columns and back', () => {
    expect(['A1', 'B7', 'Z9', 'AA3', 'XFD1048576', 'a2'].map(columnIndex)).toEqual([0, 1, 25, 26, 16383, 0]);
    expect(['7', '', 'ABCD1'].map(columnIndex)).toEqual([-1, -1, -1]);
    expect([0, 25, 26, 16383].map(columnName)).toEqual(['A', 'Z', 'AA', 'XFD']);
  });

  it('resolves relationship targets relative to the part, or from the root', () => {
    expect(resolveTarget('xl', 'worksheets/sheet3.xml')).toBe('xl/worksheets/sheet3.xml');
    expect(resolveTarget('xl', '/xl/worksheets/sheet1.xml')).toBe('xl/worksheets/sheet1.xml');
    expect(resolveTarget('xl/worksheets', '../sharedStrings.xml')).toBe('xl/sharedStrings.xml');
    expect(resolveTarget('xl', 'worksheets/my%20sheet.xml')).toBe('xl/worksheets/my sheet.xml');
    expect(resolveTarget('', 'xl/workbook.xml')).toBe('xl/workbook.xml');
  });
});

describe('sniffDelimiter', () => {
  it.each([
    ['name,phone\nAna,0812\nBudi,0813\n', ','],
    ['name;phone;amount\nAna;0812;1,50\nBudi;0813;2,75\n', ';'],
    ['name\tphone\nAna\t0812\n', '\t'],
    ['name|phone\nAna|0812\n', '|'],
    ['"Doe, Jane";phone\n"Roe, Rick";0813\n', ';'],
    ['phone\n0812\n0813\n', ','],
    ['phone', ','],
  ])('%j → %j', (sample, expected) => {
    expect(sniffDelimiter(sample)).toBe(expected);
  });
});

describe('elapsedText: durations as Excel shows them (issue 19)', () => {
  const format = (code: string) => {
    const parsed = elapsedFormat(164, new Map([[164, code]]));
    if (!parsed) throw new Error(`not a duration: ${code}`);
    return parsed;
  };

  it('rounds to the smallest unit shown, carrying into the larger ones', () => {
    // 59.9996 seconds short of 2 hours.
    expect(elapsedText(2 / 24 - 0.0004 / 86_400, format('[h]:mm:ss'))).toBe('2:00:00');
    expect(elapsedText(1.5 / 1440, format('[h]:mm'))).toBe('0:02');
    expect(elapsedText(1.25 / 86_400, format('[ss].00'))).toBe('01.25');
  });

  it('a negative duration has a minus sign; quoted text and escapes are kept; other sections ignored', () => {
    expect(elapsedText(-1.5, format('[h]:mm:ss'))).toBe('-36:00:00');
    expect(elapsedText(1.5, format('[h]" h "mm\\m;@'))).toBe('36 h 00m');
  });

  it('is built-in 46 without a code, and none for plain times and dates; a date part beside a duration falls back to [h]:mm:ss', () => {
    expect(elapsedFormat(46, new Map())).toBeDefined();
    expect(elapsedFormat(21, new Map())).toBeUndefined();
    expect(elapsedFormat(164, new Map([[164, 'hh:mm:ss']]))).toBeUndefined();
    expect(elapsedText(1.5, format('d [h]:mm'))).toBe('36:00:00');
    expect(elapsedText(Number.NaN, format('[h]:mm:ss'))).toBeUndefined();
  });
});
