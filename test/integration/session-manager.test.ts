import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { defaultPacing } from '../../src/core/pacing.js';
import { createEventPublisher } from '../../src/events/event-bus.js';
import { systemClock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import type { MessagingProvider, ProviderEvent, ProviderEventSink } from '../../src/providers/provider.js';
import { InboundDedupe } from '../../src/sessions/inbound-dedupe.js';
import { LiveStatusStore } from '../../src/sessions/live-status.js';
import { SessionLeases } from '../../src/sessions/session-leases.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { SessionManager } from '../../src/worker/session-manager.js';
import { sqliteDatabase, type TestDatabase } from '../support/databases.js';
import { deletePrefix, uniquePrefix } from '../support/redis.js';

const silent = createLogger('silent');
const SESSION = 'promo';
const AT = '2026-01-05T09:00:00.000Z';

/** A provider that does what the test says: it hands its sink out and reports closes. */
function stubProviders(): { create: (config: unknown, sink: ProviderEventSink) => MessagingProvider; sinks: ProviderEventSink[]; closes: number } {
  const state = { sinks: [] as ProviderEventSink[], closes: 0 };
  const fail = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    get sinks() {
      return state.sinks;
    },
    get closes() {
      return state.closes;
    },
    create: (_config, sink) => {
      state.sinks.push(sink);
      return {
        connect: () => {
          sink({ type: 'status', status: 'connected' });
          return Promise.resolve();
        },
        send: fail,
        prepareMedia: fail,
        checkNumbers: fail,
        setTyping: fail,
        newChatCap: () => Promise.resolve(null),
        logout: () => Promise.resolve(),
        close: () => {
          state.closes += 1;
          return Promise.resolve();
        },
      };
    },
  };
}

describe('session manager', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  let redis: Redis;
  let subscriber: Redis;
  let prefix: string;
  let leases: SessionLeases;
  let manager: SessionManager;
  let providers: ReturnType<typeof stubProviders>;
  const heard: ProviderEvent[] = [];
  /** Makes the listener fail on an event (say the opt-out could not be stored) while it returns true. */
  let failing: (event: ProviderEvent) => boolean = () => false;

  beforeEach(async () => {
    database = sqliteDatabase();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, silent);
    store = createStore(handle);
    await store.sessions.insert({ id: SESSION, uid: randomUUID(), friendlyName: 'Promo', businessUnit: 'Marketing', provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: AT, updatedAt: AT });
    await store.sessions.setDesiredState(SESSION, 'connected', null);
    prefix = uniquePrefix('sessions');
    redis = new Redis(inject('redisUrl'), { keyPrefix: `${prefix}:` });
    subscriber = new Redis(inject('redisUrl'), { keyPrefix: `${prefix}:` });
    leases = new SessionLeases(redis, 'worker-a', 30_000);
    providers = stubProviders();
    heard.length = 0;
    failing = () => false;
    manager = new SessionManager({
      workerId: 'worker-a',
      store,
      leases,
      inbound: new InboundDedupe(redis),
      live: new LiveStatusStore(redis),
      events: createEventPublisher(redis, prefix),
      createProvider: providers.create,
      subscriber,
      prefix,
      clock: systemClock,
      log: silent,
      maxSessions: 10,
      reconcileIntervalMs: 3_600_000,
    });
    manager.onSessionEvent(async (_session, event) => {
      heard.push(event);
      await Promise.resolve();
      if (failing(event)) throw new Error('the database is busy');
    });
    await manager.start();
    expect(manager.ownedSessionIds).toEqual([SESSION]);
  });
  afterEach(async () => {
    await manager.stop();
    redis.disconnect();
    subscriber.disconnect();
    await deletePrefix(inject('redisUrl'), prefix);
    await handle.close();
    await database.drop();
  });

  it('replaced while holding the lease: the session stays down until an operator connects it again', async () => {
    providers.sinks[0]?.({ type: 'status', status: 'disconnected', reason: 'connection_replaced' });
    await expect.poll(() => store.sessions.getDesiredState(SESSION)).toMatchObject({ state: 'disconnected' });
    expect(manager.ownedSessionIds).toEqual([]);
  });

  it('replaced after another worker took the lease over: lets go quietly and leaves the desired state alone', async () => {
    // The lease ran out (say the link hung) and worker B took the session: its socket replaced ours.
    await redis.del(SessionLeases.key(SESSION));
    const taken = await new SessionLeases(redis, 'worker-b', 30_000).acquire(SESSION);
    expect(taken).toBeDefined();
    providers.sinks[0]?.({ type: 'status', status: 'disconnected', reason: 'connection_replaced' });
    // Closing the provider is the last thing the manager does with a session it lets go.
    await expect.poll(() => providers.closes).toBe(1);
    expect(manager.ownedSessionIds).toEqual([]);
    expect(await store.sessions.getDesiredState(SESSION)).toMatchObject({ state: 'connected' });
    expect(await leases.owner(SESSION)).toBe('worker-b');
  });

  it('counts failed reconnect attempts for the gauge, back to 0 once linked', async () => {
    const sink = providers.sinks[0];
    sink?.({ type: 'status', status: 'disconnected', reason: 'whatsapp_unreachable: getaddrinfo ENOTFOUND web.whatsapp.com', attempt: 11 });
    await expect.poll(() => manager.reconnectAttempts()).toEqual([[SESSION, 11]]);
    sink?.({ type: 'status', status: 'connected' });
    await expect.poll(() => manager.reconnectAttempts()).toEqual([[SESSION, 0]]);
  });

  const inboundIds = (): string[] => heard.flatMap((event) => (event.type === 'inbound' ? [event.messageId] : []));

  it('hears an inbound message once, however often the provider delivers it after it was handled', async () => {
    const stop: ProviderEvent = { type: 'inbound', from: '+6281234567890', kind: 'text', text: 'STOP', messageId: '3AOFFLINE0001', at: AT };
    providers.sinks[0]?.(stop);
    await expect.poll(() => redis.exists(InboundDedupe.key(SESSION, stop))).toBe(1);
    providers.sinks[0]?.(stop);
    providers.sinks[0]?.({ ...stop, messageId: '3AOFFLINE0002' });
    // The two checks go to Redis in order on one connection: once the second message is heard, the redelivery was answered.
    await expect.poll(inboundIds).toEqual(['3AOFFLINE0001', '3AOFFLINE0002']);
  });

  it('an inbound message whose handling failed (the opt-out not stored) is heard again when redelivered', async () => {
    const stop: ProviderEvent = { type: 'inbound', from: '+6281234567890', kind: 'text', text: 'STOP', messageId: '3AOFFLINE0003', at: AT };
    let failures = 1;
    failing = (event) => event.type === 'inbound' && failures-- > 0;
    providers.sinks[0]?.(stop);
    await expect.poll(inboundIds).toEqual(['3AOFFLINE0003']);
    // The redelivery after a reconnect (baileys' `append`): this time it is handled, and remembered.
    providers.sinks[0]?.(stop);
    await expect.poll(inboundIds).toEqual(['3AOFFLINE0003', '3AOFFLINE0003']);
    await expect.poll(() => redis.exists(InboundDedupe.key(SESSION, stop))).toBe(1);
    providers.sinks[0]?.(stop);
    providers.sinks[0]?.({ ...stop, messageId: '3AOFFLINE0004' });
    await expect.poll(inboundIds).toEqual(['3AOFFLINE0003', '3AOFFLINE0003', '3AOFFLINE0004']);
  });
});
