import { Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { createStore } from '../../src/store/store.js';
import { createLogger } from '../../src/logging/logger.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

// Lists made from a file uploaded with a blast name that blast (0019), so the console can keep
// them out of its list picker; installs from before learn it from what the blast service did.
describe.each(databaseKinds(inject('postgresUrl')))('where a list came from, on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  async function oldList(id: string, name: string, fileName: string, createdAt: string, key: number): Promise<void> {
    await sql`
      INSERT INTO lists (id, name, business_unit, status, file_name, file_size, blob_sha256, default_country, created_at, updated_at, list_key)
      VALUES (${id}, ${name}, 'Clinic', 'ready', ${fileName}, 10, 'aa', 'ID', ${createdAt}, ${createdAt}, ${key})
    `.execute(handle.db);
  }

  async function oldBlast(id: string, name: string, listId: string, createdAt: string): Promise<void> {
    await sql`
      INSERT INTO blasts (id, name, business_unit, status, list_id, message, created_at, updated_at)
      VALUES (${id}, ${name}, 'Clinic', 'completed', ${listId}, 'Hi', ${createdAt}, ${createdAt})
    `.execute(handle.db);
  }

  it.skipIf(skip)('an install from before 0019 learns which lists were made for a blast, and no other', async () => {
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider });
    expect((await migrator.migrateTo('0014-replies')).error).toBeUndefined();
    // Uploaded with a blast (named after the blast, or after its file when the blast had no name).
    await oldList('l-named', 'October reminder', 'patients.xlsx', '2026-10-01T08:00:00.100Z', 1);
    await oldBlast('b-named', 'October reminder', 'l-named', '2026-10-01T08:00:00.300Z');
    await oldList('l-file', 'people.csv', 'people.csv', '2026-10-02T08:00:59.900Z', 2);
    await oldBlast('b-file', 'Blast 2026-10-02 08:00', 'l-file', '2026-10-02T08:00:59.990Z');
    // Uploaded on its own, then sent to: by a blast an hour later, and by one of the same minute with another name.
    await oldList('l-own', 'VIP customers', 'vip.xlsx', '2026-10-03T08:00:00.000Z', 3);
    await oldBlast('b-later', 'VIP customers', 'l-own', '2026-10-03T09:00:00.000Z');
    await oldBlast('b-quick', 'Flash sale', 'l-own', '2026-10-03T08:00:30.000Z');

    await migrateToLatest(handle, createLogger('silent'));
    const store = createStore(handle);
    expect((await store.lists.get('l-named'))?.createdForBlast).toBe('b-named');
    expect((await store.lists.get('l-file'))?.createdForBlast).toBe('b-file');
    expect((await store.lists.get('l-own'))?.createdForBlast).toBeNull();

    const page = { limit: 10, offset: 0 };
    expect((await store.lists.list({ ...page, origin: 'upload' })).items.map((list) => list.id)).toEqual(['l-own']);
    expect((await store.lists.list({ ...page, origin: 'blast' })).items.map((list) => list.id).sort()).toEqual(['l-file', 'l-named']);
    expect((await store.lists.list(page)).total).toBe(3);
  });
});
