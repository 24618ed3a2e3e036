import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { defaultPacing } from '../../src/core/pacing.js';
import { EMPTY_COUNTS } from '../../src/core/recipient-list.js';
import type { SessionConfig } from '../../src/core/session-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import type { NewList } from '../../src/store/list.repository.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { Migrator, sql } from 'kysely';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const log = createLogger('silent');

function sessionConfig(id: string, businessUnit = 'Marketing'): SessionConfig {
  return {
    id,
    uid: `uid-${id}`,
    friendlyName: `Account ${id}`,
    businessUnit,
    provider: 'sandbox',
    pacing: defaultPacing('sandbox'),
    sandbox: { autoLinkMs: 10 },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

function newList(id: string): NewList {
  return {
    id,
    name: 'People',
    purpose: 'recipients',
    businessUnit: 'Marketing',
    fileName: 'people.csv',
    fileSize: 100,
    blobSha256: 'a'.repeat(64),
    phoneColumn: null,
    defaultCountry: 'ID',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

// One contract, every database the product supports: the repositories must behave the same.
describe.each(databaseKinds(inject('postgresUrl')))('store contract on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, log);
    store = createStore(handle);
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  describe.skipIf(skip)('migrations', () => {
    it('can run again with nothing to do', async () => {
      await migrateToLatest(handle, log);
      await store.sessions.insert(sessionConfig('after-second-run'));
      expect(await store.sessions.get('after-second-run')).toBeDefined();
    });

    it('keeps the lists imported before their recipients were keyed by list number (0007), and back', async () => {
      const older = await create();
      const olderHandle = createDatabase(older.target);
      try {
        const migrator = new Migrator({ db: olderHandle.db, provider: migrationProvider });
        expect((await migrator.migrateTo('0006-blasts')).error).toBeUndefined();
        // Two lists as 0006 stored them, by their ids.
        for (const [index, id] of ['list-old-a', 'list-old-b'].entries()) {
          await sql`
            INSERT INTO lists (id, name, business_unit, status, file_name, file_size, blob_sha256, default_country, created_at, updated_at)
            VALUES (${id}, ${id}, 'Marketing', 'ready', 'a.csv', 1, ${'a'.repeat(64)}, 'ID', ${`2026-01-0${String(index + 1)}T00:00:00.000Z`}, '2026-01-01T00:00:00.000Z')
          `.execute(olderHandle.db);
          await sql`
            INSERT INTO list_recipients (list_id, seq, row_number, phone, vars)
            VALUES (${id}, 1, 2, ${`+62812000000${String(index)}1`}, ${JSON.stringify({ name: `${id} one` })}),
                   (${id}, 2, 4, ${`+62812000000${String(index)}2`}, ${JSON.stringify({ name: `${id} two` })})
          `.execute(olderHandle.db);
          await sql`INSERT INTO list_rejects (list_id, row_number, raw_value, reason, duplicate_of_row) VALUES (${id}, 3, '0812', 'INVALID_PHONE', NULL)`.execute(olderHandle.db);
        }
        await migrateToLatest(olderHandle, log);
        const migrated = createStore(olderHandle);
        const namesOf = async (id: string) => (await migrated.lists.recipients(id, { limit: 10, offset: 0 })).items.map((item) => [item.rowNumber, item.phone, item.vars.name]);
        expect(await namesOf('list-old-b')).toEqual([
          [2, '+6281200000011', 'list-old-b one'],
          [4, '+6281200000012', 'list-old-b two'],
        ]);
        expect(await migrated.lists.rejects('list-old-a', { limit: 10, offset: 0 })).toEqual({ total: 1, items: [{ rowNumber: 3, rawValue: '0812', reason: 'INVALID_PHONE', duplicateOfRow: null, vars: {} }] });

        // A list made after the migration takes a number of its own: its rows are its own.
        await migrated.lists.create({ ...newList('list-new'), createdAt: '2026-02-01T00:00:00.000Z' });
        await migrated.lists.progress('list-new', { counts: EMPTY_COUNTS, columns: [{ header: 'Name', key: 'name' }] }, '2026-02-01T00:00:00.000Z');
        expect(await migrated.lists.insertRecipients('list-new', [{ seq: 1, rowNumber: 2, phone: '+6281200000011', values: ['new'] }])).toEqual(new Map());
        expect(await namesOf('list-new')).toEqual([[2, '+6281200000011', 'new']]);
        expect(await migrated.lists.delete('list-old-b')).toBe(true);
        expect(await namesOf('list-new')).toEqual([[2, '+6281200000011', 'new']]);
        expect(await namesOf('list-old-a')).toHaveLength(2);

        // And down again: the rows keyed by list id, as 0006 reads them.
        expect((await migrator.migrateTo('0006-blasts')).error).toBeUndefined();
        const back = await sql<{ list_id: string; phone: string }>`SELECT list_id, phone FROM list_recipients ORDER BY list_id, seq`.execute(olderHandle.db);
        expect(back.rows.map((row) => [row.list_id, row.phone])).toEqual([
          ['list-new', '+6281200000011'],
          ['list-old-a', '+6281200000001'],
          ['list-old-a', '+6281200000002'],
        ]);
      } finally {
        await olderHandle.close();
        await older.drop();
      }
    });
  });

  describe.skipIf(skip)('migration 0008 (session identities)', () => {
    it('binds blasts made before it to their sessions, not to one re-created under an id since, and back', async () => {
      const older = await create();
      const olderHandle = createDatabase(older.target);
      try {
        const migrator = new Migrator({ db: olderHandle.db, provider: migrationProvider });
        expect((await migrator.migrateTo('0007-list-keys')).error).toBeUndefined();
        // `kept` sent the blast; `reused` was deleted after the blast was made and created again by Sales; `gone` was deleted.
        for (const [id, unit, at] of [['kept', 'Marketing', '2026-01-01T00:00:00.000Z'], ['reused', 'Sales', '2026-03-01T00:00:00.000Z']] as const) {
          await sql`
            INSERT INTO session_configs (id, friendly_name, business_unit, provider, created_at, updated_at)
            VALUES (${id}, ${id}, ${unit}, 'sandbox', ${at}, ${at})
          `.execute(olderHandle.db);
        }
        await sql`
          INSERT INTO blasts (id, name, business_unit, status, list_id, message, created_at, updated_at)
          VALUES ('b-old', 'Old', 'Marketing', 'paused', 'list-x', 'Hi', '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z')
        `.execute(olderHandle.db);
        for (const session of ['kept', 'reused', 'gone']) {
          await sql`INSERT INTO blast_sessions (blast_id, session_id) VALUES ('b-old', ${session})`.execute(olderHandle.db);
        }

        await migrateToLatest(olderHandle, log);
        const migrated = createStore(olderHandle);
        const kept = await migrated.sessions.get('kept');
        const reused = await migrated.sessions.get('reused');
        expect(kept?.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(reused?.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(kept?.uid).not.toBe(reused?.uid);
        expect((await migrated.blasts.get('b-old'))?.sessions).toEqual([
          { sessionId: 'gone', sessionUid: null, pausedReason: null },
          { sessionId: 'kept', sessionUid: kept?.uid, pausedReason: null },
          { sessionId: 'reused', sessionUid: null, pausedReason: null },
        ]);
        expect(await migrated.blasts.sendingSessions('b-old')).toEqual(['kept']);
        if (!kept || !reused) throw new Error('sessions lost by the migration');
        expect(await migrated.blasts.unfinishedForSession(kept)).toEqual(['b-old']);
        expect(await migrated.blasts.unfinishedForSession(reused)).toEqual([]);
        // A session made after it has an identity of its own.
        await migrated.sessions.insert(sessionConfig('new-one'));
        expect((await migrated.sessions.get('new-one'))?.uid).toBe('uid-new-one');

        // And down again: the tables as 0007 left them, the rows kept.
        expect((await migrator.migrateTo('0007-list-keys')).error).toBeUndefined();
        const back = await sql<{ id: string }>`SELECT id FROM session_configs ORDER BY id`.execute(olderHandle.db);
        expect(back.rows.map((row) => row.id)).toEqual(['kept', 'new-one', 'reused']);
        const bound = await sql<{ session_id: string }>`SELECT session_id FROM blast_sessions ORDER BY session_id`.execute(olderHandle.db);
        expect(bound.rows.map((row) => row.session_id)).toEqual(['gone', 'kept', 'reused']);
        await expect(sql`SELECT uid FROM session_configs`.execute(olderHandle.db)).rejects.toThrow();
        await expect(sql`SELECT session_uid FROM blast_sessions`.execute(olderHandle.db)).rejects.toThrow();
      } finally {
        await olderHandle.close();
        await older.drop();
      }
    });
  });

  describe.skipIf(skip)('session configs', () => {
    it('stores and returns a config exactly, JSON fields included', async () => {
      const config = { ...sessionConfig('promo'), pacing: { ...defaultPacing('baileys'), window: { startHour: 8, endHour: 20, timezone: 'Asia/Jakarta' } } };
      await store.sessions.insert(config);
      expect(await store.sessions.get('promo')).toEqual(config);
      expect(await store.sessions.get('missing')).toBeUndefined();
    });

    it('reads sandbox settings stored before they had bounds back within them: clamped, or left to their default', async () => {
      await store.sessions.insert(sessionConfig('old-sandbox'));
      const stored = { qrRotateMs: 0, sendLatencyMs: 9e15, notOnWhatsApp: null, transientFailureRate: 7, deliveryDelayMs: null, readDelayMs: 'soon', linkMode: 'auto', extra: { a: 1 } };
      await sql`UPDATE session_configs SET sandbox = ${JSON.stringify(stored)} WHERE id = 'old-sandbox'`.execute(handle.db);
      const read = await store.sessions.get('old-sandbox');
      expect(read?.sandbox).toEqual({ qrRotateMs: 5_000, sendLatencyMs: 30_000, transientFailureRate: 1, deliveryDelayMs: null, linkMode: 'auto' });
    });

    it('keeps a restriction WhatsApp put on the very session (0009), lifts only one over by a time, and finds those over', async () => {
      await store.sessions.insert(sessionConfig('locked'));
      const config = await store.sessions.get('locked');
      const ref = { id: 'locked', uid: config?.uid ?? '' };
      expect(await store.sessions.restriction(ref)).toBeNull();
      const restriction = { reason: 'reachout_timelock', code: '463', until: '2026-03-01T11:00:00.000Z' };
      expect(await store.sessions.setRestriction(ref, restriction)).toBe(true);
      expect(await store.sessions.setRestriction({ id: 'locked', uid: 'another-uid' }, restriction)).toBe(false);
      expect(await store.sessions.restriction(ref)).toEqual(restriction);
      expect(await store.sessions.restriction({ id: 'locked', uid: 'another-uid' })).toBeNull();
      expect(await store.sessions.restrictionsEndedBy('2026-03-01T10:59:59.999Z')).toEqual([]);
      expect(await store.sessions.restrictionsEndedBy('2026-03-01T11:00:00.000Z')).toEqual([ref]);
      expect(await store.sessions.clearRestriction(ref, '2026-03-01T10:00:00.000Z')).toBe(false);
      expect(await store.sessions.clearRestriction(ref, '2026-03-01T11:00:00.000Z')).toBe(true);
      expect(await store.sessions.restriction(ref)).toBeNull();
      // One with no end stays until cleared by hand.
      await store.sessions.setRestriction(ref, { reason: 'reachout_timelock', code: '463', until: null });
      expect(await store.sessions.restrictionsEndedBy('2099-01-01T00:00:00.000Z')).toEqual([]);
      expect(await store.sessions.clearRestriction(ref)).toBe(true);
      expect(await store.sessions.clearRestriction(ref)).toBe(false);
    });

    it('refuses a duplicate id with SESSION_EXISTS', async () => {
      await store.sessions.insert(sessionConfig('dup'));
      await expect(store.sessions.insert(sessionConfig('dup'))).rejects.toMatchObject({ code: 'SESSION_EXISTS', status: 409 });
    });

    it('lists in id order, filtered by business unit', async () => {
      await store.sessions.insert(sessionConfig('b-sales', 'Sales'));
      await store.sessions.insert(sessionConfig('a-promo', 'Marketing'));
      await store.sessions.insert(sessionConfig('c-promo', 'Marketing'));
      expect((await store.sessions.list({})).map((config) => config.id)).toEqual(['a-promo', 'b-sales', 'c-promo']);
      expect((await store.sessions.list({ businessUnit: 'Marketing' })).map((config) => config.id)).toEqual(['a-promo', 'c-promo']);
    });

    it('updates only the given fields and deletes', async () => {
      await store.sessions.insert(sessionConfig('edit'));
      const updated = await store.sessions.update({ id: 'edit', uid: 'uid-edit' }, { friendlyName: 'Renamed', sandbox: null }, '2026-02-01T00:00:00.000Z');
      expect(updated).toMatchObject({ friendlyName: 'Renamed', businessUnit: 'Marketing', sandbox: null, updatedAt: '2026-02-01T00:00:00.000Z' });
      expect(await store.sessions.update({ id: 'nope', uid: 'uid-nope' }, { friendlyName: 'x' }, '2026-02-01T00:00:00.000Z')).toBeUndefined();
      // Only the very session that was read: not one re-created under its id since.
      expect(await store.sessions.update({ id: 'edit', uid: 'uid-other' }, { friendlyName: 'x' }, '2026-02-01T00:00:00.000Z')).toBeUndefined();
      expect(await store.sessions.delete({ id: 'edit', uid: 'uid-other' })).toBe(false);
      expect(await store.sessions.delete({ id: 'edit', uid: 'uid-edit' })).toBe(true);
      expect(await store.sessions.delete({ id: 'edit', uid: 'uid-edit' })).toBe(false);
    });
  });

  describe.skipIf(skip)('list recipients', () => {
    it('stores each number once and names the row that has it for each number the list had already', async () => {
      await store.lists.create(newList('list-1'));
      // Values in the order of the list's columns, which name them when they are read.
      await store.lists.progress('list-1', { counts: EMPTY_COUNTS, columns: [{ header: 'Name', key: 'name' }, { header: 'City', key: 'city' }] }, '2026-01-01T00:00:00.000Z');
      const recipient = (seq: number, rowNumber: number, phone: string) => ({ seq, rowNumber, phone, values: [`row ${String(rowNumber)}`, 'Jakarta'] });
      const first = await store.lists.insertRecipients('list-1', [recipient(1, 2, '+6281200000001'), recipient(2, 3, '+6281200000002')]);
      expect(first).toEqual(new Map());
      const second = await store.lists.insertRecipients('list-1', [
        recipient(3, 4, '+6281200000003'),
        recipient(4, 5, '+6281200000002'),
        recipient(5, 6, '+6281200000004'),
        recipient(6, 7, '+6281200000001'),
      ]);
      expect(second).toEqual(new Map([['+6281200000002', 3], ['+6281200000001', 2]]));
      const stored = await store.lists.recipients('list-1', { limit: 10, offset: 0 });
      expect(stored.items.map((item) => [item.seq, item.rowNumber, item.phone, item.vars.name])).toEqual([
        [1, 2, '+6281200000001', 'row 2'],
        [2, 3, '+6281200000002', 'row 3'],
        [3, 4, '+6281200000003', 'row 4'],
        [5, 6, '+6281200000004', 'row 6'],
      ]);
      expect(stored.total).toBe(4);
      expect(stored.items[0]?.vars).toEqual({ name: 'row 2', city: 'Jakarta' });
    });
  });

  describe.skipIf(skip)('api keys', () => {
    const key = {
      id: '00000000-0000-4000-8000-000000000001',
      name: 'frontend',
      prefix: 'wab_abcdef',
      role: 'operator' as const,
      businessUnit: 'Marketing',
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
    };

    it('finds an active key by hash, and no longer once revoked', async () => {
      await store.apiKeys.insert(key, 'a'.repeat(64));
      expect(await store.apiKeys.findActiveByHash('a'.repeat(64))).toEqual(key);
      expect(await store.apiKeys.revoke(key.id, '2026-01-02T00:00:00.000Z')).toBe(true);
      expect(await store.apiKeys.findActiveByHash('a'.repeat(64))).toBeUndefined();
      expect(await store.apiKeys.revoke(key.id, '2026-01-03T00:00:00.000Z')).toBe(true);
      expect((await store.apiKeys.get(key.id))?.revokedAt).toBe('2026-01-02T00:00:00.000Z');
      expect(await store.apiKeys.revoke('00000000-0000-4000-8000-000000000009', '2026-01-03T00:00:00.000Z')).toBe(false);
    });

    it('records use and purges keys revoked long ago', async () => {
      await store.apiKeys.insert(key, 'b'.repeat(64));
      await store.apiKeys.insert({ ...key, id: '00000000-0000-4000-8000-000000000002' }, 'c'.repeat(64));
      await store.apiKeys.touch(key.id, '2026-01-05T00:00:00.000Z');
      expect((await store.apiKeys.get(key.id))?.lastUsedAt).toBe('2026-01-05T00:00:00.000Z');
      await store.apiKeys.revoke(key.id, '2026-01-10T00:00:00.000Z');
      expect(await store.apiKeys.purgeRevoked('2026-01-09T00:00:00.000Z')).toBe(0);
      expect(await store.apiKeys.purgeRevoked('2026-01-11T00:00:00.000Z')).toBe(1);
      expect((await store.apiKeys.list()).map((k) => k.id)).toEqual(['00000000-0000-4000-8000-000000000002']);
    });
  });
});
