import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { WebhookConfig } from '../../src/config/config.js';
import type { Clock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import type { OutboxEvent } from '../../src/store/webhook-outbox.js';
import { WebhookWorker } from '../../src/webhooks/webhook-worker.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const HOUR = 3_600_000;

/** A receiver answering 204 at once (`healthy`) or holding every request open (`hanging`: a receiver that died mid-request). */
async function receiver(mode: 'healthy' | 'hanging') {
  const ids = new Set<string>();
  let open = 0;
  let mostOpen = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  const server = http.createServer((request, response) => {
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    request.on('close', () => {
      open -= 1;
    });
    if (mode === 'hanging') {
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      ids.add((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
      response.writeHead(204).end();
      if (waiter && ids.size >= waiter.count) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`,
    ids,
    mostOpen: () => mostOpen,
    received: (count: number) =>
      ids.size >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiter = { count, resolve };
          }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function sent(n: number, at: string): OutboxEvent {
  return { type: 'message.sent', businessUnit: 'clinic', orderingKey: null, at, data: { items: [{ blastId: 'b1', row: n + 2, phone: `+6281200${String(n)}`, messageId: `m${String(n)}`, reason: null, at }] } };
}

// The delivery worker against real receivers: a dead one holds only its own slots, and its backlog is bounded by age.
describe.each(databaseKinds(inject('postgresUrl')))('the webhook worker on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  let worker: WebhookWorker | undefined;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, createLogger('silent'));
    store = createStore(handle);
  });
  afterEach(async () => {
    if (skip) return;
    // The receivers first: the hanging one's requests end (connection closed), so the worker stops at once.
    for (const close of closers.splice(0)) await close();
    await worker?.stop();
    await handle.close();
    await database.drop();
  });

  it.skipIf(skip)('keeps delivering to a healthy endpoint while another endpoint’s receiver hangs, and gives up the dead one’s backlog once older than WEBHOOK_MAX_AGE_HOURS', async () => {
    const healthy = await receiver('healthy');
    const hanging = await receiver('hanging');
    closers.push(healthy.close, hanging.close);
    let nowMs = Date.parse('2026-12-07T10:00:00.000Z');
    const clock: Clock = { now: () => new Date(nowMs) };
    const at = clock.now().toISOString();
    for (const [id, url] of [
      ['alive', healthy.url],
      ['dead', hanging.url],
    ] as const) {
      await store.webhooks.create({ id, businessUnit: null, url, events: ['*'], description: null, enabled: true, disabledReason: null, failingSince: null, createdAt: at, updatedAt: at, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', previousSecret: null, previousSecretExpiresAt: null });
    }
    await store.webhooks.emit(Array.from({ length: 300 }, (_, n) => sent(n, at)));
    const config: WebhookConfig = {
      allowPrivate: true,
      retryScheduleMs: [0, 5_000],
      timeoutMs: 60_000,
      disableAfterMs: 120 * HOUR,
      maxAgeMs: 72 * HOUR,
      retentionMs: 7 * 24 * HOUR,
      concurrency: 8,
      concurrencyPerEndpoint: 2,
      progressIntervalMs: 10_000,
    };
    const metrics = createMetrics('test');
    worker = new WebhookWorker({ webhooks: store.webhooks, config, clock, log: createLogger('silent'), metrics });
    worker.start();

    // Every event reaches the healthy receiver once, while the hanging one holds its two requests open.
    await healthy.received(300);
    expect(healthy.ids.size).toBe(300);
    expect(hanging.mostOpen()).toBeLessThanOrEqual(2);
    const waiting = await store.webhooks.deliveries('dead', { failed: false, limit: 1, offset: 0 });
    expect(waiting.total).toBe(300);

    // Three days on: the dead endpoint's backlog is given up (expired, counted), the healthy one's log untouched.
    nowMs += 72 * HOUR + 60_000;
    worker.wake();
    const expired = async (): Promise<number> => Number((await metrics.registry.getSingleMetricAsString('webhook_expired_total')).match(/^webhook_expired_total\S* (\d+)$/m)?.[1] ?? 0);
    await expect.poll(expired, { timeout: 10_000 }).toBeGreaterThan(0);
    // All but what the worker holds at that moment (in flight, claimed ahead: a few, never the
    // whole backlog) is given up, each logged as expired in its endpoint's delivery log.
    const dead = await store.webhooks.deliveries('dead', { failed: true, limit: 500, offset: 0 });
    const given = dead.items.filter((item) => item.status === 'expired').length;
    expect(given).toBe(await expired());
    expect(given).toBeGreaterThan(300 - 50);
    const alive = await store.webhooks.deliveries('alive', { failed: true, limit: 1, offset: 0 });
    expect(alive.total).toBe(0);
  }, 30_000);
});
