/**
 * Names people read (business units, session and list names, key names) must look like what they
 * are: "A\u200b" shows as "A" but is another business unit, and a bidi override can make a name
 * read backwards. Names are normalised (NFC, trimmed) where they enter, then checked with these
 * patterns, which the API's schemas carry (JSON bodies, query strings and multipart fields alike).
 */

/** Never in any name: controls, line breaks, bidi controls, zero-width and blank "letters". */
const INVISIBLE_ANYWHERE = [
  '\\p{Cc}', '\\p{Zl}', '\\p{Zp}', '\\p{Cs}', '\\p{Co}',
  '\\u00AD', '\\u034F', '\\u061C', '\\u115F', '\\u1160', '\\u17B4', '\\u17B5', '\\u180E', '\\u200B',
  '\\u200E', '\\u200F', '\\u202A-\\u202E', '\\u2060-\\u2064', '\\u2066-\\u206F', '\\u2800', '\\u3164',
  '\\uFEFF', '\\uFFA0', '\\uFFF9-\\uFFFB',
].join('');

/**
 * A business unit is an identifier that scopes access: stricter still. No format character at all
 * (the joiners emoji and some scripts use included), no variation selector, no space but U+0020.
 */
const INVISIBLE_IN_UNIT = [
  INVISIBLE_ANYWHERE,
  '\\p{Cf}', '\\u00A0', '\\u1680', '\\u2000-\\u200A', '\\u202F', '\\u205F', '\\u3000',
  '\\u180B-\\u180F', '\\uFE00-\\uFE0F', '\\u{E0100}-\\u{E01EF}',
].join('');

// The empty string matches: minLength says what is wrong with it, once.
const visibleText = (invisible: string): string => `^(?:[^\\s${invisible}](?:[^${invisible}]*[^\\s${invisible}])?)?$`;

/** For JSON-schema `pattern` (compiled with the `u` flag by Ajv and TypeBox). */
export const UNIT_NAME_PATTERN = visibleText(INVISIBLE_IN_UNIT);
export const DISPLAY_NAME_PATTERN = visibleText(INVISIBLE_ANYWHERE);

/** What a refused name is told, instead of the pattern itself. */
export const INVISIBLE_NAME_MESSAGE =
  'must be visible text: no control, zero-width, bidi or other invisible characters (a business unit: no format characters or special spaces either)';

/** The fields, wherever they come (body, query, multipart), that hold a name and are normalised. */
export const NAME_FIELDS: ReadonlySet<string> = new Set(['businessUnit', 'friendlyName', 'name']);

/** NFC (one encoding of "é", not two that look alike) and no blank at either end. */
export function normalizeName(value: string): string {
  return value.normalize('NFC').trim();
}

/** The object's name fields, normalised in place (a parsed body or query string, before validation). */
export function normalizeNameFields(input: unknown): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return;
  const record = input as Record<string, unknown>;
  for (const field of NAME_FIELDS) {
    const value = record[field];
    if (typeof value === 'string') record[field] = normalizeName(value);
  }
}
