import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Blasts, the sessions they send from, and the per-recipient ledger that is the truth of what
 * was sent: a row is claimed (`sending`) before the provider call and gets its outcome after.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .createTable('blasts')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    .addColumn('business_unit', 'varchar(64)', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('list_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('message', 'text', (col) => col.notNull())
    .addColumn('media_sha256', 'varchar(64)')
    .addColumn('media_kind', 'varchar(16)')
    .addColumn('media_mimetype', 'varchar(128)')
    .addColumn('media_file_name', 'varchar(255)')
    .addColumn('check_numbers', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('typing', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('pacing', 'text')
    .addColumn('scheduled_at', 'varchar(32)')
    .addColumn('started_at', 'varchar(32)')
    .addColumn('completed_at', 'varchar(32)')
    .addColumn('pause_reason', 'varchar(64)')
    .addColumn('pause_detail', 'text')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('error_details', 'text')
    .addColumn('total', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('sent', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('skipped', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('delivered', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('read', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('blasts_unit_created').on('blasts').columns(['business_unit', 'created_at']).execute();
  await db.schema.createIndex('blasts_status').on('blasts').columns(['status']).execute();
  await db.schema.createIndex('blasts_list').on('blasts').columns(['list_id']).execute();

  await db.schema
    .createTable('blast_sessions')
    .addColumn('blast_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    /** Set when this session stopped sending for this blast (e.g. `restricted:rate_limited`). */
    .addColumn('paused_reason', 'varchar(64)')
    .addPrimaryKeyConstraint('blast_sessions_pk', ['blast_id', 'session_id'])
    .execute();
  await db.schema.createIndex('blast_sessions_session').on('blast_sessions').columns(['session_id']).execute();

  await db.schema
    .createTable('blast_recipients')
    .addColumn('blast_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('phone', 'varchar(20)', (col) => col.notNull())
    .addColumn('status', 'varchar(12)', (col) => col.notNull())
    .addColumn('session_id', 'varchar(64)')
    .addColumn('claim_token', 'bigint')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('reason', 'varchar(64)')
    .addColumn('detail', 'text')
    .addColumn('message_id', 'varchar(32)')
    .addColumn('claimed_at', 'varchar(32)')
    .addColumn('sent_at', 'varchar(32)')
    .addColumn('delivered_at', 'varchar(32)')
    .addColumn('read_at', 'varchar(32)')
    .addPrimaryKeyConstraint('blast_recipients_pk', ['blast_id', 'seq'])
    .$call((table) => (isPostgres ? table : table.modifyEnd(sql`without rowid`)))
    .execute();
  await db.schema.createIndex('blast_recipients_status').on('blast_recipients').columns(['blast_id', 'status', 'seq']).execute();
  await db.schema.createIndex('blast_recipients_message').on('blast_recipients').columns(['message_id']).execute();

  // When a number was linked, for warm-up (a daily cap that grows with the account's age).
  await db.schema.alterTable('session_configs').addColumn('linked_at', 'varchar(32)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('session_configs').dropColumn('linked_at').execute();
  for (const table of ['blast_recipients', 'blast_sessions', 'blasts']) await db.schema.dropTable(table).execute();
}
