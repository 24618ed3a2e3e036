import { sql, type Transaction } from 'kysely';
import { attributionWindowStart, storedReplyMessageId, storedReplyText, type ReplyKind } from '../core/reply.js';
import type { Database } from './schema.js';
import type { Db } from './database.js';
import { decodeVars } from './list-rows.js';
import { recipientsShape } from './list.repository.js';
import { WEBHOOK_MAX_ITEMS, writeWebhookEvents, type InterestView, type OutboxEvent, type WebhookInterest } from './webhook-outbox.js';
import type { ReplyEventItem } from '../events/event-catalogue.js';

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
  /**
   * `record` for a batch (at most RECORD_BATCH_LIMIT), in ONE transaction and a handful of
   * statements whatever its size: each reply as `record` would treat it had the batch come one by
   * one in this order. A message twice in the batch is stored once (the later one: undefined); of
   * two replies to the same row only the earlier sets it and counts. Answers in the batch's order.
   */
  recordMany(replies: readonly IncomingReply[], windowHours: number, at: string): Promise<(StoredReply | undefined)[]>;
  /** The replies attributed to a blast, oldest first, with their recipients' list values. */
  forBlast(blastId: string, page: { limit: number; offset: number }): Promise<{ items: BlastReply[]; total: number }>;
  /** The sheet row of a blast's recipient (null when its list row is gone). */
  rowNumberOf(blastId: string, seq: number): Promise<number | null>;
  /** Deletes at most `limit` replies received before `before`; returns how many. */
  purgeBefore(before: string, limit: number): Promise<number>;
}

/** Most replies `recordMany` takes at once: its statements stay within both databases' parameter limits. */
export const RECORD_BATCH_LIMIT = 500;

/**
 * `interest`: which webhook events some endpoint wants (issue 18): `message.replied` is written in
 * the transaction that stores the replies, for those attributed to a blast.
 */
