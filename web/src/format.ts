const numberFormat = new Intl.NumberFormat();

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : numberFormat.format(value);
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0 %';
  return `${Math.floor((part / whole) * 100)} %`;
}

/**
 * One date format across the console, in the browser's locale and time zone: "24 Nov 2026, 18:16"
 * (formatDateTime); with the zone where a time is a promise or a deadline, "24 Nov 2026, 18:16 GMT+7"
 * (formatDateTimeWithZone); to the second for what happened, the date only when not today (formatMoment).
 */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeZone = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const dateAndSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeZoneOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

function parsed(iso: string | null | undefined): Date | undefined {
  if (iso === null || iso === undefined) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatDateTime(iso: string | null | undefined): string {
  const date = parsed(iso);
  return date === undefined ? '—' : dateTime.format(date);
}

/** A scheduled start, an end, a deadline: the zone is shown. */
export function formatDateTimeWithZone(iso: string | null | undefined): string {
  const date = parsed(iso);
  return date === undefined ? '—' : dateTimeZone.format(date);
}

/** To the second: "10:05:23" today, "1 Mar 2026, 10:05:23" another day. */
export function formatMoment(iso: string | null | undefined): string {
  const date = parsed(iso);
  if (date === undefined) return '—';
  return date.toDateString() === new Date().toDateString() ? timeOfDay.format(date) : dateAndSeconds.format(date);
}

/** A time later today, with its zone ("18:16 GMT+7"); another day's, as formatDateTimeWithZone. */
export function formatTimeWithZone(iso: string | null | undefined): string {
  const date = parsed(iso);
  if (date === undefined) return '—';
  return date.toDateString() === new Date().toDateString() ? timeZoneOnly.format(date) : dateTimeZone.format(date);
}

/** 0 → "0 s", 1500 → "1.5 s", 250 → "250 ms". */
export function formatDelay(ms: number): string {
  if (ms === 0) return '0 s';
  if (ms < 1_000) return `${ms} ms`;
  const seconds = ms / 1_000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** 90 → "1 min 30 s", 7200 → "2 h". */
export function formatDuration(totalSeconds: number | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined || !Number.isFinite(totalSeconds)) return '—';
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
