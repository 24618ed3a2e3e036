import { ApiError, type List } from '../api/client';
import type { EventMap } from '../api/events';
import { ErrorNotice, ProgressBar } from '../components/ui';
import { formatDateTime, formatNumber } from '../format';
import { href } from '../router';

// Parts shared by the Lists screens (lists.tsx, list-detail.tsx).

export type ListProgress = EventMap['list:progress'];

/**
 * Rows a CSV uploaded from this tab is expected to have (its line count), so the import
 * progress bar can show a share of a whole. The API does not know the total before the end;
 * for an .xlsx (or a list uploaded elsewhere) the bar shows rows read without a whole.
 */
const expectedRows = new Map<string, number>();

export function expectRows(listId: string, rows: number): void {
  expectedRows.set(listId, rows);
}

export function expectedRowsOf(listId: string): number | undefined {
  return expectedRows.get(listId);
}

/** A list as its latest frame shows it (frames are fresher than the last GET while importing). */
export function withProgress(list: List, progress: ListProgress | undefined): List {
  if (progress === undefined || progress.listId !== list.id) return list;
  return {
    ...list,
    status: progress.status,
    counts: progress.counts,
    error: progress.error ?? list.error,
  };
}

/**
 * The import's progress bar ("Import progress"): a share of the expected rows when they are
 * known, else an indeterminate bar with the rows read so far; full once the import is done.
 */
export function ImportProgress(props: { list: List }) {
  const { list } = props;
  const rows = list.counts.rows;
  if (list.status === 'ready') {
    return <ProgressBar label="Import progress" value={1} max={1} detail={`Done: ${formatNumber(rows)} rows read`} />;
  }
  if (list.status === 'failed') {
    return (
      <ProgressBar label="Import progress" value={0} max={1} detail={`Stopped after ${formatNumber(rows)} rows`} />
    );
  }
  const expected = expectedRowsOf(list.id);
  if (expected !== undefined && expected > 0) {
    const shown = Math.min(rows, expected);
    return (
      <ProgressBar
        label="Import progress"
        value={shown}
        max={expected}
        detail={`${formatNumber(rows)} of about ${formatNumber(expected)} rows`}
      />
    );
  }
  return <ProgressBar label="Import progress" value={rows} max={undefined} detail={rows === 0 ? 'Starting…' : `${formatNumber(rows)} rows read`} />;
}

function blastIdsOf(details: unknown): string[] {
  if (typeof details !== 'object' || details === null) return [];
  const ids = (details as { blastIds?: unknown }).blastIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

export function headersSeenOf(details: unknown): string[] {
  if (typeof details !== 'object' || details === null) return [];
  const seen = (details as { headersSeen?: unknown }).headersSeen;
  return Array.isArray(seen) ? seen.filter((header): header is string => typeof header === 'string') : [];
}

/** An API error (see ErrorNotice), with links to the blasts that hold a list (LIST_IN_USE). */
export function ApiErrorAlert(props: { error: unknown; title: string }) {
  const { error } = props;
  const blastIds = error instanceof ApiError ? blastIdsOf(error.details) : [];
  return (
    <ErrorNotice error={error} title={props.title}>
      {blastIds.length > 0 && (
        <p class="alert-text">
          {blastIds.length === 1 ? 'The blast: ' : 'The blasts: '}
          {blastIds.map((id, index) => (
            <span key={id}>
              {index > 0 && ', '}
              <a href={href(`/blasts/${encodeURIComponent(id)}`)}>{id.slice(0, 8)}</a>
            </span>
          ))}
        </p>
      )}
    </ErrorNotice>
  );
}

export const REASONS: Record<string, string> = {
  INVALID_PHONE: 'the cell is not a phone number that can receive messages',
  MISSING_PHONE: 'the phone cell is empty (the rest of the row is not)',
  DUPLICATE: 'the number is already on the list, in the row shown under “Duplicate of”',
};

/** The console's one date format (format.ts), as the list tables name it. */
export const formatShortDateTime = formatDateTime;
