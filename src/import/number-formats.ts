/**
 * Which number formats show a date. Built-in formats are known by id and never written to
 * styles.xml; 14–22 and 45–47 are the international ones, 27–36 and 50–58 the East Asian
 * locales' date formats (Excel maps them to dates there, as SheetJS does).
 */
const BUILT_IN_DATE_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

export function isDateFormat(numFmtId: number, customCodes: ReadonlyMap<number, string>): boolean {
  const code = customCodes.get(numFmtId);
  return code === undefined ? BUILT_IN_DATE_IDS.has(numFmtId) : isDateFormatCode(code);
}

/** Elapsed-time brackets such as [h] or [mm] are time tokens, not colours or locales. */
const ELAPSED = /\[(h+|m+|s+)\]/i;
/** Quoted literals, bracketed colour/condition/locale tags, and \x, _x, *x escapes. */
const NOT_TOKENS = /"[^"]*"|\[[^\]]*\]|\\.|_.|\*./g;

/**
 * A custom format code shows a date when d, m, y, h, s (or the East Asian era tokens g, e)
 * appears as a token rather than as literal text.
 */
export function isDateFormatCode(code: string): boolean {
  if (ELAPSED.test(code)) return true;
  const tokens = code
    .replace(NOT_TOKENS, '')
    .replace(/General/gi, '')
    // The exponent of scientific notation (0.00E+00) is not the era year "e".
    .replace(/E[+-]/gi, '');
  return /[dmyhsge]/i.test(tokens);
}
