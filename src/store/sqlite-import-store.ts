import type SQLite from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { ImportStore } from '../lists/import-list.js';
import { failedValues, fromRow, progressValues, readyValues } from './list-rows.js';
import type { ListTable } from './schema.js';
import { immediateTransaction } from './sqlite.js';
import { sqliteListWrites, statementCache } from './sqlite-list-writes.js';

/**
 * What an import reads and writes, straight over better-sqlite3 with prepared statements: the
 * SQLite side of the import process, which loads neither Kysely nor the other repositories, so
 * that the process doing the import stays small. Recipients and rejects are written as the list
 * repository writes them on SQLite (sqlite-list-writes.ts); the rest are the same statements as
 * the Kysely repositories (list, blob and suppression), which serve everything else; the import
 * tests run the importer over both.
 */
export function createSqliteImportStore(sqlite: SQLite.Database): ImportStore {
  const prepare = statementCache(sqlite);
  /** UPDATE lists SET … for the given values; the column names come from progressValues / readyValues / failedValues, not from input. */
  const updateList = (id: string, values: Record<string, string | number | null>): void => {
    const columns = Object.keys(values);
    prepare(`UPDATE lists SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`).run(...columns.map((column) => values[column] ?? null), id);
  };
  const writes = sqliteListWrites(sqlite, prepare);
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
        return Promise.resolve(writes.insertRecipients(listId, recipients));
      },
      insertRejects(listId, rejects) {
        writes.insertRejects(listId, rejects);
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
