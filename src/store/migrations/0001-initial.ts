import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('session_configs')
    .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('friendly_name', 'varchar(200)', (col) => col.notNull())
    .addColumn('business_unit', 'varchar(64)', (col) => col.notNull())
    .addColumn('provider', 'varchar(32)', (col) => col.notNull())
    .addColumn('pacing', 'text')
    .addColumn('sandbox', 'text')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('session_configs_business_unit')
    .on('session_configs')
    .column('business_unit')
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    .addColumn('prefix', 'varchar(16)', (col) => col.notNull())
    .addColumn('hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('role', 'varchar(16)', (col) => col.notNull())
    .addColumn('business_unit', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('last_used_at', 'varchar(32)')
    .addColumn('revoked_at', 'varchar(32)')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('session_configs').execute();
}
