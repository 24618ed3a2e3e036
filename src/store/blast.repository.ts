import type SQLite from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Blast, BlastSessionState, FollowUpOf, FollowUpSegment, LedgerStatus, RecipientReason, RecipientStatus } from '../core/blast.js';
import { figuresOf } from '../core/blast.js';
import type { BlastStatus } from '../core/blast-state.js';
import type { MediaKind } from '../core/media-type.js';
import type { PacingPolicy } from '../core/pacing.js';
import type { SessionRef } from '../core/session-config.js';
import type { Db } from './database.js';
import type { BlastRecipientTable, BlastTable, Database } from './schema.js';
import type { ListColumn } from '../core/recipient-list.js';
import { columnsOf, decodeVars } from './list-rows.js';
import { listKey, recipientsShape } from './list.repository.js';
import { storedError } from './stored-error.js';
import { immediateTransaction } from './sqlite.js';
import {
  BLAST_LIFECYCLE_TYPES,
  blastEventData,
  blastEventType,
  messageEvents,
  recipientDetails,
  sqliteRecipientDetails,
  wantedForBlast,
  type RecipientChange,
} from './blast-webhook-events.js';
import { sqliteWebhookWriter, writeWebhookEvents, type InterestView, type WebhookInterest } from './webhook-outbox.js';
import type { WebhookEventType } from '../events/event-catalogue.js';

const OUTCOME_TYPES: readonly WebhookEventType[] = ['message.sent', 'message.failed', 'message.skipped'];
const RECEIPT_TYPES: readonly WebhookEventType[] = ['message.delivered', 'message.read'];
const ACK_FAILURE_TYPES: readonly WebhookEventType[] = ['message.failed'];

export interface NewBlast {
  id: string;
  name: string;
  businessUnit: string;
  status: 'importing';
  listId: string;
  message: string;
  media: { sha256: string; kind: MediaKind; mimetype: string; fileName: string | null } | null;
  /** The sessions it sends from, as they are now (a session later re-created with one of these ids is not one of them). */
  sessions: readonly SessionRef[];
  checkNumbers: boolean;
  typing: boolean;
  pacing: Partial<PacingPolicy> | null;
  scheduledAt: string | null;
  createdAt: string;
  /** Skip recipients who replied since the blast was created (REPLIED). */
  stopOnReply?: boolean;
  /** A follow-up's parent, segment and delay (its ledger is filled from the parent's at its start). */
  followUp?: FollowUpOf | null;
}

/** A recipient handed to a session to send, with its template values. */
export interface ClaimedRecipient {
  seq: number;
  phone: string;
  attempts: number;
  vars: Record<string, string>;
  /** The blast's session that already has a chat with this person (it wrote to it); null when none: a new chat. */
  chatSessionId: string | null;
}

/**
 * Which rows a session may claim (account health, issue 17): `chats` only those whose person already
 * has a chat with it (its band or its new-chat budget allows no new chat); `prefer` those and the rows
 * no other session has a chat with, then, when none is left, any.
 */
export type ClaimScope = 'any' | 'prefer' | 'chats';

export interface Outcome {
  seq: number;
  status: 'sent' | 'failed' | 'skipped';
  reason: RecipientReason | null;
  detail: string | null;
  messageId: string | null;
  attempts: number;
  at: string;
}

export interface Receipt {
  messageId: string;
  /** The identity (uid) of the session the receipt came in on: only a message that session sent is updated. */
  sessionUid: string;
  status: 'delivered' | 'read';
  at: string;
}

/** WhatsApp's error ack for a message it had accepted: the row turns `failed` (WHATSAPP_REJECTED). */
export interface AckFailure {
  messageId: string;
  /** As for a receipt: only a message the session with this uid sent is changed. */
  sessionUid: string;
  code: string;
  detail: string;
}

export interface RecipientRow {
  seq: number;
  rowNumber: number | null;
  phone: string;
  status: RecipientStatus;
  reason: string | null;
  detail: string | null;
  sessionId: string | null;
  messageId: string | null;
  attempts: number;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  /** The first reply attributed to this row: when, and its text or caption. */
  repliedAt: string | null;
  replyText: string | null;
  /** The row's list columns by key (empty when the list is gone). */
  vars: Record<string, string>;
}

export interface BlastFilter {
  status?: BlastStatus | undefined;
  sessionId?: string | undefined;
  businessUnit?: string | undefined;
  limit: number;
  offset: number;
}

/** The blast row's extra fields a status change may set at the same time. */
export interface StatusChange {
  startedAt?: string;
  completedAt?: string;
  pause?: { reason: string; detail: string | null } | null;
  error?: { code: string; message: string; details?: unknown };
  /** Only a blast that is no follow-up waiting for its start (its ledger is taken then): checked in the same UPDATE. */
  unlessWaitingFollowUp?: true;
}

/** One bucket of the timeline: what happened in [from + index × bucket, from + (index + 1) × bucket). */
export interface TimelineBucket {
  index: number;
  sent: number;
  failed: number;
  delivered: number;
  read: number;
  /** Recipients whose first reply came in this bucket (replied_at). */
  replied: number;
}

const IN_FLIGHT: LedgerStatus[] = ['pending', 'sending'];

