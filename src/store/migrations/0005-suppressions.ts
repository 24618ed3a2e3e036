import type { Kysely } from 'kysely';

/**
 * Opt-outs per business unit: numbers never to message again. A list can be imported as a
 * suppression list (purpose), which adds its numbers here once the import is done.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('suppressions')
    .addColumn('business_unit', 'varchar(64)', (col) => col.notNull())
    .addColumn('phone', 'varchar(20)', (col) => col.notNull())
    .addColumn('reason', 'varchar(200)')
    .addColumn('source', 'varchar(32)', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addPrimaryKeyConstraint('suppressions_pk', ['business_unit', 'phone'])
    .execute();
  await db.schema
    .alterTable('lists')
    .addColumn('purpose', 'varchar(16)', (col) => col.notNull().defaultTo('recipients'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('lists').dropColumn('purpose').execute();
  await db.schema.dropTable('suppressions').execute();
}
