import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { isReplyKind, type ReplyKind } from '../core/reply.js';
import { parseSandboxSignal, type SandboxSignal } from '../core/sandbox-signal.js';
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

/** What waits for a session's link, in order: a message, or a signal of its simulated WhatsApp. */
export type BacklogItem = { seq: number } & ({ signal: SandboxSignal } | (BacklogMessage & { signal?: undefined }));

/** The kind stored for a signal (its JSON in `text`); a message's kind is a reply kind. */
const SIGNAL_KIND = 'signal';

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
  /**
   * Queues a signal (core/sandbox-signal.ts) behind what is waiting, on the same terms as `add`: kept
   * until the link applies it, so a signal whose command is lost in transit still arrives.
   */
  addSignal(session: SessionRef, signal: SandboxSignal, queuedAt: string, limit: number): Promise<boolean>;
  /**
   * What is waiting, oldest first, each with the key `remove` takes; `live` only: what was written to a
   * connected session (signals always are). A stored signal that no longer parses is dropped.
   */
  waiting(session: SessionRef, limit: number, only?: { live: true }): Promise<BacklogItem[]>;
  remove(session: SessionRef, seqs: readonly number[]): Promise<void>;
  count(session: SessionRef): Promise<number>;
  clear(session: SessionRef): Promise<void>;
}

/** How many times an insert that lost the race for its place tries again (each round, one of the racers wins). */
const MAX_ATTEMPTS = 64;

export function createSandboxBacklogRepository(db: Db): SandboxBacklogRepository {
  const repository: SandboxBacklogRepository = {
    add(session, message, limit) {
      return insert(db, session, {
        messageId: message.messageId,
        sender: message.from,
        text: message.text,
        queuedAt: message.queuedAt,
        kind: message.kind ?? 'text',
        viaLid: message.viaLid === true,
        live: message.live === true,
      }, limit);
    },

    addSignal(session, signal, queuedAt, limit) {
      const row = { messageId: `signal-${randomUUID()}`, sender: '', text: JSON.stringify(signal), queuedAt, kind: SIGNAL_KIND, viaLid: false, live: true };
      return insert(db, session, row, limit);
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
      const items: BacklogItem[] = [];
      const unreadable: number[] = [];
      for (const row of rows) {
        if (row.kind === SIGNAL_KIND) {
          const signal = parseSandboxSignal(parseJson(row.text));
          if (signal) items.push({ seq: row.seq, signal });
          else unreadable.push(row.seq);
          continue;
        }
        items.push({
          seq: row.seq,
          messageId: row.message_id,
          from: row.sender,
          text: row.text,
          queuedAt: row.queued_at,
          kind: isReplyKind(row.kind) ? row.kind : 'other',
          viaLid: row.via_lid === 1,
          live: row.live === 1,
        });
      }
      await repository.remove(session, unreadable);
      return items;
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
  return repository;
}

interface BacklogRow {
  messageId: string;
  sender: string;
  text: string;
  queuedAt: string;
  kind: string;
  viaLid: boolean;
  live: boolean;
}

/**
 * The next place, the count and the insert in one statement. On PostgreSQL two statements that
 * read the same rows compute the same place: the second waits on the key until the first commits,
 * fails, and tries again reading the first's row, which the count then includes.
 */
async function insert(db: Db, session: SessionRef, row: BacklogRow, limit: number): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await sql`
        INSERT INTO sandbox_backlog (session_id, session_uid, seq, message_id, sender, text, queued_at, kind, via_lid, live)
        SELECT session_configs.id, session_configs.uid,
          (SELECT coalesce(max(seq), 0) + 1 FROM sandbox_backlog WHERE session_id = ${session.id}),
          ${row.messageId}, ${row.sender}, ${row.text}, ${row.queuedAt}, ${row.kind}, ${row.viaLid ? 1 : 0}, ${row.live ? 1 : 0}
        FROM session_configs
        WHERE session_configs.id = ${session.id} AND session_configs.uid = ${session.uid}
          AND (SELECT count(*) FROM sandbox_backlog WHERE session_id = ${session.id} AND session_uid = ${session.uid}) < ${limit}
      `.execute(db);
      return (result.numAffectedRows ?? 0n) > 0n;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isKeyConflict(error)) throw error;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A unique-key violation: PostgreSQL's 23505, SQLite's SQLITE_CONSTRAINT_PRIMARYKEY. */
function isKeyConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}
