import type { AuthStateStore } from '../providers/auth-state.store.js';
import type { Db } from './database.js';

const CREDS = 'creds';
/** Keep IN lists well under SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

export function createAuthStateRepository(db: Db): AuthStateStore {
  return {
    async readCreds(sessionId) {
      const row = await db
        .selectFrom('wa_auth')
        .select('value')
        .where('session_id', '=', sessionId)
        .where('category', '=', CREDS)
        .where('key_id', '=', '')
        .executeTakeFirst();
      return row?.value;
    },

    async writeCreds(sessionId, value) {
      await db
        .insertInto('wa_auth')
        .values({ session_id: sessionId, category: CREDS, key_id: '', value })
        .onConflict((conflict) => conflict.columns(['session_id', 'category', 'key_id']).doUpdateSet({ value }))
        .execute();
    },

    async readKeys(sessionId, category, ids) {
      const found = new Map<string, string>();
      for (let start = 0; start < ids.length; start += CHUNK) {
        const rows = await db
          .selectFrom('wa_auth')
          .select(['key_id', 'value'])
          .where('session_id', '=', sessionId)
          .where('category', '=', category)
          .where('key_id', 'in', ids.slice(start, start + CHUNK))
          .execute();
        for (const row of rows) found.set(row.key_id, row.value);
      }
      return found;
    },

    async readCategory(sessionId, category) {
      const rows = await db.selectFrom('wa_auth').select(['key_id', 'value']).where('session_id', '=', sessionId).where('category', '=', category).execute();
      return new Map(rows.map((row) => [row.key_id, row.value]));
    },

    async writeKeys(sessionId, entries) {
      if (entries.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const { category, id, value } of entries) {
          if (value === null) {
            await trx
              .deleteFrom('wa_auth')
              .where('session_id', '=', sessionId)
              .where('category', '=', category)
              .where('key_id', '=', id)
              .execute();
          } else {
            await trx
              .insertInto('wa_auth')
              .values({ session_id: sessionId, category, key_id: id, value })
              .onConflict((conflict) => conflict.columns(['session_id', 'category', 'key_id']).doUpdateSet({ value }))
              .execute();
          }
        }
      });
    },

    async clear(sessionId) {
      await db.deleteFrom('wa_auth').where('session_id', '=', sessionId).execute();
    },
  };
}
