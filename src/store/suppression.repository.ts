import type { Db } from './database.js';
import { listKey } from './list.repository.js';

export interface Suppression {
  businessUnit: string;
  phone: string;
  reason: string | null;
  source: 'api' | 'import' | 'reply';
  createdAt: string;
}

const CHUNK = 500;

export interface SuppressionRepository {
  /** Adds numbers (already E.164); existing ones are kept as they were. Returns how many were new. */
  add(entries: readonly Suppression[]): Promise<number>;
  remove(businessUnit: string, phone: string): Promise<boolean>;
  page(filter: { businessUnit?: string | undefined; phone?: string | undefined; limit: number; offset: number }): Promise<{ items: Suppression[]; total: number }>;
  /** Which of these numbers the unit has suppressed (for sending in batches). */
  suppressed(businessUnit: string, phones: readonly string[]): Promise<Set<string>>;
  /** Copies the recipients of an imported list into the unit's suppressions. */
  addFromList(listId: string, businessUnit: string, at: string): Promise<number>;
}

export function createSuppressionRepository(db: Db): SuppressionRepository {
  return {
    async add(entries) {
      let added = 0;
      for (let start = 0; start < entries.length; start += CHUNK) {
        const rows = await db
          .insertInto('suppressions')
          .values(
            entries.slice(start, start + CHUNK).map((entry) => ({
              business_unit: entry.businessUnit,
              phone: entry.phone,
              reason: entry.reason,
              source: entry.source,
              created_at: entry.createdAt,
            })),
          )
          .onConflict((conflict) => conflict.columns(['business_unit', 'phone']).doNothing())
          .returning('phone')
          .execute();
        added += rows.length;
      }
      return added;
    },

    async remove(businessUnit, phone) {
      const result = await db
        .deleteFrom('suppressions')
        .where('business_unit', '=', businessUnit)
        .where('phone', '=', phone)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async page({ businessUnit, phone, limit, offset }) {
      let query = db.selectFrom('suppressions');
      if (businessUnit !== undefined) query = query.where('business_unit', '=', businessUnit);
      if (phone !== undefined) query = query.where('phone', '=', phone);
      const rows = await query.selectAll().orderBy('created_at', 'desc').orderBy('phone').limit(limit).offset(offset).execute();
      const total = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      return {
        items: rows.map((row) => ({
          businessUnit: row.business_unit,
          phone: row.phone,
          reason: row.reason,
          source: row.source as Suppression['source'],
          createdAt: row.created_at,
        })),
        total: total.total,
      };
    },

    async suppressed(businessUnit, phones) {
      const found = new Set<string>();
      for (let start = 0; start < phones.length; start += CHUNK) {
        const rows = await db
          .selectFrom('suppressions')
          .select('phone')
          .where('business_unit', '=', businessUnit)
          .where('phone', 'in', phones.slice(start, start + CHUNK))
          .execute();
        for (const row of rows) found.add(row.phone);
      }
      return found;
    },

    async addFromList(listId, businessUnit, at) {
      const before = await db
        .selectFrom('suppressions')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where('business_unit', '=', businessUnit)
        .executeTakeFirstOrThrow();
      await db
        .insertInto('suppressions')
        .columns(['business_unit', 'phone', 'reason', 'source', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('list_recipients')
            .select((inner) => [
              inner.val(businessUnit).as('business_unit'),
              'phone',
              inner.val(`imported list ${listId}`).as('reason'),
              inner.val('import').as('source'),
              inner.val(at).as('created_at'),
            ])
            .where('list_key', '=', listKey(db, listId)),
        )
        .onConflict((conflict) => conflict.columns(['business_unit', 'phone']).doNothing())
        .execute();
      const after = await db
        .selectFrom('suppressions')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where('business_unit', '=', businessUnit)
        .executeTakeFirstOrThrow();
      return after.total - before.total;
    },
  };
}
