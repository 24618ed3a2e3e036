import { ApiError, describeError, type Pacing, type Session } from '../api/client';
import { Alert } from '../components/ui';
import { formatNumber } from '../format';

// Parts shared by the Accounts screen (accounts.tsx, accounts-form.tsx, accounts-connect.tsx).

export type SessionStatus = Session['status'];

/** Statuses in which a worker holds (or is taking) the session. */
const RUNNING: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['connecting', 'qr', 'connected', 'paused']);

/**
 * Whether a worker holds the session or is asked to (then it offers Disconnect, else Connect).
 * A logged-out or failed session is stopped whatever was asked of it.
 */
export function isRunning(session: Pick<Session, 'status' | 'desiredState'>): boolean {
  if (RUNNING.has(session.status)) return true;
  return session.desiredState === 'connected' && session.status === 'disconnected';
}

/** "logout_requested" → "logout requested". */
export function humanize(text: string): string {
  return text.replace(/[_-]+/g, ' ');
}

interface DetailItem {
  field?: unknown;
  message?: unknown;
}

function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { field, message } = item as DetailItem;
    if (typeof message !== 'string') return [];
    return [typeof field === 'string' && field !== '' ? `${field}: ${message}` : message];
  });
}

/** An error of the API with its message, its code and, for VALIDATION_FAILED, each field's problem. */
export function ErrorView(props: { error: unknown; title?: string }) {
  const { error } = props;
  if (error === undefined || error === null) return null;
  const lines = error instanceof ApiError ? detailLines(error.details) : [];
  return (
    <Alert kind="error" title={props.title}>
      <p class="acct-alert-text">{describeError(error)}</p>
      {lines.length > 0 && (
        <ul class="acct-alert-list">
          {lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

/** 0 → "0 s", 1500 → "1.5 s", 250 → "250 ms". */
export function formatDelay(ms: number): string {
  if (ms === 0) return '0 s';
  if (ms < 1_000) return `${ms} ms`;
  const seconds = ms / 1_000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function hour(value: number): string {
  return `${String(value).padStart(2, '0')}:00`;
}

/** The pacing policy in a few words, for the table. */
export function pacingSummary(pacing: Pacing): string[] {
  const delay =
    pacing.minDelayMs === pacing.maxDelayMs
      ? `${formatDelay(pacing.minDelayMs)} apart`
      : `${formatDelay(pacing.minDelayMs)}–${formatDelay(pacing.maxDelayMs)} apart`;
  const lines = [delay, `${formatNumber(pacing.hourlyCap)}/h · ${formatNumber(pacing.dailyCap)}/day`];
  if (pacing.window !== undefined) {
    lines.push(`${hour(pacing.window.startHour)}–${hour(pacing.window.endHour)} ${pacing.window.timezone}`);
  }
  if (pacing.warmup !== undefined) {
    lines.push(`warm-up ${formatNumber(pacing.warmup.initialDailyCap)} +${formatNumber(pacing.warmup.dailyIncrease)}/day`);
  }
  if (pacing.typing?.enabled === true) lines.push('typing shown');
  return lines;
}
