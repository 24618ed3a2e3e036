import type SQLite from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ListColumn, ListCounts, ListPurpose, ListRecipient, ListStatus, ListReject, NewRecipient, NewReject, RecipientList, RejectReason } from '../core/recipient-list.js';
import type { Db } from './database.js';
import type { Database, ListRejectTable } from './schema.js';
import { columnsOf, decodeVars, fromRow, failedValues, progressValues, readyValues, type ImportProgress } from './list-rows.js';
import { sqliteListWrites } from './sqlite-list-writes.js';

export type { ImportProgress } from './list-rows.js';

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
  /** The blast whose upload this list is made of, if any. */
  createdForBlast?: string | null;
}

/** Lists uploaded on their own (`upload`) or with a blast (`blast`). */
export type ListOrigin = 'upload' | 'blast';

export interface ListRepository {
  create(list: NewList): Promise<void>;
  get(id: string): Promise<(RecipientList & { blobSha256: string }) | undefined>;
  list(filter: {
    businessUnit?: string | undefined;
    purpose?: ListPurpose | undefined;
    status?: ListStatus | undefined;
    origin?: ListOrigin | undefined;
    limit: number;
    offset: number;
  }): Promise<{ items: RecipientList[]; total: number }>;
  delete(id: string): Promise<boolean>;
  /**
   * The unit's list whose import comes next: its oldest list still importing (the one importing
   * now, while it does). A unit's imports run one at a time, in the order they were uploaded.
   */
  importHead(businessUnit: string): Promise<string | undefined>;
  /** importHead of every unit with a list importing. */
  importHeads(): Promise<{ listId: string; businessUnit: string }[]>;
  /** Starts an import over: a retried job must not find the rows of an earlier attempt. */
  resetImport(id: string, at: string): Promise<void>;
  progress(id: string, progress: ImportProgress, at: string): Promise<void>;
  complete(id: string, progress: ImportProgress, at: string): Promise<void>;
  fail(id: string, error: { code: string; message: string; details?: unknown }, counts: ListCounts, at: string): Promise<void>;
  /**
   * Inserts recipients (each number at most once in a call); a number the list has already is not
   * inserted again. Returns those numbers, each with the sheet row of the recipient that has it.
   */
  insertRecipients(listId: string, recipients: readonly NewRecipient[]): Promise<Map<string, number>>;
  insertRejects(listId: string, rejects: readonly NewReject[]): Promise<void>;
  recipients(listId: string, page: { limit: number; offset: number }): Promise<{ items: ListRecipient[]; total: number }>;
  rejects(listId: string, page: { limit: number; offset: number }): Promise<{ items: ListReject[]; total: number }>;
  /** Every reject in sheet order, read in pages (for reports of any size). */
  allRejects(listId: string, pageSize?: number): AsyncIterable<ListReject>;
}

