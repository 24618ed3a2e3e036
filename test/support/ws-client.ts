import WebSocket from 'ws';

export interface Frame {
  event: string;
  data: Record<string, unknown>;
}

/** A WebSocket client as a frontend would open it, recording every frame. */
export class EventSocket {
  readonly frames: Frame[] = [];
  #waiters: { test: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];
  closed: Promise<{ code: number }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code) => {
        resolve({ code });
      });
    });
  }

  /** Opens `ws://…/?ticket=…`; rejects with the HTTP status when the upgrade is refused. */
  static open(baseUrl: string, ticket: string): Promise<EventSocket> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/?ticket=${encodeURIComponent(ticket)}`);
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        resolve(new EventSocket(socket));
      });
      socket.once('unexpected-response', (_request, response) => {
        reject(new UpgradeRefused(response.statusCode ?? 0));
      });
      socket.once('error', reject);
    });
  }

  /** The first frame (already received or to come) that passes the test. */
  waitFor(test: (frame: Frame) => boolean, what = 'a frame', timeoutMs = 20_000): Promise<Frame> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ${what} within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames.map((f) => f.event))}`));
      }, timeoutMs);
      this.#waiters.push({
        test,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade refused with HTTP ${status}`);
  }
}

export const isStatus =
  (sessionId: string, status: string) =>
  (frame: Frame): boolean =>
    frame.event === 'session:status' && frame.data.sessionId === sessionId && frame.data.status === status;
