import type { Kysely } from 'kysely';

/**
 * The sandbox's offline backlog keeps what a simulated reply is (issue 16): its kind (a caption
 * in `text`, '' for none) and whether it is addressed by the sender's LID rather than its number.
 * `live`: a message written to a connected session, kept here only until the link passes it on
 * (at once while connected, else at the next connect): a simulated reply is never lost to a
 * reconnect, a worker's restart or a command lost in transit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sandbox_backlog').addColumn('kind', 'varchar(16)', (col) => col.notNull().defaultTo('text')).execute();
  await db.schema.alterTable('sandbox_backlog').addColumn('via_lid', 'integer', (col) => col.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sandbox_backlog').addColumn('live', 'integer', (col) => col.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sandbox_backlog').dropColumn('live').execute();
  await db.schema.alterTable('sandbox_backlog').dropColumn('via_lid').execute();
  await db.schema.alterTable('sandbox_backlog').dropColumn('kind').execute();
}
