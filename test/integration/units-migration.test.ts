import { Writable } from 'node:stream';
import { Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { defaultPacing } from '../../src/core/pacing.js';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { createStore, type Store } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const AT = '2026-11-01T08:00:00.000Z';

// Installs from before units (0020) get one unit per distinct name their data uses; names that
// differ only in case are reported in the migration log and kept apart, never merged.
describe.each(databaseKinds(inject('postgresUrl')))('business units of an older install, on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    store = createStore(handle);
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider });
    expect((await migrator.migrateTo('0019-list-origin')).error).toBeUndefined();
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  async function session(id: string, businessUnit: string): Promise<void> {
    await store.sessions.insert({ id, uid: `uid-${id}`, friendlyName: id, businessUnit, provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: AT, updatedAt: AT });
  }

  async function migrate(): Promise<Array<Record<string, unknown>>> {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    await migrateToLatest(handle, createLogger('info', sink));
    return lines;
  }

  it.skipIf(skip)('makes one unit per distinct name, keeps case variants apart and says which', async () => {
    await session('s1', 'Clinic');
    await session('s2', 'Clinic');
    await session('s3', 'clinic');
    await session('s4', 'Sales');
    await store.apiKeys.insert({ id: 'k1', name: 'clinic key', prefix: 'wab_k1', role: 'operator', businessUnit: 'clinic', createdAt: AT, lastUsedAt: null, revokedAt: null }, 'hash-1');
    await store.apiKeys.insert({ id: 'k2', name: 'admin key', prefix: 'wab_k2', role: 'admin', businessUnit: null, createdAt: AT, lastUsedAt: null, revokedAt: null }, 'hash-2');
    await store.suppressions.add([
      { businessUnit: 'CLINIC', phone: '+6281234567890', reason: null, source: 'api', createdAt: AT },
      { businessUnit: 'Research', phone: '+6281234567890', reason: null, source: 'api', createdAt: AT },
    ]);

    const log = await migrate();
    const units = await store.units.list();
    // Clinic (named 2 times) is what the name means; clinic (2: a session, a key) and CLINIC (1) stay their own units.
    expect(units.map(({ name, variantOf }) => ({ name, variantOf }))).toEqual([
      { name: 'CLINIC', variantOf: 'Clinic' },
      { name: 'Clinic', variantOf: null },
      { name: 'clinic', variantOf: 'Clinic' },
      { name: 'Research', variantOf: null },
      { name: 'Sales', variantOf: null },
    ]);
    const report = log.find((line) => line.migration === '0020-units' && line.level === 40);
    expect(report?.caseVariants).toEqual([
      { name: 'CLINIC', variantOf: 'Clinic' },
      { name: 'clinic', variantOf: 'Clinic' },
    ]);
    expect(String(report?.msg)).toContain('"clinic" (beside "Clinic")');

    // Nothing moved: each spelling keeps its own resources; a new spelling means the unit kept as the name.
    expect((await store.sessions.get('s3'))?.businessUnit).toBe('clinic');
    expect((await store.units.find('clinic'))?.name).toBe('clinic');
    expect((await store.units.find(' cLiNiC '))?.name).toBe('Clinic');

    // An admin renaming a variant apart makes it a unit like any other, with its resources.
    const variant = units.find((unit) => unit.name === 'clinic');
    const renamed = await store.units.rename(String(variant?.id), 'Clinic North');
    expect(renamed).toMatchObject({ name: 'Clinic North', variantOf: null });
    expect((await store.sessions.get('s3'))?.businessUnit).toBe('Clinic North');
    expect((await store.apiKeys.get('k1'))?.businessUnit).toBe('Clinic North');
    // Not into another's name, whatever its case.
    const upper = units.find((unit) => unit.name === 'CLINIC');
    expect(await store.units.rename(String(upper?.id), 'clinic north')).toBe('taken');
  });

  it.skipIf(skip)('starts an empty install with no units and no report', async () => {
    const log = await migrate();
    expect(await store.units.list()).toEqual([]);
    expect(log.filter((line) => line.caseVariants !== undefined)).toEqual([]);
  });
});
