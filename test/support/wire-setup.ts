import { afterEach, beforeEach } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { sqliteDatabase, type TestDatabase } from './databases.js';
import { WaWire } from './wa-wire.js';

export interface LinkedWire {
  handle: DatabaseHandle;
  store: Store;
  wire: WaWire;
}

/**
 * What each wire test starts from: a migrated SQLite store of its own and a test WhatsApp that
 * already holds linked creds for `sessionId`, made before each test and dropped after it. Call it
 * before the file's own hooks: vitest runs after-hooks in reverse, so a provider the file closes
 * in its afterEach is closed before this closes the wire and the database.
 */
export function linkedWire(sessionId: string): () => LinkedWire {
  let current: (LinkedWire & { database: TestDatabase }) | undefined;
  beforeEach(async () => {
    const database = sqliteDatabase();
    const handle = createDatabase(database.target);
    await migrateToLatest(handle, createLogger('silent'));
    const store = createStore(handle);
    const wire = await WaWire.start();
    await wire.storeLinkedCreds(store.authState, sessionId);
    current = { database, handle, store, wire };
  });
  afterEach(async () => {
    if (!current) return;
    const { database, handle, wire } = current;
    current = undefined;
    await wire.close();
    await handle.close();
    await database.drop();
  });
  return () => {
    if (!current) throw new Error('linkedWire: read outside a test');
    return current;
  };
}
