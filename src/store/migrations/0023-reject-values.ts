import type { Kysely } from 'kysely';

/**
 * A rejected row keeps its other cells (`vars`: the values in the order of the list's columns, as
 * list_recipients.vars), so a list's rejects and a blast's report show whose row it was (the name
 * beside the bad number) without the original file. Null for rows rejected before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('list_rejects').addColumn('vars', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('list_rejects').dropColumn('vars').execute();
}
