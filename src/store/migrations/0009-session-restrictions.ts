import type { Kysely } from 'kysely';

/**
 * A restriction WhatsApp put on an account (a 463 ack, a reach-out time-lock, a temporary ban)
 * outlives the socket and the worker that heard it: the session stays stopped on every blast,
 * and a new blast does not send from it, until `restriction_until` passes or an operator resumes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('session_configs').addColumn('restriction_reason', 'varchar(64)').execute();
  await db.schema.alterTable('session_configs').addColumn('restriction_code', 'varchar(16)').execute();
  await db.schema.alterTable('session_configs').addColumn('restriction_until', 'varchar(40)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('session_configs').dropColumn('restriction_until').execute();
  await db.schema.alterTable('session_configs').dropColumn('restriction_code').execute();
  await db.schema.alterTable('session_configs').dropColumn('restriction_reason').execute();
}
