import type { Selectable } from 'kysely';
import type { ListColumn, ListCounts, ListPurpose, RecipientList } from '../core/recipient-list.js';
import type { ListTable } from './schema.js';
import { storedError } from './stored-error.js';

// A list's row, read and written: shared by the Kysely repository and the import process's lean
// SQLite store, which must not load Kysely (types only here).

export interface ImportProgress {
  counts: ListCounts;
  fileType?: 'xlsx' | 'csv';
  columns?: ListColumn[];
  headerRow?: number;
  phoneColumn?: string;
}

/** The columns of a list whose import ended well (both stores write these). */
export function readyValues(progress: ImportProgress, at: string) {
  return { ...progressValues(progress, at), status: 'ready' as const, completed_at: at };
}

/** The columns of a list whose import failed, with its error (both stores write these). */
export function failedValues(error: { code: string; message: string; details?: unknown }, counts: ListCounts, at: string) {
  return {
    ...progressValues({ counts }, at),
    status: 'failed' as const,
    error_code: error.code,
    error_message: error.message,
    error_details: error.details === undefined ? null : JSON.stringify(error.details),
    completed_at: at,
  };
}

export function progressValues(progress: ImportProgress, at: string) {
  return {
    rows: progress.counts.rows,
    valid: progress.counts.valid,
    duplicates: progress.counts.duplicates,
    invalid: progress.counts.invalid,
    blank: progress.counts.blank,
    updated_at: at,
    ...(progress.fileType === undefined ? {} : { file_type: progress.fileType }),
    ...(progress.columns === undefined ? {} : { columns: JSON.stringify(progress.columns) }),
    ...(progress.headerRow === undefined ? {} : { header_row: progress.headerRow }),
    ...(progress.phoneColumn === undefined ? {} : { phone_column: progress.phoneColumn }),
  };
}

export function fromRow(row: Selectable<ListTable>): RecipientList {
  return {
    id: row.id,
    name: row.name,
    purpose: row.purpose as ListPurpose,
    createdForBlast: row.created_for_blast,
    businessUnit: row.business_unit,
    status: row.status as RecipientList['status'],
    error: storedError(row),
    fileName: row.file_name,
    fileSize: row.file_size,
    fileType: row.file_type as RecipientList['fileType'],
    phoneColumn: row.phone_column,
    defaultCountry: row.default_country,
    columns: columnsOf(row.columns),
    headerRow: row.header_row,
    counts: { rows: row.rows, valid: row.valid, duplicates: row.duplicates, invalid: row.invalid, blank: row.blank },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/**
 * A recipient's variables as stored (list_recipients.vars): the values in the order of the list's
 * columns, or, for lists imported before that, an object by column key.
 */
export function decodeVars(stored: string, columns: readonly ListColumn[]): Record<string, string> {
  const parsed = JSON.parse(stored) as unknown;
  if (!Array.isArray(parsed)) return parsed as Record<string, string>;
  const vars: Record<string, string> = {};
  columns.forEach((column, index) => {
    vars[column.key] = String(parsed[index] ?? '');
  });
  return vars;
}

/** The columns of a list as stored (lists.columns). */
export function columnsOf(stored: string | null | undefined): ListColumn[] {
  return stored === null || stored === undefined ? [] : (JSON.parse(stored) as ListColumn[]);
}
