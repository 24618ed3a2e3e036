/**
 * Phone numbers as people type them into spreadsheets → E.164.
 *
 * Accepted decoration: spaces (any, including non-breaking), dashes, dots, slashes, brackets,
 * invisible direction marks, a leading `'` (Excel's "this is text" marker), a CSV `="…"` wrapper,
 * a trailing `.0` left by a numeric cell, Arabic-Indic and full-width digits. Anything else that
 * is not a digit (letters, `ext`, a second `+`) makes the number invalid rather than guessed at.
 * A cell with no digits at all (blank, `-`, `'`) is a missing number, not an invalid one.
 *
 * Validity uses the `max` metadata, so a number of the right length but an unallocated range is
 * refused before a message is wasted on it.
 */
import { createRequire } from 'node:module';
import type * as Libphonenumber from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { fastMobileE164 } from './phone-fast-path.js';

const require = createRequire(import.meta.url);
let library: typeof Libphonenumber | undefined;

/**
 * libphonenumber-js, loaded on first need (~35 ms): an import whose numbers the fast path decides
 * (a sheet of its own country's mobiles) never pays for it. Required, so that it loads
 * synchronously and shares the metadata object the fast path already holds.
 */
function phoneLibrary(): typeof Libphonenumber {
  library ??= require('libphonenumber-js/max') as typeof Libphonenumber;
  return library;
}

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: 'MISSING_PHONE' | 'INVALID_PHONE' };

/** Whether `code` is an ISO 3166 country libphonenumber knows (`ID`, `gb`…), any case. */
export function isValidCountry(code: string): boolean {
  return phoneLibrary().isSupportedCountry(code.trim().toUpperCase());
}

const SEPARATORS = /[\s\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff\-\u2010-\u2015\u2212.()[\]/]/g;
const ARABIC_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;
const LONGEST_INPUT = 40;
const PLAIN = /^\+?\d+$/;

export function normalizePhone(raw: string, defaultCountry: string): PhoneResult {
  const digits = cleanUp(raw);
  if (digits === '') return { ok: false, reason: 'MISSING_PHONE' };
  if (!/^\+?\d+$/.test(digits) || digits.length > LONGEST_INPUT) return { ok: false, reason: 'INVALID_PHONE' };

  const country = defaultCountry.trim().toUpperCase();
  const fast = fastMobileE164(digits, country);
  if (fast !== undefined) return { ok: true, e164: fast };
  return fullParse(digits, country);
}

/** Every reading libphonenumber allows, most likely first, preferring a mobile. */
export function fullParse(digits: string, country: string): PhoneResult {
  const { isSupportedCountry, parsePhoneNumberFromString } = phoneLibrary();
  const options: { defaultCountry?: CountryCode } = isSupportedCountry(country) ? { defaultCountry: country } : {};
  let fallback: PhoneNumber | undefined;
  for (const candidate of candidates(digits)) {
    const parsed = parsePhoneNumberFromString(candidate, options);
    if (!parsed?.isValid()) continue;
    // `62812345678` in an Indonesian list reads both as a landline (area code 628) and as the
    // mobile +62 812…; a WhatsApp list means the mobile, as long as it stays in the same country.
    if (isMobile(parsed) && (fallback === undefined || parsed.country === fallback.country)) return { ok: true, e164: parsed.number };
    fallback ??= parsed;
  }
  return fallback ? { ok: true, e164: fallback.number } : { ok: false, reason: 'INVALID_PHONE' };
}

function isMobile(phone: PhoneNumber): boolean {
  const type = phone.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}

/**
 * The readings worth trying, most likely first. A national reading comes first because that is
 * how most sheets are written; `4915123456789` in a German list is then retried as
 * `+4915123456789` when it is not a valid national number. `00` is the international prefix in
 * most of the world, so it is read that way before the default country's own rules are tried.
 */
function candidates(digits: string): string[] {
  if (digits.startsWith('+')) return [digits];
  if (digits.startsWith('00')) return [`+${digits.slice(2)}`, digits];
  return [digits, `+${digits}`];
}

function cleanUp(raw: string): string {
  // Already clean, as a numeric cell always is: nothing below would change it.
  if (PLAIN.test(raw)) return raw;
  let text = raw.trim().replace(/^'+/, '').trim();
  const formula = /^="(.*)"$/.exec(text);
  if (formula) text = formula[1] ?? '';
  text = text
    .normalize('NFKC')
    .replace(ARABIC_DIGITS, (digit) => String(digit.charCodeAt(0) & 0xf))
    .trim();
  // A number read from a numeric cell by a tool that printed it as a float.
  if (/^\+?\d+\.0+$/.test(text)) text = text.slice(0, text.indexOf('.'));
  return text.replace(SEPARATORS, '');
}
