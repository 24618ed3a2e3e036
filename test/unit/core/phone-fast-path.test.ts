import { getCountryCallingCode, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { describe, expect, it } from 'vitest';
import { fastMobileE164 } from '../../../src/core/phone-fast-path.js';
import { fullParse, normalizePhone } from '../../../src/core/phone.js';

const COUNTRIES: CountryCode[] = ['ID', 'MY', 'SG', 'PH', 'TH', 'VN', 'IN', 'SA', 'AE', 'GB', 'DE', 'RU', 'US', 'MX', 'BR', 'AR', 'NG', 'EG', 'TR', 'FR'];

/** A small deterministic generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

/** Numbers as people write them: the example mobile with digits changed, in every written form. */
function samples(country: CountryCode, count: number, next: () => number): string[] {
  const example = getExampleNumber(country, examples);
  if (!example) return [];
  const nsn: string = example.nationalNumber;
  const cc: string = getCountryCallingCode(country);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let digits = nsn.split('').map((digit, index) => (index < 2 && next() < 0.7 ? digit : String(Math.floor(next() * 10)))).join('');
    const lengthen = next();
    if (lengthen < 0.15) digits += String(Math.floor(next() * 10));
    else if (lengthen < 0.3) digits = digits.slice(0, -1);
    const form = Math.floor(next() * 5);
    out.push([`0${digits}`, digits, `+${cc}${digits}`, `${cc}${digits}`, `00${cc}${digits}`][form] ?? digits);
  }
  return out;
}

describe('the fast path for mobile numbers', () => {
  it('answers exactly as the full parse does, whenever it answers', () => {
    const next = random(20261124);
    let answered = 0;
    for (const list of COUNTRIES) {
      // The list's country, and numbers of other countries in the same list.
      for (const written of COUNTRIES) {
        for (const digits of samples(written, list === written ? 400 : 40, next)) {
          const fast = fastMobileE164(digits, list);
          if (fast === undefined) continue;
          answered++;
          expect({ digits, list, result: fullParse(digits, list) }).toEqual({ digits, list, result: { ok: true, e164: fast } });
        }
      }
    }
    // It must actually carry the common case, or it would be no faster.
    expect(answered).toBeGreaterThan(2_000);
  });

  it('takes the usual Indonesian forms, and leaves other countries and landlines to the full parse', () => {
    expect(fastMobileE164('081234567890', 'ID')).toBe('+6281234567890');
    expect(fastMobileE164('6281234567890', 'ID')).toBe('+6281234567890');
    expect(fastMobileE164('+6281234567890', 'ID')).toBe('+6281234567890');
    expect(fastMobileE164('+60123456789', 'ID')).toBeUndefined();
    expect(fastMobileE164('0215551234', 'ID')).toBeUndefined();
    expect(normalizePhone('(021) 555-1234', 'ID')).toEqual(fullParse('0215551234', 'ID'));
  });
});
