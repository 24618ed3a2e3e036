/**
 * bench/webhooks: how fast the delivery worker drains a full outbox. N events are written through
 * the repository's real write path (store.webhooks.emit, the statement the sending path's
 * transactions run), one admin endpoint wants every event; then the real WebhookWorker (fan-out,
 * claim, sign, POST, record) runs against a receiver in a process of its own that only counts.
 * Two loads: (a) BENCH_EVENTS small message.sent events (1 item each): events/s; (b) BENCH_BATCHES
 * full batches (500 items each, 100k items by default): items/s. Each on SQLite and PostgreSQL.
 *   npm run bench:webhooks                     (SQLite; PostgreSQL too with TEST_POSTGRES_URL set)
 *   npm run bench:webhooks -- --pg postgres://postgres@127.0.0.1:5432/postgres
 *   WEBHOOK_CONCURRENCY / WEBHOOK_CONCURRENCY_PER_ENDPOINT as for the product (defaults 32 / 4).
 * The blast-with-webhook figure (sending rate with the outbox written): npm run bench:blast -- --webhook
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WebhookConfig } from '../src/config/config.js';
import type { MessageEventItem } from '../src/events/event-catalogue.js';
import { systemClock } from '../src/infra/clock.js';
import { createLogger } from '../src/logging/logger.js';
import { createDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createStore } from '../src/store/store.js';
import { WEBHOOK_MAX_ITEMS, type OutboxEvent } from '../src/store/webhook-outbox.js';
import { WebhookWorker } from '../src/webhooks/webhook-worker.js';
import { postgresDatabase, sqliteDatabase, type TestDatabase } from '../test/support/databases.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const pgArg = process.argv.indexOf('--pg');
const PG_URL = pgArg >= 0 ? process.argv[pgArg + 1] : process.env.TEST_POSTGRES_URL;
const RECEIVER = fileURLToPath(new URL('./support/webhook-counter.mjs', import.meta.url));

const config: WebhookConfig = {
  allowPrivate: true,
  retryScheduleMs: [0, 1_000, 5_000],
  timeoutMs: 15_000,
  disableAfterMs: 120 * 3_600_000,
  maxAgeMs: 72 * 3_600_000,
  retentionMs: 7 * 86_400_000,
  concurrency: Number(process.env.WEBHOOK_CONCURRENCY ?? 32),
  concurrencyPerEndpoint: Number(process.env.WEBHOOK_CONCURRENCY_PER_ENDPOINT ?? 4),
  progressIntervalMs: 10_000,
};

interface Receiver {
  url: string;
  count: () => Promise<{ requests: number; items: number }>;
  stop: () => void;
}

async function startReceiver(): Promise<Receiver> {
  const child: ChildProcess = fork(RECEIVER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => {
    child.once('message', (message: { port: number }) => {
      resolve(message.port);
    });
  });
  const url = `http://127.0.0.1:${String(port)}`;
  return {
    url: `${url}/hook`,
    count: async () => (await (await fetch(`${url}/count`)).json()) as { requests: number; items: number },
    stop: () => child.kill('SIGKILL'),
  };
}

function items(batch: number, size: number, at: string): MessageEventItem[] {
  return Array.from({ length: size }, (_, i) => ({ blastId: 'blast-bench', row: batch * size + i + 2, phone: `+62812${String(10_000_000 + batch * size + i)}`, messageId: `3EB0${String(batch * size + i)}`, reason: null, at }));
}

interface Figures {
  events: number;
  items: number;
  fillS: number;
  deliverS: number;
  eventsPerS: number;
  itemsPerS: number;
}

async function run(database: TestDatabase, count: number, perEvent: number): Promise<Figures> {
  const handle = createDatabase(database.target);
  const receiver = await startReceiver();
  try {
    await migrateToLatest(handle, createLogger('silent'));
    const store = createStore(handle);
    const at = new Date().toISOString();
    await store.webhooks.create({
      id: 'whe_bench',
      businessUnit: null,
      url: receiver.url,
      events: ['*'],
      description: 'bench',
      enabled: true,
      disabledReason: null,
      failingSince: null,
      createdAt: at,
      updatedAt: at,
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      previousSecret: null,
      previousSecretExpiresAt: null,
    });
    const fillStart = performance.now();
    for (let start = 0; start < count; start += 100) {
      const events: OutboxEvent[] = [];
      for (let n = start; n < Math.min(count, start + 100); n++) events.push({ type: 'message.sent', businessUnit: 'Bench', orderingKey: null, data: { items: items(n, perEvent, at) }, at });
      await store.webhooks.emit(events);
    }
    const fillS = (performance.now() - fillStart) / 1000;

    const worker = new WebhookWorker({ webhooks: store.webhooks, config, clock: systemClock, log: createLogger('silent') });
    const start = performance.now();
    worker.start();
    for (;;) {
      const { requests } = await receiver.count();
      if (requests >= count) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const deliverS = (performance.now() - start) / 1000;
    await worker.stop();
    const depth = await store.webhooks.depth();
    const got = await receiver.count();
    if (got.requests !== count || got.items !== count * perEvent || depth.pending !== 0 || depth.undispatched !== 0)
      throw new Error(`not all delivered once: ${JSON.stringify({ got, depth, count })}`);
    return { events: count, items: count * perEvent, fillS, deliverS, eventsPerS: count / deliverS, itemsPerS: (count * perEvent) / deliverS };
  } finally {
    receiver.stop();
    await handle.close();
    await database.drop();
  }
}

const databases: { name: string; make: () => Promise<TestDatabase> }[] = [{ name: 'SQLite', make: () => Promise.resolve(sqliteDatabase()) }];
if (PG_URL) databases.push({ name: 'PostgreSQL', make: () => postgresDatabase(PG_URL) });

const rows: string[][] = [];
for (const { name, make } of databases) {
  const small = await run(await make(), EVENTS, 1);
  const big = await run(await make(), BATCHES, WEBHOOK_MAX_ITEMS);
  rows.push([name, `${String(small.events)} × 1 item`, small.fillS.toFixed(1), small.deliverS.toFixed(1), small.eventsPerS.toFixed(0), small.itemsPerS.toFixed(0)]);
  rows.push([name, `${String(big.events)} × ${String(WEBHOOK_MAX_ITEMS)} items`, big.fillS.toFixed(1), big.deliverS.toFixed(1), big.eventsPerS.toFixed(0), big.itemsPerS.toFixed(0)]);
}
console.log(`\nwebhook delivery, one endpoint wanting every event, WEBHOOK_CONCURRENCY=${String(config.concurrency)}, per endpoint ${String(config.concurrencyPerEndpoint)}`);
console.log('| database | outbox | fill s | deliver s | events/s | items/s |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
