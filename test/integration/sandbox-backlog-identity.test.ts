import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { defaultPacing } from '../../src/core/pacing.js';
import type { SessionConfig } from '../../src/core/session-config.js';
import { systemClock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createSandboxProvider } from '../../src/providers/sandbox/sandbox.provider.js';
import { resolveSandboxSettings } from '../../src/providers/sandbox/sandbox-settings.js';
import { SANDBOX_BACKLOG_LIMIT, createSessionControlService } from '../../src/sessions/session-control.service.js';
import { LiveStatusStore } from '../../src/sessions/live-status.js';
import { SessionLeases } from '../../src/sessions/session-leases.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { EventLog } from '../contract/provider-subject.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';
import { deletePrefix, uniquePrefix } from '../support/redis.js';

const AT = '2026-03-01T10:00:00.000Z';
const ADMIN = { kind: 'admin', keyId: null } as const;

function session(uid: string, businessUnit: string): SessionConfig {
  return { id: 's1', uid, friendlyName: 'S', businessUnit, provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: AT, updatedAt: AT };
}

// Session ids are names a unit chooses; a deleted session's id may be taken again by another unit.
describe.each(databaseKinds(inject('postgresUrl')))("the sandbox backlog belongs to the session's identity, not its id, on $kind", ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  let redis: Redis;
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix('backlog-uid');

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, createLogger('silent'));
    store = createStore(handle);
    redis = new Redis(redisUrl, { keyPrefix: `${prefix}:` });
  });
  afterEach(async () => {
    if (skip) return;
    redis.disconnect();
    await deletePrefix(redisUrl, prefix);
    await handle.close();
    await database.drop();
  });

  it.skipIf(skip)("a STOP queued for a session deleted meanwhile never reaches a later session of the id (another unit's)", async () => {
    const clinic = session('uid-clinic', 'Clinic');
    const sales = session('uid-sales', 'Sales');
    await store.sessions.insert(clinic);
    const control = createSessionControlService({ store, live: new LiveStatusStore(redis), leases: new SessionLeases(redis, 'w', 30_000), redis, prefix, clock: systemClock });
    // The call has found Clinic's s1 when the session is deleted, and s1 created
    // again by Sales: what the race between the two api requests leaves behind.
    const get = store.sessions.get.bind(store.sessions);
    const racing: Store = {
      ...store,
      sessions: Object.assign(Object.create(store.sessions) as Store['sessions'], {
        get: async (id: string) => {
          const found = await get(id);
          if (found?.uid === clinic.uid) {
            // (Forgetting the deleted session, the api's next step, finds nothing of it to clear yet.)
            await store.sessions.delete(clinic);
            await store.sessions.insert(sales);
          }
          return found;
        },
      }),
    };
    const racingControl = createSessionControlService({ store: racing, live: new LiveStatusStore(redis), leases: new SessionLeases(redis, 'w', 30_000), redis, prefix, clock: systemClock });
    await racingControl.sandboxInbound(ADMIN, 's1', { from: '+6281200000004', text: 'STOP', whileDisconnected: true, messageId: '3EB0GONE0001' }).catch(() => undefined);
    // A message queued for Sales' s1 after that is its own.
    await control.sandboxInbound(ADMIN, 's1', { from: '+6281200000005', text: 'hello', whileDisconnected: true, messageId: '3EB0MINE0001' });

    // Sales' s1 connects: it hears its own message only.
    const log = new EventLog();
    const provider = createSandboxProvider({
      sessionId: 's1',
      sessionUid: sales.uid,
      settings: resolveSandboxSettings('s1', null),
      sink: log.sink,
      authStore: store.authState,
      outbox: store.sandboxOutbox,
      backlog: store.sandboxBacklog,
      clock: systemClock,
    });
    await store.authState.writeCreds('s1', JSON.stringify({ linked: true, phone: '+6281299999999', linkedAt: AT }));
    await provider.connect();
    await log.wait(statusOf('connected'));
    await log.wait(eventOf('inbound', (event) => event.messageId === '3EB0MINE0001'));
    expect(log.events.flatMap((event) => (event.type === 'inbound' ? [event.messageId] : []))).toEqual(['3EB0MINE0001']);
    await provider.close();
  });

  it.skipIf(skip)('the backlog limit holds when calls come at once', async () => {
    const clinic = session('uid-clinic', 'Clinic');
    await store.sessions.insert(clinic);
    const control = createSessionControlService({ store, live: new LiveStatusStore(redis), leases: new SessionLeases(redis, 'w', 30_000), redis, prefix, clock: systemClock });
    const inbound = (n: number) => control.sandboxInbound(ADMIN, 's1', { from: '+6281200000004', text: `m${n}`, whileDisconnected: true });
    for (let n = 0; n < SANDBOX_BACKLOG_LIMIT - 10; n++) await inbound(n);
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, n) => inbound(SANDBOX_BACKLOG_LIMIT + n)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as { code?: string }).code] : []));
    expect(refused).toEqual(Array.from({ length: 30 }, () => 'SANDBOX_BACKLOG_FULL'));
    const stored = await handle.db.selectFrom('sandbox_backlog').select((eb) => eb.fn.countAll<string | number>().as('n')).where('session_id', '=', 's1').executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(SANDBOX_BACKLOG_LIMIT);
  });
});
