import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import type { WebhookEndpoint } from '../../src/store/webhook.repository.js';
import type { OutboxEvent } from '../../src/store/webhook-outbox.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const T0 = '2026-12-07T10:00:00.000Z';
const later = (ms: number): string => new Date(Date.parse(T0) + ms).toISOString();

function endpoint(id: string, businessUnit: string | null, events: string[]): WebhookEndpoint & { secret: string; previousSecret: null; previousSecretExpiresAt: null } {
  return {
    id,
    businessUnit,
    url: `http://receiver.test/${id}`,
    events,
    description: null,
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: T0,
    updatedAt: T0,
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    previousSecret: null,
    previousSecretExpiresAt: null,
  };
}

function progress(blastId: string, unit: string, at = T0): OutboxEvent {
  return {
    type: 'blast.progress',
    businessUnit: unit,
    orderingKey: `blast:${blastId}`,
    at,
    data: { blastId, status: 'running', total: 1, sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0, pending: 1, replied: 0, ratePerMinute: null, eta: null } as never,
  };
}

// Migration 0016 and the outbox's claiming, on every database the product supports.
describe.each(databaseKinds(inject('postgresUrl')))('the webhook outbox on $kind', ({ skip, create }) => {
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

  it.skipIf(skip)('keeps only events some endpoint wants, and fans each out to its unit’s endpoints and the admin’s', async () => {
    await store.webhooks.emit([progress('b0', 'clinic')]);
    expect(await store.webhooks.depth()).toEqual({ pending: 0, undispatched: 0 });

    await store.webhooks.create(endpoint('clinic-hook', 'clinic', ['blast.progress']));
    await store.webhooks.create(endpoint('lab-hook', 'lab', ['*']));
    await store.webhooks.create(endpoint('admin-hook', null, ['*']));
    await store.webhooks.create(endpoint('clinic-other', 'clinic', ['message.sent']));
    await store.webhooks.emit([progress('b1', 'clinic'), progress('b2', 'lab')]);
    expect(await store.webhooks.dispatch(100, T0)).toBe(2);
    expect(await store.webhooks.dispatch(100, T0)).toBe(0);

    const claimed = await store.webhooks.claim(100, 10, new Map(), T0, later(60_000));
    const byEndpoint = (id: string) => claimed.filter((delivery) => delivery.endpointId === id).map((delivery) => (JSON.parse(delivery.body) as { data: { blastId: string } }).data.blastId);
    expect(byEndpoint('clinic-hook')).toEqual(['b1']);
    expect(byEndpoint('lab-hook')).toEqual(['b2']);
    expect(byEndpoint('admin-hook').sort()).toEqual(['b1', 'b2']);
    expect(byEndpoint('clinic-other')).toEqual([]);
    // The body is the envelope, with the event's id: the same on every attempt.
    const first = claimed[0];
    expect(JSON.parse(first?.body ?? '{}')).toMatchObject({ id: first?.eventId, type: 'blast.progress', createdAt: T0 });
  });

  it.skipIf(skip)('hands out one key’s events to an endpoint in order, the next only once the one before is done', async () => {
    await store.webhooks.create(endpoint('hook', null, ['*']));
    await store.webhooks.emit([progress('b1', 'clinic', T0), progress('b1', 'clinic', later(1)), progress('b2', 'clinic', later(2))]);
    await store.webhooks.dispatch(100, T0);
    const round1 = await store.webhooks.claim(100, 10, new Map(), later(10), later(60_000));
    expect(round1.map((delivery) => (JSON.parse(delivery.body) as { data: { blastId: string } }).data.blastId).sort()).toEqual(['b1', 'b2']);
    const firstOfB1 = round1.find((delivery) => delivery.body.includes('"b1"'));
    expect(await store.webhooks.claim(100, 10, new Map(), later(10), later(60_000))).toEqual([]);
    // The first attempt fails and is to be retried in 5 s: b1's second event still waits behind it.
    await store.webhooks.recordAttempt({
      deliveryId: firstOfB1?.id ?? '',
      endpointId: 'hook',
      attempt: 1,
      at: later(20),
      durationMs: 3,
      outcome: 'retry',
      statusCode: 500,
      error: 'HTTP 500',
      responseBody: 'oops',
      nextAttemptAt: later(5_020),
    });
    expect(await store.webhooks.claim(100, 10, new Map(), later(30), later(60_000))).toEqual([]);
    const again = await store.webhooks.claim(100, 10, new Map(), later(5_020), later(60_000));
    expect(again.map((delivery) => delivery.id)).toEqual([firstOfB1?.id]);
    expect(again[0]?.attempts).toBe(1);
    await store.webhooks.recordAttempt({ deliveryId: firstOfB1?.id ?? '', endpointId: 'hook', attempt: 2, at: later(5_030), durationMs: 3, outcome: 'succeeded', statusCode: 200, error: null, responseBody: '', nextAttemptAt: null });
    const next = await store.webhooks.claim(100, 10, new Map(), later(5_040), later(60_000));
    expect(next).toHaveLength(1);
    expect(next[0]?.body).toContain('"b1"');
    expect((next[0]?.eventId ?? '') > (firstOfB1?.eventId ?? '')).toBe(true);

    const log = await store.webhooks.deliveries('hook', { failed: false, limit: 10, offset: 0 });
    const delivered = log.items.find((item) => item.id === firstOfB1?.id);
    expect(delivered).toMatchObject({ status: 'succeeded', attempts: 2, eventType: 'blast.progress' });
    expect(delivered?.log.map((attempt) => [attempt.attempt, attempt.outcome, attempt.statusCode, attempt.responseBody])).toEqual([
      [1, 'retry', 500, 'oops'],
      [2, 'succeeded', 200, ''],
    ]);
  });

  it.skipIf(skip)('gives a claim that lapsed (its worker died) to the next worker, and never one delivery to two claims at once', async () => {
    await store.webhooks.create(endpoint('hook', null, ['*']));
    await store.webhooks.emit(Array.from({ length: 40 }, (_, index) => progress(`b${index}`, 'clinic')));
    await store.webhooks.dispatch(100, T0);
    const [a, b] = await Promise.all([store.webhooks.claim(25, 40, new Map(), T0, later(60_000)), store.webhooks.claim(25, 40, new Map(), T0, later(60_000))]);
    const rest = await store.webhooks.claim(40, 40, new Map(), T0, later(60_000));
    const ids = [...a, ...b, ...rest].map((delivery) => delivery.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(40);
    expect(await store.webhooks.claim(100, 40, new Map(), later(59_000), later(120_000))).toEqual([]);
    expect(await store.webhooks.claim(100, 40, new Map(), later(60_001), later(120_000))).toHaveLength(40);
  });

  it.skipIf(skip)('retries and replays by request, expires what is too old, and prunes what is past retention', async () => {
    await store.webhooks.create(endpoint('hook', 'clinic', ['blast.progress']));
    await store.webhooks.emit([progress('b1', 'clinic', T0), progress('b2', 'clinic', later(1_000)), progress('b3', 'lab', later(1_000))]);
    await store.webhooks.dispatch(100, T0);
    const [claimed] = await store.webhooks.claim(1, 1, new Map(), T0, later(60_000));
    await store.webhooks.recordAttempt({ deliveryId: claimed?.id ?? '', endpointId: 'hook', attempt: 1, at: T0, durationMs: 1, outcome: 'failed', statusCode: 410, error: 'HTTP 410', responseBody: null, nextAttemptAt: null });
    expect((await store.webhooks.deliveries('hook', { failed: true, limit: 10, offset: 0 })).items.map((item) => item.id)).toEqual([claimed?.id]);
    expect(await store.webhooks.retry('other-hook', claimed?.id ?? '', later(1))).toBe(false);
    expect(await store.webhooks.retry('hook', claimed?.id ?? '', later(1))).toBe(true);
    // Retried by hand, its age counts from the retry: it is not expired for the age of its first try.
    const retried = (await store.webhooks.deliveries('hook', { failed: false, limit: 10, offset: 0 })).items.find((item) => item.id === claimed?.id);
    expect(retried).toMatchObject({ status: 'pending', createdAt: later(1) });
    expect((await store.webhooks.claim(10, 10, new Map(), later(2), later(60_000))).map((delivery) => delivery.id)).toContain(claimed?.id);

    const hook = await store.webhooks.get('hook');
    if (!hook) throw new Error('hook is gone');
    // Only its unit's events, in the window; a replay still being delivered is known (the api refuses another meanwhile).
    expect(await store.webhooks.replaying('hook')).toBe(false);
    expect(await store.webhooks.replay(hook, { since: T0, until: later(500), events: null, limit: 100 }, later(3))).toBe(1);
    expect(await store.webhooks.replaying('hook')).toBe(true);
    expect(await store.webhooks.replaying('other-hook')).toBe(false);
    expect(await store.webhooks.replay(hook, { since: T0, until: later(5_000), events: null, limit: 100 }, later(3))).toBe(2);
    expect(await store.webhooks.replay(hook, { since: T0, until: later(5_000), events: ['message.sent'], limit: 100 }, later(3))).toBe(0);

    const pendingBefore = (await store.webhooks.depth()).pending;
    const expired = await store.webhooks.expire(later(10), later(10));
    expect([...expired.keys()]).toEqual(['hook']);
    expect(expired.get('hook')).toBe(pendingBefore - 2);
    expect((await store.webhooks.depth()).pending).toBe(2); // the two claimed (sending) are not expired
    await store.webhooks.prune(later(86_400_000));
    const left = await store.webhooks.deliveries('hook', { failed: false, limit: 100, offset: 0 });
    expect(left.items.every((item) => item.status === 'sending')).toBe(true);
  });

  it.skipIf(skip)('keeps a unit within its endpoint limit when creates come at once', async () => {
    const made = await Promise.all(Array.from({ length: 8 }, (_, n) => store.webhooks.create(endpoint(`race-${String(n)}`, 'clinic', ['*']), 5)));
    expect(made.filter(Boolean)).toHaveLength(5);
    expect(await store.webhooks.countForUnit('clinic')).toBe(5);
    // Another unit, and admin endpoints, have limits of their own.
    expect(await store.webhooks.create(endpoint('lab-1', 'lab', ['*']), 5)).toBe(true);
  });
});
