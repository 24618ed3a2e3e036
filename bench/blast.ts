/**
 * bench/blast: how fast the sending engine goes when nothing holds it back (sandbox, zero pacing,
 * zero latency), beside a bare BullMQ no-op job loop on the same Redis, and how much Redis memory
 * a 1M-recipient blast adds.
 *   npm run bench:blast             (10k recipients; add --million for the Redis memory of a 1M blast)
 *   npm run bench:blast -- --webhook (the same with a webhook endpoint wanting every event, to a fast
 *                                    local receiver: the sending rate with the outbox written, and
 *                                    how fast the worker delivers the events)
 * The product runs as a user runs it: `node dist/main.js all`, SQLite, the given Redis.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { startApiProduct, type ProductProcess } from '../test/support/product.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = 'bench-admin-key-0123456789abcdefghijklmnop';
const COUNT = Number(process.env.BENCH_RECIPIENTS ?? 10_000);

function csv(count: number): Buffer {
  const lines = ['phone,name,city'];
  for (let i = 0; i < count; i++) lines.push(`+62812${String(10_000_000 + i)},Customer ${i},City ${i % 9}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** CPU time (user + system) a process has used, in ms, from /proc. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

async function redisUsedMemory(): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    redis.disconnect();
  }
}

interface Product {
  product: ProductProcess;
  url: string;
  call: <T>(method: string, route: string, body?: unknown) => Promise<T>;
  events: { frames: { event: string; data: Record<string, unknown> }[]; waitFor: (test: (frame: { event: string; data: Record<string, unknown> }) => boolean) => Promise<void>; close: () => void };
  stop: () => Promise<void>;
}

async function startProduct(): Promise<Product> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-bench-blast-'));
  const prefix = `bench-blast-${process.pid}`;
  const { product, url } = await startApiProduct('all', { DATA_DIR: dataDir, ADMIN_API_KEY: KEY, REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { 'x-api-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as T;
  };
  const { ticket } = await call<{ ticket: string }>('GET', '/api/ws-ticket');
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/?ticket=${ticket}`);
  await new Promise((resolve) => socket.once('open', resolve));
  const frames: { event: string; data: Record<string, unknown> }[] = [];
  let waiters: { test: (frame: { event: string; data: Record<string, unknown> }) => boolean; resolve: () => void }[] = [];
  socket.on('message', (raw: Buffer) => {
    const frame = JSON.parse(raw.toString()) as { event: string; data: Record<string, unknown> };
    frames.push(frame);
    waiters = waiters.filter((waiter) => {
      if (!waiter.test(frame)) return true;
      waiter.resolve();
      return false;
    });
  });
  const events = {
    frames,
    waitFor: (test: (frame: { event: string; data: Record<string, unknown> }) => boolean) =>
      frames.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve })),
    close: () => {
      socket.close();
    },
  };
  const stop = async (): Promise<void> => {
    events.close();
    const slow = setTimeout(() => {
      console.error(`the product did not stop within 15 s:\n${product.lines.slice(-15).join('\n')}`);
    }, 15_000);
    await product.stop('SIGTERM');
    clearTimeout(slow);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { product, url, call, events, stop };
}

async function linkedSession(product: Product, id: string): Promise<void> {
  await product.call('POST', '/api/sessions/config', {
    id,
    friendlyName: id,
    businessUnit: 'Bench',
    provider: 'sandbox',
    sandbox: { linkMode: 'auto', autoLinkMs: 10, deliveryDelayMs: null },
  });
  await product.call('POST', `/api/sessions/${id}/connect`);
  await product.events.waitFor((frame) => frame.event === 'session:status' && frame.data.sessionId === id && frame.data.status === 'connected');
}

async function createBlast(product: Product, sessionId: string, count: number): Promise<string> {
  const form = new FormData();
  form.append('sessionId', sessionId);
  form.append('message', '{Hi|Hello} {name} from {city}, this is a benchmark message.');
  form.append('recipientsFile', new Blob([csv(count)]), 'bench.csv');
  const response = await fetch(`${product.url}/api/blasts`, { method: 'POST', headers: { 'x-api-key': KEY }, body: form });
  const created = (await response.json()) as { blastId?: string };
  if (!created.blastId) throw new Error(`blast refused: ${JSON.stringify(created)}`);
  return created.blastId;
}

/** The reference: BullMQ consuming no-op jobs as fast as it can on the same Redis, concurrency 1 and 50. */
async function bareBullmqLoop(jobs: number, concurrency: number): Promise<number> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `bench-bullmq-${process.pid}`;
  const queue = new Queue('noop', { connection, prefix });
  for (let i = 0; i < jobs; i += 1_000) {
    await queue.addBulk(Array.from({ length: Math.min(1_000, jobs - i) }, (_, n) => ({ name: 'noop', data: { n: i + n }, opts: { removeOnComplete: true } })));
  }
  let done = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const started = performance.now();
  const workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(
    'noop',
    async () => {
      done += 1;
      if (done === jobs) allDone();
      return Promise.resolve();
    },
    { connection: workerConnection, prefix, concurrency },
  );
  await finished;
  const rate = jobs / ((performance.now() - started) / 1000);
  await worker.close();
  workerConnection.disconnect();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return rate;
}

