import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { planUnitMigration, unitKey } from '../../core/business-unit.js';

/** The tables whose `business_unit` named a unit when units became rows (frozen with this migration). */
const UNIT_TABLES = ['session_configs', 'api_keys', 'lists', 'suppressions', 'webhook_endpoints', 'blasts', 'replies', 'webhook_events'];

/**
 * Business units become rows (`units`): names unique without regard to case (`name_key`), which
 * every resource still names by its canonical name. An install from before gets one unit per
 * distinct name its data uses. Names that differ only in case or spacing are not merged: the
 * most used stays the unit its key means, the others stay apart with `variant_of` set (reported in
 * the log by migrate.ts) until an admin renames them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('units')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(255)', (col) => col.notNull().unique())
    .addColumn('name_key', 'varchar(255)', (col) => col.notNull())
    .addColumn('variant_of', 'varchar(36)')
    .addColumn('created_at', 'varchar(30)', (col) => col.notNull())
    .execute();
  // One unit per key, variants of an older install aside.
  await db.schema.createIndex('units_one_per_key').on('units').column('name_key').unique().where(sql.ref('variant_of'), 'is', null).execute();

  const uses = UNIT_TABLES.map(
    (table) => sql`SELECT business_unit AS name, count(*) AS uses FROM ${sql.table(table)} WHERE business_unit IS NOT NULL GROUP BY business_unit`,
  );
  const { rows } = await sql<{ name: string; count: number | string }>`
    SELECT name, sum(uses) AS count FROM (${sql.join(uses, sql` UNION ALL `)}) AS used GROUP BY name
  `.execute(db);
  const plan = planUnitMigration(rows.map((row) => ({ name: row.name, count: Number(row.count) })));
  const ids = new Map(plan.map((unit) => [unit.name, randomUUID()]));
  const now = new Date().toISOString();
  for (const unit of plan) {
    await sql`
      INSERT INTO units (id, name, name_key, variant_of, created_at)
      VALUES (${ids.get(unit.name)}, ${unit.name}, ${unitKey(unit.name)}, ${unit.variantOf === null ? null : ids.get(unit.variantOf)}, ${now})
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('units').execute();
}
