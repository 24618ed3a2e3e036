import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'main.js');

export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

/** The built product, started as a user would start it: `node dist/main.js <role>`. */
export class ProductProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((waiter) => {
          if (!waiter.test(line)) return true;
          waiter.resolve(line);
          return false;
        });
      });
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** Resolves with the first line (past or future) that passes the test; rejects if the process exits first. */
  waitForLine(test: (line: string) => boolean, what = 'a log line'): Promise<string> {
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ test, resolve });
      void this.exited.then(({ code, signal }) => {
        reject(new Error(`process exited (${String(code ?? signal)}) before ${what}:\n${this.output}`));
      });
    });
  }

  async waitForLog(msg: string): Promise<LogLine> {
    const line = await this.waitForLine((text) => parseLog(text)?.msg === msg, `"${msg}"`);
    return parseLog(line) ?? {};
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function parseLog(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

export function startProduct(role: 'api' | 'worker' | 'all', env: Record<string, string | undefined>): ProductProcess {
  const child = spawn(process.execPath, [MAIN, role], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ProductProcess(child);
}

/** Starts the api (or all) role and resolves with its base URL once it listens. */
export async function startApiProduct(
  role: 'api' | 'all',
  env: Record<string, string | undefined>,
): Promise<{ product: ProductProcess; url: string }> {
  const product = startProduct(role, env);
  const listening = await product.waitForLog('api listening');
  await product.waitForLog('started');
  return { product, url: String(listening.url) };
}
