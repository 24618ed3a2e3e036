import type { Kysely } from 'kysely';

/**
 * Media a session uploaded to WhatsApp for a blast: what is needed to rebuild the very message
 * a recipient's phone asks for again (a retry request, possibly days later and after a restart):
 * the upload's URL, direct path, media key, hashes, length, mimetype and thumbnail, as the
 * provider stored them. One row per upload: a blast re-uploads once its upload is a day old, and
 * a message is rebuilt with the upload that was current when it was sent. Bound to the session's
 * identity (uid), so a session re-created under the same id never answers with another's upload.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('media_uploads')
    .addColumn('blast_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('session_uid', 'varchar(36)', (col) => col.notNull())
    .addColumn('uploaded_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('kind', 'varchar(16)', (col) => col.notNull())
    .addColumn('upload', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('media_uploads_pk', ['blast_id', 'session_uid', 'uploaded_at'])
    .execute();
  await db.schema.createIndex('media_uploads_uploaded_at').on('media_uploads').column('uploaded_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('media_uploads').execute();
}
