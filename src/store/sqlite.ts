import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';
import { createPrivateFile } from '../infra/private-files.js';

// Required rather than imported: as an ES module import, a CommonJS package is first scanned for
// its export names, which doubles what loading it costs (~11 ms instead of ~5 ms for
// better-sqlite3), and the import process pays it on every start.
const SQLiteDatabase = createRequire(import.meta.url)('better-sqlite3') as typeof SQLite;

export const SQLITE_BUSY_TIMEOUT_MS = 15_000;

/**
 * A connection to the SQLite database with the product's settings. Its own module, free of
 * Kysely and pg, so that the import process can open the database without loading them.
 */
export function openSqlite(file: string): SQLite.Database {
  // Made 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
  if (file !== ':memory:') createPrivateFile(file);
  const connection = new SQLiteDatabase(file);
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  return connection;
}

/**
 * A function that runs `fn` in one transaction begun with BEGIN IMMEDIATE: it takes the write lock
 * up front (waiting up to the busy timeout) instead of failing with "database is locked" when
 * another process commits between its first read and its first write.
 */
export function immediateTransaction<A extends unknown[], R>(sqlite: SQLite.Database, fn: (...args: A) => R): (...args: A) => R {
  const transaction = sqlite.transaction(fn);
  return (...args: A) => transaction.immediate(...args);
}
