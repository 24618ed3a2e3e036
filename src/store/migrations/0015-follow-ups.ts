import type { Kysely } from 'kysely';

/**
 * Follow-ups and stopOnReply (issue 16):
 * - `blasts.follow_up_of` / `follow_up_segment` / `follow_up_after`: a follow-up's parent, the
 *   segment of the parent's ledger it goes to (taken when it starts) and how long after the
 *   parent's end it starts (ISO 8601 duration as given; null: at the end). The follow-up sends to
 *   the parent's list (its `list_id`), so its rows keep their list columns as variables and the
 *   list cannot be deleted while it waits.
 * - `blasts.stop_on_reply`: 1 when a recipient who replied since the blast was created is skipped (REPLIED).
 * - `blasts (follow_up_of)`: the follow-ups waiting on a blast that just ended, in one probe.
 * - `replies (blast_id, phone)`: stopOnReply's "replied to the parent" for a batch of phones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('blasts').addColumn('follow_up_of', 'varchar(36)').execute();
  await db.schema.alterTable('blasts').addColumn('follow_up_segment', 'varchar(16)').execute();
  await db.schema.alterTable('blasts').addColumn('follow_up_after', 'varchar(64)').execute();
  await db.schema.alterTable('blasts').addColumn('stop_on_reply', 'integer', (col) => col.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('blasts_follow_up_of').on('blasts').columns(['follow_up_of']).execute();
  await db.schema.createIndex('replies_blast_phone').on('replies').columns(['blast_id', 'phone']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('replies_blast_phone').execute();
  await db.schema.dropIndex('blasts_follow_up_of').execute();
  for (const column of ['stop_on_reply', 'follow_up_after', 'follow_up_segment', 'follow_up_of']) await db.schema.alterTable('blasts').dropColumn(column).execute();
}
