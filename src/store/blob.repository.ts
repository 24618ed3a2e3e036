import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { UploadTooSlow } from '../errors/app-error.js';
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

/** A file read in but not yet a blob: its chunks wait under `stagingId` until commit or discard. */
export interface StagedBlob extends StoredBlob {
  stagingId: string;
  chunks: number;
}

/** Statuses of a blast that still sends, so still needs its media. */
const UNFINISHED_BLASTS = ['importing', 'scheduled', 'running', 'paused'];
const STAGING = 'staging-';

/**
 * Files by content hash, in the database: any worker on any host can read what any api stored,
 * and the same file stored twice is kept once.
 *
 * An upload is staged first (`stage`: chunks under a temporary id, checked against `maxBytes` as
 * they come), and becomes a blob only once the request is accepted (`commit`), after the row
 * that refers to it has been written; a refused one is discarded. A blob is referred to by a
 * list still importing (its file) and by a blast still unfinished (its media): nothing reads it
 * after that (a ready list's rows and a blast's outcomes are in their tables), so it is deleted
 * then (`deleteUnreferenced`), and `sweep` collects what a crash left behind.
 */
export interface BlobRepository {
  /** Streams a file in, enforcing `maxBytes` as it goes (the stream is drained on refusal). */
  stage(stream: Readable, options: { maxBytes: number; now: string }): Promise<StagedBlob>;
  /** Makes a staged file a blob (or drops it, when the same content is stored already). */
  commit(staged: StagedBlob, now: string): Promise<void>;
  /** Drops a staged file (a no-op once committed). */
  discard(staged: StagedBlob): Promise<void>;
  /** stage + commit, for a file that needs no checks. */
  put(stream: Readable, options: { maxBytes: number; now: string }): Promise<StoredBlob>;
  /** The content, chunk by chunk, in order. */
  read(sha256: string): AsyncIterable<Buffer>;
  exists(sha256: string): Promise<boolean>;
  /** Deletes the blob unless a list importing or an unfinished blast refers to it; true if deleted. */
  deleteUnreferenced(sha256: string): Promise<boolean>;
  /** Deletes staged files and unreferenced blobs from before `before` (a crash mid-upload, a blast ended). */
  sweep(before: string): Promise<{ staged: number; blobs: number }>;
}

export function createBlobRepository(db: Db): BlobRepository {
  const repository: BlobRepository = {
    async stage(stream, { maxBytes, now }) {
      // The staging id carries its start, so that a sweep knows an abandoned one.
      const stagingId = `${STAGING}${String(Date.parse(now))}-${randomUUID()}`;
      const hash = createHash('sha256');
      let size = 0;
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const head: Buffer[] = [];
      let headBytes = 0;
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        await db.insertInto('blob_chunks').values({ sha256: stagingId, seq: seq++, data: Buffer.concat(pending) }).execute();
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
        await db.deleteFrom('blob_chunks').where('sha256', '=', stagingId).execute();
        throw error;
      }
      return { stagingId, chunks: seq, sha256: hash.digest('hex'), size, head: Buffer.concat(head) };
    },

    async commit(staged, now) {
      await db.transaction().execute(async (trx) => {
        // Written first, so that a concurrent deleteUnreferenced of the same content waits for
        // this transaction (or this one for it): the content is then either kept or stored again.
        const known = await trx.updateTable('blobs').set({ size: staged.size }).where('sha256', '=', staged.sha256).executeTakeFirst();
        // Claimed before the chunks move: of two commits of the same content at once, the second
        // waits here for the first, then finds it stored (its chunks would collide with them).
        const claim = () =>
          trx
            .insertInto('blobs')
            .values({ sha256: staged.sha256, size: staged.size, created_at: now })
            .onConflict((conflict) => conflict.column('sha256').doNothing())
            .executeTakeFirst();
        if (known.numUpdatedRows > 0n || (await claim()).numInsertedOrUpdatedRows === 0n) {
          await trx.deleteFrom('blob_chunks').where('sha256', '=', staged.stagingId).execute();
          return;
        }
        const moved = await trx.updateTable('blob_chunks').set({ sha256: staged.sha256 }).where('sha256', '=', staged.stagingId).executeTakeFirst();
        // A sweep took the chunks of an upload staged too long ago: it cannot be a blob.
        if (moved.numUpdatedRows !== BigInt(staged.chunks)) {
          throw new UploadTooSlow('The upload took so long that it was given up before it had all come; send it again (a smaller file, a faster connection).');
        }
      });
    },

    async discard(staged) {
      await db.deleteFrom('blob_chunks').where('sha256', '=', staged.stagingId).execute();
    },

    async put(stream, options) {
      const staged = await repository.stage(stream, options);
      await repository.commit(staged, options.now);
      return { sha256: staged.sha256, size: staged.size, head: staged.head };
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

    async deleteUnreferenced(sha256) {
      return db.transaction().execute(async (trx) => {
        // The row written first (see commit); the references read after, by a statement of their own.
        const found = await trx.updateTable('blobs').set({ size: sql`size` }).where('sha256', '=', sha256).executeTakeFirst();
        if (found.numUpdatedRows === 0n) return false;
        const list = await trx.selectFrom('lists').select('id').where('blob_sha256', '=', sha256).where('status', '=', 'importing').limit(1).executeTakeFirst();
        const blast = await trx.selectFrom('blasts').select('id').where('media_sha256', '=', sha256).where('status', 'in', UNFINISHED_BLASTS).limit(1).executeTakeFirst();
        if (list || blast) return false;
        await trx.deleteFrom('blob_chunks').where('sha256', '=', sha256).execute();
        await trx.deleteFrom('blobs').where('sha256', '=', sha256).execute();
        return true;
      });
    },

    async sweep(before) {
      const beforeMs = Date.parse(before);
      // By prefix, not by a range ('staging-' up to 'staging.'): a range holds only in byte order,
      // and a PostgreSQL database sorting in a natural language (en_US.UTF-8) ignores the '-'.
      const stagedIds = await db.selectFrom('blob_chunks').select('sha256').distinct().where('sha256', 'like', `${STAGING}%`).execute();
      let staged = 0;
      for (const { sha256 } of stagedIds) {
        const startedMs = Number(sha256.slice(STAGING.length).split('-')[0]);
        if (!(startedMs < beforeMs)) continue;
        await db.deleteFrom('blob_chunks').where('sha256', '=', sha256).execute();
        staged += 1;
      }
      const candidates = await db
        .selectFrom('blobs')
        .select('sha256')
        .where('created_at', '<', before)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('lists').select('id').whereRef('lists.blob_sha256', '=', 'blobs.sha256').where('lists.status', '=', 'importing'))))
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom('blasts').select('id').whereRef('blasts.media_sha256', '=', 'blobs.sha256').where('blasts.status', 'in', UNFINISHED_BLASTS))),
        )
        .execute();
      let blobs = 0;
      for (const { sha256 } of candidates) if (await repository.deleteUnreferenced(sha256)) blobs += 1;
      return { staged, blobs };
    },
  };
  return repository;
}
