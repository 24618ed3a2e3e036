import type SQLite from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { ListReject, NewRecipient } from '../core/recipient-list.js';
import type { ImportStore } from '../lists/import-list.js';
import { failedValues, fromRow, progressValues, readyValues } from './list-rows.js';
import type { ListTable } from './schema.js';
import { immediateTransaction } from './sqlite.js';

/** Rows per multi-row INSERT: 100 × 5 parameters, well under SQLite's 32,766. */
const ROWS_PER_STATEMENT = 100;

/**
 * What an import reads and writes, straight over better-sqlite3 with prepared statements: the
 * SQLite side of the import process, which loads neither Kysely nor the other repositories, so
 * that the process doing the import stays small. The same statements as the Kysely repositories
 * (list, blob and suppression), which remain the reference and serve everything else; the import
 * tests run the importer over both.
 */
export function createSqliteImportStore(sqlite: SQLite.Database): ImportStore {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = (text: string): SQLite.Statement => {
    let statement = statements.get(text);
    if (!statement) {
      statement = sqlite.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  /** UPDATE lists SET … for the given values; the column names come from progressValues / readyValues / failedValues, not from input. */
  const updateList = (id: string, values: Record<string, string | number | null>): void => {
    const columns = Object.keys(values);
    prepare(`UPDATE lists SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`).run(...columns.map((column) => values[column] ?? null), id);
  };
  /** `fill` writes an item's values into `out` from `at` on: no array per row, one parameter array reused per statement. */
  const insertMany = <T>(table: string, columns: readonly string[], items: readonly T[], fill: (item: T, out: unknown[], at: number) => void): number => {
    const width = columns.length;
    const one = `(${columns.map(() => '?').join(', ')})`;
    const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
    let changes = 0;
    let start = 0;
    if (items.length >= ROWS_PER_STATEMENT) {
      const many = prepare(head + Array<string>(ROWS_PER_STATEMENT).fill(one).join(', ') + conflictClause(table));
      const parameters = new Array<unknown>(ROWS_PER_STATEMENT * width);
      for (; start + ROWS_PER_STATEMENT <= items.length; start += ROWS_PER_STATEMENT) {
        for (let k = 0; k < ROWS_PER_STATEMENT; k += 1) fill(items[start + k] as T, parameters, k * width);
        changes += many.run(parameters).changes;
      }
    }
    if (start < items.length) {
      const single = prepare(head + one + conflictClause(table));
      const parameters = new Array<unknown>(width);
      for (; start < items.length; start += 1) {
        fill(items[start] as T, parameters, 0);
        changes += single.run(parameters).changes;
      }
    }
    return changes;
  };

  /**
   * The list's key (lists.list_key), read in each write transaction: a list deleted while it
   * imports has none, and its number may be taken by the next list made (SQLite numbers lists
   * max + 1), so a number read earlier could put its rows into that list.
   */
  const keyOf = (listId: string): number | undefined => prepare('SELECT list_key FROM lists WHERE id = ?').pluck().get(listId) as number | undefined;
  const insertRecipients = immediateTransaction(sqlite, (listId: string, recipients: readonly NewRecipient[]): Map<string, number> => {
    const skipped = new Map<string, number>();
    const key = keyOf(listId);
    if (key === undefined) return skipped; // deleted meanwhile
    const inserted = insertMany('list_recipients', ['list_key', 'seq', 'row_number', 'phone', 'vars'], recipients, (recipient, out, at) => {
      out[at] = key;
      out[at + 1] = recipient.seq;
      out[at + 2] = recipient.rowNumber;
      out[at + 3] = recipient.phone;
      out[at + 4] = JSON.stringify(recipient.values);
    });
    if (inserted === recipients.length) return skipped;
    // Some numbers were in the list already (stored by an earlier batch). A recipient was stored
    // if its number is stored under its own seq: the (list_key, phone) index answers that alone
    // (it holds the primary key, list_key and seq); the kept row's number is read for the others only.
    const storedSeq = prepare('SELECT seq FROM list_recipients WHERE list_key = ? AND phone = ?').pluck();
    const rowOf = prepare('SELECT row_number FROM list_recipients WHERE list_key = ? AND seq = ?').pluck();
    for (const recipient of recipients) {
      const seq = storedSeq.get(key, recipient.phone) as number | undefined;
      if (seq !== undefined && seq !== recipient.seq) skipped.set(recipient.phone, rowOf.get(key, seq) as number);
    }
    return skipped;
  });
  const insertRejects = immediateTransaction(sqlite, (listId: string, rejects: readonly ListReject[]): void => {
    const key = keyOf(listId);
    if (key === undefined) return; // deleted meanwhile
    insertMany('list_rejects', ['list_key', 'row_number', 'raw_value', 'reason', 'duplicate_of_row'], rejects, (reject, out, at) => {
      out[at] = key;
      out[at + 1] = reject.rowNumber;
      out[at + 2] = reject.rawValue;
      out[at + 3] = reject.reason;
      out[at + 4] = reject.duplicateOfRow;
    });
  });
  const resetImport = immediateTransaction(sqlite, (id: string, at: string): void => {
    prepare('DELETE FROM list_recipients WHERE list_key = (SELECT list_key FROM lists WHERE id = ?)').run(id);
    prepare('DELETE FROM list_rejects WHERE list_key = (SELECT list_key FROM lists WHERE id = ?)').run(id);
    updateList(id, { status: 'importing', rows: 0, valid: 0, duplicates: 0, invalid: 0, blank: 0, error_code: null, error_message: null, error_details: null, updated_at: at });
  });
  return {
    lists: {
      get(id) {
        const row = prepare('SELECT * FROM lists WHERE id = ?').get(id) as Selectable<ListTable> | undefined;
        return Promise.resolve(row && { ...fromRow(row), blobSha256: row.blob_sha256 });
      },
      resetImport(id, at) {
        resetImport(id, at);
        return Promise.resolve();
      },
      progress(id, values, at) {
        updateList(id, progressValues(values, at));
        return Promise.resolve();
      },
      complete(id, values, at) {
        updateList(id, readyValues(values, at));
        return Promise.resolve();
      },
      fail(id, error, counts, at) {
        updateList(id, failedValues(error, counts, at));
        return Promise.resolve();
      },
      insertRecipients(listId, recipients) {
        return Promise.resolve(recipients.length === 0 ? new Map<string, number>() : insertRecipients(listId, recipients));
      },
      insertRejects(listId, rejects) {
        if (rejects.length > 0) insertRejects(listId, rejects);
        return Promise.resolve();
      },
    },
    blobs: {
      async *read(sha256) {
        const chunk = prepare('SELECT data FROM blob_chunks WHERE sha256 = ? AND seq = ?');
        for (let seq = 0; ; seq++) {
          const row = chunk.get(sha256, seq) as { data: Uint8Array } | undefined;
          if (!row) return;
          yield Buffer.from(row.data);
          await Promise.resolve();
        }
      },
    },
    suppressions: {
      addFromList(listId, businessUnit, at) {
        const { changes } = prepare(
          "INSERT INTO suppressions (business_unit, phone, reason, source, created_at) SELECT ?, phone, ?, 'import', ? FROM list_recipients WHERE list_key = (SELECT list_key FROM lists WHERE id = ?) " +
            'ON CONFLICT (business_unit, phone) DO NOTHING',
        ).run(businessUnit, `imported list ${listId}`, at, listId);
        return Promise.resolve(changes);
      },
    },
  };
}

/** Recipients keep the first of a number (as the Kysely repository's ON CONFLICT DO NOTHING); rejects are plain. */
function conflictClause(table: string): string {
  return table === 'list_recipients' ? ' ON CONFLICT (list_key, phone) DO NOTHING' : '';
}