export function createListRepository(db: Db, sqlite?: SQLite.Database): ListRepository {
  // On SQLite, an import's batches go through prepared multi-row statements (the import process's own path).
  const sqliteWrites = sqlite && sqliteListWrites(sqlite);
  const count = async (table: 'list_recipients' | 'list_rejects', key: number): Promise<number> => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string | number>().as('total'))
      .where('list_key', '=', key)
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
          created_for_blast: list.createdForBlast ?? null,
          // PostgreSQL numbers lists itself (an identity column); SQLite takes the next number in
          // the insert's own write transaction, so two processes cannot take the same one.
          ...(sqlite ? { list_key: sql<number>`(SELECT coalesce(max(list_key), 0) + 1 FROM lists)` } : {}),
        })
        .execute();
    },

    async get(id) {
      const row = await db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirst();
      return row && { ...fromRow(row), blobSha256: row.blob_sha256 };
    },

    async list({ businessUnit, purpose, status, origin, limit, offset }) {
      let query = db.selectFrom('lists');
      if (businessUnit !== undefined) query = query.where('business_unit', '=', businessUnit);
      if (purpose !== undefined) query = query.where('purpose', '=', purpose);
      if (origin !== undefined) query = query.where('created_for_blast', origin === 'blast' ? 'is not' : 'is', null);
      if (status !== undefined) query = query.where('status', '=', status);
      const rows = await query.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute();
      const total = await query.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow();
      return { items: rows.map(fromRow), total: Number(total.total) };
    },

    async delete(id) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('list_recipients').where('list_key', '=', listKey(trx, id)).execute();
        await trx.deleteFrom('list_rejects').where('list_key', '=', listKey(trx, id)).execute();
        const result = await trx.deleteFrom('lists').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },

    async importHead(businessUnit) {
      const row = await db
        .selectFrom('lists')
        .select('id')
        .where('status', '=', 'importing')
        .where('business_unit', '=', businessUnit)
        .orderBy('list_key')
        .limit(1)
        .executeTakeFirst();
      return row?.id;
    },

    async importHeads() {
      const heads = db.selectFrom('lists').select((eb) => eb.fn.min('list_key').as('head')).where('status', '=', 'importing').groupBy('business_unit');
      const rows = await db.selectFrom('lists').select(['id', 'business_unit']).where('list_key', 'in', heads).execute();
      return rows.map((row) => ({ listId: row.id, businessUnit: row.business_unit }));
    },

    async resetImport(id, at) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('list_recipients').where('list_key', '=', listKey(trx, id)).execute();
        await trx.deleteFrom('list_rejects').where('list_key', '=', listKey(trx, id)).execute();
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
      if (sqliteWrites) return db.connection().execute(() => Promise.resolve(sqliteWrites.insertRecipients(listId, recipients)));
      // The list's number read in the insert's transaction: SQLite gives a deleted list's number
      // to the next list made, so one read before could put these rows into that list.
      return db.transaction().execute(async (trx) => {
        const key = await keyOf(trx, listId);
        if (key === undefined) return new Map<string, number>(); // deleted meanwhile
        const inserted = await trx
          .insertInto('list_recipients')
          .values(
            recipients.map((recipient) => ({
              list_key: key,
              seq: recipient.seq,
              row_number: recipient.rowNumber,
              phone: recipient.phone,
              vars: JSON.stringify(recipient.values),
            })),
          )
          .onConflict((conflict) => conflict.columns(['list_key', 'phone']).doNothing())
          .returning('phone')
          .execute();
        if (inserted.length === recipients.length) return new Map<string, number>();
        const added = new Set(inserted.map((row) => row.phone));
        const skipped = recipients.map((recipient) => recipient.phone).filter((phone) => !added.has(phone));
        const kept = await trx
          .selectFrom('list_recipients')
          .select(['phone', 'row_number'])
          .where('list_key', '=', key)
          .where('phone', 'in', skipped)
          .execute();
        return new Map(kept.map((row) => [row.phone, row.row_number]));
      });
    },

    async insertRejects(listId, rejects) {
      if (rejects.length === 0) return;
      // Holding Kysely's connection, so no other query of this process runs in between.
      if (sqliteWrites) {
        await db.connection().execute(() => {
          sqliteWrites.insertRejects(listId, rejects);
          return Promise.resolve();
        });
        return;
      }
      await db.transaction().execute(async (trx) => {
        const key = await keyOf(trx, listId);
        if (key === undefined) return; // deleted meanwhile
        await trx
          .insertInto('list_rejects')
          .values(
            rejects.map((reject) => ({
              list_key: key,
              row_number: reject.rowNumber,
              raw_value: reject.rawValue,
              reason: reject.reason,
              duplicate_of_row: reject.duplicateOfRow,
              vars: JSON.stringify(reject.values),
            })),
          )
          .execute();
      });
    },

    async recipients(listId, { limit, offset }) {
      const list = await recipientsShape(db, listId);
      if (!list) return { items: [], total: 0 };
      const rows = await db
        .selectFrom('list_recipients')
        .selectAll()
        .where('list_key', '=', list.key)
        .orderBy('seq')
        .limit(limit)
        .offset(offset)
        .execute();
      return {
        items: rows.map((row) => ({ seq: row.seq, rowNumber: row.row_number, phone: row.phone, vars: decodeVars(row.vars, list.columns) })),
        total: await count('list_recipients', list.key),
      };
    },

    async rejects(listId, { limit, offset }) {
      const list = await recipientsShape(db, listId);
      if (!list) return { items: [], total: 0 };
      const rows = await db
        .selectFrom('list_rejects')
        .selectAll()
        .where('list_key', '=', list.key)
        .orderBy('row_number')
        .limit(limit)
        .offset(offset)
        .execute();
      return { items: rows.map((row) => rejectFromRow(row, list.columns)), total: await count('list_rejects', list.key) };
    },

    async *allRejects(listId, pageSize = 1_000) {
      const list = await recipientsShape(db, listId);
      if (!list) return;
      let after = 0;
      for (;;) {
        const rows = await db
          .selectFrom('list_rejects')
          .selectAll()
          .where('list_key', '=', list.key)
          .where('row_number', '>', after)
          .orderBy('row_number')
          .limit(pageSize)
          .execute();
        for (const row of rows) yield rejectFromRow(row, list.columns);
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < pageSize) return;
        after = last.row_number;
      }
    },
  };
}

function rejectFromRow(row: Selectable<ListRejectTable>, columns: readonly ListColumn[]): ListReject {
  return {
    rowNumber: row.row_number,
    rawValue: row.raw_value,
    reason: row.reason as RejectReason,
    duplicateOfRow: row.duplicate_of_row,
    vars: row.vars === null ? {} : decodeVars(row.vars, columns),
  };
}

/** The key of a list's recipients and rejects, as a subquery on its id. */
export function listKey(db: Kysely<Database>, listId: string) {
  return db.selectFrom('lists').select('list_key').where('id', '=', listId);
}

/** What reading a list's recipients needs of the list: its number, and the columns that name their values. */
export async function recipientsShape(db: Kysely<Database>, listId: string): Promise<{ key: number; columns: ListColumn[] } | undefined> {
  const row = await db.selectFrom('lists').select(['list_key', 'columns']).where('id', '=', listId).executeTakeFirst();
  return row && { key: row.list_key, columns: columnsOf(row.columns) };
}

async function keyOf(db: Kysely<Database>, listId: string): Promise<number | undefined> {
  return (await listKey(db, listId).executeTakeFirst())?.list_key;
}
