/**
 * Local time in an IANA time zone, with Intl only (no time-zone library). A zone's offset from UTC
 * is read from a formatter, one per zone, built once: building one costs about a hundred times
 * more than using it.
 */

/** Enough for every zone a deployment uses; a bound, since any casing of a name is a new key. */
const MAX_FORMATTERS = 256;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= MAX_FORMATTERS) {
      const oldest = formatters.keys().next();
      if (oldest.done !== true) formatters.delete(oldest.value);
    }
    formatters.set(timeZone, format);
  }
  return format;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The last offset read per zone: a search often reads the same instant twice. */
const lastRead = new Map<string, { second: number; offset: number }>();

/**
 * Local minus UTC at the instant `ms`, in ms (e.g. -4 h in New York in summer). Throws for an
 * unknown zone. For the years 1000–9999 (en-US writes "M/D/YYYY, HH:MM:SS" there; the string is
 * read faster than formatToParts builds its parts).
 */
export function utcOffsetMs(timeZone: string, ms: number): number {
  // Offsets change on whole seconds; the formatter shows no milliseconds.
  const second = Math.floor(ms / 1000) * 1000;
  const last = lastRead.get(timeZone);
  if (last?.second === second) return last.offset;
  const [month = 1, day = 1, year = 1970, hour = 0, minute = 0, sec = 0] = numbersIn(formatter(timeZone).format(second));
  const offset = Date.UTC(year, month - 1, day, hour, minute, sec) - second;
  if (lastRead.size >= MAX_FORMATTERS) lastRead.clear();
  lastRead.set(timeZone, { second, offset });
  return offset;
}

/** The runs of digits in `text`, as numbers. */
function numbersIn(text: string): number[] {
  const numbers: number[] = [];
  let current = -1;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit >= 0 && digit <= 9) current = (current < 0 ? 0 : current * 10) + digit;
    else if (current >= 0) {
      numbers.push(current);
      current = -1;
    }
  }
  if (current >= 0) numbers.push(current);
  return numbers;
}

/**
 * The first whole second in (`from`, `to`] at which the zone's offset is no longer `offset`, given
 * that it is `offset` at `from` and not at `to`: the instant the clocks change.
 */
export function offsetChangeBetween(timeZone: string, from: number, to: number, offset: number): number {
  let before = Math.floor(from / 1000);
  let after = Math.floor(to / 1000);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (utcOffsetMs(timeZone, middle * 1000) === offset) before = middle;
    else after = middle;
  }
  return after * 1000;
}

/** The zone's name as Intl spells it (`europe/paris` → `Europe/Paris`), or undefined for an unknown zone. */
export function canonicalTimeZone(timeZone: string): string | undefined {
  if (!isValidTimeZone(timeZone)) return undefined;
  return formatter(timeZone).resolvedOptions().timeZone;
}
