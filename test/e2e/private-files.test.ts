import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { apiClient } from '../support/http.js';
import { startApiProduct, type ProductProcess } from '../support/product.js';

// Issue 14, item 9: DATA_DIR holds the WhatsApp credentials (in the SQLite database), the admin key
// and the private Redis: nobody else on the machine may read them, or talk to that Redis.

const running: ProductProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  // SIGTERM: the product stops its private redis-server as it exits (a SIGKILL would leave that running).
  await Promise.all(running.splice(0).map((product) => product.stop('SIGTERM')));
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

/** Every path under `dir` whose mode lets group or others in. */
function loosePaths(dir: string): string[] {
  const loose: string[] = [];
  const visit = (target: string): void => {
    const stat = fs.lstatSync(target);
    if ((stat.mode & 0o077) !== 0) loose.push(`${target} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) visit(path.join(target, entry));
  };
  visit(dir);
  return loose;
}

/** The first line the Redis on `port` answers to an inline command, as a client without the password sees it. */
function redisSays(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0] ?? '');
    });
    socket.once('error', reject);
  });
}

async function start(dataDir: string): Promise<{ product: ProductProcess; url: string; adminKey: string; redisPort: number }> {
  const started = await startApiProduct('all', { DATA_DIR: dataDir, REDIS_URL: undefined, ADMIN_API_KEY: undefined });
  running.push(started.product);
  const redis = await started.product.waitForLog('started a private redis-server (REDIS_URL is unset)');
  return { ...started, adminKey: fs.readFileSync(path.join(dataDir, 'admin-api-key'), 'utf8').trim(), redisPort: Number(redis.port) };
}

describe('private files and the private Redis', () => {
  it('creates DATA_DIR 0700 and every file in it 0600, tightens an older install, and guards its Redis with a password', async () => {
    const dataDir = path.join(tempDir('private'), 'data');
    cleanups.push(() => {
      fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
    });

    const first = await start(dataDir);
    const call = apiClient(first.url, first.adminKey);
    expect((await call('POST', '/api/sessions/config', { id: 'private-a', friendlyName: 'A', businessUnit: 'Clinic' })).status).toBe(201);
    const database = path.join(dataDir, 'wab.sqlite');
    for (const file of [database, `${database}-wal`, `${database}-shm`, path.join(dataDir, 'admin-api-key'), path.join(dataDir, 'redis', 'password')]) {
      expect({ file, mode: mode(file).toString(8) }).toEqual({ file, mode: '600' });
    }
    expect(mode(dataDir).toString(8)).toBe('700');
    expect(loosePaths(dataDir)).toEqual([]);

    // The private Redis: refused without the password, which is in no argument (ps) and no log line.
    const password = fs.readFileSync(path.join(dataDir, 'redis', 'password'), 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(await redisSays(first.redisPort, 'PING')).toMatch(/^-NOAUTH/);
    expect(await redisSays(first.redisPort, 'KEYS *')).toMatch(/^-NOAUTH/);
    expect(await redisSays(first.redisPort, `AUTH ${password}`)).toBe('+OK');
    const redisPid = fs.readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8').trim();
    expect(fs.readFileSync(`/proc/${redisPid}/cmdline`, 'utf8')).not.toContain(password);
    expect(first.product.output).not.toContain(password);
    expect((await first.product.stop('SIGTERM')).code).toBe(0);

    // An install made before: everything readable by all. The next start takes that back and says so.
    const loosen = (target: string): void => {
      const stat = fs.statSync(target);
      fs.chmodSync(target, stat.isDirectory() ? 0o755 : 0o644);
      if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) loosen(path.join(target, entry));
    };
    loosen(dataDir);
    expect(loosePaths(dataDir).length).toBeGreaterThan(4);
    const second = await start(dataDir);
    const warned = await second.product.waitForLog('made files and directories of DATA_DIR private (0600/0700): an earlier install left them readable by other users');
    expect(warned.paths).toEqual(expect.arrayContaining([dataDir, database, path.join(dataDir, 'admin-api-key')]));
    expect(loosePaths(dataDir)).toEqual([]);
    expect((await apiClient(second.url, second.adminKey)('GET', '/api/sessions/private-a')).status).toBe(200);
    expect(second.product.output).not.toContain(password);
    const secondRedisPid = fs.readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8').trim();
    expect((await second.product.stop('SIGTERM')).code).toBe(0);
    expect(fs.existsSync(`/proc/${secondRedisPid}`)).toBe(false);
  });
});
