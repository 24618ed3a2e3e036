import { sql, type Kysely } from 'kysely';

/**
 * A list made from a file uploaded with a blast (POST /api/blasts with recipientsFile) names that
 * blast (`created_for_blast`), so the console can tell it from a list uploaded on its own and keep
 * it out of the list picker. Lists from before: one that a blast was created with in the same
 * minute, named after that blast or after its own file (as POST /api/blasts names them), was made
 * for it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('lists').addColumn('created_for_blast', 'varchar(36)').execute();
  await sql`
    UPDATE lists SET created_for_blast = (
      SELECT min(blasts.id) FROM blasts
      WHERE blasts.list_id = lists.id
        AND substr(blasts.created_at, 1, 16) = substr(lists.created_at, 1, 16)
        AND (lists.name = blasts.name OR lists.name = lists.file_name)
    )
    WHERE lists.purpose = 'recipients'
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('lists').dropColumn('created_for_blast').execute();
}
