import type { Kysely } from 'kysely';

/**
 * WhatsApp's answers to number checks, kept per scope (a business unit: no unit learns from
 * another's checks; a sandbox session: its own simulated WhatsApp) until they expire; a session's own choice to check numbers; and the sandbox's backlog of
 * messages "sent to the account while it was offline", delivered at its next connect.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('number_checks')
    .addColumn('scope', 'varchar(128)', (col) => col.notNull())
    .addColumn('phone', 'varchar(20)', (col) => col.notNull())
    .addColumn('on_whatsapp', 'integer', (col) => col.notNull())
    .addColumn('address', 'varchar(128)')
    .addColumn('checked_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('expires_at', 'varchar(32)', (col) => col.notNull())
    .addPrimaryKeyConstraint('number_checks_pk', ['scope', 'phone'])
    .execute();
  await db.schema.createIndex('number_checks_expiry').on('number_checks').column('expires_at').execute();
  // Null: the provider's default (on for baileys, off for the sandbox).
  await db.schema.alterTable('session_configs').addColumn('check_numbers', 'integer').execute();
  await db.schema
    .createTable('sandbox_backlog')
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('seq', 'bigint', (col) => col.notNull())
    .addColumn('message_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('sender', 'varchar(20)', (col) => col.notNull())
    .addColumn('text', 'text', (col) => col.notNull())
    .addColumn('queued_at', 'varchar(32)', (col) => col.notNull())
    .addPrimaryKeyConstraint('sandbox_backlog_pk', ['session_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sandbox_backlog').execute();
  await db.schema.alterTable('session_configs').dropColumn('check_numbers').execute();
  await db.schema.dropTable('number_checks').execute();
}
