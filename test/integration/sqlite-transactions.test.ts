import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { tempDir } from '../support/databases.js';

// Several processes write one SQLite file (api, worker, the import process). A transaction that
// read before another connection wrote must still commit: it takes the write lock when it begins.

const handles: DatabaseHandle[] = [];
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.close();
});

describe('SQLite transactions across connections', () => {
  it('a transaction that reads, then writes, commits even when another connection tries to write in between', async () => {
    const file = path.join(tempDir('sqlite-tx'), 'wab.sqlite');
    const handle = createDatabase({ kind: 'sqlite', file });
    handles.push(handle);
    await sql`create table counters (name text primary key, value integer not null)`.execute(handle.db);
    await sql`insert into counters values ('a', 0), ('b', 0)`.execute(handle.db);

    const other = new SQLite(file);
    other.pragma('busy_timeout = 50');
    let otherWrote: boolean | undefined;
    await handle.db.transaction().execute(async (trx) => {
      await sql`select value from counters where name = 'a'`.execute(trx);
      // Another connection (another process, in production) wants to write now.
      try {
        other.prepare(`update counters set value = value + 1 where name = 'b'`).run();
        otherWrote = true;
      } catch (error) {
        otherWrote = (error as { code?: string }).code?.startsWith('SQLITE_BUSY') === true ? false : undefined;
      }
      await sql`update counters set value = value + 1 where name = 'a'`.execute(trx);
    });
    other.close();

    // The transaction held the write lock from its start: the other writer waited (and, with its
    // 50 ms timeout here, gave up) instead of making this transaction fail with "database is locked".
    expect(otherWrote).toBe(false);
    const rows = await sql<{ name: string; value: number }>`select name, value from counters order by name`.execute(handle.db);
    expect(rows.rows).toEqual([{ name: 'a', value: 1 }, { name: 'b', value: 0 }]);
  });
});
