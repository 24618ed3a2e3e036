import { sql } from 'kysely';
import type { Db } from './database.js';

export interface BacklogMessage {
  messageId: string;
  from: string;
  text: string;
  queuedAt: string;
}

/**
 * Messages written to a sandbox session "while its socket was down": kept in the database until
 * the session's next connect delivers them as its offline backlog, so they survive a disconnect
 * and a worker restart, as WhatsApp's server keeps them for a real account.
 */
export interface SandboxBacklogRepository {
  add(sessionId: string, message: BacklogMessage): Promise<void>;
  /** The waiting messages, oldest first, each with the key `remove` takes. */
  waiting(sessionId: string, limit: number): Promise<(BacklogMessage & { seq: number })[]>;
  remove(sessionId: string, seqs: readonly number[]): Promise<void>;
  count(sessionId: string): Promise<number>;
  clear(sessionId: string): Promise<void>;
}

export function createSandboxBacklogRepository(db: Db): SandboxBacklogRepository {
  return {
    async add(sessionId, message) {
      // The next place in one statement; two messages queued at once on PostgreSQL may compute the
      // same place: the second fails on the key and tries again.
      for (let attempt = 0; ; attempt++) {
        try {
          await db
            .insertInto('sandbox_backlog')
            .values({
              session_id: sessionId,
              seq: sql<number>`(select coalesce(max(seq), 0) + 1 from sandbox_backlog where session_id = ${sessionId})`,
              message_id: message.messageId,
              sender: message.from,
              text: message.text,
              queued_at: message.queuedAt,
            })
            .execute();
          return;
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    },

    async waiting(sessionId, limit) {
      const rows = await db
        .selectFrom('sandbox_backlog')
        .select(['seq', 'message_id', 'sender', 'text', 'queued_at'])
        .where('session_id', '=', sessionId)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ seq: row.seq, messageId: row.message_id, from: row.sender, text: row.text, queuedAt: row.queued_at }));
    },

    async remove(sessionId, seqs) {
      if (seqs.length === 0) return;
      await db.deleteFrom('sandbox_backlog').where('session_id', '=', sessionId).where('seq', 'in', [...seqs]).execute();
    },

    async count(sessionId) {
      const row = await db.selectFrom('sandbox_backlog').select((eb) => eb.fn.countAll<string | number>().as('n')).where('session_id', '=', sessionId).executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async clear(sessionId) {
      await db.deleteFrom('sandbox_backlog').where('session_id', '=', sessionId).execute();
    },
  };
}
