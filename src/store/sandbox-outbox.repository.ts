import type SQLite from 'better-sqlite3';
import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { SandboxOutboxTable } from './schema.js';

type OutboxRow = Selectable<SandboxOutboxTable>;

export interface OutboxEntry {
  messageId: string;
  to: string;
  text: string;
  mediaKind: string | null;
  mediaRef: string | null;
  firstAt: string;
  lastAt: string;
  repeats: number;
}

export interface OutboxPage {
  items: OutboxEntry[];
  /** The offset of the next page; null when this page reached the end. A page may hold fewer than `limit` items (OUTBOX_PAGE_CHARS). */
  next: number | null;
  total: number;
  /** Sum of repeats: how many sends reused an id that was already accepted. */
  repeats: number;
}

/**
 * The sandbox provider's record of every message it accepted: one row per message id, as
 * WhatsApp keeps one message per id from an account; a repeat only bumps `repeats`.
 */
export interface SandboxOutboxRepository {
  /** Returns how many times this id had been accepted before (0 for a new message). */
  record(sessionId: string, entry: Omit<OutboxEntry, 'lastAt' | 'repeats'>): Promise<number>;
  page(sessionId: string, options: { limit: number; offset: number }): Promise<OutboxPage>;
  count(sessionId: string): Promise<number>;
  clear(sessionId: string): Promise<void>;
}

/**
 * Most characters of message text one page carries: a page of 10,000 messages of 65,536 characters
 * each would be 655 MB. A page ends early when the next rows would pass it (always one row at least).
 */
export const OUTBOX_PAGE_CHARS = 4_000_000;
/** Rows read at a time while a page is filled. */
const OUTBOX_READ_ROWS = 500;

export function createSandboxOutboxRepository(db: Db, sqlite?: SQLite.Database): SandboxOutboxRepository {
  const sqliteRecord = sqlite && sqliteRecorder(sqlite);
  return {
    async record(sessionId, entry) {
      if (sqliteRecord) return db.connection().execute(() => Promise.resolve(sqliteRecord(sessionId, entry)));
      // One statement, so concurrent senders of the same id cannot both insert it.
      const row = await db
        .insertInto('sandbox_outbox')
        .values({
          session_id: sessionId,
          message_id: entry.messageId,
          seq: sql<number>`(select coalesce(max(seq), 0) + 1 from sandbox_outbox where session_id = ${sessionId})`,
          recipient: entry.to,
          text: entry.text,
          media_kind: entry.mediaKind,
          media_ref: entry.mediaRef,
          first_at: entry.firstAt,
          last_at: entry.firstAt,
          repeats: 0,
        })
        .onConflict((conflict) =>
          conflict
            .columns(['session_id', 'message_id'])
            .doUpdateSet({ repeats: sql<number>`sandbox_outbox.repeats + 1`, last_at: entry.firstAt }),
        )
        .returning('repeats')
        .executeTakeFirstOrThrow();
      return row.repeats;
    },

    async page(sessionId, { limit, offset }) {
      const rows: OutboxRow[] = [];
      let chars = 0;
      let full = false;
      while (rows.length < limit && !full) {
        const want = Math.min(OUTBOX_READ_ROWS, limit - rows.length);
        const batch = await db
          .selectFrom('sandbox_outbox')
          .selectAll()
          .where('session_id', '=', sessionId)
          .orderBy('seq')
          .limit(want)
          .offset(offset + rows.length)
          .execute();
        for (const row of batch) {
          if (rows.length > 0 && chars + row.text.length > OUTBOX_PAGE_CHARS) {
            full = true;
            break;
          }
          rows.push(row);
          chars += row.text.length;
        }
        if (batch.length < want) break;
      }
      const totals = await db
        .selectFrom('sandbox_outbox')
        .select((eb) => [eb.fn.countAll<string | number>().as('total'), eb.fn.sum<string | number | null>('repeats').as('repeats')])
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      return {
        items: rows.map((row) => ({
          messageId: row.message_id,
          to: row.recipient,
          text: row.text,
          mediaKind: row.media_kind,
          mediaRef: row.media_ref,
          firstAt: row.first_at,
          lastAt: row.last_at,
          repeats: row.repeats,
        })),
        next: offset + rows.length < Number(totals.total) ? offset + rows.length : null,
        total: Number(totals.total),
        repeats: Number(totals.repeats ?? 0),
      };
    },

    async count(sessionId) {
      const row = await db
        .selectFrom('sandbox_outbox')
        .select((eb) => eb.fn.countAll<string | number>().as('total'))
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },

    async clear(sessionId) {
      await db.deleteFrom('sandbox_outbox').where('session_id', '=', sessionId).execute();
    },
  };
}

/** SQLite: the same statement, prepared once (the sandbox at full speed records thousands a second). */
function sqliteRecorder(sqlite: SQLite.Database): (sessionId: string, entry: Omit<OutboxEntry, 'lastAt' | 'repeats'>) => number {
  let insert: SQLite.Statement<[string, string, string, string, string, string | null, string | null, string, string, string], { repeats: number }> | undefined;
  return (sessionId, entry) => {
    insert ??= sqlite.prepare(
      `INSERT INTO sandbox_outbox (session_id, message_id, seq, recipient, text, media_kind, media_ref, first_at, last_at, repeats)
       VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM sandbox_outbox WHERE session_id = ?), ?, ?, ?, ?, ?, ?, 0)
       ON CONFLICT (session_id, message_id) DO UPDATE SET repeats = sandbox_outbox.repeats + 1, last_at = ?
       RETURNING repeats`,
    );
    const row = insert.get(sessionId, entry.messageId, sessionId, entry.to, entry.text, entry.mediaKind, entry.mediaRef, entry.firstAt, entry.firstAt, entry.firstAt);
    return row?.repeats ?? 0;
  };
}
