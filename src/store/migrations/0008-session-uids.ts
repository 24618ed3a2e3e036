import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * A session's id is a name a unit chooses, and a deleted session's id may be taken again, by any
 * unit. Each session config now gets an identity of its own (`uid`), which a session re-created
 * with the same id does not share, and a blast's sessions are bound to the identities they were
 * created with: a blast is never sent from a different session that happens to bear the id.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('session_configs').addColumn('uid', 'varchar(36)', (col) => col.notNull().defaultTo('')).execute();
  const sessions = await sql<{ id: string }>`SELECT id FROM session_configs`.execute(db);
  for (const { id } of sessions.rows) await sql`UPDATE session_configs SET uid = ${randomUUID()} WHERE id = ${id}`.execute(db);
  await db.schema.createIndex('session_configs_uid').on('session_configs').column('uid').unique().execute();

  await db.schema.alterTable('blast_sessions').addColumn('session_uid', 'varchar(36)').execute();
  // A blast is bound to the session of its id that existed when it was made (a blast is only made
  // from existing sessions). A session created after the blast is a later one that reuses the id
  // of a deleted one: the blast stays unbound (null) and that session never sends it.
  await sql`
    UPDATE blast_sessions SET session_uid = (
      SELECT session_configs.uid FROM session_configs, blasts
      WHERE session_configs.id = blast_sessions.session_id
        AND blasts.id = blast_sessions.blast_id
        AND session_configs.created_at <= blasts.created_at
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('blast_sessions').dropColumn('session_uid').execute();
  await db.schema.dropIndex('session_configs_uid').execute();
  await db.schema.alterTable('session_configs').dropColumn('uid').execute();
}
