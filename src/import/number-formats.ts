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

/** How a cell format shows a number: as a date, as a duration, or (undefined) as a number. */
export type DateStyle = 'date' | ElapsedFormat | undefined;

export function dateStyle(numFmtId: number, customCodes: ReadonlyMap<number, string>): DateStyle {
  if (!isDateFormat(numFmtId, customCodes)) return undefined;
  return elapsedFormat(numFmtId, customCodes) ?? 'date';
}

/** Built-in 46 is `[h]:mm:ss`; the other built-in time formats show a time of day. */
const BUILT_IN_ELAPSED: ReadonlyMap<number, string> = new Map([[46, '[h]:mm:ss']]);

/**
 * One piece of a duration format: a count of whole hours, minutes or seconds (`[h]`, `[mm]`,
 * `[s]`: the first, bracketed unit counts from zero without wrapping), a unit within the next
 * larger one (`mm` after `[h]`), fractional seconds, or literal text.
 */
type ElapsedPart =
  | { kind: 'total' | 'within'; unit: 'h' | 'm' | 's'; width: number }
  | { kind: 'fraction'; digits: number }
  | { kind: 'text'; text: string };

/** How a duration format shows a number of days: its parts, and the smallest unit it rounds to. */
export interface ElapsedFormat {
  parts: readonly ElapsedPart[];
  /** Seconds in the smallest unit shown (1/10^n for fractional seconds). */
  tick: number;
}

/**
 * The duration format of a cell format, or undefined when it is none: `[h]:mm:ss` shows 1.5 as
 * `36:00:00`, not as a date. A code whose tokens this does not know (a date part beside the
 * duration, AM/PM) is shown as `[h]:mm:ss`, the form Excel gives a duration by default.
 */
export function elapsedFormat(numFmtId: number, customCodes: ReadonlyMap<number, string>): ElapsedFormat | undefined {
  const code = customCodes.get(numFmtId) ?? BUILT_IN_ELAPSED.get(numFmtId);
  if (code === undefined || !ELAPSED.test(code)) return undefined;
  return parseElapsed(code.split(';')[0] ?? '') ?? parseElapsed('[h]:mm:ss');
}

const SECONDS: Readonly<Record<'h' | 'm' | 's', number>> = { h: 3600, m: 60, s: 1 };

function parseElapsed(code: string): ElapsedFormat | undefined {
  const parts: ElapsedPart[] = [];
  let tick = 3600;
  let previous: 'h' | 'm' | 's' | undefined;
  for (let i = 0; i < code.length; ) {
    const rest = code.slice(i);
    const bracket = /^\[(h+|m+|s+)\]/i.exec(rest);
    const unit = /^(h+|m+|s+)/i.exec(rest);
    if (bracket?.[1] !== undefined) {
      const name = bracket[1].toLowerCase();
      const u = name[0] as 'h' | 'm' | 's';
      parts.push({ kind: 'total', unit: u, width: name.length });
      tick = Math.min(tick, SECONDS[u]);
      previous = u;
      i += bracket[0].length;
    } else if (unit?.[1] !== undefined) {
      const u = unit[1][0]?.toLowerCase() as 'h' | 'm' | 's';
      parts.push({ kind: 'within', unit: u, width: unit[1].length });
      tick = Math.min(tick, SECONDS[u]);
      previous = u;
      i += unit[1].length;
    } else if (previous === 's' && /^\.0+/.test(rest)) {
      const digits = (/^\.(0+)/.exec(rest)?.[1] ?? '').length;
      parts.push({ kind: 'fraction', digits });
      tick = 10 ** -digits;
      i += digits + 1;
    } else if (rest.startsWith('"')) {
      const end = code.indexOf('"', i + 1);
      parts.push({ kind: 'text', text: code.slice(i + 1, end === -1 ? code.length : end) });
      i = end === -1 ? code.length : end + 1;
    } else if (rest.startsWith('\\') && rest.length > 1) {
      parts.push({ kind: 'text', text: rest.charAt(1) });
      i += 2;
    } else if (rest.startsWith('[')) {
      // A colour, condition or locale tag: not shown.
      const end = code.indexOf(']', i);
      i = end === -1 ? code.length : end + 1;
    } else if (rest.startsWith('_') || rest.startsWith('*')) {
      i += 2;
    } else if (/^[a-z]/i.test(rest)) {
      return undefined;
    } else {
      parts.push({ kind: 'text', text: rest.charAt(0) });
      i += 1;
    }
  }
  return parts.some((part) => part.kind === 'total') ? { parts, tick } : undefined;
}

/** A number of days as the duration format shows it: 1.5 with `[h]:mm:ss` → `36:00:00`. */
export function elapsedText(days: number, format: ElapsedFormat): string | undefined {
  // Past Excel's last date is not a duration Excel shows either.
  if (!Number.isFinite(days) || Math.abs(days) > 2_958_466) return undefined;
  const ticks = Math.round((Math.abs(days) * 86_400) / format.tick);
  const fractionDigits = format.tick < 1 ? Math.round(-Math.log10(format.tick)) : 0;
  const perSecond = 10 ** fractionDigits;
  const seconds = format.tick < 1 ? Math.floor(ticks / perSecond) : ticks * format.tick;
  let out = days < 0 && ticks > 0 ? '-' : '';
  for (const part of format.parts) {
    if (part.kind === 'text') out += part.text;
    else if (part.kind === 'fraction') out += `.${String(ticks % perSecond).padStart(part.digits, '0')}`;
    else {
      const value = Math.floor(seconds / SECONDS[part.unit]);
      const shown = part.kind === 'total' || part.unit === 'h' ? value : value % 60;
      out += String(shown).padStart(part.width, '0');
    }
  }
  return out;
}
