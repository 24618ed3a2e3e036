import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Db } from './database.js';

/** Chunks small enough for any driver, large enough to keep row counts low. */
export const BLOB_CHUNK_BYTES = 1_048_576;

const HEAD_BYTES = 65_536;

export class BlobTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
  }
}

export interface StoredBlob {
  sha256: string;
  size: number;
  /** The first bytes, for telling the file type by content. */
  head: Buffer;
}

/**
 * Files by content hash, in the database: any worker on any host can read what any api stored,
 * and the same file stored twice is kept once.
 */
export interface BlobRepository {
  /** Streams a file in, enforcing `maxBytes` as it goes (the stream is drained on refusal). */
  put(stream: Readable, options: { maxBytes: number; now: string }): Promise<StoredBlob>;
  /** The content, chunk by chunk, in order. */
  read(sha256: string): AsyncIterable<Buffer>;
  exists(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
}

export function createBlobRepository(db: Db): BlobRepository {
  return {
    async put(stream, { maxBytes, now }) {
      // Chunks are staged under a temporary id, then renamed to the hash once it is known.
      const staging = `staging-${randomUUID()}`;
      const hash = createHash('sha256');
      let size = 0;
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const head: Buffer[] = [];
      let headBytes = 0;
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        await db.insertInto('blob_chunks').values({ sha256: staging, seq: seq++, data: Buffer.concat(pending) }).execute();
        pending = [];
        pendingBytes = 0;
      };
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) throw new BlobTooLarge(maxBytes);
          if (headBytes < HEAD_BYTES) {
            head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
            headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
          }
          hash.update(chunk);
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= BLOB_CHUNK_BYTES) await flush();
        }
        await flush();
      } catch (error) {
        stream.resume();
        await db.deleteFrom('blob_chunks').where('sha256', '=', staging).execute();
        throw error;
      }
      const sha256 = hash.digest('hex');
      await db.transaction().execute(async (trx) => {
        const known = await trx.selectFrom('blobs').select('sha256').where('sha256', '=', sha256).executeTakeFirst();
        if (known) {
          await trx.deleteFrom('blob_chunks').where('sha256', '=', staging).execute();
          return;
        }
        await trx.updateTable('blob_chunks').set({ sha256 }).where('sha256', '=', staging).execute();
        await trx.insertInto('blobs').values({ sha256, size, created_at: now }).execute();
      });
      return { sha256, size, head: Buffer.concat(head) };
    },

    async *read(sha256) {
      for (let seq = 0; ; seq++) {
        const row = await db
          .selectFrom('blob_chunks')
          .select('data')
          .where('sha256', '=', sha256)
          .where('seq', '=', seq)
          .executeTakeFirst();
        if (!row) return;
        yield Buffer.from(row.data);
      }
    },

    async exists(sha256) {
      return (await db.selectFrom('blobs').select('sha256').where('sha256', '=', sha256).executeTakeFirst()) !== undefined;
    },

    async delete(sha256) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('blob_chunks').where('sha256', '=', sha256).execute();
        await trx.deleteFrom('blobs').where('sha256', '=', sha256).execute();
      });
    },
  };
}
