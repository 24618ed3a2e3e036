import type { Kysely } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './schema.js';
import { WEBHOOK_MAX_ITEMS, writeWebhookEvents, type OutboxEvent, type WebhookInterest } from './webhook-outbox.js';
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

/** `interest`: optout.added / optout.removed webhooks are written in the change's transaction when some endpoint wants them. */
export function createSuppressionRepository(db: Db, interest?: WebhookInterest): SuppressionRepository {
  return {
    async add(entries) {
      const announced = new Set<string>();
      for (const unit of new Set(entries.map((entry) => entry.businessUnit))) if (await interest?.wants('optout.added', unit)) announced.add(unit);
      if (announced.size === 0) return (await insert(db, entries)).length;
      const added = await db.transaction().execute(async (trx) => {
        const fresh = await insert(trx, entries);
        const events: OutboxEvent[] = [];
        for (const unit of announced) {
          const items = fresh
            .filter((entry) => entry.businessUnit === unit)
            .map((entry) => ({ phone: entry.phone, reason: entry.reason, source: entry.source, at: entry.createdAt }));
          for (let from = 0; from < items.length; from += WEBHOOK_MAX_ITEMS) {
            const slice = items.slice(from, from + WEBHOOK_MAX_ITEMS);
            events.push({ type: 'optout.added', businessUnit: unit, orderingKey: null, data: { items: slice }, at: slice[0]?.at ?? new Date().toISOString() });
          }
        }
        await writeWebhookEvents(trx, events);
        return fresh;
      });
      return added.length;
    },

    async remove(businessUnit, phone) {
      if (!(await interest?.wants('optout.removed', businessUnit))) return (await removeOne(db, businessUnit, phone)) > 0;
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('suppressions').selectAll().where('business_unit', '=', businessUnit).where('phone', '=', phone).executeTakeFirst();
        if (!row || (await removeOne(trx, businessUnit, phone)) === 0) return false;
        const at = new Date().toISOString();
        await writeWebhookEvents(trx, [
          { type: 'optout.removed', businessUnit, orderingKey: null, data: { items: [{ phone, reason: row.reason, source: row.source, at }] }, at },
        ]);
        return true;
      });
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

/** Inserts the numbers not yet suppressed; returns those that were new. */
async function insert(db: Kysely<Database>, entries: readonly Suppression[]): Promise<Suppression[]> {
  const added: Suppression[] = [];
  for (let start = 0; start < entries.length; start += CHUNK) {
    const chunk = entries.slice(start, start + CHUNK);
    const rows = await db
      .insertInto('suppressions')
      .values(
        chunk.map((entry) => ({
          business_unit: entry.businessUnit,
          phone: entry.phone,
          reason: entry.reason,
          source: entry.source,
          created_at: entry.createdAt,
        })),
      )
      .onConflict((conflict) => conflict.columns(['business_unit', 'phone']).doNothing())
      .returning(['business_unit', 'phone'])
      .execute();
    const fresh = new Set(rows.map((row) => `${row.business_unit} ${row.phone}`));
    added.push(...chunk.filter((entry) => fresh.has(`${entry.businessUnit} ${entry.phone}`)));
  }
  return added;
}

async function removeOne(db: Kysely<Database>, businessUnit: string, phone: string): Promise<number> {
  const result = await db.deleteFrom('suppressions').where('business_unit', '=', businessUnit).where('phone', '=', phone).executeTakeFirst();
  return Number(result.numDeletedRows);
}
