import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { postgresDatabase, tempDir, type TestDatabase } from '../support/databases.js';
import { parseLog, startApiProduct, startProduct, type ProductProcess } from '../support/product.js';
import { deletePrefix, uniquePrefix } from '../support/redis.js';

const running: ProductProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((product) => product.stop('SIGKILL')));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function track<T extends { product: ProductProcess }>(started: T): T {
  running.push(started.product);
  return started;
}

/** Whether the private redis-server of a data dir runs (its pid file names it). */
function privateRedisRunning(dataDir: string): boolean {
  const pidFile = path.join(dataDir, 'redis', 'redis.pid');
  if (!fs.existsSync(pidFile)) return false;
  const pid = fs.readFileSync(pidFile, 'utf8').trim();
  return execFileSync('ps', ['-o', 'comm=', '-p', pid], { encoding: 'utf8' }).includes('redis-server');
}

async function call(url: string, key: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('quick start: `all` role, SQLite, its own redis-server', () => {
  it('prints a new admin key once, serves the API, stops cleanly, and keeps everything for the next start', async () => {
    const dataDir = tempDir('quickstart');
    cleanups.push(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const env = { DATA_DIR: dataDir, REDIS_URL: undefined, ADMIN_API_KEY: undefined };

    const first = track(await startApiProduct('all', env));
    const keyLine = await first.product.waitForLine((line) => line.startsWith('Admin API key (generated'));
    const adminKey = keyLine.split(': ')[1]?.trim() ?? '';
    const keyFile = path.join(dataDir, 'admin-api-key');
    expect(fs.readFileSync(keyFile, 'utf8').trim()).toBe(adminKey);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(first.product.output).toContain(`It is kept in ${keyFile}`);
    expect(privateRedisRunning(dataDir)).toBe(true);

    const key = await call(first.url, adminKey, 'POST', '/api/keys', { name: 'frontend', businessUnit: 'Marketing' });
    expect(key.status).toBe(201);
    const session = await call(first.url, adminKey, 'POST', '/api/sessions/config', {
      id: 'marketing-promo',
      friendlyName: 'Q4 Marketing Promo',
      businessUnit: 'Marketing',
    });
    expect(session.status).toBe(201);
    expect((await fetch(`${first.url}/ready`)).status).toBe(200);
    // The worker asked web.whatsapp.com for the current client version (no answer here: the bundled one).
    await expect
      .poll(async () => ((await (await fetch(`${first.url}/ready`)).json()) as { whatsapp?: { version: string; source: string } | null }).whatsapp, { timeout: 15_000 })
      .toMatchObject({ version: expect.stringMatching(/^2\.3000\.\d+$/) as unknown, source: expect.stringMatching(/^(fetched|bundled)$/) as unknown });

    const stopped = await first.product.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(privateRedisRunning(dataDir)).toBe(false);
    // The key was printed, once, to the terminal; never inside a structured log line.
    const jsonLines = first.product.lines.filter((line) => parseLog(line) !== undefined);
    expect(jsonLines.some((line) => line.includes(adminKey))).toBe(false);

    const second = track(await startApiProduct('all', env));
    expect(second.product.output).not.toContain(adminKey);
    expect(second.product.output).toContain(`Admin API key: the one kept in ${keyFile}`);
    const list = await call(second.url, adminKey, 'GET', '/api/sessions');
    expect(list.json).toMatchObject({ items: [{ id: 'marketing-promo', businessUnit: 'Marketing' }] });
    expect((await second.product.stop('SIGTERM')).code).toBe(0);
  });

  it('refuses to start with bad configuration, listing every problem', async () => {
    const product = startProduct('all', { PORT: 'x', ADMIN_API_KEY: 'short', DEFAULT_COUNTRY: 'Indonesia' });
    running.push(product);
    const { code } = await product.exited;
    expect(code).toBe(2);
    expect(product.output).toContain('PORT');
    expect(product.output).toContain('ADMIN_API_KEY: must be at least 32 characters');
    expect(product.output).toContain('DEFAULT_COUNTRY');
    expect(product.output).not.toContain('short');
  });
});

const postgresUrl = inject('postgresUrl');
const databases: { kind: string; skip: boolean; create: () => Promise<TestDatabase> }[] = [
  {
    kind: 'sqlite',
    skip: false,
    create: () => {
      const dir = tempDir('shared-sqlite');
      return Promise.resolve({
        target: { kind: 'sqlite', file: path.join(dir, 'db.sqlite') },
        url: path.join(dir, 'db.sqlite'),
        drop: () => {
          fs.rmSync(dir, { recursive: true, force: true });
          return Promise.resolve();
        },
      });
    },
  },
  { kind: 'postgres', skip: postgresUrl === '', create: () => postgresDatabase(postgresUrl) },
];

describe.each(databases)('several processes on one $kind database', ({ skip, create }) => {
  it.skipIf(skip)('start at the same moment on an empty database and all come up', async () => {
    const database = await create();
    const prefix = uniquePrefix('multi');
    const redisUrl = inject('redisUrl');
    cleanups.push(() => database.drop(), () => deletePrefix(redisUrl, prefix));
    const adminKey = 'e2e-admin-key-0123456789abcdefghijklmnopq';
    const dataDir = tempDir('multi');
    cleanups.push(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, ADMIN_API_KEY: adminKey, DATA_DIR: dataDir };

    const started = await Promise.all([
      startApiProduct('api', env),
      startApiProduct('api', env),
      (async () => {
        const worker = startProduct('worker', env);
        await worker.waitForLog('started');
        return { product: worker, url: '' };
      })(),
    ]);
    started.forEach(track);
    const [one, two] = started;

    const created = await call(one.url, adminKey, 'POST', '/api/sessions/config', { id: 'shared', friendlyName: 'Shared', businessUnit: 'Ops' });
    expect(created.status).toBe(201);
    const seen = await call(two.url, adminKey, 'GET', '/api/sessions/shared');
    expect(seen.status).toBe(200);
    const exits = await Promise.all(started.map(({ product }) => product.stop('SIGTERM')));
    expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0]);
  });
});
