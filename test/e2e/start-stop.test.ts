import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { parseLog, ProductProcess, startProduct } from '../support/product.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

const running: ProductProcess[] = [];
const cleanups: (() => void)[] = [];
/** Everything `npm start` started, killed after each test should the test have failed to stop it. */
const leftovers: number[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((product) => product.stop('SIGKILL')));
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The processes below `pid` (children, their children…), from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent is the 4th field, after the command name in parentheses (which may hold spaces).
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // It ended meanwhile.
    }
  }
  const found: number[] = [];
  const walk = (of: number): void => {
    for (const child of children.get(of) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') !== true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npm start`, exactly as the README says, with its own data dir and its own private redis-server. */
async function npmStart(): Promise<{ npm: ProductProcess; dataDir: string; url: string }> {
  const dataDir = tempDir('start-stop');
  cleanups.push(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const port = await freePort();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', ADMIN_API_KEY: 'start-stop-admin-key-0123456789abcdef' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const npm = new ProductProcess(child);
  running.push(npm);
  await npm.waitForLog('started');
  leftovers.push(...descendants(child.pid ?? 0));
  return { npm, dataDir, url: `http://127.0.0.1:${String(port)}` };
}

function privateRedisPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8').trim());
}

describe('npm start: stopping it stops everything it started', () => {
  it('SIGTERM to npm leaves no node process and no redis-server behind, and the port is free again', async () => {
    const { npm, dataDir, url } = await npmStart();
    const redis = privateRedisPid(dataDir);
    const started = descendants(npm.child.pid ?? 0);
    expect(started).toContain(redis);
    expect(started.some((pid) => commandOf(pid).includes('scripts/start.mjs'))).toBe(true);
    expect((await fetch(`${url}/health`)).status).toBe(200);

    npm.child.kill('SIGTERM');
    await npm.exited;
    await expect.poll(() => started.filter(alive).map(commandOf), { timeout: 30_000, interval: 200 }).toEqual([]);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('a SIGKILLed product does not leave its redis-server running', async () => {
    const { npm, dataDir } = await npmStart();
    const redis = privateRedisPid(dataDir);
    const product = descendants(npm.child.pid ?? 0).find((pid) => commandOf(pid).includes('scripts/start.mjs'));
    expect(product).toBeDefined();
    process.kill(product ?? 0, 'SIGKILL');
    await expect.poll(() => alive(redis), { timeout: 15_000, interval: 200 }).toBe(false);
  });
});

describe('a port already taken', () => {
  it('says in one plain line which variable to set, before the JSON log, and exits non-zero', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => taken.close());
    const { port } = taken.address() as net.AddressInfo;
    const dataDir = tempDir('port-taken');
    cleanups.push(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const product = startProduct('all', { PORT: String(port), DATA_DIR: dataDir, ADMIN_API_KEY: 'port-taken-admin-key-0123456789abcdef' });
    running.push(product);
    const exit = await product.exited;
    expect(exit.code).toBe(1);
    const plain = product.lines.findIndex((line) => line.startsWith(`Port ${String(port)} is already in use`));
    expect(product.lines[plain]).toContain(`PORT=${String(port + 1)} npm start`);
    const fatal = product.lines.findIndex((line) => parseLog(line)?.msg === 'start-up failed');
    expect(fatal).toBeGreaterThan(-1);
    expect(plain).toBeGreaterThan(-1);
  });
});