export function createReplyRepository(db: Db, interest?: WebhookInterest): ReplyRepository {
  return {
    async record(reply, windowHours, at) {
      const [stored] = await recordMany(db, [reply], windowHours, at, await interest?.view());
      return stored;
    },

    async recordMany(replies, windowHours, at) {
      // Read before the transaction: on SQLite no query may wait for the one connection inside it.
      return recordMany(db, replies, windowHours, at, await interest?.view());
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

/** A row a reply can be attributed to: a send of this session to this phone, in its unit. */
interface Candidate {
  blast_id: string;
  seq: number;
  phone: string;
  session_uid: string | null;
  business_unit: string;
  sent_at: string;
}

/** A reply of the batch as it is stored, with where it goes. */
interface Pending {
  index: number;
  reply: IncomingReply;
  messageId: string;
  text: string | null;
  row: Candidate | undefined;
}

const keyOf = (sessionUid: string, phone: string, messageId: string): string => `${sessionUid}\n${phone}\n${messageId}`;

/** Later beats earlier; at the same moment, the larger blast id (as `record` always ordered them). */
const newer = (a: Candidate, b: Candidate): boolean => a.sent_at > b.sent_at || (a.sent_at === b.sent_at && a.blast_id > b.blast_id);

async function recordMany(db: Db, replies: readonly IncomingReply[], windowHours: number, at: string, webhooks?: InterestView): Promise<(StoredReply | undefined)[]> {
  if (replies.length > RECORD_BATCH_LIMIT) throw new RangeError(`at most ${RECORD_BATCH_LIMIT} replies per batch, got ${replies.length}`);
  const results: (StoredReply | undefined)[] = replies.map(() => undefined);
  // The same message twice in the batch: the first is the one stored, as if they had come one by one.
  const seen = new Set<string>();
  const batch: Pending[] = [];
  replies.forEach((reply, index) => {
    const messageId = storedReplyMessageId(reply.messageId);
    const key = keyOf(reply.sessionUid, reply.phone, messageId);
    if (seen.has(key)) return;
    seen.add(key);
    batch.push({ index, reply, messageId, text: storedReplyText(reply.text), row: undefined });
  });
  if (batch.length === 0) return results;
  return db.transaction().execute(async (trx) => {
    await attribute(trx, batch, windowHours);
    const inserted = await trx
      .insertInto('replies')
      .values(
        batch.map(({ reply, messageId, text, row }) => ({
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
        })),
      )
      .onConflict((conflict) => conflict.columns(['session_uid', 'phone', 'message_id']).doNothing())
      .returning(['session_uid', 'phone', 'message_id'])
      .execute();
    const stored = new Set(inserted.map((row) => keyOf(row.session_uid, row.phone, row.message_id)));
    const fresh = batch.filter((item) => stored.has(keyOf(item.reply.sessionUid, item.reply.phone, item.messageId)));
    const firsts = await markFirstReplies(trx, fresh);
    for (const item of fresh) {
      const { sessionUid, sessionId, businessUnit, phone, kind, optOut, receivedAt } = item.reply;
      const { row } = item;
      results[item.index] = {
        sessionUid,
        sessionId,
        businessUnit,
        phone,
        messageId: item.messageId,
        kind,
        text: item.text,
        optOut,
        receivedAt,
        attribution: row ? { blastId: row.blast_id, seq: row.seq, first: firsts.has(item) } : null,
      };
    }
    await writeWebhookEvents(trx, await repliedEvents(trx, fresh, firsts, webhooks, at));
    return results;
  });
}

/** `message.replied` for the batch's attributed replies whose unit an endpoint wants it for: one event per unit, ≤ WEBHOOK_MAX_ITEMS items each. */
async function repliedEvents(trx: Transaction<Database>, fresh: Pending[], firsts: Set<Pending>, webhooks: InterestView | undefined, at: string): Promise<OutboxEvent[]> {
  if (!webhooks) return [];
  const wanted = fresh.filter((item) => item.row !== undefined && webhooks.wants('message.replied', item.reply.businessUnit));
  if (wanted.length === 0) return [];
  // The recipients' sheet rows, one query per blast of the batch (a batch's replies are to a few blasts).
  const rowNumbers = new Map<string, number>();
  const seqsByBlast = new Map<string, number[]>();
  for (const { row } of wanted) if (row) seqsByBlast.set(row.blast_id, [...(seqsByBlast.get(row.blast_id) ?? []), row.seq]);
  for (const [blastId, seqs] of seqsByBlast) {
    const listed = await trx
      .selectFrom('list_recipients')
      .select(['seq', 'row_number'])
      .where('list_key', '=', trx.selectFrom('blasts').innerJoin('lists', 'lists.id', 'blasts.list_id').select('lists.list_key').where('blasts.id', '=', blastId))
      .where('seq', 'in', seqs)
      .execute();
    for (const entry of listed) rowNumbers.set(`${blastId}\n${String(entry.seq)}`, entry.row_number);
  }
  const byUnit = new Map<string, ReplyEventItem[]>();
  for (const item of wanted) {
    const { row, reply } = item;
    if (!row) continue;
    const items = byUnit.get(reply.businessUnit) ?? [];
    items.push({
      blastId: row.blast_id,
      row: rowNumbers.get(`${row.blast_id}\n${String(row.seq)}`) ?? null,
      phone: reply.phone,
      sessionId: reply.sessionId,
      messageId: item.messageId,
      kind: reply.kind,
      text: item.text,
      optOut: reply.optOut,
      first: firsts.has(item),
      at: reply.receivedAt,
    });
    byUnit.set(reply.businessUnit, items);
  }
  const events: OutboxEvent[] = [];
  for (const [businessUnit, items] of byUnit) {
    for (let start = 0; start < items.length; start += WEBHOOK_MAX_ITEMS) {
      events.push({ type: 'message.replied', businessUnit, orderingKey: null, data: { items: items.slice(start, start + WEBHOOK_MAX_ITEMS) }, at });
    }
  }
  return events;
}

/**
 * Finds each reply's row with one probe of blast_recipients_phone for the whole batch: the rows
 * that messaged its phones, narrowed to the sends of its sessions (blast_sessions: the session a
 * blast was made with, by uid) in its units within the widest window; each reply then takes the
 * most recent of those that match it exactly (its own session, unit and window).
 */
async function attribute(trx: Transaction<Database>, batch: Pending[], windowHours: number): Promise<void> {
  const phones = [...new Set(batch.map((item) => item.reply.phone))];
  const uids = [...new Set(batch.map((item) => item.reply.sessionUid))];
  const units = [...new Set(batch.map((item) => item.reply.businessUnit))];
  const windows = batch.map((item) => ({
    from: attributionWindowStart(item.reply.receivedAt, windowHours),
    to: new Date(Date.parse(item.reply.receivedAt) + CLOCK_SLACK_MS).toISOString(),
  }));
  const earliest = windows.reduce((min, window) => (window.from < min ? window.from : min), windows[0]?.from ?? '');
  const latest = windows.reduce((max, window) => (window.to > max ? window.to : max), windows[0]?.to ?? '');
  // CROSS JOIN keeps SQLite's planner on blast_recipients_phone: with a long phone list it would
  // otherwise start from the unit's blasts and walk all their recipients (100k rows a blast).
  // PostgreSQL plans a cross join with join conditions as the inner join it is.
  const candidates: Candidate[] = await trx
    .selectFrom('blast_recipients')
    .crossJoin('blast_sessions')
    .crossJoin('blasts')
    .whereRef('blast_sessions.blast_id', '=', 'blast_recipients.blast_id')
    .whereRef('blast_sessions.session_id', '=', 'blast_recipients.session_id')
    .whereRef('blasts.id', '=', 'blast_recipients.blast_id')
    .select(['blast_recipients.blast_id', 'blast_recipients.seq', 'blast_recipients.phone', 'blast_sessions.session_uid', 'blasts.business_unit'])
    .select((eb) => eb.fn.coalesce('blast_recipients.sent_at', eb.val('')).as('sent_at'))
    .where('blast_recipients.phone', 'in', phones)
    .where('blast_sessions.session_uid', 'in', uids)
    .where('blasts.business_unit', 'in', units)
    .where('blast_recipients.sent_at', '>=', earliest)
    .where('blast_recipients.sent_at', '<=', latest)
    .execute();
  const byPhone = new Map<string, Candidate[]>();
  for (const candidate of candidates) byPhone.set(candidate.phone, [...(byPhone.get(candidate.phone) ?? []), candidate]);
  batch.forEach((item, k) => {
    const window = windows[k];
    if (!window) return;
    for (const candidate of byPhone.get(item.reply.phone) ?? []) {
      if (candidate.session_uid !== item.reply.sessionUid || candidate.business_unit !== item.reply.businessUnit) continue;
      if (candidate.sent_at < window.from || candidate.sent_at > window.to) continue;
      if (!item.row || newer(candidate, item.row)) item.row = candidate;
    }
  });
}

/**
 * The first reply to a row sets its replied_at / reply_text and counts once in its blast's
 * `replied`: of the batch's replies to one row, the earliest in the batch, and only if no earlier
 * batch set it (`replied_at IS NULL`, under the row's lock on PostgreSQL). One UPDATE for the rows,
 * one per blast for the counters, in blast order so two writers never wait on each other in a circle.
 */
async function markFirstReplies(trx: Transaction<Database>, fresh: Pending[]): Promise<Set<Pending>> {
  const byRow = new Map<string, Pending>();
  for (const item of fresh) {
    if (!item.row) continue;
    const key = `${item.row.blast_id}\n${String(item.row.seq)}`;
    if (!byRow.has(key)) byRow.set(key, item);
  }
  const firsts = new Set<Pending>();
  if (byRow.size === 0) return firsts;
  const claims = [...byRow.values()].sort((a, b) => compareRows(a, b));
  const values = sql.join(
    claims.map((item) => sql`(${item.row?.blast_id}, CAST(${item.row?.seq} AS integer), ${item.reply.receivedAt}, ${item.text})`),
  );
  // VALUES' columns are column1… on both databases.
  const updated = await sql<{ blast_id: string; seq: number }>`
    UPDATE blast_recipients SET replied_at = v.column3, reply_text = v.column4
    FROM (VALUES ${values}) AS v
    WHERE blast_recipients.blast_id = v.column1 AND blast_recipients.seq = v.column2 AND blast_recipients.replied_at IS NULL
    RETURNING blast_id, seq
  `.execute(trx);
  const counts = new Map<string, number>();
  for (const row of updated.rows) {
    const item = byRow.get(`${row.blast_id}\n${String(row.seq)}`);
    if (item) firsts.add(item);
    counts.set(row.blast_id, (counts.get(row.blast_id) ?? 0) + 1);
  }
  for (const blastId of [...counts.keys()].sort()) {
    await trx
      .updateTable('blasts')
      .set((eb) => ({ replied: eb('replied', '+', counts.get(blastId) ?? 0) }))
      .where('id', '=', blastId)
      .execute();
  }
  return firsts;
}

function compareRows(a: Pending, b: Pending): number {
  const x = a.row;
  const y = b.row;
  if (!x || !y) return 0;
  if (x.blast_id !== y.blast_id) return x.blast_id < y.blast_id ? -1 : 1;
  return x.seq - y.seq;
}