/** A receiver answering 200 at once, counting events and per-recipient items (the first time each event id arrives). */
async function fastReceiver(): Promise<{ url: string; seen: { events: number; items: number; lastAt: number }; close: () => Promise<void> }> {
  const seen = { events: 0, items: 0, lastAt: 0 };
  const ids = new Set<string>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; data: { items?: unknown[] } };
      if (!ids.has(envelope.id)) {
        ids.add(envelope.id);
        seen.events += 1;
        seen.items += envelope.data.items?.length ?? 0;
        seen.lastAt = performance.now();
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

const million = process.argv.includes('--million');
const withWebhook = process.argv.includes('--webhook');
const product = await startProduct();
const receiver = withWebhook ? await fastReceiver() : undefined;
try {
  if (receiver) await product.call('POST', '/api/webhooks', { url: receiver.url, events: ['*'] });
  await linkedSession(product, 'bench-a');
  const cpuBefore = cpuMs(product.product.child.pid ?? 0);
  const postedAt = performance.now();
  const blastId = await createBlast(product, 'bench-a', COUNT);
  let startedAt = 0;
  await product.events.waitFor((frame) => {
    if (frame.event === 'blast:started' && frame.data.blastId === blastId) startedAt = performance.now();
    return frame.event === 'blast:started' && frame.data.blastId === blastId;
  });
  await product.events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId);
  const completedAt = performance.now();
  const cpu = cpuMs(product.product.child.pid ?? 0) - cpuBefore;
  const blast = await product.call<{ sent: number; status: string }>('GET', `/api/blasts/${blastId}`);
  if (blast.sent !== COUNT) throw new Error(`expected ${COUNT} sent, got ${JSON.stringify(blast)}`);
  const sendRate = COUNT / ((completedAt - startedAt) / 1000);
  const endToEnd = COUNT / ((completedAt - postedAt) / 1000);

  const bare1 = await bareBullmqLoop(COUNT, 1);
  const bare50 = await bareBullmqLoop(COUNT, 50);

  console.log(`recipients               ${COUNT}`);
  console.log(`import + send (POST → completed)   ${endToEnd.toFixed(0)} messages/s`);
  console.log(`sending (started → completed)      ${sendRate.toFixed(0)} messages/s`);
  console.log(`CPU per message (product process)  ${(cpu / COUNT).toFixed(3)} ms`);
  console.log(`bare BullMQ no-op loop             ${bare1.toFixed(0)} jobs/s (concurrency 1), ${bare50.toFixed(0)} jobs/s (concurrency 50)`);
  if (receiver) {
    const deadline = Date.now() + 120_000;
    while (receiver.seen.items < COUNT && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const seconds = (receiver.seen.lastAt - startedAt) / 1000;
    console.log(`webhooks: ${receiver.seen.events} events carrying ${receiver.seen.items} message items delivered`);
    console.log(`webhook delivery (blast:started → last item received)  ${(receiver.seen.items / seconds).toFixed(0)} items/s, ${(receiver.seen.events / seconds).toFixed(0)} events/s; last item ${((receiver.seen.lastAt - completedAt) / 1000).toFixed(2)} s after blast:completed`);
  }

  if (million) {
    const before = await redisUsedMemory();
    await linkedSession(product, 'bench-m');
    const id = await createBlast(product, 'bench-m', 1_000_000);
    await product.events.waitFor((frame) => frame.event === 'blast:progress' && frame.data.blastId === id && Number(frame.data.sent) >= 100_000);
    const during = await redisUsedMemory();
    await product.call('POST', `/api/blasts/${id}/cancel`);
    console.log(`Redis used_memory, 1M-recipient blast running (100k sent): +${((during - before) / 1048576).toFixed(2)} MB`);
  }
  console.log(`RESULT ${sendRate.toFixed(0)} messages/s sending, ${(sendRate / bare1).toFixed(2)}x the bare BullMQ loop (concurrency 1), ${(sendRate / bare50).toFixed(2)}x (concurrency 50)`);
} finally {
  await product.stop();
  await receiver?.close();
}
