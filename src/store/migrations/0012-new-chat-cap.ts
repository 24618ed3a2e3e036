import type { Kysely } from 'kysely';

/**
 * WhatsApp's new-chat cap as last read for each session (issue 15, item 2): shown on the session,
 * and acted on by the sending engine (a warning halves the hourly cap for a day, a cap stops the
 * session's blasts until `resets_at`). Keyed by the session's own identity: a session re-created
 * under the id starts with none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('session_new_chat_caps')
    .addColumn('session_uid', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('state', 'varchar(16)', (col) => col.notNull())
    .addColumn('quota', 'integer')
    .addColumn('used', 'integer')
    .addColumn('resets_at', 'varchar(32)')
    .addColumn('slow_until', 'varchar(32)')
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('session_new_chat_caps').execute();
}
