import { sql } from 'kysely';
import { isReplyKind, type ReplyKind } from '../core/reply.js';
import type { SessionRef } from '../core/session-config.js';
import type { Db } from './database.js';

export interface BacklogMessage {
  messageId: string;
  from: string;
  /** The text, or a media message's caption ('' for none). */
  text: string;
  queuedAt: string;
  /** What it is (core/reply.ts); text when absent. */
  kind?: ReplyKind;
  /** Addressed by the sender's LID. */
  viaLid?: boolean;
  /** Written while the session was connected: passed on at once, not at the next connect. */
  live?: boolean;
}

/**
 * Messages written to a sandbox session "while its socket was down": kept in the database until
 * the session's next connect delivers them as its offline backlog, so they survive a disconnect
 * and a worker restart, as WhatsApp's server keeps them for a real account. They belong to the
 * session's own identity (its uid): a later session created under the same id sees none of them.
 */
export interface SandboxBacklogRepository {
  /**
   * Queues the message unless the session already has `limit` waiting or no longer exists (then
   * false). The count and the insert are one statement, so concurrent calls never pass the limit.
   */
  add(session: SessionRef, message: BacklogMessage, limit: number): Promise<boolean>;
  /** The waiting messages, oldest first, each with the key `remove` takes; `live` only: those written to a connected session. */
  waiting(session: SessionRef, limit: number, only?: { live: true }): Promise<(BacklogMessage & { seq: number })[]>;
  remove(session: SessionRef, seqs: readonly number[]): Promise<void>;
  count(session: SessionRef): Promise<number>;
  clear(session: SessionRef): Promise<void>;
}

/** How many times an insert that lost the race for its place tries again (each round, one of the racers wins). */
const MAX_ATTEMPTS = 64;

export function createSandboxBacklogRepository(db: Db): SandboxBacklogRepository {
  return {
    async add(session, message, limit) {
      // The next place, the count and the insert in one statement. On PostgreSQL two statements
      // that read the same rows compute the same place: the second waits on the key until the first
      // commits, fails, and tries again reading the first's row, which the count then includes.
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await sql`
            INSERT INTO sandbox_backlog (session_id, session_uid, seq, message_id, sender, text, queued_at, kind, via_lid, live)
            SELECT session_configs.id, session_configs.uid,
              (SELECT coalesce(max(seq), 0) + 1 FROM sandbox_backlog WHERE session_id = ${session.id}),
              ${message.messageId}, ${message.from}, ${message.text}, ${message.queuedAt}, ${message.kind ?? 'text'}, ${message.viaLid === true ? 1 : 0},
              ${message.live === true ? 1 : 0}
            FROM session_configs
            WHERE session_configs.id = ${session.id} AND session_configs.uid = ${session.uid}
              AND (SELECT count(*) FROM sandbox_backlog WHERE session_id = ${session.id} AND session_uid = ${session.uid}) < ${limit}
          `.execute(db);
          return (result.numAffectedRows ?? 0n) > 0n;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS || !isKeyConflict(error)) throw error;
        }
      }
    },

    async waiting(session, limit, only) {
      let query = db
        .selectFrom('sandbox_backlog')
        .select(['seq', 'message_id', 'sender', 'text', 'queued_at', 'kind', 'via_lid', 'live'])
        .where('session_id', '=', session.id)
        .where('session_uid', '=', session.uid);
      if (only?.live === true) query = query.where('live', '=', 1);
      const rows = await query
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        seq: row.seq,
        messageId: row.message_id,
        from: row.sender,
        text: row.text,
        queuedAt: row.queued_at,
        kind: isReplyKind(row.kind) ? row.kind : 'other',
        viaLid: row.via_lid === 1,
        live: row.live === 1,
      }));
    },

    async remove(session, seqs) {
      if (seqs.length === 0) return;
      await db
        .deleteFrom('sandbox_backlog')
        .where('session_id', '=', session.id)
        .where('session_uid', '=', session.uid)
        .where('seq', 'in', [...seqs])
        .execute();
    },

    async count(session) {
      const row = await db
        .selectFrom('sandbox_backlog')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('session_id', '=', session.id)
        .where('session_uid', '=', session.uid)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async clear(session) {
      await db.deleteFrom('sandbox_backlog').where('session_id', '=', session.id).where('session_uid', '=', session.uid).execute();
    },
  };
}

/** A unique-key violation: PostgreSQL's 23505, SQLite's SQLITE_CONSTRAINT_PRIMARYKEY. */
function isKeyConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}
