import type { Kysely } from 'kysely';

/**
 * Account health (issue 17):
 * - `session_health_counts`: what happened to a session, per hour and kind (core/health.ts
 *   HEALTH_COUNTS), kept for a week; the score's window is summed from it. Bounded: one row per
 *   session, hour and kind.
 * - `session_health`: the last assessment of each session (its identity, `session_uid`), which
 *   every worker's engine reads to pace it; the band's start, an operator's acknowledgement of a
 *   stop, and the days the session spent outside the healthy band (warm-up does not grow then).
 * - `blast_recipients.chat_session_id`: the blast's session that already has a chat with the
 *   recipient (the person wrote to it), found when the blast starts; that session is preferred.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('session_health_counts')
    .addColumn('session_uid', 'varchar(36)', (col) => col.notNull())
    /** Hours since the epoch. */
    .addColumn('hour', 'integer', (col) => col.notNull())
    .addColumn('kind', 'varchar(24)', (col) => col.notNull())
    .addColumn('count', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('session_health_counts_pk', ['session_uid', 'hour', 'kind'])
    .execute();
  await db.schema.createIndex('session_health_counts_hour').on('session_health_counts').columns(['hour']).execute();

  await db.schema
    .createTable('session_health')
    .addColumn('session_uid', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('score', 'integer', (col) => col.notNull())
    .addColumn('band', 'varchar(16)', (col) => col.notNull())
    /** JSON: the reasons (core/health.ts HealthReason[]). */
    .addColumn('reasons', 'text', (col) => col.notNull())
    .addColumn('band_since', 'varchar(32)', (col) => col.notNull())
    .addColumn('assessed_at', 'varchar(32)', (col) => col.notNull())
    /** An operator resumed a blast of the stopped session at this score: stopped again only below it. */
    .addColumn('acknowledged_score', 'integer')
    .addColumn('acknowledged_at', 'varchar(32)')
    /** The band last announced (event, webhook): a band stored but not yet announced is announced at the next assessment. */
    .addColumn('announced_band', 'varchar(16)')
    .addColumn('unhealthy_days', 'integer', (col) => col.notNull().defaultTo(0))
    /** The last UTC day (YYYY-MM-DD) counted in unhealthy_days. */
    .addColumn('last_unhealthy_day', 'varchar(10)')
    .execute();

  await db.schema.alterTable('blast_recipients').addColumn('chat_session_id', 'varchar(64)').execute();
  // A session held to existing chats finds its rows (or that there are none) without reading every pending row.
  await db.schema.createIndex('blast_recipients_chat').on('blast_recipients').columns(['blast_id', 'chat_session_id', 'status', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('blast_recipients_chat').execute();
  await db.schema.alterTable('blast_recipients').dropColumn('chat_session_id').execute();
  await db.schema.dropTable('session_health').execute();
  await db.schema.dropTable('session_health_counts').execute();
}
