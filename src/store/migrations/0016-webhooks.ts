import type { Kysely } from 'kysely';

/**
 * Outbound webhooks (issue 18).
 *
 * - `webhook_endpoints`: where to send which events; `business_unit` null for an admin's endpoint
 *   (every unit's events). `previous_secret` keeps signing until `previous_secret_expires_at` after
 *   a rotation. `failing_since`: the first failed attempt since the last success (disabled after 5 days).
 * - `webhook_events`: the durable outbox, written in the transaction of the change it reports.
 *   `id` sorts by time (see core/webhook-events.ts) and is the envelope's id, stable across
 *   retries; `body` is the exact JSON sent (and signed) every time. `dispatched` = fanned out to
 *   the endpoints that wanted it.
 * - `webhook_deliveries`: one event to one endpoint; `ordering_key` (a blast's id, a session's…)
 *   keeps one such key's events in order per endpoint.
 * - `webhook_attempts`: the delivery log, one row per HTTP attempt, kept WEBHOOK_LOG_RETENTION_DAYS.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('business_unit', 'varchar(64)')
    .addColumn('url', 'varchar(2048)', (col) => col.notNull())
    /** JSON array of event types, or ["*"]. */
    .addColumn('events', 'text', (col) => col.notNull())
    .addColumn('description', 'varchar(500)')
    .addColumn('enabled', 'integer', (col) => col.notNull())
    .addColumn('secret', 'varchar(64)', (col) => col.notNull())
    .addColumn('previous_secret', 'varchar(64)')
    .addColumn('previous_secret_expires_at', 'varchar(32)')
    .addColumn('disabled_reason', 'varchar(200)')
    .addColumn('failing_since', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_unit').on('webhook_endpoints').columns(['business_unit']).execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'varchar(40)', (col) => col.primaryKey())
    .addColumn('type', 'varchar(40)', (col) => col.notNull())
    .addColumn('business_unit', 'varchar(64)', (col) => col.notNull())
    .addColumn('ordering_key', 'varchar(80)', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('body', 'text', (col) => col.notNull())
    .addColumn('dispatched', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('webhook_events_pending').on('webhook_events').columns(['dispatched', 'id']).execute();
  await db.schema.createIndex('webhook_events_unit_time').on('webhook_events').columns(['business_unit', 'created_at']).execute();
  await db.schema.createIndex('webhook_events_time').on('webhook_events').columns(['created_at']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('endpoint_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('event_id', 'varchar(40)', (col) => col.notNull())
    .addColumn('ordering_key', 'varchar(80)', (col) => col.notNull())
    /** pending | sending | succeeded | failed (given up or final answer) | expired (older than the outbox keeps) */
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'varchar(32)', (col) => col.notNull())
    /** While `sending`: when the claim lapses (a worker that died mid-attempt). */
    .addColumn('locked_until', 'varchar(32)')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'varchar(300)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_order').on('webhook_deliveries').columns(['endpoint_id', 'ordering_key', 'event_id']).execute();
  await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['event_id']).execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('delivery_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('endpoint_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('at', 'varchar(32)', (col) => col.notNull())
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    /** succeeded | retry | failed */
    .addColumn('outcome', 'varchar(16)', (col) => col.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'varchar(300)')
    /** The first 1 KB of the response body. */
    .addColumn('response_body', 'varchar(1024)')
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
    .execute();
  await db.schema.createIndex('webhook_attempts_time').on('webhook_attempts').columns(['at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_events').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
}
