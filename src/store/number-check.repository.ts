import type { NumberCheck } from '../core/number-check.js';
import type { Db } from './database.js';

/** Rows per statement: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
const CHUNK = 500;

/**
 * WhatsApp's answers to number checks, per scope (core/number-check.ts numberCheckScope): a
 * business unit reads only the answers its own sessions got (another unit's recipients are none
 * of its business), each until it expires.
 */
export interface NumberCheckRepository {
  /** The answers about `phones` that have not expired at `nowIso`. */
  fresh(scope: string, phones: readonly string[], nowIso: string): Promise<Map<string, NumberCheck>>;
  /** Keeps each answer until its own expiry (a later answer replaces an earlier one), and forgets expired ones. */
  remember(scope: string, answers: readonly { phone: string; check: NumberCheck; expiresAt: string }[], nowIso: string): Promise<void>;
}

export function createNumberCheckRepository(db: Db): NumberCheckRepository {
  return {
    async fresh(scope, phones, nowIso) {
      const found = new Map<string, NumberCheck>();
      const unique = [...new Set(phones)];
      for (let start = 0; start < unique.length; start += CHUNK) {
        const rows = await db
          .selectFrom('number_checks')
          .select(['phone', 'on_whatsapp', 'address'])
          .where('scope', '=', scope)
          .where('phone', 'in', unique.slice(start, start + CHUNK))
          .where('expires_at', '>', nowIso)
          .execute();
        for (const row of rows) {
          found.set(row.phone, row.on_whatsapp === 1 ? { onWhatsApp: true, ...(row.address === null ? {} : { address: row.address }) } : { onWhatsApp: false });
        }
      }
      return found;
    },

    async remember(scope, answers, nowIso) {
      for (let start = 0; start < answers.length; start += CHUNK) {
        const rows = answers.slice(start, start + CHUNK).map(({ phone, check, expiresAt }) => ({
          scope,
          phone,
          on_whatsapp: check.onWhatsApp ? 1 : 0,
          address: check.onWhatsApp ? (check.address ?? null) : null,
          checked_at: nowIso,
          expires_at: expiresAt,
        }));
        await db
          .insertInto('number_checks')
          .values(rows)
          .onConflict((conflict) =>
            conflict.columns(['scope', 'phone']).doUpdateSet((eb) => ({
              on_whatsapp: eb.ref('excluded.on_whatsapp'),
              address: eb.ref('excluded.address'),
              checked_at: eb.ref('excluded.checked_at'),
              expires_at: eb.ref('excluded.expires_at'),
            })),
          )
          .execute();
      }
      // Bounded by what expired since the last answer (the expiry index), so the table holds only live answers.
      await db.deleteFrom('number_checks').where('expires_at', '<=', nowIso).execute();
    },
  };
}
