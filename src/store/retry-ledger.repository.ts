import type { MediaKind } from '../core/media-type.js';
import { isProductMessageId, messageIdFor } from '../core/message-id.js';
import type { Db } from './database.js';
import { decodeVars } from './list-rows.js';
import { recipientsShape } from './list.repository.js';

/** A recipient row a session sent, with the values its message was rendered from. */
export interface SentRecipient {
  blastId: string;
  seq: number;
  phone: string;
  vars: Record<string, string>;
  /** Null while the row is still claimed: sent, its outcome not yet written (outcomes are written per batch). */
  sentAt: string | null;
}

export interface MediaUpload {
  blastId: string;
  sessionUid: string;
  uploadedAt: string;
  kind: MediaKind;
  /** The provider's own record of the upload (PreparedMedia.stored). */
  upload: string;
}

/**
 * What a session needs to send a message again when a recipient's phone asks for it (a retry
 * request), from the durable ledger rather than memory: it holds across restarts and takeovers.
 */
export interface RetryLedgerRepository {
  /**
   * The row sent under this message id by the session with this identity (uid), as WhatsApp
   * accepted it (sent, delivered or read); never a row of another session, even one re-created
   * under the same id; or a row it has claimed and may just have sent, whose outcome is not
   * written yet. Undefined when the row's list (its template values) is gone.
   */
  sentBy(messageId: string, sessionUid: string): Promise<SentRecipient | undefined>;
  saveUpload(upload: MediaUpload): Promise<void>;
  /** The upload this session's messages of a blast were sent with at `at`: the latest made by then. */
  uploadAt(blastId: string, sessionUid: string, at: string): Promise<MediaUpload | undefined>;
  /** Deletes uploads made before `before`; how many. */
  purgeUploads(before: string): Promise<number>;
}

const ACCEPTED = ['sent', 'delivered', 'read'];

export function createRetryLedgerRepository(db: Db): RetryLedgerRepository {
  /** The row sent under this id by the session with this uid, as WhatsApp accepted it. */
  const accepted = (messageId: string, sessionUid: string) =>
    db
      .selectFrom('blast_recipients as r')
      .innerJoin('blast_sessions as s', (join) => join.onRef('s.blast_id', '=', 'r.blast_id').onRef('s.session_id', '=', 'r.session_id'))
      .innerJoin('blasts as b', 'b.id', 'r.blast_id')
      .select(['r.blast_id', 'r.seq', 'r.phone', 'r.sent_at', 'b.list_id'])
      .where('r.message_id', '=', messageId)
      .where('s.session_uid', '=', sessionUid)
      .where('r.status', 'in', ACCEPTED)
      .executeTakeFirst();

  /**
   * A row this session holds claimed whose id is this one: its id is not stored until its outcome
   * is, so the few claimed rows (a batch per blast) are matched by computing theirs.
   */
  const claimed = async (messageId: string, sessionUid: string) => {
    if (!isProductMessageId(messageId)) return undefined;
    const rows = await db
      .selectFrom('blast_sessions as s')
      .innerJoin('blast_recipients as r', (join) => join.onRef('r.blast_id', '=', 's.blast_id').onRef('r.session_id', '=', 's.session_id'))
      .innerJoin('blasts as b', 'b.id', 'r.blast_id')
      .select(['r.blast_id', 'r.seq', 'r.phone', 'r.sent_at', 'b.list_id'])
      .where('s.session_uid', '=', sessionUid)
      .where('b.status', 'in', ['running', 'paused'])
      .where('r.status', '=', 'sending')
      .execute();
    return rows.find((row) => messageIdFor(row.blast_id, row.seq) === messageId);
  };

  return {
    async sentBy(messageId, sessionUid) {
      const row = (await accepted(messageId, sessionUid)) ?? (await claimed(messageId, sessionUid));
      if (!row) return undefined;
      const list = await recipientsShape(db, row.list_id);
      if (!list) return undefined;
      const stored = await db
        .selectFrom('list_recipients')
        .select('vars')
        .where('list_key', '=', list.key)
        .where('seq', '=', row.seq)
        .executeTakeFirst();
      if (!stored) return undefined;
      return { blastId: row.blast_id, seq: row.seq, phone: row.phone, vars: decodeVars(stored.vars, list.columns), sentAt: row.sent_at };
    },

    async saveUpload(upload) {
      await db
        .insertInto('media_uploads')
        .values({ blast_id: upload.blastId, session_uid: upload.sessionUid, uploaded_at: upload.uploadedAt, kind: upload.kind, upload: upload.upload })
        .onConflict((conflict) => conflict.columns(['blast_id', 'session_uid', 'uploaded_at']).doUpdateSet({ kind: upload.kind, upload: upload.upload }))
        .execute();
    },

    async uploadAt(blastId, sessionUid, at) {
      const row = await db
        .selectFrom('media_uploads')
        .selectAll()
        .where('blast_id', '=', blastId)
        .where('session_uid', '=', sessionUid)
        .where('uploaded_at', '<=', at)
        .orderBy('uploaded_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && { blastId: row.blast_id, sessionUid: row.session_uid, uploadedAt: row.uploaded_at, kind: row.kind as MediaKind, upload: row.upload };
    },

    async purgeUploads(before) {
      const result = await db.deleteFrom('media_uploads').where('uploaded_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
