import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NewChatCap } from '../../src/core/new-chat-cap.js';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const cap = (state: NewChatCap['state'], used: number | null): NewChatCap => ({
  state,
  quota: 250,
  used,
  resetsAt: '2026-12-09T00:00:00.000Z',
  slowUntil: state === 'NONE' ? null : '2026-12-08T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:00.000Z',
});

// Migration 0012, on every database the product supports.
describe.each(databaseKinds(inject('postgresUrl')))("a session's new-chat cap, stored on $kind", ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, createLogger('silent'));
    store = createStore(handle);
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  it.skipIf(skip)('is none until read, then the last reading, exactly; a session re-created under the id has none', async () => {
    const session = { id: 'clinic-a', uid: 'uid-1' };
    expect(await store.newChatCaps.get(session)).toBeNull();
    await store.newChatCaps.put(session, cap('FIRST_WARNING', 200));
    await store.newChatCaps.put(session, cap('CAPPED', 250));
    expect(await store.newChatCaps.get(session)).toEqual(cap('CAPPED', 250));
    await store.newChatCaps.put({ id: 'clinic-b', uid: 'uid-2' }, { ...cap('NONE', null), quota: null, resetsAt: null });
    expect(await store.newChatCaps.get({ id: 'clinic-a', uid: 'uid-3' })).toBeNull();
    const many = await store.newChatCaps.getMany([session, { id: 'clinic-b', uid: 'uid-2' }, { id: 'clinic-c', uid: 'uid-4' }]);
    expect([...many.entries()].sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ['clinic-a', cap('CAPPED', 250)],
      ['clinic-b', { ...cap('NONE', null), quota: null, resetsAt: null }],
    ]);
  });

  it.skipIf(skip)('keeps a quota beyond 32 bits as the largest the column holds, rather than failing the write', async () => {
    const session = { id: 'clinic-d', uid: 'uid-5' };
    await store.newChatCaps.put(session, { ...cap('CAPPED', 2 ** 40), quota: 2 ** 40 });
    expect(await store.newChatCaps.get(session)).toMatchObject({ state: 'CAPPED', quota: 2_147_483_647, used: 2_147_483_647 });
  });
});
