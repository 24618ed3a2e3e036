import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';

export const SQLITE_BUSY_TIMEOUT_MS = 15_000;

/**
 * A connection to the SQLite database with the product's settings. Its own module, free of
 * Kysely and pg, so that the import process can open the database without loading them.
 */
export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const connection = new SQLite(file);
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  return connection;
}
