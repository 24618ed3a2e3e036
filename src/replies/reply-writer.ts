import { RECORD_BATCH_LIMIT, type IncomingReply, type ReplyRepository, type StoredReply } from '../store/reply.repository.js';

export interface ReplyWriterOptions {
  /** Most replies one transaction takes (at most the repository's RECORD_BATCH_LIMIT). */
  maxBatch?: number;
  /** How long a reply that finds the writer idle waits for others to share its transaction. */
  lingerMs?: number;
  /** Most replies waiting at once; past it a reply is refused (not stored, so not heard: see write). */
  maxWaiting?: number;
}

export interface ReplyWriterDeps {
  replies: Pick<ReplyRepository, 'recordMany'>;
  /** REPLY_ATTRIBUTION_HOURS. */
  windowHours: number;
  /** The stored `created_at` of a batch. */
  now: () => string;
}

/** More replies waiting than the writer keeps: this one is refused rather than held without bound. */
export class ReplyWriterFull extends Error {
  constructor(limit: number) {
    super(`more than ${limit} replies waiting to be stored`);
    this.name = 'ReplyWriterFull';
  }
}

interface Waiter {
  reply: IncomingReply;
  resolve: (stored: StoredReply | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Stores replies that arrive together in shared transactions (group commit): one durable commit
 * per batch rather than one per reply, which is what a reply costs (an fsync). Each caller still
 * awaits its own reply's commit, so a message is remembered as heard only once it is stored: if a
 * batch's transaction fails, every reply in it is rejected, none is resolved. One batch is written
 * at a time; what arrives meanwhile goes in the next one, at once. A reply finding the writer idle
 * waits `lingerMs` for company, or less when `maxBatch` are waiting.
 */
export class ReplyWriter {
  readonly #maxBatch: number;
  readonly #lingerMs: number;
  readonly #maxWaiting: number;
  #waiting: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  /** Stopping or stopped: nothing lingers any more, every reply is written at once. */
  #draining = false;

  constructor(
    private readonly deps: ReplyWriterDeps,
    options: ReplyWriterOptions = {},
  ) {
    this.#maxBatch = Math.max(1, Math.min(options.maxBatch ?? 200, RECORD_BATCH_LIMIT));
    this.#lingerMs = options.lingerMs ?? 2;
    this.#maxWaiting = options.maxWaiting ?? 20_000;
  }

  /** Resolves once the reply is durably stored (undefined: a message stored before); rejects if it was not. */
  write(reply: IncomingReply): Promise<StoredReply | undefined> {
    if (this.#waiting.length >= this.#maxWaiting) return Promise.reject(new ReplyWriterFull(this.#maxWaiting));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ reply, resolve, reject });
      this.#schedule();
    });
  }

  /** Writes what is waiting and what is in hand; replies that come later are written at once, without lingering. */
  async stop(): Promise<void> {
    this.#draining = true;
    this.#schedule();
    while (this.#writing) await this.#writing;
  }

  #schedule(): void {
    if (this.#writing || this.#waiting.length === 0) return;
    if (this.#draining || this.#waiting.length >= this.#maxBatch) {
      this.#start();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#start();
    }, this.#lingerMs);
  }

  #start(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      this.#schedule();
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      try {
        const stored = await this.deps.replies.recordMany(
          batch.map((waiter) => waiter.reply),
          this.deps.windowHours,
          this.deps.now(),
        );
        batch.forEach((waiter, i) => {
          waiter.resolve(stored[i]);
        });
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        // One bad reply must not sink the others (WhatsApp does not redeliver what baileys acked): each on its own.
        for (const waiter of batch) {
          try {
            const [stored] = await this.deps.replies.recordMany([waiter.reply], this.deps.windowHours, this.deps.now());
            waiter.resolve(stored);
          } catch (alone) {
            waiter.reject(alone);
          }
        }
      }
    }
  }
}