export interface BlastRepository {
  create(blast: NewBlast): Promise<void>;
  /** Takes back a blast just created, whose request then failed: the row, its sessions and ledger. */
  delete(id: string): Promise<void>;
  get(id: string): Promise<Blast | undefined>;
  list(filter: BlastFilter): Promise<{ items: Blast[]; total: number }>;
  /** Blasts not yet ended that send to this list (it must not be deleted under them). */
  unfinishedForList(listId: string): Promise<string[]>;
  /** Blasts not yet ended made with this very session (it must not be deleted or moved under them). */
  unfinishedForSession(session: SessionRef): Promise<string[]>;
  /** The blast's sessions that may still send it: the very sessions it was made with, still there and in its unit. */
  sendingSessions(blastId: string): Promise<string[]>;
  /** Blasts not yet ended none of whose sessions may send them any more (see sendingSessions), oldest first. */
  orphaned(): Promise<string[]>;
  /** Blasts still waiting for this list to import. */
  waitingForList(listId: string): Promise<string[]>;
  /** Moves a blast from one of `from` to `to`; false when it was in none of them (someone else moved it). */
  transition(id: string, from: readonly BlastStatus[], to: BlastStatus, at: string, change?: StatusChange): Promise<boolean>;
  /** Copies the list's recipients into the blast's ledger (again from scratch when repeated); returns the total. */
  populate(id: string, listId: string, at: string): Promise<number>;
  /** Running blasts of its unit made with this very session, oldest first (those it is paused on left out). */
  activeForSession(session: SessionRef): Promise<{ id: string; listId: string }[]>;
  /** Rows this session claimed under an earlier lease (a crash, a takeover): they are re-sent with the same ids. */
  reclaim(blastId: string, sessionId: string, token: number, at: string): Promise<ClaimedRecipient[]>;
  /** Whether any recipient still waits for a session (cheap: one index probe); `chatsOf`: one whose person has a chat with that session. */
  hasPending(blastId: string, chatsOf?: string): Promise<boolean>;
  claim(blastId: string, listId: string, sessionId: string, token: number, limit: number, at: string, scope?: ClaimScope): Promise<ClaimedRecipient[]>;
  /**
   * Marks the pending rows whose person wrote to one of these sessions (of the blast's unit) with the
   * one written to last: that session is preferred to send them. Returns how many were marked.
   */
  markChats(blastId: string, businessUnit: string, sessions: readonly { id: string; uid: string }[]): Promise<number>;
  /** Puts claimed rows back for any session (they were certainly not sent). */
  release(blastId: string, token: number, seqs: readonly number[]): Promise<void>;
  /** Writes outcomes of rows still claimed under `token`, and the blast's figures, in one transaction. Returns how many were applied. */
  recordOutcomes(blastId: string, token: number, outcomes: readonly Outcome[]): Promise<number>;
  /** Applies receipts; returns the blasts touched and the receipts whose message was not (yet) known as sent. */
  applyReceipts(receipts: readonly Receipt[]): Promise<{ blastIds: Set<string>; unmatched: Receipt[] }>;
  /** Fails sent rows WhatsApp refused afterwards; returns the blasts touched and the failures whose message was not (yet) known as sent. */
  applyAckFailures(failures: readonly AckFailure[]): Promise<{ blastIds: Set<string>; unmatched: AckFailure[] }>;
  /** How many rows are still pending or claimed. */
  unfinished(id: string): Promise<{ pending: number; sending: { sessionId: string; count: number }[] }>;
  /** Ends rows nobody will send: pending ones of a cancelled blast, claimed ones of lost sessions. */
  closeRows(id: string, rows: { status: 'pending' } | { status: 'sending'; sessionIds: readonly string[] }, outcome: { status: 'skipped' | 'failed'; reason: RecipientReason; detail: string }, at: string): Promise<number>;
  pauseSession(blastId: string, sessionId: string, reason: string | null): Promise<void>;
  /** Clears every session's pause on this blast (an operator resumed it). */
  resumeSessions(blastId: string): Promise<void>;
  /** Running or paused blasts made with this very session. */
  liveBlastsOf(session: SessionRef): Promise<string[]>;
  /** `replied`: only rows with a reply (true) or without (false). */
  recipients(
    id: string,
    filter: { status?: RecipientStatus | undefined; replied?: boolean | undefined; limit: number; offset: number },
  ): Promise<{ items: RecipientRow[]; total: number }>;
  /** Every recipient in list order, read in pages (for reports of any size). */
  allRecipients(id: string, pageSize?: number): AsyncIterable<RecipientRow>;
  /**
   * Sends (`sent_at`), failures (their claim time: the ledger keeps no failure time), deliveries and reads counted
   * per bucket of `bucketSeconds` from `fromSeconds` (Unix time), in one grouped query; only buckets with something in them.
   */
  timeline(id: string, range: { fromSeconds: number; bucketSeconds: number }): Promise<TimelineBucket[]>;
  /** The latest timestamp in the ledger (a send, a failure, a receipt), or null before anything happened. */
  lastActivity(id: string): Promise<string | null>;
}

/**
 * `interest`: which webhook events some endpoint wants (issue 18); the events are written to the
 * outbox in the transaction of the change they report, and only when wanted.
 */
