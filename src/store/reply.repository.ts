import { sql } from 'kysely';
import { attributionWindowStart, storedReplyMessageId, storedReplyText, type ReplyKind } from '../core/reply.js';
import type { Db } from './database.js';
import { decodeVars } from './list-rows.js';
import { recipientsShape } from './list.repository.js';

/** A message a person sent to a linked session, as heard (before it is bounded for storage). */
export interface IncomingReply {
  /** The identity of the session it came in on (session_configs.uid). */
  sessionUid: string;
  sessionId: string;
  /** The session's unit as stored now: only a blast of this unit can get the reply. */
  businessUnit: string;
  phone: string;
  messageId: string;
  kind: ReplyKind;
  text: string | null;
  optOut: boolean;
  receivedAt: string;
}

/** A reply as stored, and the blast row it was attributed to (null when none). */
export interface StoredReply {
  sessionUid: string;
  sessionId: string;
  businessUnit: string;
  phone: string;
  /** As stored: WhatsApp's id, or a digest of one too long for the column (core/reply.ts). */
  messageId: string;
  kind: ReplyKind;
  text: string | null;
  optOut: boolean;
  receivedAt: string;
  attribution: {
    blastId: string;
    seq: number;
    /** The first reply attributed to that row: it set the row's replied_at / reply_text and counted in the blast's `replied`. */
    first: boolean;
  } | null;
}

/** A reply of a blast, with the recipient it was attributed to. */
export interface BlastReply {
  seq: number;
  rowNumber: number | null;
  phone: string;
  vars: Record<string, string>;
  sessionId: string;
  messageId: string;
  kind: ReplyKind;
  text: string | null;
  optOut: boolean;
  receivedAt: string;
}

/**
 * How much later than the reply's own time a send may be and still get it: WhatsApp stamps a
 * message in whole seconds by the sender's phone, the ledger by our clock in milliseconds.
 */
export const CLOCK_SLACK_MS = 60_000;

export interface ReplyRepository {
  /**
   * Stores the reply and attributes it, in one transaction, to the most recent row that this very
   * session sent to this phone within `windowHours` before it, in the session's unit. The first
   * reply attributed to a row sets its replied_at / reply_text and bumps the blast's `replied`.
   * A message already stored (same session uid, phone and id) changes nothing: undefined.
   */
  record(reply: IncomingReply, windowHours: number, at: string): Promise<StoredReply | undefined>;
  /** The replies attributed to a blast, oldest first, with their recipients' list values. */
  forBlast(blastId: string, page: { limit: number; offset: number }): Promise<{ items: BlastReply[]; total: number }>;
  /** The sheet row of a blast's recipient (null when its list row is gone). */
  rowNumberOf(blastId: string, seq: number): Promise<number | null>;
  /** Deletes at most `limit` replies received before `before`; returns how many. */
  purgeBefore(before: string, limit: number): Promise<number>;
}

