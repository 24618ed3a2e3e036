import type { Kysely } from 'kysely';

/** WhatsApp credentials and signal keys, per session, one row per key. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('wa_auth')
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('category', 'varchar(64)', (col) => col.notNull())
    .addColumn('key_id', 'varchar(255)', (col) => col.notNull())
    .addColumn('value', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('wa_auth_pk', ['session_id', 'category', 'key_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('wa_auth').execute();
}
