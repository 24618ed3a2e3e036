/** Turning the raw text of a cell into what the user saw, without a trip through a float. */

const PLAIN_INTEGER = /^(?:[1-9]\d{0,14}|0)$/;
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Excel keeps 15 significant digits; the 16th and 17th in the XML are binary noise (0.1+0.2). */
const SIGNIFICANT_DIGITS = 15;
/** Doubles stop at 1.8e308; a larger exponent is a crafted file asking for a huge string. */
const MAX_EXPONENT = 400;

/**
 * A numeric cell as plain decimal text: `6.2812345678900E+12` → `6281234567890`,
 * `628123456789.0` → `628123456789`, `0.30000000000000004` → `0.3`. Integers keep every digit the
 * file holds (no rounding to a double); fractions are rounded to Excel's 15 significant digits.
 * Text that is not a number is returned trimmed, unchanged.
 */
export function numberText(raw: string): string {
  // The common case, a whole number as Excel writes it (a phone number): already what the user saw.
  if (PLAIN_INTEGER.test(raw)) return raw;
  const text = raw.trim();
  const match = NUMBER.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return text;
  const shift = Number(exponent);
  if (Math.abs(shift) > MAX_EXPONENT) return text;

  // The value is 0.<digits> × 10^point.
  let digits = whole + fraction;
  let point = whole.length + shift;
  const firstNonZero = digits.search(/[1-9]/);
  if (firstNonZero === -1) return '0';
  digits = digits.slice(firstNonZero).replace(/0+$/, '');
  point -= firstNonZero;

  if (point < digits.length && digits.length > SIGNIFICANT_DIGITS) {
    ({ digits, point } = roundDigits(digits, point, SIGNIFICANT_DIGITS));
  }
  return (sign === '-' ? '-' : '') + placePoint(digits, point);
}

function roundDigits(digits: string, point: number, keep: number): { digits: string; point: number } {
  let kept = digits.slice(0, keep);
  if ((digits[keep] ?? '0') >= '5') {
    const bumped = (BigInt(kept) + 1n).toString();
    if (bumped.length > kept.length) point += 1;
    kept = bumped;
  }
  return { digits: kept.replace(/0+$/, ''), point };
}

function placePoint(digits: string, point: number): string {
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

const DAY_MS = 86_400_000;
const EPOCH_1900 = Date.UTC(1899, 11, 30);
const EPOCH_1904 = Date.UTC(1904, 0, 1);
/** 9999-12-31, the last date Excel shows. */
const MAX_SERIAL = 2_958_465;

/**
 * An Excel date serial as ISO text: `YYYY-MM-DD`, `YYYY-MM-DDTHH:mm:ss` when it has a time of
 * day, and `HH:mm:ss` for a bare time (serial below 1). Rounded to the second, as Excel shows it.
 * Undefined when the number cannot be a date (negative, past 9999).
 */
export function serialToIso(serial: number, date1904: boolean): string | undefined {
  if (!Number.isFinite(serial) || serial < 0 || serial >= MAX_SERIAL + 1) return undefined;
  const seconds = Math.round(serial * 86_400);
  const days = Math.floor(seconds / 86_400);
  const time = timeOfDay(seconds - days * 86_400);
  if (days === 0) return time;
  const date = calendarDate(days, date1904);
  return time === '00:00:00' ? date : `${date}T${time}`;
}

function calendarDate(days: number, date1904: boolean): string {
  if (date1904) return isoDate(EPOCH_1904 + days * DAY_MS);
  // Lotus 1-2-3 counted 1900 as a leap year and Excel kept the bug: serial 60 is 29 Feb 1900,
  // a day that never was, and every serial before it is one day off the usual epoch.
  if (days === 60) return '1900-02-29';
  return isoDate(EPOCH_1900 + (days < 60 ? days + 1 : days) * DAY_MS);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function timeOfDay(seconds: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/** Excel shows booleans as TRUE / FALSE, so that is what a template gets. */
export function booleanText(raw: string): string {
  const value = raw.trim();
  if (value === '1' || value.toLowerCase() === 'true') return 'TRUE';
  if (value === '0' || value.toLowerCase() === 'false') return 'FALSE';
  return value;
}

const ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

/**
 * OOXML writes characters XML cannot hold (control characters, a lone CR) as `_xHHHH_`, and a
 * literal `_x` sequence as `_x005F_x…`. Undone here so the user's text comes back as typed.
 */
export function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
