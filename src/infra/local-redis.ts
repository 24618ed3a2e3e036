import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import { ensurePrivateDir, readOrCreateSecret } from './private-files.js';

export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

export class RedisServerMissing extends Error {
  constructor(bin: string) {
    super(
      `"${bin}" was not found. Install Redis and start again:\n` +
        '    Debian/Ubuntu: sudo apt-get install -y redis-server\n' +
        '    macOS:         brew install redis\n' +
        'or point REDIS_URL at a Redis you already run (e.g. REDIS_URL=redis://127.0.0.1:6379).',
    );
    this.name = 'RedisServerMissing';
  }
}

/**
 * Starts a private redis-server for the `all` role when REDIS_URL is unset: bound to
 * 127.0.0.1 on a free port, data (append-only) under `dir`, stopped with the process.
 * Another user of the machine can reach 127.0.0.1 too, so it needs a password: generated once,
 * kept in `dir`/password (0600), handed to redis-server on its standard input (never in its
 * arguments, which `ps` shows) and never logged. Its files are created 0600 (umask 077).
 */
export async function startLocalRedis(options: { bin: string; dir: string; log: Logger }): Promise<LocalRedis> {
  const { bin, dir, log } = options;
  ensurePrivateDir(dir);
  const password = readOrCreateSecret(path.join(dir, 'password'));
  const pidFile = path.join(dir, 'redis.pid');
  await stopOrphan(pidFile, log);

  const port = await freePort();
  const child = spawnPrivately(bin, [
    '-', // the configuration below, from standard input
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', dir,
    '--pidfile', pidFile,
    '--appendonly', 'yes',
    '--save', '',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--logfile', '',
    '--loglevel', 'warning',
  ]);
  child.stdin.on('error', () => undefined); // it exited before reading: reported by waitUntilReady
  child.stdin.end(`requirepass "${password}"\n`);
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const url = `redis://:${password}@127.0.0.1:${port}`;
  if (child.pid !== undefined) watchOver(child.pid);
  await waitUntilReady(child, url, bin, output);
  log.info({ port, dir }, 'started a private redis-server (REDIS_URL is unset)');

  return {
    url,
    stop: () => stopChild(child),
  };
}

/**
 * Our redis-server must not outlive us, however we end: a SIGKILL runs none of our code. A tiny
 * shell loop outside our process group watches both and stops redis-server (SIGTERM: it flushes
 * its append-only file) once we are gone; it ends by itself when redis-server does. The final
 * check on the process's name keeps a recycled pid safe.
 */
function watchOver(redisPid: number): void {
  if (process.platform === 'win32') return;
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'case "$(ps -o comm= -p "$2" 2>/dev/null)" in *redis*) kill -TERM "$2" 2>/dev/null;; esac';
  try {
    const watchdog = spawn('/bin/sh', ['-c', script, 'redis-watchdog', String(process.pid), String(redisPid)], { detached: true, stdio: 'ignore' });
    watchdog.on('error', () => undefined);
    watchdog.unref();
  } catch {
    // No shell: the next start still stops a leftover redis-server (stopOrphan).
  }
}

/** redis-server with umask 077, so its append-only files and directory are private. */
function spawnPrivately(bin: string, args: string[]): ChildProcessByStdio<Writable, Readable, Readable> {
  const umask = process.umask(0o077);
  try {
    return spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  } finally {
    process.umask(umask);
  }
}

async function waitUntilReady(child: ChildProcess, url: string, bin: string, output: string[]): Promise<void> {
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new RedisServerMissing(bin) : error);
    });
    child.once('exit', (code) => {
      reject(new Error(`redis-server exited with code ${String(code)} before it was ready:\n${output.join('')}`));
    });
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await Promise.race([client.connect().then(() => client.ping()), exited]);
      return;
    } catch (error) {
      if (error instanceof RedisServerMissing || child.exitCode !== null || Date.now() > deadline) throw error;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
    } finally {
      client.disconnect();
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    // SIGTERM makes redis flush its append-only file and exit.
    child.kill('SIGTERM');
  });
}

/** A previous run killed with SIGKILL leaves its redis-server behind: stop it before starting ours. */
async function stopOrphan(pidFile: string, log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').trim(), 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isRedisProcess(pid)) return;
  log.warn({ pid }, 'stopping a redis-server left over from an earlier run');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isRedisProcess(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}
