import type { Logger } from '../logging/logger.js';

/**
 * Things to close, in the reverse order they were opened: the HTTP server stops accepting
 * before the queues close, the queues before Redis, Redis before a private redis-server.
 */
export class Lifecycle {
  readonly #closers: { name: string; close: () => Promise<void> | void }[] = [];
  #closing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  defer(name: string, close: () => Promise<void> | void): void {
    this.#closers.push({ name, close });
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    for (const { name, close } of this.#closers.reverse()) {
      try {
        await close();
        this.log.debug({ resource: name }, 'closed');
      } catch (error) {
        this.log.warn({ err: error, resource: name }, 'close failed');
      }
    }
  }
}
