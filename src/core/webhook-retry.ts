/**
 * When a failed delivery is tried again: about immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
 * 10 h (Svix's schedule); after the last, the delivery is given up. WEBHOOK_RETRY_SCHEDULE can
 * replace it (a self-hosted set-up with a flaky receiver, or a test that cannot wait hours).
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** Retry-After is believed up to this long; a receiver asking for more gets the schedule's delay. */
const MAX_RETRY_AFTER_MS = 36_000_000;

export type AttemptResult =
  | { kind: 'response'; status: number; retryAfter: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string }
  /** The address was refused before connecting (the private-address rule): retried, it may resolve elsewhere later. */
  | { kind: 'refused'; message: string };

export type AttemptOutcome = 'succeeded' | 'retry' | 'failed';

/** 2xx succeeds; timeouts, connection errors, 5xx, 408, 409, 425 and 429 are retried; other statuses (incl. 3xx: redirects are not followed) are final. */
export function classifyAttempt(result: AttemptResult): 'succeeded' | 'retryable' | 'final' {
  if (result.kind !== 'response') return 'retryable';
  const { status } = result;
  if (status >= 200 && status < 300) return 'succeeded';
  if (status >= 500 || status === 408 || status === 409 || status === 425 || status === 429) return 'retryable';
  return 'final';
}

/**
 * The delay before attempt number `attempts + 1` (attempts made so far, ≥ 1), or null when the
 * schedule is used up. Retry-After (seconds or an HTTP date) is honoured when longer.
 */
export function nextRetryDelayMs(schedule: readonly number[], attempts: number, retryAfter: string | null, nowMs: number): number | null {
  const planned = schedule[attempts];
  if (planned === undefined) return null;
  const asked = retryAfterMs(retryAfter, nowMs);
  return asked === null ? planned : Math.max(planned, Math.min(asked, MAX_RETRY_AFTER_MS));
}

export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^[0-9]{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** WEBHOOK_RETRY_SCHEDULE: comma-separated durations (`0,5s,5m,30m,2h`); undefined when malformed. */
export function parseRetrySchedule(text: string): number[] | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > 20) return undefined;
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const delays: number[] = [];
  for (const part of parts) {
    const match = /^([0-9]{1,9})(ms|s|m|h)?$/.exec(part);
    if (!match) return undefined;
    const delay = Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1);
    if (delay > 86_400_000) return undefined;
    delays.push(delay);
  }
  return delays;
}
