import { randomUUID } from 'node:crypto';
import { sql, type Selectable, type Transaction } from 'kysely';
import { canonicalUnitName, unitKey } from '../core/business-unit.js';
import type { Db } from './database.js';
import type { Database, UnitTable } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

export interface Unit {
  id: string;
  name: string;
  /** A unit an older install had beside another differing only in case: that unit's name (0020). */
  variantOf: string | null;
  createdAt: string;
}

/** What still names a unit, per kind of resource (only kinds with some). */
export type UnitReferences = Partial<Record<'sessions' | 'apiKeys' | 'lists' | 'suppressions' | 'webhooks' | 'blasts', number>>;

export interface UnitRepository {
  list(): Promise<Unit[]>;
  get(id: string): Promise<Unit | undefined>;
  /** The unit a name means: the one of exactly that name, else the one of that name without regard to case or spacing. */
  find(name: string): Promise<Unit | undefined>;
  /** Adds a unit; `taken` when its name (without regard to case) is another's. */
  create(name: string, createdAt: string): Promise<Unit | 'taken'>;
  /** The unit a name means, added when there is none (one of several racing adds wins; all get it). */
  ensure(name: string, createdAt: string): Promise<Unit>;
  /** Renames the unit and every resource that names it, in one transaction. */
  rename(id: string, name: string): Promise<Unit | 'not-found' | 'taken'>;
  /** Deletes a unit nothing names; otherwise says what does. */
  remove(id: string): Promise<'deleted' | 'not-found' | { references: UnitReferences }>;
}

/** Every table whose `business_unit` names a unit: what a rename rewrites (a new one belongs here). */
const UNIT_TABLES = ['session_configs', 'api_keys', 'lists', 'suppressions', 'webhook_endpoints', 'blasts', 'replies', 'webhook_events'] as const;

/** What keeps a unit from being deleted (replies and webhook events go with their blasts and endpoints). */
const REFERENCE_KINDS: Record<string, keyof UnitReferences> = {
  session_configs: 'sessions',
  api_keys: 'apiKeys',
  lists: 'lists',
  suppressions: 'suppressions',
  webhook_endpoints: 'webhooks',
  blasts: 'blasts',
};

export function createUnitRepository(db: Db, dialect: 'sqlite' | 'postgres'): UnitRepository {
  const withVariantNames = (q: Db | Transaction<Database>) =>
    q
      .selectFrom('units')
      .leftJoin('units as original', 'original.id', 'units.variant_of')
      .select(['units.id', 'units.name', 'units.name_key', 'units.variant_of', 'units.created_at', 'original.name as original_name']);

  const toUnit = (row: Selectable<UnitTable> & { original_name: string | null }): Unit => ({
    id: row.id,
    name: row.name,
    variantOf: row.variant_of === null ? null : (row.original_name ?? null),
    createdAt: row.created_at,
  });

  // Unit writes are few and touch many tables: one at a time (SQLite's transactions already are).
  const serialise = async (trx: Transaction<Database>): Promise<void> => {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('units'))`.execute(trx);
  };

  async function find(q: Db | Transaction<Database>, name: string): Promise<Unit | undefined> {
    const canonical = canonicalUnitName(name);
    const exact = await withVariantNames(q).where('units.name', 'in', [name, canonical]).orderBy('units.name').executeTakeFirst();
    if (exact) return toUnit(exact);
    const alike = await withVariantNames(q)
      .where('units.name_key', '=', unitKey(name))
      .orderBy(sql`CASE WHEN units.variant_of IS NULL THEN 0 ELSE 1 END`)
      .orderBy('units.created_at')
      .orderBy('units.name')
      .executeTakeFirst();
    return alike && toUnit(alike);
  }

  const insert = (q: Db | Transaction<Database>, name: string, createdAt: string) =>
    q.insertInto('units').values({ id: randomUUID(), name: canonicalUnitName(name), name_key: unitKey(name), variant_of: null, created_at: createdAt });

  return {
    async list() {
      // Sorted here: the databases' collations order "Clinic" and "clinic" differently.
      const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
      const rows = await withVariantNames(db).execute();
      return rows.sort((a, b) => byCodePoint(a.name_key, b.name_key) || byCodePoint(a.name, b.name)).map(toUnit);
    },

    async get(id) {
      const row = await withVariantNames(db).where('units.id', '=', id).executeTakeFirst();
      return row && toUnit(row);
    },

    find: (name) => find(db, name),

    async create(name, createdAt) {
      return db.transaction().execute(async (trx) => {
        await serialise(trx);
        if (await find(trx, name)) return 'taken' as const;
        await insert(trx, name, createdAt).execute();
        return (await find(trx, name)) ?? 'taken';
      });
    },

    async ensure(name, createdAt) {
      const known = await find(db, name);
      if (known) return known;
      // Another request may add it (or a case variant) at the same moment: the unique index keeps one.
      await insert(db, name, createdAt).onConflict((conflict) => conflict.doNothing()).execute();
      const unit = await find(db, name);
      if (!unit) throw new Error(`business unit "${name}" was neither found nor added`);
      return unit;
    },

    async rename(id, name) {
      try {
        return await db.transaction().execute(async (trx) => {
          await serialise(trx);
          const unit = await trx.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
          if (!unit) return 'not-found' as const;
          const canonical = canonicalUnitName(name);
          const key = unitKey(name);
          const other = await find(trx, canonical);
          if (other && other.id !== id && (other.name === canonical || other.variantOf === null)) return 'taken' as const;
          // A variant renamed to a name of its own is one no longer.
          const variantOf = key === unit.name_key ? unit.variant_of : null;
          await trx.updateTable('units').set({ name: canonical, name_key: key, variant_of: variantOf }).where('id', '=', id).execute();
          if (canonical !== unit.name) {
            for (const table of UNIT_TABLES) {
              await trx.updateTable(table).set({ business_unit: canonical }).where('business_unit', '=', unit.name).execute();
            }
          }
          const row = await withVariantNames(trx).where('units.id', '=', id).executeTakeFirstOrThrow();
          return toUnit(row);
        });
      } catch (error) {
        // A resource of that name already (an opt-out of the same number in both, left from before).
        if (isUniqueViolation(error)) return 'taken';
        throw error;
      }
    },

    async remove(id) {
      return db.transaction().execute(async (trx) => {
        await serialise(trx);
        const unit = await trx.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
        if (!unit) return 'not-found' as const;
        const references: UnitReferences = {};
        for (const [table, kind] of Object.entries(REFERENCE_KINDS)) {
          let count = trx
            .selectFrom(table as 'session_configs')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('business_unit', '=', unit.name);
          // A revoked key keeps the name it had, as history; it names nothing live.
          if (table === 'api_keys') count = count.where(sql.ref('revoked_at'), 'is', null);
          const n = Number((await count.executeTakeFirstOrThrow()).n);
          if (n > 0) references[kind] = n;
        }
        if (Object.keys(references).length > 0) return { references };
        await trx.deleteFrom('units').where('id', '=', id).execute();
        // The oldest of its variants is now the unit the name means; any others, that one's variants.
        const variants = await trx.selectFrom('units').select('id').where('variant_of', '=', id).orderBy('created_at').orderBy('name').execute();
        const [heir, ...rest] = variants;
        if (heir) {
          await trx.updateTable('units').set({ variant_of: null }).where('id', '=', heir.id).execute();
          if (rest.length > 0) await trx.updateTable('units').set({ variant_of: heir.id }).where('variant_of', '=', id).execute();
        }
        return 'deleted' as const;
      });
    },
  };
}
