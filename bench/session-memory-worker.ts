/**
 * The worker side of bench/session-memory.ts (started by it, never by hand): N linked `baileys`
 * sessions held in this one process as a worker holds them (createBaileysProvider on the DB auth
 * state in SQLite), each dialing the fake WhatsApp the parent process runs. Reports its memory
 * to the parent over IPC: once with no session, then every few seconds while the parent's
 * contacts churn. Started with `--expose-gc`, so every sample follows a full collection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BufferJSON, initAuthCreds, makeWASocket, type AuthenticationCreds, type UserFacingSocketConfig } from 'baileys';
import { createLogger } from '../src/logging/logger.js';
import { createBaileysProvider } from '../src/providers/baileys/baileys.provider.js';
import type { BaileysSocketLike } from '../src/providers/baileys/baileys-socket.js';
import type { MessagingProvider, ProviderEvent } from '../src/providers/provider.js';
import { createDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createStore } from '../src/store/store.js';

export type Variant = 'ours' | 'baileys-defaults';

export interface Sample {
  atMs: number;
  rss: number;
  heapUsed: number;
}

export type WorkerMessage =
  | { type: 'baseline'; sample: Sample }
  | { type: 'connected'; sample: Sample; connectMs: number }
  | { type: 'sample'; sample: Sample; events: Record<string, number> }
  | { type: 'failed'; error: string };

export type ParentMessage = { type: 'stop' };

const url = process.env.BENCH_WA_URL ?? '';
const sessions = Number(process.env.BENCH_SESSIONS ?? 200);
const sampleEveryMs = Number(process.env.BENCH_SAMPLE_MS ?? 10_000);
const variant = (process.env.BENCH_VARIANT ?? 'ours') as Variant;
const CONNECT_BATCH = 20;

const gc = (globalThis as { gc?: () => void }).gc;
const started = performance.now();

function sample(): Sample {
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { atMs: Math.round(performance.now() - started), rss, heapUsed };
}

const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

/** A linked, synced account (as test/support/wa-wire.ts storeLinkedCreds stores one), one per session. */
function linkedCreds(index: number): AuthenticationCreds {
  const phone = `628110${String(index).padStart(6, '0')}`;
  return {
    ...initAuthCreds(),
    me: { id: `${phone}:7@s.whatsapp.net`, name: `Ops ${index}`, lid: `${99_000_000_000_000 + index}:7@lid` },
    account: { details: randomBytes(16), accountSignature: randomBytes(64), accountSignatureKey: randomBytes(32), deviceSignature: randomBytes(64) },
    platform: 'android',
    registered: true,
    accountSyncCounter: 1,
  };
}

/**
 * The caches the product hands baileys in its socket config (baileys-socket.ts), taken away again
 * for the `baileys-defaults` run, so that baileys makes its own (Socket/messages-send.js,
 * messages-recv.js, chats.js: NodeCache with a TTL and no size bound; Signal/lid-mapping.js: an
 * lru-cache with a 3-day TTL and a timer per entry).
 */
function createSocket(config: UserFacingSocketConfig): BaileysSocketLike {
  if (variant === 'ours') return makeWASocket({ ...config, waWebSocketUrl: url });
  const { userDevicesCache: _devices, callOfferCache: _calls, placeholderResendCache: _placeholders, makeSignalRepository: _lidStore, ...rest } = config;
  return makeWASocket({ ...rest, waWebSocketUrl: url });
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-bench-memory-'));
  const handle = createDatabase({ kind: 'sqlite', file: path.join(dataDir, 'wa-blaster.db') });
  const logger = createLogger('silent');
  await migrateToLatest(handle, logger);
  const authStore = createStore(handle).authState;
  for (let i = 0; i < sessions; i++) await authStore.writeCreds(`s${i}`, JSON.stringify(linkedCreds(i), BufferJSON.replacer));

  const events: Record<string, number> = {};
  const connected = new Set<string>();
  let onConnected: (() => void) | undefined;
  const providers: MessagingProvider[] = [];
  const sinkFor = (sessionId: string) => (event: ProviderEvent): void => {
    const name = event.type === 'status' && event.status !== 'connected' ? `${event.status}:${event.reason ?? ''}` : event.type;
    events[name] = (events[name] ?? 0) + 1;
    if (event.type === 'status' && event.status === 'connected') {
      connected.add(sessionId);
      onConnected?.();
    }
  };

  send({ type: 'baseline', sample: sample() });

  const connectStart = performance.now();
  for (let i = 0; i < sessions; i += CONNECT_BATCH) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(sessions, i + CONNECT_BATCH); j++) {
      const sessionId = `s${j}`;
      const provider = createBaileysProvider({ sessionId, authStore, sink: sinkFor(sessionId), logger, createSocket });
      providers.push(provider);
      batch.push(provider.connect());
    }
    await Promise.all(batch);
    const target = Math.min(sessions, i + CONNECT_BATCH);
    await new Promise<void>((resolve) => {
      onConnected = () => {
        if (connected.size >= target) resolve();
      };
      onConnected();
    });
  }
  onConnected = undefined;
  send({ type: 'connected', sample: sample(), connectMs: Math.round(performance.now() - connectStart) });

  // How late the event loop runs (a starved worker misses keep-alives and reconnects: not idle).
  const lag = monitorEventLoopDelay();
  lag.enable();
  const timer = setInterval(() => {
    const lagP99Ms = Math.round(lag.percentile(99) / 1e6);
    lag.reset();
    send({ type: 'sample', sample: sample(), events: { ...events, connected: connected.size, lagP99Ms } });
  }, sampleEveryMs);

  process.on('message', (_stop: ParentMessage) => {
    clearInterval(timer);
    void Promise.allSettled(providers.map((provider) => provider.close())).then(async () => {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
