import { BufferJSON, type SignalDataTypeMap } from 'baileys';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import { loadDbAuthState, pruneExpiredTcTokens } from '../../src/providers/baileys/db-auth-state.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const silent = createLogger('silent');
const NOW = new Date('2026-12-07T12:00:00Z');
const daysAgo = (n: number): number => Math.floor(NOW.getTime() / 1000) - n * 86_400;
type TcToken = SignalDataTypeMap['tctoken'];

describe.each(databaseKinds(inject('postgresUrl')))('memory per idle session (item 10), auth state on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let authStore: AuthStateStore;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, silent);
    authStore = createStore(handle).authState;
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  const writeTokens = (sessionId: string, tokens: Record<string, TcToken>): Promise<void> =>
    authStore.writeKeys(
      sessionId,
      Object.entries(tokens).map(([id, value]) => ({ category: 'tctoken', id, value: JSON.stringify(value, BufferJSON.replacer) })),
    );

  it.skipIf(skip)('prunes expired privacy tokens as baileys would online: expired ones go, live ones and live sender stamps stay', async () => {
    const live = '100000000000001@lid';
    const expired = '100000000000002@lid';
    const stampOnly = '100000000000003@lid';
    const otherSession = '100000000000004@lid';
    await writeTokens('s1', {
      [live]: { token: Buffer.from([1, 2, 3]), timestamp: String(daysAgo(3)) },
      [expired]: { token: Buffer.from([4, 5, 6]), timestamp: String(daysAgo(40)), senderTimestamp: daysAgo(45) },
      // Our own stamp of a token we issued lives on after the contact's token expired.
      [stampOnly]: { token: Buffer.from([7]), timestamp: String(daysAgo(40)), senderTimestamp: daysAgo(2) },
      __index: { token: Buffer.from(JSON.stringify([live, expired, stampOnly])) },
    });
    await writeTokens('s2', { [otherSession]: { token: Buffer.from([8]), timestamp: String(daysAgo(40)) } });

    const auth = await loadDbAuthState(authStore, 's1');
    // The socket's cached store has read them all: pruning must not leave them in its cache.
    expect(Object.keys(await auth.state.keys.get('tctoken', [live, expired, stampOnly]))).toHaveLength(3);

    const result = await pruneExpiredTcTokens(authStore, 's1', auth.state.keys, NOW);

    expect(result).toEqual({ deleted: 1, kept: 2 });
    const stored = await authStore.readCategory('s1', 'tctoken');
    expect([...stored.keys()].sort()).toEqual([live, stampOnly, '__index'].sort());
    const seen = await auth.state.keys.get('tctoken', [live, expired, stampOnly]);
    expect(seen[expired] ?? undefined).toBeUndefined(); // baileys' cached store answers a deleted key with null
    expect(Buffer.from(seen[stampOnly]?.token ?? []).length).toBe(0);
    expect(seen[stampOnly]?.senderTimestamp).toBe(daysAgo(2));
    expect(Buffer.from(seen[live]?.token ?? [])).toEqual(Buffer.from([1, 2, 3]));
    const index = (await auth.state.keys.get('tctoken', ['__index'])).__index;
    expect((JSON.parse(Buffer.from(index?.token ?? []).toString()) as string[]).sort()).toEqual([live, stampOnly].sort());
    // Another session's keys are its own business.
    expect((await authStore.readCategory('s2', 'tctoken')).has(otherSession)).toBe(true);
    // Nothing more to do the second time.
    expect(await pruneExpiredTcTokens(authStore, 's1', auth.state.keys, NOW)).toEqual({ deleted: 0, kept: 2 });
  });

  it.skipIf(skip)('the signal keys kept in memory in front of the database stay within their bound while contacts churn', async () => {
    const reads: string[] = [];
    const counting: AuthStateStore = {
      ...authStore,
      readKeys: (sessionId, category, ids) => {
        reads.push(...ids);
        return authStore.readKeys(sessionId, category, ids);
      },
    };
    const auth = await loadDbAuthState(counting, 's1');
    const first = '6285700000000.0';
    await auth.state.keys.set({ session: { [first]: Buffer.from([1]) } });
    // More contacts than the bound (KEY_CACHE, 1,000 keys), within baileys' 5-minute time to live.
    const others = Array.from({ length: 1_500 }, (_, k) => `62857${String(k + 1).padStart(8, '0')}.0`);
    await auth.state.keys.set({ session: Object.fromEntries(others.map((id) => [id, Buffer.from([2])])) });
    reads.length = 0;
    const again = await auth.state.keys.get('session', [first]);
    // The first one left memory, and is read again from the database: nothing is lost.
    expect(reads).toEqual([first]);
    expect(Buffer.from(again[first] ?? [])).toEqual(Buffer.from([1]));
  });
});
