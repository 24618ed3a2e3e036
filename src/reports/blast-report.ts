import type { ListColumn, ListReject } from '../core/recipient-list.js';
import type { RecipientRow } from '../store/blast.repository.js';
import type { ReportCell } from './report-writers.js';

/** A rejected row's status in the report: the import did not take it, so the blast never had it. */
export const REJECTED = 'rejected';

const OUTCOME_HEADER = ['status', 'reason', 'detail', 'session', 'message_id', 'attempts'] as const;
const TIME_HEADER = ['sent_at', 'delivered_at', 'read_at', 'replied_at'] as const;

/**
 * The report's columns: the sheet row, the number, the list's own columns (by their header as
 * uploaded), the outcome, and the times, each header naming the zone they are in.
 */
export function reportHeader(columns: readonly ListColumn[], timeZone: string): string[] {
  return ['row', 'phone', ...columns.map((column) => column.header), ...OUTCOME_HEADER, ...TIME_HEADER.map((name) => `${name} (${timeZone})`), 'reply_text'];
}

function moment(at: string | null): Date | null {
  return at === null ? null : new Date(at);
}

function recipientCells(row: RecipientRow, columns: readonly ListColumn[]): ReportCell[] {
  return [
    row.rowNumber,
    row.phone,
    ...columns.map((column) => row.vars[column.key] ?? null),
    row.status,
    row.reason,
    row.detail,
    row.sessionId,
    row.messageId,
    row.attempts,
    moment(row.sentAt),
    moment(row.deliveredAt),
    moment(row.readAt),
    moment(row.repliedAt),
    row.replyText,
  ];
}

function rejectCells(reject: ListReject, columns: readonly ListColumn[]): ReportCell[] {
  const detail = reject.duplicateOfRow === null ? null : `duplicate of row ${reject.duplicateOfRow}`;
  return [
    reject.rowNumber,
    reject.rawValue,
    ...columns.map((column) => reject.vars[column.key] ?? null),
    REJECTED,
    reject.reason,
    detail,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
  ];
}

/**
 * One line per row of the uploaded sheet, in sheet order: the blast's recipients (in list order,
 * which is sheet order) merged with the rows the import rejected (in row order). Both sources are
 * read as they are consumed, so the report holds a page of each at most. A recipient whose sheet
 * row is unknown (its list gone) comes where its list order puts it.
 */
export async function* reportRows(
  recipients: AsyncIterable<RecipientRow>,
  rejects: AsyncIterable<ListReject>,
  columns: readonly ListColumn[],
): AsyncGenerator<ReportCell[], void, undefined> {
  const rejected = rejects[Symbol.asyncIterator]();
  try {
    let next = await rejected.next();
    for await (const row of recipients) {
      while (next.done !== true && row.rowNumber !== null && next.value.rowNumber < row.rowNumber) {
        yield rejectCells(next.value, columns);
        next = await rejected.next();
      }
      yield recipientCells(row, columns);
    }
    while (next.done !== true) {
      yield rejectCells(next.value, columns);
      next = await rejected.next();
    }
  } finally {
    await rejected.return?.();
  }
}
