import { sql, type Kysely } from 'kysely';

/**
 * The webhook claim reads each endpoint's due deliveries in due order from an index, so its cost
 * is what it claims, not the backlog: `(endpoint_id, status, next_attempt_at, event_id)`. The index on
 * `(status, next_attempt_at)` alone left the database sorting every due row by event id on each
 * claim (issue 18: 311 events/s on SQLite, 119 on PostgreSQL with 20,000 waiting).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('webhook_deliveries_endpoint_due').on('webhook_deliveries').columns(['endpoint_id', 'status', 'next_attempt_at', 'event_id']).execute();
  // Replaced: the expiry (created_at of open deliveries) and the depth count use the one below.
  await db.schema.dropIndex('webhook_deliveries_due').execute();
  // The ordering check ("an earlier open delivery of the same endpoint and key?") on open rows
  // only: small, and exactly what the check asks, so the planner takes it even on statistics a
  // sudden backlog has made stale (it scanned the whole endpoint per row otherwise, PostgreSQL).
  await db.schema
    .createIndex('webhook_deliveries_open_order')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'ordering_key', 'event_id'])
    .where(sql.ref('status'), 'in', sql`('pending', 'sending')`)
    .execute();
  await db.schema.createIndex('webhook_deliveries_status_age').on('webhook_deliveries').columns(['status', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_status_age').execute();
  await db.schema.dropIndex('webhook_deliveries_open_order').execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.dropIndex('webhook_deliveries_endpoint_due').execute();
}
