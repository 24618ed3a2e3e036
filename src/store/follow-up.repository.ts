import { sql } from 'kysely';
import type { LedgerStatus } from '../core/blast.js';
import type { SegmentRule } from '../core/follow-up.js';
import type { Db } from './database.js';

const FINAL = ['completed', 'cancelled', 'failed'];
/** Phones per query of `repliedSince` (a claim window is far smaller; bounded all the same). */
const CHUNK = 500;

export interface FollowUpRepository {
  /**
   * Fills a follow-up's ledger with the rows of its parent's ledger the rule takes (same seq and
   * phone, so the list's columns come along), from scratch; returns the total, or undefined when
   * the follow-up is not `scheduled` any more (started, cancelled, failed: its ledger is not touched).
   */
  populateSegment(id: string, parentId: string, rule: SegmentRule, at: string): Promise<number | undefined>;
  /** The parent's ledger counted by status and whether a reply is attributed, in one grouped query. */
  segmentCounts(parentId: string): Promise<{ status: LedgerStatus; replied: boolean; count: number }[]>;
  /** Follow-ups of this blast still waiting to start. */
  waitingOn(parentId: string): Promise<string[]>;
  /** Follow-ups still waiting to start whose parent has ended or is gone (the sweep's backstop), oldest first. */
  /**
   * Follow-ups not started whose parent ended (or is gone), oldest first, leaving out those whose
   * start is set and still ahead (their start job waits; one missing is found once the time has come).
   */
  parentEnded(limit: number, now: string): Promise<string[]>;
  /** Records when a waiting follow-up starts (its parent's end plus `after`), shown as its scheduledAt. */
  setStart(id: string, at: string): Promise<void>;
  /**
   * Which of `phones` replied at or after `since`, in the unit: received by one of `sessionUids`, or
   * attributed to blast `parentId`. Uses replies_unit_phone (and replies_blast_phone).
   */
  repliedSince(query: { businessUnit: string; sessionUids: readonly string[]; parentId: string | null; since: string; phones: readonly string[] }): Promise<Set<string>>;
}

export function createFollowUpRepository(db: Db): FollowUpRepository {
  return {
    async populateSegment(id, parentId, rule, at) {
      return db.transaction().execute(async (trx) => {
        // First the blast row (PostgreSQL locks it; SQLite's IMMEDIATE transaction holds the write lock):
        // a start racing this one waits, then finds the status moved and leaves the ledger alone.
        const held = await trx.updateTable('blasts').set({ updated_at: at }).where('id', '=', id).where('status', '=', 'scheduled').executeTakeFirst();
        if (Number(held.numUpdatedRows) === 0) return undefined;
        await trx.deleteFrom('blast_recipients').where('blast_id', '=', id).execute();
        const replied = rule.replied === undefined ? sql`` : rule.replied ? sql`AND replied_at IS NOT NULL` : sql`AND replied_at IS NULL`;
        await sql`
          INSERT INTO blast_recipients (blast_id, seq, phone, status, attempts)
          SELECT ${id}, seq, phone, 'pending', 0 FROM blast_recipients
          WHERE blast_id = ${parentId} AND status IN (${sql.join(rule.statuses.map((status) => sql`${status}`))}) ${replied}
        `.execute(trx);
        const counted = await trx
          .selectFrom('blast_recipients')
          .select((eb) => eb.fn.countAll<string | number>().as('total'))
          .where('blast_id', '=', id)
          .executeTakeFirstOrThrow();
        const total = Number(counted.total);
        await trx.updateTable('blasts').set({ total, sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0, replied: 0 }).where('id', '=', id).execute();
        return total;
      });
    },

    async segmentCounts(parentId) {
      const rows = await db
        .selectFrom('blast_recipients')
        .select((eb) => [
          'status',
          eb.case().when('replied_at', 'is not', null).then(1).else(0).end().as('replied'),
          eb.fn.countAll<string | number>().as('count'),
        ])
        .where('blast_id', '=', parentId)
        .groupBy(['status', sql`CASE WHEN replied_at IS NOT NULL THEN 1 ELSE 0 END`])
        .execute();
      return rows.map((row) => ({ status: row.status as LedgerStatus, replied: String(row.replied) === '1', count: Number(row.count) }));
    },

    async waitingOn(parentId) {
      const rows = await db
        .selectFrom('blasts')
        .select('id')
        .where('follow_up_of', '=', parentId)
        .where('status', '=', 'scheduled')
        .where('started_at', 'is', null)
        .orderBy('created_at')
        .execute();
      return rows.map((row) => row.id);
    },

    async parentEnded(limit, now) {
      const rows = await db
        .selectFrom('blasts as f')
        .leftJoin('blasts as p', 'p.id', 'f.follow_up_of')
        .select('f.id as id')
        .where('f.follow_up_of', 'is not', null)
        .where('f.status', '=', 'scheduled')
        .where('f.started_at', 'is', null)
        .where((eb) => eb.or([eb('p.id', 'is', null), eb('p.status', 'in', FINAL)]))
        .where((eb) => eb.or([eb('f.scheduled_at', 'is', null), eb('f.scheduled_at', '<=', now)]))
        .orderBy('f.created_at')
        .limit(limit)
        .execute();
      return rows.map((row) => row.id);
    },

    async setStart(id, at) {
      await db.updateTable('blasts').set({ scheduled_at: at }).where('id', '=', id).where('status', '=', 'scheduled').execute();
    },

    async repliedSince({ businessUnit, sessionUids, parentId, since, phones }) {
      const replied = new Set<string>();
      const unique = [...new Set(phones)];
      if (unique.length === 0 || (sessionUids.length === 0 && parentId === null)) return replied;
      for (let start = 0; start < unique.length; start += CHUNK) {
        const rows = await db
          .selectFrom('replies')
          .select('phone')
          .distinct()
          .where('business_unit', '=', businessUnit)
          .where('phone', 'in', unique.slice(start, start + CHUNK))
          .where('received_at', '>=', since)
          .where((eb) => {
            const from = [];
            if (sessionUids.length > 0) from.push(eb('session_uid', 'in', [...sessionUids]));
            if (parentId !== null) from.push(eb('blast_id', '=', parentId));
            return eb.or(from);
          })
          .execute();
        for (const row of rows) replied.add(row.phone);
      }
      return replied;
    },
  };
}
