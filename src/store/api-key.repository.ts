import type { Selectable } from 'kysely';
import type { ApiKey, ApiKeyRole } from '../core/api-key.js';
import type { Db } from './database.js';
import type { ApiKeyTable } from './schema.js';

export interface ApiKeyRepository {
  insert(key: ApiKey, hash: string): Promise<void>;
  findActiveByHash(hash: string): Promise<ApiKey | undefined>;
  get(id: string): Promise<ApiKey | undefined>;
  list(): Promise<ApiKey[]>;
  /** Marks the key revoked; false when it does not exist. Revoking twice keeps the first time. */
  revoke(id: string, at: string): Promise<boolean>;
  touch(id: string, at: string): Promise<void>;
  /** Deletes keys revoked before `before`; returns how many. */
  purgeRevoked(before: string): Promise<number>;
}

export function createApiKeyRepository(db: Db): ApiKeyRepository {
  return {
    async insert(key, hash) {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          name: key.name,
          prefix: key.prefix,
          hash,
          role: key.role,
          business_unit: key.businessUnit,
          created_at: key.createdAt,
          last_used_at: key.lastUsedAt,
          revoked_at: key.revokedAt,
        })
        .execute();
    },

    async findActiveByHash(hash) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row && fromRow(row);
    },

    async get(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },

    async list() {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromRow);
    },

    async revoke(id, at) {
      const existing = await db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
      if (!existing) return false;
      await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
      return true;
    },

    async touch(id, at) {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async purgeRevoked(before) {
      const result = await db.deleteFrom('api_keys').where('revoked_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: Selectable<ApiKeyTable>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role as ApiKeyRole,
    businessUnit: row.business_unit,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
