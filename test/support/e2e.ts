import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, inject } from 'vitest';
import { postgresDatabase, sqliteDatabase, tempDir } from './databases.js';
import { apiClient } from './http.js';
import type { ProductProcess } from './product.js';
import { deletePrefix, uniquePrefix } from './redis.js';
import { EventSocket } from './ws-client.js';

/**
 * What every end-to-end file needs: a fresh environment per product (own SQLite file, own Redis
 * prefix, own data dir), sockets and processes that are closed after each test whatever happens.
 */
export function e2eHarness(adminKey: string, label: string) {
  const running: ProductProcess[] = [];
  const sockets: EventSocket[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async (context) => {
    for (const socket of sockets.splice(0)) socket.close();
    if (context.task.result?.state === 'fail') keepLogs(label, context.task.name, running);
    await Promise.all(running.splice(0).map((product) => product.stop('SIGKILL')));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  return {
    cleanups,
    /** Processes to kill after the test. */
    track: (...products: ProductProcess[]): void => {
      running.push(...products);
    },
    /** SQLite, or with E2E_DATABASE=postgres or `postgres: true` (and TEST_POSTGRES_URL) a PostgreSQL database of its own. */
    environment: async (extra: Record<string, string> = {}, options: { postgres?: boolean } = {}): Promise<Record<string, string>> => {
      const postgresUrl = inject('postgresUrl');
      const wantsPostgres = options.postgres === true || process.env.E2E_DATABASE === 'postgres';
      const database = wantsPostgres && postgresUrl !== '' ? await postgresDatabase(postgresUrl) : sqliteDatabase();
      const prefix = uniquePrefix(label);
      const redisUrl = inject('redisUrl');
      const dataDir = tempDir(`${label}-data`);
      cleanups.push(
        () => database.drop(),
        () => deletePrefix(redisUrl, prefix),
        () => {
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      );
      return { DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, ADMIN_API_KEY: adminKey, DATA_DIR: dataDir, ...extra };
    },
    /** A WebSocket opened with a fresh ticket (`query`: '' or '?sessionId=…'). */
    openSocket: async (url: string, query = ''): Promise<EventSocket> => {
      const ticket = await apiClient(url, adminKey)<{ ticket: string }>('GET', `/api/ws-ticket${query}`);
      if (ticket.status !== 200) throw new Error(`ws-ticket answered ${String(ticket.status)}`);
      const socket = await EventSocket.open(url, ticket.json.ticket);
      sockets.push(socket);
      return socket;
    },
    /** A socket the harness closes after the test. */
    keep: (socket: EventSocket): void => {
      sockets.push(socket);
    },
  };
}

/** A failed test's product logs, kept for whoever reads the failure (the path is printed). */
function keepLogs(label: string, test: string, products: ProductProcess[]): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-failed-${label}-`));
  products.forEach((product, index) => {
    fs.writeFileSync(path.join(dir, `product-${String(index)}.log`), product.output);
  });
  console.error(`[${label}] "${test}" failed; its products' logs are in ${dir}`);
}
