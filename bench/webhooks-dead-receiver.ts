/**
 * bench/webhooks-dead-receiver: a slow or dead receiver must never slow sending or grow memory
 * (issue 18). The product runs as a user runs it (`node dist/main.js all`, SQLite, the given
 * Redis, a sandbox session with zero pacing and zero latency). Two blasts of BENCH_RECIPIENTS
 * (100,000 by default) in one run: the first with no webhook endpoint, the second with an admin
 * endpoint wanting every event at a port where nothing listens (each attempt refused, retried on
 * the schedule, the events waiting in the outbox). It prints both sending rates, the product
 * process's RSS and V8 heap every few seconds of the second blast, the outbox depth and attempts
 * by outcome from /metrics, and fails (exit 1) if the sending rate drops by more than a quarter or
 * memory grows, over the second half of the blast, more than twice what it grows in the blast
 * without an endpoint (+16 MB).
 *   npm run bench:webhooks-dead-receiver
 *   BENCH_RECIPIENTS=20000 npm run bench:webhooks-dead-receiver
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { startApiProduct } from '../test/support/product.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = 'bench-admin-key-0123456789abcdefghijklmnop';
const COUNT = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const SAMPLE_MS = 2_000;

type Frame = { event: string; data: Record<string, unknown> };

function csv(count: number): Buffer {
  const lines = ['phone,name'];
  for (let i = 0; i < count; i++) lines.push(`+62812${String(10_000_000 + i)},Customer ${i}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** A port nothing listens on: bound, then closed (connections to it are refused at once). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-bench-dead-'));
const prefix = `bench-dead-${process.pid}`;
const { product, url } = await startApiProduct('all', { DATA_DIR: dataDir, ADMIN_API_KEY: KEY, REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { 'x-api-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as T;
};
const metric = async (): Promise<Map<string, number>> => {
  const text = await (await fetch(`${url}/metrics`, { headers: { 'x-api-key': KEY } })).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    // Without the process's role label: `webhook_outbox_depth{state="pending"}`.
    const name = line.slice(0, space).replace(/,?role="[^"]*"/, '').replace('{,', '{').replace('{}', '');
    values.set(name, Number(line.slice(space + 1)));
  }
  return values;
};
const rssMb = (): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${String(product.child.pid)}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const { ticket } = await call<{ ticket: string }>('GET', '/api/ws-ticket');
const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/?ticket=${ticket}`);
await new Promise((resolve) => socket.once('open', resolve));
const frames: Frame[] = [];
let waiters: { test: (frame: Frame) => boolean; resolve: () => void }[] = [];
socket.on('message', (raw: Buffer) => {
  const frame = JSON.parse(raw.toString()) as Frame;
  frames.push(frame);
  waiters = waiters.filter((waiter) => {
    if (!waiter.test(frame)) return true;
    waiter.resolve();
    return false;
  });
});
const waitFor = (test: (frame: Frame) => boolean): Promise<void> => (frames.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve })));

interface Sample {
  s: number;
  sent: number;
  rssMb: number;
  heapMb: number;
  outbox: number;
}

/** One blast to completion: its sending rate (blast:started → blast:completed) and memory samples on the way. */
async function blast(sessionId: string): Promise<{ rate: number; samples: Sample[] }> {
  const form = new FormData();
  form.append('sessionId', sessionId);
  form.append('message', 'Hi {name}, this is a benchmark message.');
  form.append('recipientsFile', new Blob([csv(COUNT)]), 'bench.csv');
  const created = (await (await fetch(`${url}/api/blasts`, { method: 'POST', headers: { 'x-api-key': KEY }, body: form })).json()) as { blastId?: string };
  const blastId = created.blastId;
  if (!blastId) throw new Error(`blast refused: ${JSON.stringify(created)}`);
  await waitFor((frame) => frame.event === 'blast:started' && frame.data.blastId === blastId);
  const startedAt = performance.now();
  const samples: Sample[] = [];
  const state = { done: false };
  const completed = waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId).then(() => {
    state.done = true;
  });
  while (!state.done) {
    const values = await metric();
    const progress = await call<{ sent: number }>('GET', `/api/blasts/${blastId}`);
    samples.push({
      s: (performance.now() - startedAt) / 1000,
      sent: progress.sent,
      rssMb: rssMb(),
      heapMb: (values.get('wab_nodejs_heap_size_used_bytes') ?? 0) / 1048576,
      outbox: values.get('webhook_outbox_depth{state="pending"}') ?? 0,
    });
    const last = samples[samples.length - 1] as Sample;
    process.stderr.write(`${sessionId}: ${last.s.toFixed(0)} s, ${String(last.sent)} sent, RSS ${last.rssMb.toFixed(0)} MB\r`);
    await Promise.race([completed, new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))]);
  }
  const rate = COUNT / ((performance.now() - startedAt) / 1000);
  const result = await call<{ sent: number }>('GET', `/api/blasts/${blastId}`);
  if (result.sent !== COUNT) throw new Error(`expected ${String(COUNT)} sent, got ${JSON.stringify(result)}`);
  return { rate, samples };
}