export function createBlastRepository(db: Db, dialect: 'sqlite' | 'postgres', sqlite?: SQLite.Database, interest?: WebhookInterest): BlastRepository {
  const sqliteOutcomes = sqlite && sqliteOutcomeWriter(sqlite);
  const sessionsOf = async (ids: readonly string[]): Promise<Map<string, BlastSessionState[]>> => {
    const map = new Map<string, BlastSessionState[]>();
    if (ids.length === 0) return map;
    const rows = await db.selectFrom('blast_sessions').selectAll().where('blast_id', 'in', ids).orderBy('session_id').execute();
    for (const row of rows) {
      const list = map.get(row.blast_id) ?? [];
      list.push({ sessionId: row.session_id, sessionUid: row.session_uid, pausedReason: row.paused_reason });
      map.set(row.blast_id, list);
    }
    return map;
  };

  const withVars = async (listId: string, rows: { seq: number; phone: string; attempts: number; chat_session_id: string | null }[]): Promise<ClaimedRecipient[]> => {
    if (rows.length === 0) return [];
    const list = await recipientsShape(db, listId);
    const vars = list
      ? await db
          .selectFrom('list_recipients')
          .select(['seq', 'vars'])
          .where('list_key', '=', list.key)
          .where('seq', 'in', rows.map((row) => row.seq))
          .execute()
      : [];
    const bySeq = new Map(vars.map((row) => [row.seq, row.vars]));
    return rows
      .map(({ chat_session_id: chatSessionId, ...row }) => ({ ...row, chatSessionId, vars: decodeVars(bySeq.get(row.seq) ?? '{}', list?.columns ?? []) }))
      .sort((a, b) => a.seq - b.seq);
  };

  /** Whole Unix seconds of an ISO 8601 text column, on either database. */
  const epochOf = (column: string) =>
    dialect === 'postgres'
      ? sql`CAST(floor(extract(epoch from CAST(${sql.ref(column)} AS timestamptz))) AS bigint)`
      : sql`CAST(strftime('%s', ${sql.ref(column)}) AS integer)`;

  /** Per-recipient changes made in `trx`, as batched outbox events in the same transaction (those some endpoint wants). */
  const announceChanges = async (trx: Kysely<Database>, view: InterestView | undefined, changes: readonly RecipientChange[], types: readonly WebhookEventType[]): Promise<void> => {
    if (changes.length === 0) return;
    const wanted = await wantedForBlast(view, trx, changes.map((change) => change.blastId), types);
    if (!wanted) return;
    const details = new Map<string, Map<number, { phone: string; row: number | null }>>();
    for (const blastId of wanted.keys()) {
      details.set(blastId, await recipientDetails(trx, blastId, changes.filter((change) => change.blastId === blastId).map((change) => change.seq)));
    }
    await writeWebhookEvents(trx, messageEvents(changes, wanted, (blastId) => details.get(blastId) ?? new Map<number, { phone: string; row: number | null }>()));
  };

  return {
    async create(blast) {
      // Asked before the transaction: inside it, SQLite's one connection is taken.
      const announce = (await interest?.wants('blast.created', blast.businessUnit)) ?? false;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('blasts')
          .values({
            id: blast.id,
            name: blast.name,
            business_unit: blast.businessUnit,
            status: blast.status,
            list_id: blast.listId,
            message: blast.message,
            media_sha256: blast.media?.sha256 ?? null,
            media_kind: blast.media?.kind ?? null,
            media_mimetype: blast.media?.mimetype ?? null,
            media_file_name: blast.media?.fileName ?? null,
            check_numbers: blast.checkNumbers ? 1 : 0,
            typing: blast.typing ? 1 : 0,
            pacing: blast.pacing === null ? null : JSON.stringify(blast.pacing),
            scheduled_at: blast.scheduledAt,
            started_at: null,
            completed_at: null,
            pause_reason: null,
            pause_detail: null,
            error_code: null,
            error_message: null,
            error_details: null,
            stop_on_reply: blast.stopOnReply === true ? 1 : 0,
            follow_up_of: blast.followUp?.of ?? null,
            follow_up_segment: blast.followUp?.segment ?? null,
            follow_up_after: blast.followUp?.after ?? null,
            created_at: blast.createdAt,
            updated_at: blast.createdAt,
          })
          .execute();
        await trx
          .insertInto('blast_sessions')
          .values(blast.sessions.map((session) => ({ blast_id: blast.id, session_id: session.id, session_uid: session.uid, paused_reason: null })))
          .execute();
        if (announce) {
          const row = await trx.selectFrom('blasts').selectAll().where('id', '=', blast.id).executeTakeFirstOrThrow();
          await writeWebhookEvents(trx, [
            { type: 'blast.created', businessUnit: blast.businessUnit, orderingKey: `blast:${blast.id}`, data: blastEventData(row, blast.createdAt), at: blast.createdAt },
          ]);
        }
      });
    },

    async delete(id) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('blast_recipients').where('blast_id', '=', id).execute();
        await trx.deleteFrom('blast_sessions').where('blast_id', '=', id).execute();
        await trx.deleteFrom('blasts').where('id', '=', id).execute();
      });
    },

    async get(id) {
      const row = await db.selectFrom('blasts').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      return fromRow(row, (await sessionsOf([id])).get(id) ?? []);
    },

    async list({ status, sessionId, businessUnit, limit, offset }) {
      let query = db.selectFrom('blasts');
      if (status !== undefined) query = query.where('status', '=', status);
      if (businessUnit !== undefined) query = query.where('business_unit', '=', businessUnit);
      if (sessionId !== undefined) {
        query = query.where('id', 'in', db.selectFrom('blast_sessions').select('blast_id').where('session_id', '=', sessionId));
      }
      const rows = await query.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute();
      const total = await query.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow();
      const sessions = await sessionsOf(rows.map((row) => row.id));
      return { items: rows.map((row) => fromRow(row, sessions.get(row.id) ?? [])), total: Number(total.total) };
    },

    async unfinishedForList(listId) {
      const rows = await db
        .selectFrom('blasts')
        .select('id')
        .where('list_id', '=', listId)
        .where('status', 'not in', ['completed', 'cancelled', 'failed'])
        .execute();
      return rows.map((row) => row.id);
    },

    async unfinishedForSession(session) {
      const rows = await db
        .selectFrom('blasts')
        .innerJoin('blast_sessions', 'blast_sessions.blast_id', 'blasts.id')
        .select('blasts.id as id')
        .where('blast_sessions.session_id', '=', session.id)
        .where('blast_sessions.session_uid', '=', session.uid)
        .where('blasts.status', 'not in', ['completed', 'cancelled', 'failed'])
        .orderBy('blasts.created_at')
        .execute();
      return rows.map((row) => row.id);
    },

    async sendingSessions(blastId) {
      const rows = await db
        .selectFrom('blast_sessions')
        .innerJoin('blasts', 'blasts.id', 'blast_sessions.blast_id')
        .innerJoin('session_configs', (join) =>
          join
            .onRef('session_configs.id', '=', 'blast_sessions.session_id')
            .onRef('session_configs.uid', '=', 'blast_sessions.session_uid')
            .onRef('session_configs.business_unit', '=', 'blasts.business_unit'),
        )
        .select('blast_sessions.session_id as id')
        .where('blast_sessions.blast_id', '=', blastId)
        .orderBy('blast_sessions.session_id')
        .execute();
      return rows.map((row) => row.id);
    },

    async orphaned() {
      const rows = await db
        .selectFrom('blasts')
        .select('id')
        .where('status', 'not in', ['completed', 'cancelled', 'failed'])
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('blast_sessions')
                .innerJoin('session_configs', (join) =>
                  join.onRef('session_configs.id', '=', 'blast_sessions.session_id').onRef('session_configs.uid', '=', 'blast_sessions.session_uid'),
                )
                .select('blast_sessions.session_id')
                .whereRef('blast_sessions.blast_id', '=', 'blasts.id')
                .whereRef('session_configs.business_unit', '=', 'blasts.business_unit'),
            ),
          ),
        )
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => row.id);
    },

    async waitingForList(listId) {
      const rows = await db.selectFrom('blasts').select('id').where('list_id', '=', listId).where('status', '=', 'importing').execute();
      return rows.map((row) => row.id);
    },

    async transition(id, from, to, at, change = {}) {
      const wanted = await wantedForBlast(await interest?.view(), db, [id], BLAST_LIFECYCLE_TYPES);
      if (wanted === null) return (await updateStatus(db, id, from, to, at, change)) > 0;
      return db.transaction().execute(async (trx) => {
        let before = trx.selectFrom('blasts').select('status').where('id', '=', id).where('status', 'in', [...from]);
        if (dialect === 'postgres') before = before.forUpdate();
        const previous = await before.executeTakeFirst();
        if (!previous || (await updateStatus(trx, id, from, to, at, change)) === 0) return false;
        const type = blastEventType(previous.status, to);
        const unit = wanted.get(id);
        if (type !== null && unit?.types.has(type)) {
          const row = await trx.selectFrom('blasts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          await writeWebhookEvents(trx, [{ type, businessUnit: unit.unit, orderingKey: `blast:${id}`, data: blastEventData(row, at), at }]);
        }
        return true;
      });
    },

    async populate(id, listId, at) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('blast_recipients').where('blast_id', '=', id).execute();
        await sql`
          INSERT INTO blast_recipients (blast_id, seq, phone, status, attempts)
          SELECT ${id}, seq, phone, 'pending', 0 FROM list_recipients WHERE list_key = (${listKey(trx, listId)})
        `.execute(trx);
        const counted = await trx
          .selectFrom('blast_recipients')
          .select((eb) => eb.fn.countAll<string | number>().as('total'))
          .where('blast_id', '=', id)
          .executeTakeFirstOrThrow();
        const total = Number(counted.total);
        await trx
          .updateTable('blasts')
          .set({ total, sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0, replied: 0, updated_at: at })
          .where('id', '=', id)
          .execute();
        return total;
      });
    },

    async activeForSession(session) {
      return db
        .selectFrom('blasts')
        .innerJoin('blast_sessions', 'blast_sessions.blast_id', 'blasts.id')
        // The session as it is stored now: the very one the blast was made with, in the blast's unit.
        .innerJoin('session_configs', (join) =>
          join.onRef('session_configs.uid', '=', 'blast_sessions.session_uid').onRef('session_configs.business_unit', '=', 'blasts.business_unit'),
        )
        .select(['blasts.id as id', 'blasts.list_id as listId'])
        .where('blast_sessions.session_id', '=', session.id)
        .where('blast_sessions.session_uid', '=', session.uid)
        .where('session_configs.id', '=', session.id)
        .where('blast_sessions.paused_reason', 'is', null)
        // Nor while WhatsApp restricts it (0009): a blast made during a restriction waits for its end.
        .where('session_configs.restriction_reason', 'is', null)
        .where('blasts.status', '=', 'running')
        .orderBy('blasts.created_at')
        .execute();
    },

    async reclaim(blastId, sessionId, token, at) {
      const blast = await db.selectFrom('blasts').select('list_id').where('id', '=', blastId).executeTakeFirst();
      if (!blast) return [];
      const rows = await db
        .updateTable('blast_recipients')
        .set({ claim_token: token, claimed_at: at })
        .where('blast_id', '=', blastId)
        .where('status', '=', 'sending')
        .where('session_id', '=', sessionId)
        .where('claim_token', '<>', token)
        .returning(['seq', 'phone', 'attempts', 'chat_session_id'])
        .execute();
      return withVars(blast.list_id, rows);
    },

    async hasPending(blastId, chatsOf) {
      let query = db.selectFrom('blast_recipients').select('seq').where('blast_id', '=', blastId).where('status', '=', 'pending');
      if (chatsOf !== undefined) query = query.where('chat_session_id', '=', chatsOf);
      const row = await query.limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async claim(blastId, listId, sessionId, token, limit, at, scope = 'any') {
      // Pick the rows first, then update exactly those: as one UPDATE … WHERE seq IN (SELECT … LIMIT n),
      // PostgreSQL may re-run the sub-select per row and take far more than n.
      const take = (only: 'any' | 'mine' | 'mine-or-none') =>
        db.transaction().execute(async (trx) => {
          let pick = trx
            .selectFrom('blast_recipients')
            .select('seq')
            .where('blast_id', '=', blastId)
            .where('status', '=', 'pending');
          if (only === 'mine') pick = pick.where('chat_session_id', '=', sessionId);
          if (only === 'mine-or-none') pick = pick.where((eb) => eb.or([eb('chat_session_id', 'is', null), eb('chat_session_id', '=', sessionId)]));
          pick = pick.orderBy('seq').limit(limit);
          // Several workers claim at once on PostgreSQL: each takes rows nobody else is taking.
          if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
          const seqs = (await pick.execute()).map((row) => row.seq);
          if (seqs.length === 0) return [];
          return trx
            .updateTable('blast_recipients')
            .set({ status: 'sending', session_id: sessionId, claim_token: token, claimed_at: at })
            .where('blast_id', '=', blastId)
            .where('seq', 'in', seqs)
            .where('status', '=', 'pending')
            .returning(['seq', 'phone', 'attempts', 'chat_session_id'])
            .execute();
        });
      let rows = await take(scope === 'chats' ? 'mine' : scope === 'prefer' ? 'mine-or-none' : 'any');
      // Only rows another session has a chat with are left: this one sends them rather than leave them waiting.
      if (rows.length === 0 && scope === 'prefer') rows = await take('any');
      return withVars(listId, rows);
    },

    async markChats(blastId, businessUnit, sessions) {
      const uids = sessions.map((session) => session.uid);
      if (uids.length === 0) return 0;
      const any = await db.selectFrom('replies').select('phone').where('session_uid', 'in', uids).where('business_unit', '=', businessUnit).limit(1).executeTakeFirst();
      if (!any) return 0; // none of these sessions ever heard from anyone: nothing to prefer
      const latest = db
        .selectFrom('replies')
        .select('replies.session_id')
        .where(sql<boolean>`replies.phone = blast_recipients.phone`)
        .where('replies.business_unit', '=', businessUnit)
        .where('replies.session_uid', 'in', uids)
        .orderBy('replies.received_at', 'desc')
        .limit(1);
      const result = await db
        .updateTable('blast_recipients')
        .set({ chat_session_id: latest })
        .where('blast_id', '=', blastId)
        .where('status', '=', 'pending')
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('replies')
              .select('replies.phone')
              .where(sql<boolean>`replies.phone = blast_recipients.phone`)
              .where('replies.business_unit', '=', businessUnit)
              .where('replies.session_uid', 'in', uids),
          ),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async release(blastId, token, seqs) {
      if (seqs.length === 0) return;
      await db
        .updateTable('blast_recipients')
        .set({ status: 'pending', session_id: null, claim_token: null, claimed_at: null })
        .where('blast_id', '=', blastId)
        .where('claim_token', '=', token)
        .where('status', '=', 'sending')
        .where('seq', 'in', [...seqs])
        .execute();
    },

    async recordOutcomes(blastId, token, outcomes) {
      if (outcomes.length === 0) return 0;
      // One cheap look (cached) when no endpoint wants per-recipient events: then nothing more is done.
      const wanted = await wantedForBlast(await interest?.view(), db, [blastId], OUTCOME_TYPES);
      // Holding Kysely's connection, so no other query of this process runs in between.
      if (sqliteOutcomes) return db.connection().execute(() => Promise.resolve(sqliteOutcomes(blastId, token, outcomes, wanted)));
      return db.transaction().execute(async (trx) => {
        const applied = { sent: 0, failed: 0, skipped: 0 };
        const changes: RecipientChange[] = [];
        for (const outcome of outcomes) {
          const result = await trx
            .updateTable('blast_recipients')
            .set({
              status: outcome.status,
              reason: outcome.reason,
              detail: outcome.detail,
              message_id: outcome.messageId,
              attempts: outcome.attempts,
              sent_at: outcome.status === 'sent' ? outcome.at : null,
            })
            .where('blast_id', '=', blastId)
            .where('seq', '=', outcome.seq)
            .where('status', '=', 'sending')
            .where('claim_token', '=', token)
            .executeTakeFirst();
          if (result.numUpdatedRows > 0n) {
            applied[outcome.status] += 1;
            if (wanted) changes.push(outcomeChange(blastId, outcome));
          }
        }
        if (wanted && changes.length > 0) {
          const details = await recipientDetails(trx, blastId, changes.map((change) => change.seq));
          await writeWebhookEvents(trx, messageEvents(changes, wanted, () => details));
        }
        const total = applied.sent + applied.failed + applied.skipped;
        if (total > 0) {
          await trx
            .updateTable('blasts')
            .set((eb) => ({
              sent: eb('sent', '+', applied.sent),
              failed: eb('failed', '+', applied.failed),
              skipped: eb('skipped', '+', applied.skipped),
            }))
            .where('id', '=', blastId)
            .execute();
        }
        return total;
      });
    },

    async applyReceipts(receipts) {
      const blastIds = new Set<string>();
      const unmatched: Receipt[] = [];
      if (receipts.length === 0) return { blastIds, unmatched };
      const view = await interest?.view();
      const announce = view?.wantsAny(RECEIPT_TYPES) ?? false;
      await db.transaction().execute(async (trx) => {
        const changes: RecipientChange[] = [];
        const bump: Map<string, { delivered: number; read: number }> = new Map();
        const add = (blastId: string, delivered: number, read: number): void => {
          const figures = bump.get(blastId) ?? { delivered: 0, read: 0 };
          figures.delivered += delivered;
          figures.read += read;
          bump.set(blastId, figures);
        };
        for (const receipt of receipts) {
          // The id alone is not enough: a receipt from another session (another unit) must not touch this row.
          const row = await trx
            .selectFrom('blast_recipients as r')
            .innerJoin('blast_sessions as s', (join) => join.onRef('s.blast_id', '=', 'r.blast_id').onRef('s.session_id', '=', 'r.session_id'))
            .select(['r.blast_id', 'r.seq', 'r.status'])
            .where('r.message_id', '=', receipt.messageId)
            .where('s.session_uid', '=', receipt.sessionUid)
            .executeTakeFirst();
          if (!row) {
            unmatched.push(receipt);
            continue;
          }
          const from = row.status;
          let delivered = 0;
          let read = 0;
          // Only from the status read: an error ack applied meanwhile (another transaction) wins, and this receipt is heard again later.
          let updated = 1;
          if (receipt.status === 'delivered' && from === 'sent') {
            delivered = 1;
            const result = await trx
              .updateTable('blast_recipients')
              .set({ status: 'delivered', delivered_at: receipt.at })
              .where('blast_id', '=', row.blast_id)
              .where('seq', '=', row.seq)
              .where('status', '=', from)
              .executeTakeFirst();
            updated = Number(result.numUpdatedRows);
          } else if (receipt.status === 'read' && (from === 'sent' || from === 'delivered')) {
            delivered = from === 'sent' ? 1 : 0;
            read = 1;
            const result = await trx
              .updateTable('blast_recipients')
              .set((eb) => ({ status: 'read', read_at: receipt.at, delivered_at: eb.fn.coalesce('delivered_at', eb.val(receipt.at)) }))
              .where('blast_id', '=', row.blast_id)
              .where('seq', '=', row.seq)
              .where('status', '=', from)
              .executeTakeFirst();
            updated = Number(result.numUpdatedRows);
          }
          if (updated === 0) {
            unmatched.push(receipt);
            continue;
          }
          if (delivered + read > 0) add(row.blast_id, delivered, read);
          if (announce && delivered + read > 0) {
            changes.push({ blastId: row.blast_id, seq: row.seq, type: `message.${receipt.status}`, messageId: receipt.messageId, reason: null, at: receipt.at });
          }
        }
        await announceChanges(trx, view, changes, RECEIPT_TYPES);
        for (const [blastId, figures] of bump) {
          blastIds.add(blastId);
          await trx
            .updateTable('blasts')
            .set((eb) => ({ delivered: eb('delivered', '+', figures.delivered), read: eb('read', '+', figures.read) }))
            .where('id', '=', blastId)
            .execute();
        }
      });
      return { blastIds, unmatched };
    },

    async applyAckFailures(failures) {
      const blastIds = new Set<string>();
      const unmatched: AckFailure[] = [];
      if (failures.length === 0) return { blastIds, unmatched };
      const view = await interest?.view();
      const announce = view?.wantsAny(ACK_FAILURE_TYPES) ?? false;
      const at = new Date().toISOString();
      await db.transaction().execute(async (trx) => {
        const changes: RecipientChange[] = [];
        for (const failure of failures) {
          const row = await trx
            .selectFrom('blast_recipients as r')
            .innerJoin('blast_sessions as s', (join) => join.onRef('s.blast_id', '=', 'r.blast_id').onRef('s.session_id', '=', 'r.session_id'))
            .select(['r.blast_id', 'r.seq', 'r.status'])
            .where('r.message_id', '=', failure.messageId)
            .where('s.session_uid', '=', failure.sessionUid)
            .executeTakeFirst();
          if (!row) {
            unmatched.push(failure);
            continue;
          }
          if (row.status === 'failed') continue; // heard twice
          // A receipt cannot follow an error ack; whatever it says, the row was counted as sent.
          const wasDelivered = row.status === 'delivered' || row.status === 'read' ? 1 : 0;
          const wasRead = row.status === 'read' ? 1 : 0;
          const changed = await trx
            .updateTable('blast_recipients')
            // Counted as a failure from now on, in the figures and the timeline alike (not as a send).
            .set({ status: 'failed', reason: 'WHATSAPP_REJECTED', detail: failure.detail.slice(0, 500), sent_at: null, delivered_at: null, read_at: null })
            .where('blast_id', '=', row.blast_id)
            .where('seq', '=', row.seq)
            // Only from the status read (the figures below are undone from it): a receipt applied meanwhile means reading again.
            .where('status', '=', row.status)
            .executeTakeFirst();
          if (Number(changed.numUpdatedRows) === 0) {
            unmatched.push(failure);
            continue;
          }
          await trx
            .updateTable('blasts')
            .set((eb) => ({
              sent: eb('sent', '-', 1),
              failed: eb('failed', '+', 1),
              delivered: eb('delivered', '-', wasDelivered),
              read: eb('read', '-', wasRead),
            }))
            .where('id', '=', row.blast_id)
            .execute();
          blastIds.add(row.blast_id);
          if (announce) changes.push({ blastId: row.blast_id, seq: row.seq, type: 'message.failed', messageId: failure.messageId, reason: 'WHATSAPP_REJECTED', at });
        }
        await announceChanges(trx, view, changes, ACK_FAILURE_TYPES);
      });
      return { blastIds, unmatched };
    },

    async unfinished(id) {
      const rows = await db
        .selectFrom('blast_recipients')
        .select(['status', 'session_id', (eb) => eb.fn.countAll<string | number>().as('count')])
        .where('blast_id', '=', id)
        .where('status', 'in', IN_FLIGHT)
        .groupBy(['status', 'session_id'])
        .execute();
      let pending = 0;
      const sending: { sessionId: string; count: number }[] = [];
      for (const row of rows) {
        if (row.status === 'pending') pending += Number(row.count);
        else sending.push({ sessionId: row.session_id ?? '', count: Number(row.count) });
      }
      return { pending, sending };
    },

    async closeRows(id, rows, outcome, at) {
      return db.transaction().execute(async (trx) => {
        let query = trx
          .updateTable('blast_recipients')
          .set({ status: outcome.status, reason: outcome.reason, detail: outcome.detail, claim_token: null })
          .where('blast_id', '=', id)
          .where('status', '=', rows.status);
        if (rows.status === 'sending') query = query.where('session_id', 'in', [...rows.sessionIds]);
        const result = await query.executeTakeFirst();
        const closed = Number(result.numUpdatedRows);
        if (closed > 0) {
          await trx
            .updateTable('blasts')
            .set((eb) => (outcome.status === 'skipped' ? { skipped: eb('skipped', '+', closed) } : { failed: eb('failed', '+', closed) }))
            .set({ updated_at: at })
            .where('id', '=', id)
            .execute();
        }
        return closed;
      });
    },

    async pauseSession(blastId, sessionId, reason) {
      await db
        .updateTable('blast_sessions')
        .set({ paused_reason: reason })
        .where('blast_id', '=', blastId)
        .where('session_id', '=', sessionId)
        .execute();
    },

    async resumeSessions(blastId) {
      await db.updateTable('blast_sessions').set({ paused_reason: null }).where('blast_id', '=', blastId).execute();
    },

    async liveBlastsOf(session) {
      const rows = await db
        .selectFrom('blasts')
        .innerJoin('blast_sessions', 'blast_sessions.blast_id', 'blasts.id')
        .select('blasts.id as id')
        .where('blast_sessions.session_id', '=', session.id)
        .where('blast_sessions.session_uid', '=', session.uid)
        .where('blasts.status', 'in', ['running', 'paused'])
        .execute();
      return rows.map((row) => row.id);
    },

    async recipients(id, { status, replied, limit, offset }) {
      const statuses: LedgerStatus[] | undefined = status === undefined ? undefined : status === 'pending' ? ['pending', 'sending'] : [status];
      let query = db.selectFrom('blast_recipients').where('blast_id', '=', id);
      if (statuses) query = query.where('status', 'in', statuses);
      if (replied !== undefined) query = query.where('replied_at', replied ? 'is not' : 'is', null);
      const rows = await query.selectAll().orderBy('seq').limit(limit).offset(offset).execute();
      const total = await query.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow();
      const sheet = rows.length === 0 ? new Map<number, SheetRow>() : await sheetRowsOf(db, await listShapeOf(db, id), rows.map((row) => row.seq));
      return { items: rows.map((row) => recipientFromRow(row, sheet.get(row.seq))), total: Number(total.total) };
    },

    async *allRecipients(id, pageSize = 1_000) {
      const list = await listShapeOf(db, id);
      let after = 0;
      for (;;) {
        const rows = await db
          .selectFrom('blast_recipients')
          .selectAll()
          .where('blast_id', '=', id)
          .where('seq', '>', after)
          .orderBy('seq')
          .limit(pageSize)
          .execute();
        // Looked up by key, not joined: a join's plan on tables not yet analysed (a list just imported) read the whole list per page.
        const sheet = await sheetRowsOf(db, list, rows.map((row) => row.seq));
        for (const row of rows) yield recipientFromRow(row, sheet.get(row.seq));
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < pageSize) return;
        after = last.seq;
      }
    },

    async timeline(id, { fromSeconds, bucketSeconds }) {
      const from = Math.floor(fromSeconds);
      const bucket = Math.max(1, Math.floor(bucketSeconds));
      const indexOf = (column: string) => sql`(${epochOf(column)} - CAST(${from} AS bigint)) / CAST(${bucket} AS bigint)`;
      const events = (column: string, kind: 'sent' | 'failed' | 'delivered' | 'read' | 'replied') => {
        const failed = kind === 'failed' ? sql`AND status = 'failed'` : sql``;
        return sql`SELECT ${indexOf(column)} AS bucket, ${sql.lit(kind)} AS kind FROM blast_recipients
          WHERE blast_id = ${id} AND ${sql.ref(column)} IS NOT NULL ${failed}`;
      };
      type Counted = number | string;
      const result = await sql<{ bucket: Counted; sent: Counted; failed: Counted; delivered: Counted; read: Counted; replied: Counted }>`
        SELECT bucket,
          SUM(CASE WHEN kind = 'sent' THEN 1 ELSE 0 END) AS sent,
          SUM(CASE WHEN kind = 'failed' THEN 1 ELSE 0 END) AS failed,
          SUM(CASE WHEN kind = 'delivered' THEN 1 ELSE 0 END) AS delivered,
          SUM(CASE WHEN kind = 'read' THEN 1 ELSE 0 END) AS ${sql.ref('read')},
          SUM(CASE WHEN kind = 'replied' THEN 1 ELSE 0 END) AS replied
        FROM (
          ${events('sent_at', 'sent')}
          UNION ALL ${events('claimed_at', 'failed')}
          UNION ALL ${events('delivered_at', 'delivered')}
          UNION ALL ${events('read_at', 'read')}
          UNION ALL ${events('replied_at', 'replied')}
        ) AS timeline_events
        GROUP BY bucket
        ORDER BY bucket
      `.execute(db);
      return result.rows.map((row) => ({
        index: Number(row.bucket),
        sent: Number(row.sent),
        failed: Number(row.failed),
        delivered: Number(row.delivered),
        read: Number(row.read),
        replied: Number(row.replied),
      }));
    },

    async lastActivity(id) {
      const row = await db
        .selectFrom('blast_recipients')
        .select((eb) => [
          eb.fn.max('sent_at').as('sent'),
          eb.fn.max('delivered_at').as('delivered'),
          eb.fn.max('read_at').as('read'),
          eb.fn.max('replied_at').as('replied'),
          eb.fn.max(eb.case().when('status', '=', 'failed').then(eb.ref('claimed_at')).end()).as('failed'),
        ])
        .where('blast_id', '=', id)
        .executeTakeFirst();
      const times = [row?.sent, row?.delivered, row?.read, row?.replied, row?.failed].filter((at): at is string => typeof at === 'string');
      return times.length === 0 ? null : times.reduce((latest, at) => (Date.parse(at) > Date.parse(latest) ? at : latest));
    },
  };
}

