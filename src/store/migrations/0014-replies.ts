import { sql, type Kysely } from 'kysely';

/**
 * Replies (issue 16): every person-to-person message a linked session receives, kept for
 * REPLY_RETENTION_DAYS and attributed to the blast (and its recipient row) that last messaged
 * that phone from that session within REPLY_ATTRIBUTION_HOURS.
 *
 * - `replies`: one row per message, keyed by the session's identity, the sender and WhatsApp's id
 *   (unique per chat, not globally), so a redelivered message is the same row.
 * - `blast_recipients.replied_at` / `reply_text`: the first reply attributed to that row.
 * - `blasts.replied`: recipients with at least one reply (a counter, like `delivered`).
 * - `blast_recipients (phone)`: finds the rows that messaged a phone in one probe (phones never
 *   change once a row is written, so the send path does not touch this index).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('replies')
    .addColumn('session_uid', 'varchar(36)', (col) => col.notNull())
    .addColumn('phone', 'varchar(20)', (col) => col.notNull())
    /** WhatsApp's id for the message (the sender's to choose: bounded before it is stored). */
    .addColumn('message_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('business_unit', 'varchar(64)', (col) => col.notNull())
    /** text | image | video | audio | document | sticker | location | contact | other */
    .addColumn('kind', 'varchar(16)', (col) => col.notNull())
    /** The text, or a media message's caption; null when there is none. */
    .addColumn('text', 'text')
    /** 1 when the message was an opt-out keyword (the number was suppressed for it). */
    .addColumn('opt_out', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('received_at', 'varchar(32)', (col) => col.notNull())
    /** The blast and recipient row it was attributed to; null when none messaged this phone from this session in the window. */
    .addColumn('blast_id', 'varchar(36)')
    .addColumn('blast_seq', 'integer')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addPrimaryKeyConstraint('replies_pk', ['session_uid', 'phone', 'message_id'])
    .execute();
  await db.schema.createIndex('replies_blast').on('replies').columns(['blast_id', 'received_at']).execute();
  await db.schema.createIndex('replies_unit_phone').on('replies').columns(['business_unit', 'phone', 'received_at']).execute();
  await db.schema.createIndex('replies_received').on('replies').columns(['received_at']).execute();

  await db.schema.alterTable('blast_recipients').addColumn('replied_at', 'varchar(32)').execute();
  await db.schema.alterTable('blast_recipients').addColumn('reply_text', 'text').execute();
  await db.schema.createIndex('blast_recipients_phone').on('blast_recipients').columns(['phone']).execute();
  await db.schema.alterTable('blasts').addColumn('replied', 'integer', (col) => col.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('blasts').dropColumn('replied').execute();
  await db.schema.dropIndex('blast_recipients_phone').execute();
  await db.schema.alterTable('blast_recipients').dropColumn('reply_text').execute();
  await db.schema.alterTable('blast_recipients').dropColumn('replied_at').execute();
  await sql`DROP TABLE replies`.execute(db);
}
