import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { defaultPacing } from '../../src/core/pacing.js';
import type { SessionConfig } from '../../src/core/session-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const log = createLogger('silent');

function sessionConfig(id: string, businessUnit = 'Marketing'): SessionConfig {
  return {
    id,
    friendlyName: `Account ${id}`,
    businessUnit,
    provider: 'sandbox',
    pacing: defaultPacing('sandbox'),
    sandbox: { linkDelayMs: 10 },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
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
  });

  describe.skipIf(skip)('session configs', () => {
    it('stores and returns a config exactly, JSON fields included', async () => {
      const config = { ...sessionConfig('promo'), pacing: { ...defaultPacing('baileys'), window: { startHour: 8, endHour: 20, timezone: 'Asia/Jakarta' } } };
      await store.sessions.insert(config);
      expect(await store.sessions.get('promo')).toEqual(config);
      expect(await store.sessions.get('missing')).toBeUndefined();
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
      const updated = await store.sessions.update('edit', { friendlyName: 'Renamed', sandbox: null }, '2026-02-01T00:00:00.000Z');
      expect(updated).toMatchObject({ friendlyName: 'Renamed', businessUnit: 'Marketing', sandbox: null, updatedAt: '2026-02-01T00:00:00.000Z' });
      expect(await store.sessions.update('nope', { friendlyName: 'x' }, '2026-02-01T00:00:00.000Z')).toBeUndefined();
      expect(await store.sessions.delete('edit')).toBe(true);
      expect(await store.sessions.delete('edit')).toBe(false);
    });
  });

  describe.skipIf(skip)('list recipients', () => {
    it('stores each number once and names the row that has it for each number the list had already', async () => {
      await store.lists.create({
        id: 'list-1',
        name: 'People',
        purpose: 'recipients',
        businessUnit: 'Marketing',
        fileName: 'people.csv',
        fileSize: 100,
        blobSha256: 'a'.repeat(64),
        phoneColumn: null,
        defaultCountry: 'ID',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      const recipient = (seq: number, rowNumber: number, phone: string) => ({ seq, rowNumber, phone, vars: { name: `row ${String(rowNumber)}` } });
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