/** The list a blast sends to: its number and columns (undefined when the list is gone). */
async function listShapeOf(db: Db, blastId: string): Promise<ListShape | undefined> {
  const row = await db
    .selectFrom('blasts')
    .innerJoin('lists', 'lists.id', 'blasts.list_id')
    .select(['lists.list_key as key', 'lists.columns as columns'])
    .where('blasts.id', '=', blastId)
    .executeTakeFirst();
  return row && { key: row.key, columns: columnsOf(row.columns) };
}

/** The sheet row and list columns of the list's recipients with these seqs. */
async function sheetRowsOf(db: Db, list: ListShape | undefined, seqs: number[]): Promise<Map<number, SheetRow>> {
  if (seqs.length === 0 || !list) return new Map();
  const rows = await db
    .selectFrom('list_recipients')
    .select(['seq', 'row_number', 'vars'])
    .where('list_key', '=', list.key)
    .where('seq', 'in', seqs)
    .execute();
  return new Map(rows.map((row) => [row.seq, { rowNumber: row.row_number, vars: decodeVars(row.vars, list.columns) }]));
}

interface ListShape {
  key: number;
  columns: ListColumn[];
}

interface SheetRow {
  rowNumber: number;
  vars: Record<string, string>;
}

function recipientFromRow(row: Selectable<BlastRecipientTable>, sheet: SheetRow | undefined): RecipientRow {
  return {
    seq: row.seq,
    rowNumber: sheet?.rowNumber ?? null,
    phone: row.phone,
    status: (row.status === 'sending' ? 'pending' : row.status) as RecipientStatus,
    reason: row.reason,
    detail: row.detail,
    sessionId: row.session_id,
    messageId: row.message_id,
    attempts: row.attempts,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    readAt: row.read_at,
    repliedAt: row.replied_at,
    replyText: row.reply_text,
    vars: sheet?.vars ?? {},
  };
}

