import type SQLite from 'better-sqlite3';
import type { NewReject, NewRecipient } from '../core/recipient-list.js';
import { immediateTransaction } from './sqlite.js';

/** Rows per multi-row INSERT: 100 × 6 parameters at most, well under SQLite's 32,766. */
const ROWS_PER_STATEMENT = 100;

/** Prepares a statement, once per text. */
export type Prepare = (text: string) => SQLite.Statement;

export function statementCache(sqlite: SQLite.Database): Prepare {
  const statements = new Map<string, SQLite.Statement>();
  return (text) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = sqlite.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
}

/**
 * An import's writes on SQLite, straight over better-sqlite3: a batch of recipients or rejects in
 * one IMMEDIATE transaction, through prepared multi-row INSERTs (building a 5,000-parameter
 * statement through the query builder for every batch took most of an import's time). Used by the
 * import process's lean store and by the list repository on SQLite alike. Statements are
 * prepared on first use: the repository exists before the migrations have made the tables.
 */
export function sqliteListWrites(sqlite: SQLite.Database, prepare: Prepare = statementCache(sqlite)) {
  /** `fill` writes an item's values into `out` from `at` on: no array per row, one parameter array reused per statement. */
  const insertMany = <T>(table: string, columns: readonly string[], conflict: string, items: readonly T[], fill: (item: T, out: unknown[], at: number) => void): number => {
    const width = columns.length;
    const one = `(${columns.map(() => '?').join(', ')})`;
    const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
    let changes = 0;
    let start = 0;
    if (items.length >= ROWS_PER_STATEMENT) {
      const many = prepare(head + Array<string>(ROWS_PER_STATEMENT).fill(one).join(', ') + conflict);
      const parameters = new Array<unknown>(ROWS_PER_STATEMENT * width);
      for (; start + ROWS_PER_STATEMENT <= items.length; start += ROWS_PER_STATEMENT) {
        for (let k = 0; k < ROWS_PER_STATEMENT; k += 1) fill(items[start + k] as T, parameters, k * width);
        changes += many.run(parameters).changes;
      }
    }
    if (start < items.length) {
      const single = prepare(head + one + conflict);
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
    // A number the list has already keeps its first row (ON CONFLICT DO NOTHING).
    const inserted = insertMany('list_recipients', ['list_key', 'seq', 'row_number', 'phone', 'vars'], ' ON CONFLICT (list_key, phone) DO NOTHING', recipients, (recipient, out, at) => {
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
  const insertRejects = immediateTransaction(sqlite, (listId: string, rejects: readonly NewReject[]): void => {
    const key = keyOf(listId);
    if (key === undefined) return; // deleted meanwhile
    insertMany('list_rejects', ['list_key', 'row_number', 'raw_value', 'reason', 'duplicate_of_row', 'vars'], '', rejects, (reject, out, at) => {
      out[at] = key;
      out[at + 1] = reject.rowNumber;
      out[at + 2] = reject.rawValue;
      out[at + 3] = reject.reason;
      out[at + 4] = reject.duplicateOfRow;
      out[at + 5] = JSON.stringify(reject.values);
    });
  });
  return {
    /** Stores the batch's recipients (each number once in it); returns the numbers the list had already, each with the row that has it. */
    insertRecipients: (listId: string, recipients: readonly NewRecipient[]): Map<string, number> =>
      recipients.length === 0 ? new Map<string, number>() : insertRecipients(listId, recipients),
    insertRejects: (listId: string, rejects: readonly NewReject[]): void => {
      if (rejects.length > 0) insertRejects(listId, rejects);
    },
  };
}
