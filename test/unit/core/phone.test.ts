import { describe, expect, it } from 'vitest';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { isValidCountry, normalizePhone } from '../../../src/core/phone.js';

/**
 * libphonenumber's own example mobile number per country (checked against the library below, so
 * none is guessed), with the ways people write it into a sheet.
 */
const MOBILES: { country: CountryCode; e164: string; national: string; international: string; withCode: string }[] = [
  { country: 'ID', e164: '+62812345678', national: '0812-345-678', international: '+62 812 345 678', withCode: '62812345678' },
  { country: 'MY', e164: '+60123456789', national: '012-345 6789', international: '+60 12 345 6789', withCode: '60123456789' },
  { country: 'SG', e164: '+6581234567', national: '8123 4567', international: '+65 8123 4567', withCode: '6581234567' },
  { country: 'US', e164: '+12015550123', national: '(201) 555-0123', international: '+1 201 555 0123', withCode: '12015550123' },
  { country: 'GB', e164: '+447400123456', national: '07400 123456', international: '+44 7400 123456', withCode: '447400123456' },
  { country: 'IN', e164: '+918123456789', national: '081234 56789', international: '+91 81234 56789', withCode: '918123456789' },
  { country: 'DE', e164: '+4915123456789', national: '01512 3456789', international: '+49 1512 3456789', withCode: '4915123456789' },
  { country: 'BR', e164: '+5511961234567', national: '(11) 96123-4567', international: '+55 11 96123 4567', withCode: '5511961234567' },
];

const ok = (e164: string) => ({ ok: true, e164 });
const invalid = { ok: false, reason: 'INVALID_PHONE' };
const missing = { ok: false, reason: 'MISSING_PHONE' };

describe('the sample numbers', () => {
  it.each(MOBILES)('$country: $e164 is the library example mobile number, formatted as the library formats it', (sample) => {
    const example = getExampleNumber(sample.country, examples);
    expect(example?.number).toBe(sample.e164);
    expect(example?.formatNational()).toBe(sample.national);
    expect(example?.formatInternational()).toBe(sample.international);
    expect(example?.isValid()).toBe(true);
  });
});

describe('normalizePhone with real mobile numbers', () => {
  it.each(MOBILES)('$country: every usual way of writing $e164 gives it', (sample) => {
    const { country, e164 } = sample;
    const written = [
      e164,
      sample.national,
      sample.international,
      sample.withCode,
      `00${sample.withCode}`,
      `'${sample.national}`,
      `${sample.withCode}.0`,
      ` ${sample.international.replaceAll(' ', '.')} `,
      sample.international.replaceAll(' ', '-'),
    ];
    for (const raw of written) expect({ raw, result: normalizePhone(raw, country) }).toEqual({ raw, result: ok(e164) });
  });

  it.each(MOBILES)('$country: the number in international form is accepted in a list of any other country', (sample) => {
    const elsewhere = sample.country === 'ID' ? 'US' : 'ID';
    expect(normalizePhone(sample.international, elsewhere)).toEqual(ok(sample.e164));
    expect(normalizePhone(`00 ${sample.international.slice(1)}`, elsewhere)).toEqual(ok(sample.e164));
  });
});

describe('normalizePhone with Indonesian lists', () => {
  it('turns the national trunk prefix into +62', () => {
    expect(normalizePhone('081234567890', 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('0812-3456-7890', 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('(0812) 3456.7890', 'ID')).toEqual(ok('+6281234567890'));
  });

  it('reads a number written with 62 but no + as the Indonesian mobile it is', () => {
    expect(normalizePhone('6281234567890', 'ID')).toEqual(ok('+6281234567890'));
    // Also a valid landline nationally (area code 628); the mobile reading is the one meant.
    expect(normalizePhone('62812345678', 'ID')).toEqual(ok('+62812345678'));
  });

  it('accepts a number without its trunk prefix', () => {
    expect(normalizePhone('81234567890', 'ID')).toEqual(ok('+6281234567890'));
  });

  it('accepts what spreadsheets and exports leave around a number', () => {
    expect(normalizePhone("'081234567890", 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('81234567890.0', 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('="081234567890"', 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('+62 (0) 812-3456-7890', 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('\u00a00812\u00a03456\u00a07890\u200e', 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('٠٨١٢٣٤٥٦٧٨٩٠', 'ID')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('＋６２８１２３４５６７８９０', 'ID')).toEqual(ok('+6281234567890'));
  });

  it('keeps a valid landline', () => {
    expect(normalizePhone('021-1234567', 'ID')).toEqual(ok('+62211234567'));
  });

  it('reads a foreign number with its country code but no + as that foreign number', () => {
    expect(normalizePhone('447400123456', 'ID')).toEqual(ok('+447400123456'));
  });
});

describe('normalizePhone refusals', () => {
  it.each(['', '   ', '\t', "'", '-', ' ( ) ', '\u00a0'])('%j is a missing number', (raw) => {
    expect(normalizePhone(raw, 'ID')).toEqual(missing);
  });

  it.each([
    'abc',
    'N/A',
    '12345',
    '0812',
    '+0812345678',
    '0812-3456-7890 ext 12',
    '62+81234567890',
    '0812 3456 7890 / 0813 1111 2222',
    '081234567890123456789012345678901234567890123',
    '+49 1000 1234567',
    '+1 201 055 0123',
  ])('%j is an invalid number', (raw) => {
    expect(normalizePhone(raw, 'ID')).toEqual(invalid);
  });
});

describe('the default country', () => {
  it('is case-insensitive', () => {
    expect(normalizePhone('0812-3456-7890', 'id')).toEqual(ok('+6281234567890'));
  });

  it('when unknown, still accepts international numbers but cannot place national ones', () => {
    expect(normalizePhone('+6281234567890', 'XX')).toEqual(ok('+6281234567890'));
    expect(normalizePhone('+44 7400 123456', '')).toEqual(ok('+447400123456'));
    expect(normalizePhone('081234567890', 'XX')).toEqual(invalid);
  });

  it('isValidCountry knows ISO codes in any case and nothing else', () => {
    expect(['ID', 'id', ' gb ', 'BR'].map(isValidCountry)).toEqual([true, true, true, true]);
    expect(['XX', '', 'IDN', 'Indonesia', '62'].map(isValidCountry)).toEqual([false, false, false, false, false]);
  });
});
