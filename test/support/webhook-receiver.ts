import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebhookEnvelope } from '../../src/events/event-catalogue.js';

const SCRIPT = fileURLToPath(new URL('./webhook-receiver.mjs', import.meta.url));

export interface Received {
  path: string;
  id: string;
  valid: boolean;
  status: number;
  acked: boolean;
  idMatches: boolean;
  envelope: WebhookEnvelope;
  at: number;
}

/** A webhook receiver in a process of its own (test/support/webhook-receiver.mjs), restartable on the same port. */
export class WebhookReceiver {
  #child: ChildProcess | undefined;
  port = 0;

  constructor(readonly dir: string) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [SCRIPT], { env: { RECEIVER_DIR: this.dir, RECEIVER_PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    this.#child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => {
        reject(new Error(`receiver exited (${String(code)})`));
      });
      child.stdout.once('data', (chunk: Buffer) => {
        resolve((JSON.parse(chunk.toString('utf8')) as { listening: number }).listening);
      });
    });
  }

  /** Down: killed outright. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
      child.kill('SIGKILL');
    });
  }

  url(route: string): string {
    return `http://127.0.0.1:${String(this.port)}${route}`;
  }

  trust(secret: string): void {
    fs.appendFileSync(path.join(this.dir, 'secrets'), `${secret}\n`);
  }

  answer(status: number, delayMs = 0): void {
    fs.writeFileSync(path.join(this.dir, 'mode.json'), JSON.stringify({ status, delayMs }));
  }

  received(): Received[] {
    const file = path.join(this.dir, 'received.jsonl');
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Received);
  }

  /** Polls the log until `predicate` holds (the receiver is another process: its file is the event). */
  async waitFor(predicate: (received: Received[]) => boolean, what: string, timeoutMs = 60_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const received = this.received();
      if (predicate(received)) return received;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${String(received.length)} requests received)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
