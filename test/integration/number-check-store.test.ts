import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { defaultPacing } from '../../src/core/pacing.js';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { BacklogItem } from '../../src/store/sandbox-backlog.repository.js';
import { createStore, type Store } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const log = createLogger('silent');
const AT = '2026-03-01T10:00:00.000Z';
const LATER = '2026-03-01T12:00:00.000Z';
const NEXT_WEEK = '2026-03-08T10:00:00.000Z';

// Migration 0011's tables behave the same on both databases.
describe.each(databaseKinds(inject('postgresUrl')))('number checks and the sandbox backlog on $kind', ({ skip, create }) => {
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

  it.skipIf(skip)('keeps each answer for its scope until it expires; a later answer replaces it; expired answers are forgotten', async () => {
    await store.numberChecks.remember(
      'Marketing',
      [
        { phone: '+551187654321', check: { onWhatsApp: true, address: '5511987654321@s.whatsapp.net' }, expiresAt: NEXT_WEEK },
        { phone: '+6281200000002', check: { onWhatsApp: false }, expiresAt: '2026-03-01T11:00:00.000Z' },
      ],
      AT,
    );
    const phones = ['+551187654321', '+6281200000002', '+6281200000003'];
    expect(await store.numberChecks.fresh('Marketing', phones, AT)).toEqual(
      new Map([
        ['+551187654321', { onWhatsApp: true, address: '5511987654321@s.whatsapp.net' }],
        ['+6281200000002', { onWhatsApp: false }],
      ]),
    );
    // Another unit learns nothing from Marketing's checks.
    expect((await store.numberChecks.fresh('Sales', phones, AT)).size).toBe(0);
    // Two hours on: "not on WhatsApp" has expired, and the next answer forgets it for good.
    expect([...(await store.numberChecks.fresh('Marketing', phones, LATER)).keys()]).toEqual(['+551187654321']);
    await store.numberChecks.remember('Marketing', [{ phone: '+551187654321', check: { onWhatsApp: false }, expiresAt: NEXT_WEEK }], LATER);
    expect(await store.numberChecks.fresh('Marketing', phones, AT)).toEqual(new Map([['+551187654321', { onWhatsApp: false }]]));
  });

  it.skipIf(skip)('keeps a backlog per session, oldest first, until delivered', async () => {
    const a = { id: 'a', uid: 'uid-a' };
    const b = { id: 'b', uid: 'uid-b' };
    for (const ref of [a, b]) {
      await store.sessions.insert({ ...ref, friendlyName: 'S', businessUnit: 'Marketing', provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: AT, updatedAt: AT });
    }
    for (const [session, messageId] of [[a, 'M1'], [b, 'M9'], [a, 'M2'], [a, 'M1']] as const) {
      expect(await store.sandboxBacklog.add(session, { messageId, from: '+6281200000001', text: 'STOP', queuedAt: AT }, 10)).toBe(true);
    }
    // Not for another session of the id (an earlier one, deleted), nor past the limit.
    expect(await store.sandboxBacklog.add({ id: 'a', uid: 'uid-gone' }, { messageId: 'M7', from: '+6281200000001', text: 'STOP', queuedAt: AT }, 10)).toBe(false);
    expect(await store.sandboxBacklog.add(a, { messageId: 'M8', from: '+6281200000001', text: 'STOP', queuedAt: AT }, 3)).toBe(false);
    const label = (item: BacklogItem): string => (item.signal ? `signal:${item.signal.kind}` : item.messageId);
    const waiting = await store.sandboxBacklog.waiting(a, 10);
    expect(waiting.map(label)).toEqual(['M1', 'M2', 'M1']);
    expect(waiting[0]).toMatchObject({ from: '+6281200000001', text: 'STOP', queuedAt: AT });
    await store.sandboxBacklog.remove(a, waiting.slice(0, 2).map((message) => message.seq));
    expect((await store.sandboxBacklog.waiting(a, 10)).map(label)).toEqual(['M1']);
    // A signal waits in line behind the messages, on the same limit, and comes back as it was sent.
    expect(await store.sandboxBacklog.addSignal(a, { kind: 'capping', state: 'FIRST_WARNING', quota: 40 }, AT, 10)).toBe(true);
    expect(await store.sandboxBacklog.addSignal(a, { kind: 'ack_error', code: '463' }, AT, 2)).toBe(false);
    expect(await store.sandboxBacklog.addSignal({ id: 'a', uid: 'uid-gone' }, { kind: 'ack_error', code: '463' }, AT, 10)).toBe(false);
    const withSignal = await store.sandboxBacklog.waiting(a, 10, { live: true });
    expect(withSignal.map(label)).toEqual(['signal:capping']);
    expect(withSignal[0]?.signal).toEqual({ kind: 'capping', state: 'FIRST_WARNING', quota: 40 });
    expect((await store.sandboxBacklog.waiting(a, 10)).map(label)).toEqual(['M1', 'signal:capping']);
    await store.sandboxBacklog.remove(a, withSignal.map((item) => item.seq));
    expect(await store.sandboxBacklog.count(b)).toBe(1);
    await store.sandboxBacklog.clear({ id: 'a', uid: 'uid-gone' });
    expect(await store.sandboxBacklog.count(a)).toBe(1);
    await store.sandboxBacklog.clear(a);
    expect(await store.sandboxBacklog.count(a)).toBe(0);
  });

  it.skipIf(skip)("stores a session's own number-check setting, and null as the provider's default", async () => {
    const session = { id: 's1', uid: 'u1', friendlyName: 'S', businessUnit: 'Marketing', provider: 'baileys' as const, pacing: defaultPacing('baileys'), sandbox: null, createdAt: AT, updatedAt: AT };
    await store.sessions.insert(session);
    expect((await store.sessions.get('s1'))?.checkNumbers).toBeUndefined();
    await store.sessions.update(session, { checkNumbers: false }, LATER);
    expect((await store.sessions.get('s1'))?.checkNumbers).toBe(false);
    await store.sessions.update(session, { checkNumbers: null }, LATER);
    expect((await store.sessions.get('s1'))?.checkNumbers).toBeUndefined();
  });
});