async function session(id: string): Promise<void> {
  await call('POST', '/api/sessions/config', { id, friendlyName: id, businessUnit: 'Bench', provider: 'sandbox', sandbox: { linkMode: 'auto', autoLinkMs: 10, deliveryDelayMs: null } });
  await call('POST', `/api/sessions/${id}/connect`);
  await waitFor((frame) => frame.event === 'session:status' && frame.data.sessionId === id && frame.data.status === 'connected');
}

let failed = false;
try {
  await session('bench-a');
  const without = await blast('bench-a');
  const port = await deadPort();
  await call('POST', '/api/webhooks', { url: `http://127.0.0.1:${String(port)}/hook`, events: ['*'], description: 'dead receiver' });
  await session('bench-b');
  const withDead = await blast('bench-b');
  const values = await metric();

  console.log(`\n${String(COUNT)} recipients a blast, sandbox with zero pacing, SQLite, one process (api + worker)`);
  console.log('| blast | sending messages/s |');
  console.log('|---|---|');
  console.log(`| no webhook endpoint | ${without.rate.toFixed(0)} |`);
  console.log(`| endpoint every event, receiver dead (connection refused) | ${withDead.rate.toFixed(0)} |`);
  console.log('\nthe product process during each blast (RSS from /proc, V8 heap used from /metrics: garbage included, no GC forced):');
  console.log('| s | sent, no endpoint | RSS MB | heap MB | sent, dead receiver | RSS MB | heap MB | outbox pending |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (let n = 0; n < Math.max(without.samples.length, withDead.samples.length); n++) {
    const a = without.samples[n];
    const b = withDead.samples[n];
    const cells = (sample: Sample | undefined): string => (sample ? `${String(sample.sent)} | ${sample.rssMb.toFixed(0)} | ${sample.heapMb.toFixed(0)}` : ' | | ');
    console.log(`| ${((a ?? b)?.s ?? 0).toFixed(0)} | ${cells(a)} | ${cells(b)} | ${b ? String(b.outbox) : ''} |`);
  }
  const attempts = [...values].filter(([name]) => name.startsWith('webhook_attempts_total')).map(([name, value]) => `${name} ${String(value)}`);
  console.log(`\nafter: webhook_outbox_depth{state="pending"} ${String(values.get('webhook_outbox_depth{state="pending"}') ?? 0)}; ${attempts.join('; ')}`);

  // Over the second half of each blast (JIT, caches and pools warmed by then): memory the dead
  // receiver adds is what grows beyond what the same blast grows without an endpoint. The process
  // also grows without one (the sending engine, no GC forced): both figures are printed.
  const growth = (samples: Sample[], of: (sample: Sample) => number): number => {
    const half = samples.filter((sample) => sample.sent >= COUNT / 2);
    return half.length > 1 ? of(half[half.length - 1] as Sample) - of(half[0] as Sample) : 0;
  };
  const rss = [growth(without.samples, (sample) => sample.rssMb), growth(withDead.samples, (sample) => sample.rssMb)] as const;
  const heap = [growth(without.samples, (sample) => sample.heapMb), growth(withDead.samples, (sample) => sample.heapMb)] as const;
  const ratio = withDead.rate / without.rate;
  console.log(`\nsecond half of each blast: RSS +${rss[0].toFixed(0)} MB without an endpoint, +${rss[1].toFixed(0)} MB with the dead receiver; heap used +${heap[0].toFixed(0)} / +${heap[1].toFixed(0)} MB`);
  console.log(`sending rate with the dead receiver: ${(ratio * 100).toFixed(0)} % of without`);
  if (ratio < 0.75) {
    console.error('FAIL: the dead receiver slowed sending by more than a quarter');
    failed = true;
  }
  if (rss[1] > 2 * Math.max(rss[0], 0) + 16 || heap[1] > 2 * Math.max(heap[0], 0) + 16) {
    console.error('FAIL: with the dead receiver, memory grew more than twice what the blast alone grows (+16 MB)');
    failed = true;
  }
} finally {
  socket.close();
  await product.stop('SIGTERM');
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
