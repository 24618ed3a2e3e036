import type { Kysely } from 'kysely';

/**
 * What the workers act on: whether a session should be connected (durable, so a restart of every
 * process brings the linked accounts back), and the sandbox provider's outbox.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('session_configs')
    .addColumn('desired_state', 'varchar(16)', (col) => col.notNull().defaultTo('disconnected'))
    .execute();
  await db.schema.alterTable('session_configs').addColumn('pairing_phone', 'varchar(32)').execute();

  await db.schema
    .createTable('sandbox_outbox')
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('message_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('seq', 'bigint', (col) => col.notNull())
    .addColumn('recipient', 'varchar(32)', (col) => col.notNull())
    .addColumn('text', 'text', (col) => col.notNull())
    .addColumn('media_kind', 'varchar(16)')
    .addColumn('media_ref', 'varchar(128)')
    .addColumn('first_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('last_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('repeats', 'integer', (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('sandbox_outbox_pk', ['session_id', 'message_id'])
    .execute();
  await db.schema.createIndex('sandbox_outbox_order').on('sandbox_outbox').columns(['session_id', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sandbox_outbox').execute();
  await db.schema.alterTable('session_configs').dropColumn('pairing_phone').execute();
  await db.schema.alterTable('session_configs').dropColumn('desired_state').execute();
}
