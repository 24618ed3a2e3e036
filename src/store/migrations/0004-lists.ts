import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Uploaded files (by content hash, in chunks, so any worker on any host can read them),
 * recipient lists, their recipients and their rejected rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const binary = isPostgres ? sql`bytea` : sql`blob`;

  await db.schema
    .createTable('blobs')
    .addColumn('sha256', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('size', 'bigint', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('blob_chunks')
    .addColumn('sha256', 'varchar(64)', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('data', binary, (col) => col.notNull())
    .addPrimaryKeyConstraint('blob_chunks_pk', ['sha256', 'seq'])
    .execute();

  await db.schema
    .createTable('lists')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    .addColumn('business_unit', 'varchar(64)', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('error_details', 'text')
    .addColumn('file_name', 'varchar(255)', (col) => col.notNull())
    .addColumn('file_size', 'bigint', (col) => col.notNull())
    .addColumn('file_type', 'varchar(8)')
    .addColumn('blob_sha256', 'varchar(64)', (col) => col.notNull())
    .addColumn('phone_column', 'varchar(255)')
    .addColumn('default_country', 'varchar(2)', (col) => col.notNull())
    .addColumn('columns', 'text')
    .addColumn('header_row', 'integer')
    .addColumn('rows', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('valid', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('duplicates', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('invalid', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('blank', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('completed_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('lists_business_unit').on('lists').columns(['business_unit', 'created_at']).execute();

  await db.schema
    .createTable('list_recipients')
    .addColumn('list_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('row_number', 'integer', (col) => col.notNull())
    .addColumn('phone', 'varchar(20)', (col) => col.notNull())
    .addColumn('vars', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('list_recipients_pk', ['list_id', 'seq'])
    // SQLite: the rows live in the primary key's tree, one tree fewer to write per recipient.
    .$call((table) => (isPostgres ? table : table.modifyEnd(sql`without rowid`)))
    .execute();
  await db.schema
    .createIndex('list_recipients_phone')
    .on('list_recipients')
    .columns(['list_id', 'phone'])
    .unique()
    .execute();

  await db.schema
    .createTable('list_rejects')
    .addColumn('list_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('row_number', 'integer', (col) => col.notNull())
    .addColumn('raw_value', 'text', (col) => col.notNull())
    .addColumn('reason', 'varchar(32)', (col) => col.notNull())
    .addColumn('duplicate_of_row', 'integer')
    .addPrimaryKeyConstraint('list_rejects_pk', ['list_id', 'row_number'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['list_rejects', 'list_recipients', 'lists', 'blob_chunks', 'blobs']) {
    await db.schema.dropTable(table).execute();
  }
}