function fromRow(row: Selectable<BlastTable>, sessions: BlastSessionState[]): Blast {
  return {
    id: row.id,
    name: row.name,
    businessUnit: row.business_unit,
    status: row.status as BlastStatus,
    listId: row.list_id,
    message: row.message,
    media:
      row.media_sha256 === null
        ? null
        : { sha256: row.media_sha256, kind: row.media_kind as MediaKind, mimetype: row.media_mimetype ?? 'application/octet-stream', fileName: row.media_file_name },
    sessions,
    checkNumbers: row.check_numbers === 1,
    typing: row.typing === 1,
    pacing: row.pacing === null ? null : (JSON.parse(row.pacing) as Partial<PacingPolicy>),
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    pause: row.pause_reason === null ? null : { reason: row.pause_reason, detail: row.pause_detail },
    error: storedError(row),
    stopOnReply: row.stop_on_reply === 1,
    followUp: row.follow_up_of === null ? null : { of: row.follow_up_of, segment: row.follow_up_segment as FollowUpSegment, after: row.follow_up_after },
    figures: figuresOf({
      total: row.total,
      sent: row.sent,
      failed: row.failed,
      skipped: row.skipped,
      delivered: row.delivered,
      read: row.read,
      replied: row.replied,
    }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * SQLite's sending hot path: one prepared statement per outcome inside one transaction (the
 * query builder prepares every statement anew, which cost more than the write itself).
 */
function sqliteOutcomeWriter(sqlite: SQLite.Database): (blastId: string, token: number, outcomes: readonly Outcome[], wanted: WantedEvents) => number {
  const details = sqliteRecipientDetails(sqlite);
  const writeEvents = sqliteWebhookWriter(sqlite);
  let update: SQLite.Statement<[string, string | null, string | null, string | null, number, string | null, string, number, number]> | undefined;
  let bump: SQLite.Statement<[number, number, number, string]> | undefined;
  return immediateTransaction(sqlite, (blastId: string, token: number, outcomes: readonly Outcome[], wanted: WantedEvents) => {
    // Prepared on first use: the repository exists before the migrations have made the tables.
    update ??= sqlite.prepare(
      "UPDATE blast_recipients SET status = ?, reason = ?, detail = ?, message_id = ?, attempts = ?, sent_at = ? WHERE blast_id = ? AND seq = ? AND status = 'sending' AND claim_token = ?",
    );
    bump ??= sqlite.prepare('UPDATE blasts SET sent = sent + ?, failed = failed + ?, skipped = skipped + ? WHERE id = ?');
    const applied = { sent: 0, failed: 0, skipped: 0 };
    const changes: RecipientChange[] = [];
    for (const outcome of outcomes) {
      const result = update.run(
        outcome.status,
        outcome.reason,
        outcome.detail,
        outcome.messageId,
        outcome.attempts,
        outcome.status === 'sent' ? outcome.at : null,
        blastId,
        outcome.seq,
        token,
      );
      if (result.changes > 0) {
        applied[outcome.status] += 1;
        if (wanted) changes.push(outcomeChange(blastId, outcome));
      }
    }
    // One outbox row per batch of outcomes (not per recipient), in the same transaction.
    if (wanted && changes.length > 0) writeEvents(messageEvents(changes, wanted, details));
    const total = applied.sent + applied.failed + applied.skipped;
    if (total > 0) bump.run(applied.sent, applied.failed, applied.skipped, blastId);
    return total;
  });
}

/** The status change itself: the row moves only from one of `from`. Returns the rows changed (0 or 1). */
async function updateStatus(db: Kysely<Database>, id: string, from: readonly BlastStatus[], to: BlastStatus, at: string, change: StatusChange): Promise<number> {
  const result = await db
    .updateTable('blasts')
    .set({
      status: to,
      updated_at: at,
      ...(change.startedAt === undefined ? {} : { started_at: change.startedAt }),
      ...(change.completedAt === undefined ? {} : { completed_at: change.completedAt }),
      ...(change.pause === undefined ? {} : { pause_reason: change.pause?.reason ?? null, pause_detail: change.pause?.detail ?? null }),
      ...(change.error === undefined
        ? {}
        : {
            error_code: change.error.code,
            error_message: change.error.message,
            error_details: change.error.details === undefined ? null : JSON.stringify(change.error.details),
          }),
    })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .$if(change.unlessWaitingFollowUp === true, (query) => query.where((eb) => eb.or([eb('follow_up_of', 'is', null), eb('started_at', 'is not', null)])))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

type WantedEvents = Awaited<ReturnType<typeof wantedForBlast>>;

function outcomeChange(blastId: string, outcome: Outcome): RecipientChange {
  const type: WebhookEventType = outcome.status === 'sent' ? 'message.sent' : outcome.status === 'failed' ? 'message.failed' : 'message.skipped';
  return { blastId, seq: outcome.seq, type, messageId: outcome.messageId, reason: outcome.reason, at: outcome.at };
}
