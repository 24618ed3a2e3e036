import type SQLite from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { ListColumn, ListCounts, ListPurpose, ListRecipient, ListStatus, ListReject, RecipientList, RejectReason } from '../core/recipient-list.js';
import type { Db } from './database.js';
import type { ListTable } from './schema.js';
import { storedError } from './stored-error.js';
import { immediateTransaction } from './sqlite.js';

export interface NewList {
  id: string;
  name: string;
  purpose: ListPurpose;
  businessUnit: string;
  fileName: string;
  fileSize: number;
  blobSha256: string;
  phoneColumn: string | null;
  defaultCountry: string;
  createdAt: string;
}

export interface ImportProgress {
  counts: ListCounts;
  fileType?: 'xlsx' | 'csv';
  columns?: ListColumn[];
  headerRow?: number;
  phoneColumn?: string;
}

export interface ListRepository {
  create(list: NewList): Promise<void>;
  get(id: string): Promise<(RecipientList & { blobSha256: string }) | undefined>;
  list(filter: { businessUnit?: string | undefined; purpose?: ListPurpose | undefined; status?: ListStatus | undefined; limit: number; offset: number }): Promise<{ items: RecipientList[]; total: number }>;
  delete(id: string): Promise<boolean>;
  /** Starts an import over: a retried job must not find the rows of an earlier attempt. */
  resetImport(id: string, at: string): Promise<void>;
  progress(id: string, progress: ImportProgress, at: string): Promise<void>;
  complete(id: string, progress: ImportProgress, at: string): Promise<void>;
  fail(id: string, error: { code: string; message: string; details?: unknown }, counts: ListCounts, at: string): Promise<void>;
  /**
   * Inserts recipients (each number at most once in a call); a number the list has already is not
   * inserted again. Returns those numbers, each with the sheet row of the recipient that has it.
   */
  insertRecipients(listId: string, recipients: readonly ListRecipient[]): Promise<Map<string, number>>;
  insertRejects(listId: string, rejects: readonly ListReject[]): Promise<void>;
  recipients(listId: string, page: { limit: number; offset: number }): Promise<{ items: ListRecipient[]; total: number }>;
  rejects(listId: string, page: { limit: number; offset: number }): Promise<{ items: ListReject[]; total: number }>;
}