export function createReplyRepository(db: Db): ReplyRepository {
  return {
    async record(reply, windowHours, at) {
      const messageId = storedReplyMessageId(reply.messageId);
      const text = storedReplyText(reply.text);
      const latest = new Date(Date.parse(reply.receivedAt) + CLOCK_SLACK_MS).toISOString();
      return db.transaction().execute(async (trx) => {
        // One probe of blast_recipients_phone: the rows that messaged this phone, narrowed to this
        // session's sends (blast_sessions: the session a blast was made with, by uid) in its unit.
        const row = await trx
          .selectFrom('blast_recipients')
          .innerJoin('blast_sessions', (join) =>
            join.onRef('blast_sessions.blast_id', '=', 'blast_recipients.blast_id').onRef('blast_sessions.session_id', '=', 'blast_recipients.session_id'),
          )
          .innerJoin('blasts', 'blasts.id', 'blast_recipients.blast_id')
          .select(['blast_recipients.blast_id', 'blast_recipients.seq'])
          .where('blast_recipients.phone', '=', reply.phone)
          .where('blast_sessions.session_uid', '=', reply.sessionUid)
          .where('blasts.business_unit', '=', reply.businessUnit)
          .where('blast_recipients.sent_at', '>=', attributionWindowStart(reply.receivedAt, windowHours))
          .where('blast_recipients.sent_at', '<=', latest)
          .orderBy('blast_recipients.sent_at', 'desc')
          .orderBy('blast_recipients.blast_id', 'desc')
          .limit(1)
          .executeTakeFirst();
        const inserted = await trx
          .insertInto('replies')
          .values({
            session_uid: reply.sessionUid,
            phone: reply.phone,
            message_id: messageId,
            session_id: reply.sessionId,
            business_unit: reply.businessUnit,
            kind: reply.kind,
            text,
            opt_out: reply.optOut ? 1 : 0,
            received_at: reply.receivedAt,
            blast_id: row?.blast_id ?? null,
            blast_seq: row?.seq ?? null,
            created_at: at,
          })
          .onConflict((conflict) => conflict.columns(['session_uid', 'phone', 'message_id']).doNothing())
          .executeTakeFirst();
        if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) return undefined;
        let first = false;
        if (row) {
          const updated = await trx
            .updateTable('blast_recipients')
            .set({ replied_at: reply.receivedAt, reply_text: text })
            .where('blast_id', '=', row.blast_id)
            .where('seq', '=', row.seq)
            .where('replied_at', 'is', null)
            .executeTakeFirst();
          first = updated.numUpdatedRows > 0n;
          if (first) {
            await trx
              .updateTable('blasts')
              .set((eb) => ({ replied: eb('replied', '+', 1) }))
              .where('id', '=', row.blast_id)
              .execute();
          }
        }
        const { sessionUid, sessionId, businessUnit, phone, kind, optOut, receivedAt } = reply;
        return {
          sessionUid,
          sessionId,
          businessUnit,
          phone,
          messageId,
          kind,
          text,
          optOut,
          receivedAt,
          attribution: row ? { blastId: row.blast_id, seq: row.seq, first } : null,
        };
      });
    },

    async forBlast(blastId, { limit, offset }) {
      const rows = await db
        .selectFrom('replies')
        .innerJoin('blast_recipients', (join) =>
          join.onRef('blast_recipients.blast_id', '=', 'replies.blast_id').onRef('blast_recipients.seq', '=', 'replies.blast_seq'),
        )
        .select([
          'replies.blast_seq',
          'blast_recipients.phone',
          'replies.session_id',
          'replies.message_id',
          'replies.kind',
          'replies.text',
          'replies.opt_out',
          'replies.received_at',
        ])
        .where('replies.blast_id', '=', blastId)
        .orderBy('replies.received_at')
        .orderBy('replies.message_id')
        .limit(limit)
        .offset(offset)
        .execute();
      const total = await db
        .selectFrom('replies')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('blast_id', '=', blastId)
        .executeTakeFirstOrThrow();
      const values = await listValuesOf(db, blastId, rows.map((row) => row.blast_seq ?? 0));
      return {
        total: Number(total.n),
        items: rows.map((row) => {
          const seq = row.blast_seq ?? 0;
          const listed = values.get(seq);
          return {
            seq,
            rowNumber: listed?.rowNumber ?? null,
            phone: row.phone,
            vars: listed?.vars ?? {},
            sessionId: row.session_id,
            messageId: row.message_id,
            kind: row.kind as ReplyKind,
            text: row.text,
            optOut: row.opt_out === 1,
            receivedAt: row.received_at,
          };
        }),
      };
    },

    async rowNumberOf(blastId, seq) {
      const row = await db
        .selectFrom('list_recipients')
        .select('row_number')
        .where('list_key', '=', db.selectFrom('blasts').innerJoin('lists', 'lists.id', 'blasts.list_id').select('lists.list_key').where('blasts.id', '=', blastId))
        .where('seq', '=', seq)
        .executeTakeFirst();
      return row?.row_number ?? null;
    },

    async purgeBefore(before, limit) {
      // Bounded: one batch per call, oldest first (replies_received), so a purge never holds the database long.
      const result = await sql`
        DELETE FROM replies WHERE (session_uid, phone, message_id) IN (
          SELECT session_uid, phone, message_id FROM replies WHERE received_at < ${before} ORDER BY received_at LIMIT ${limit}
        )
      `.execute(db);
      return Number(result.numAffectedRows ?? 0n);
    },
  };
}

/** The list rows behind some of a blast's recipients: their row numbers and column values. */
async function listValuesOf(db: Db, blastId: string, seqs: number[]): Promise<Map<number, { rowNumber: number; vars: Record<string, string> }>> {
  const unique = [...new Set(seqs)];
  if (unique.length === 0) return new Map();
  const blast = await db.selectFrom('blasts').select('list_id').where('id', '=', blastId).executeTakeFirst();
  const shape = blast && (await recipientsShape(db, blast.list_id));
  if (!shape) return new Map();
  const rows = await db
    .selectFrom('list_recipients')
    .select(['seq', 'row_number', 'vars'])
    .where('list_key', '=', shape.key)
    .where('seq', 'in', unique)
    .execute();
  return new Map(rows.map((row) => [row.seq, { rowNumber: row.row_number, vars: decodeVars(row.vars, shape.columns) }]));
}
