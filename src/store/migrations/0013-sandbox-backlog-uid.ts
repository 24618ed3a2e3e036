import { sql, type Kysely } from 'kysely';

/**
 * The sandbox backlog (0011) belongs to a session's own identity (`uid`, 0008), not to its id: a
 * message queued for a deleted session is never delivered to a later session created under the
 * same id (maybe of another unit), and forgetting the deleted one never deletes the new one's.
 * Waiting messages of a session that still exists are kept; those of none are dropped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sandbox_backlog').addColumn('session_uid', 'varchar(36)', (col) => col.notNull().defaultTo('')).execute();
  await sql`
    UPDATE sandbox_backlog SET session_uid = coalesce(
      (SELECT session_configs.uid FROM session_configs WHERE session_configs.id = sandbox_backlog.session_id), '')
  `.execute(db);
  await sql`DELETE FROM sandbox_backlog WHERE session_uid = ''`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sandbox_backlog').dropColumn('session_uid').execute();
}