export function createListRepository(db: Db, sqlite?: SQLite.Database): ListRepository {
  const bulkInsert = sqlite && sqliteRecipientInsert(sqlite);
  const count = async (table: 'list_recipients' | 'list_rejects', listId: string): Promise<number> => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string | number>().as('total'))
      .where('list_id', '=', listId)
      .executeTakeFirstOrThrow();
    return Number(row.total);
  };

  return {
    async create(list) {
      await db
        .insertInto('lists')
        .values({
          id: list.id,
          name: list.name,
          purpose: list.purpose,
          business_unit: list.businessUnit,
          status: 'importing',
          file_name: list.fileName,
          file_size: list.fileSize,
          blob_sha256: list.blobSha256,
          phone_column: list.phoneColumn,
          default_country: list.defaultCountry,
          created_at: list.createdAt,
          updated_at: list.createdAt,
          error_code: null,
          error_message: null,
          error_details: null,
          file_type: null,
          columns: null,
          header_row: null,
          completed_at: null,
        })
        .execute();
    },

    async get(id) {
      const row = await db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirst();
      return row && { ...fromRow(row), blobSha256: row.blob_sha256 };
    },

    async list({ businessUnit, purpose, status, limit, offset }) {
      let query = db.selectFrom('lists');
      if (businessUnit !== undefined) query = query.where('business_unit', '=', businessUnit);
      if (purpose !== undefined) query = query.where('purpose', '=', purpose);
      if (status !== undefined) query = query.where('status', '=', status);
      const rows = await query.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute();
      const total = await query.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow();
      return { items: rows.map(fromRow), total: Number(total.total) };
    },

    async delete(id) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('list_recipients').where('list_id', '=', id).execute();
        await trx.deleteFrom('list_rejects').where('list_id', '=', id).execute();
        const result = await trx.deleteFrom('lists').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },

    async resetImport(id, at) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('list_recipients').where('list_id', '=', id).execute();
        await trx.deleteFrom('list_rejects').where('list_id', '=', id).execute();
        await trx
          .updateTable('lists')
          .set({ status: 'importing', rows: 0, valid: 0, duplicates: 0, invalid: 0, blank: 0, error_code: null, error_message: null, error_details: null, updated_at: at })
          .where('id', '=', id)
          .execute();
      });
    },

    async progress(id, progress, at) {
      await db.updateTable('lists').set(progressValues(progress, at)).where('id', '=', id).execute();
    },

    async complete(id, progress, at) {
      await db.updateTable('lists').set(readyValues(progress, at)).where('id', '=', id).execute();
    },

    async fail(id, error, counts, at) {
      await db.updateTable('lists').set(failedValues(error, counts, at)).where('id', '=', id).execute();
    },

    async insertRecipients(listId, recipients) {
      if (recipients.length === 0) return new Map();
      // Holding Kysely's connection, so no other query of this process runs in between.
      if (bulkInsert) return db.connection().execute(() => Promise.resolve(bulkInsert(listId, recipients)));
      const inserted = await db
        .insertInto('list_recipients')
        .values(
          recipients.map((recipient) => ({
            list_id: listId,
            seq: recipient.seq,
            row_number: recipient.rowNumber,
            phone: recipient.phone,
            vars: JSON.stringify(recipient.vars),
          })),
        )
        .onConflict((conflict) => conflict.columns(['list_id', 'phone']).doNothing())
        .returning('phone')
        .execute();
      if (inserted.length === recipients.length) return new Map();
      const added = new Set(inserted.map((row) => row.phone));
      const skipped = recipients.map((recipient) => recipient.phone).filter((phone) => !added.has(phone));
      const kept = await db
        .selectFrom('list_recipients')
        .select(['phone', 'row_number'])
        .where('list_id', '=', listId)
        .where('phone', 'in', skipped)
        .execute();
      return new Map(kept.map((row) => [row.phone, row.row_number]));
    },

    async insertRejects(listId, rejects) {
      if (rejects.length === 0) return;
      await db
        .insertInto('list_rejects')
        .values(
          rejects.map((reject) => ({
            list_id: listId,
            row_number: reject.rowNumber,
            raw_value: reject.rawValue,
            reason: reject.reason,
            duplicate_of_row: reject.duplicateOfRow,
          })),
        )
        .execute();
    },

    async recipients(listId, { limit, offset }) {
      const rows = await db
        .selectFrom('list_recipients')
        .selectAll()
        .where('list_id', '=', listId)
        .orderBy('seq')
        .limit(limit)
        .offset(offset)
        .execute();
      return {
        items: rows.map((row) => ({ seq: row.seq, rowNumber: row.row_number, phone: row.phone, vars: JSON.parse(row.vars) as Record<string, string> })),
        total: await count('list_recipients', listId),
      };
    },

    async rejects(listId, { limit, offset }) {
      const rows = await db
        .selectFrom('list_rejects')
        .selectAll()
        .where('list_id', '=', listId)
        .orderBy('row_number')
        .limit(limit)
        .offset(offset)
        .execute();
      return {
        items: rows.map((row) => ({
          rowNumber: row.row_number,
          rawValue: row.raw_value,
          reason: row.reason as RejectReason,
          duplicateOfRow: row.duplicate_of_row,
        })),
        total: await count('list_rejects', listId),
      };
    },
  };
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
    businessUnit: row.business_unit,
    status: row.status as RecipientList['status'],
    error: storedError(row),
    fileName: row.file_name,
    fileSize: row.file_size,
    fileType: row.file_type as RecipientList['fileType'],
    phoneColumn: row.phone_column,
    defaultCountry: row.default_country,
    columns: row.columns === null ? [] : (JSON.parse(row.columns) as ListColumn[]),
    headerRow: row.header_row,
    counts: { rows: row.rows, valid: row.valid, duplicates: row.duplicates, invalid: row.invalid, blank: row.blank },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/**
 * SQLite's import hot path: one prepared statement run per row inside one transaction, under the
 * held connection; building a 5,000-parameter statement through the query builder for every batch
 * took most of an import's time.
 */
function sqliteRecipientInsert(sqlite: SQLite.Database): (listId: string, recipients: readonly ListRecipient[]) => Map<string, number> {
  // Prepared on first use: the repository exists before the migrations have made the table.
  let insert: SQLite.Statement<[string, number, number, string, string], { phone: string }> | undefined;
  let keptRow: SQLite.Statement<[string, string], number> | undefined;
  return immediateTransaction(sqlite, (listId: string, recipients: readonly ListRecipient[]) => {
    insert ??= sqlite.prepare(
      'INSERT INTO list_recipients (list_id, seq, row_number, phone, vars) VALUES (?, ?, ?, ?, ?) ON CONFLICT (list_id, phone) DO NOTHING RETURNING phone',
    );
    keptRow ??= sqlite.prepare<[string, string], number>('SELECT row_number FROM list_recipients WHERE list_id = ? AND phone = ?').pluck();
    const skipped = new Map<string, number>();
    for (const recipient of recipients) {
      const added = insert.get(listId, recipient.seq, recipient.rowNumber, recipient.phone, JSON.stringify(recipient.vars));
      const row = added === undefined ? keptRow.get(listId, recipient.phone) : undefined;
      if (row !== undefined) skipped.set(recipient.phone, row);
    }
    return skipped;
  });
}
