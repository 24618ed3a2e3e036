import { sql, type Selectable } from 'kysely';
import { emptyCounts, isHealthBand, isHealthCountKind, type HealthBand, type HealthCountKind, type HealthCounts, type HealthReason } from '../core/health.js';
import type { Db } from './database.js';
import type { SessionHealthTable } from './schema.js';

/** What happened to a session in one hour (hours since the epoch). */
export interface HealthCountRow {
  sessionUid: string;
  hour: number;
  kind: HealthCountKind;
  count: number;
}

/** A session's last assessment, as every worker's engine reads it. */
export interface StoredHealth {
  sessionUid: string;
  sessionId: string;
  score: number;
  band: HealthBand;
  reasons: HealthReason[];
  bandSince: string;
  assessedAt: string;
  /** An operator resumed a blast of the session while it was stopped, at this score: stopped again only below it. */
  acknowledgedScore: number | null;
  acknowledgedAt: string | null;
  /** The band last announced (event, webhook); null before the first. */
  announcedBand: HealthBand | null;
  unhealthyDays: number;
  lastUnhealthyDay: string | null;
}

/** An assessment to store: the acknowledgement and the announcement are not the assessment's to write. */
export type HealthAssessmentRecord = Omit<StoredHealth, 'acknowledgedScore' | 'acknowledgedAt' | 'announcedBand'>;

export interface HealthRepository {
  /** Adds to the hourly counts (one statement per row; rows for the same key are summed first). */
  addCounts(rows: readonly HealthCountRow[]): Promise<void>;
  /** The counts from `fromHour` on, summed by kind; and the messages sent before `graceHour` among them. */
  counts(sessionUid: string, fromHour: number, graceHour: number): Promise<{ counts: HealthCounts; sentBeforeGrace: number }>;
  /** Messages that opened a new chat over the last 24 hours (the new-chat budget's use). */
  newChatsLastDay(sessionUid: string, nowMs: number): Promise<number>;
  get(sessionUid: string): Promise<StoredHealth | null>;
  getMany(sessionUids: readonly string[]): Promise<Map<string, StoredHealth>>;
  /** Stores an assessment; the operator's acknowledgement and the announced band stay as they are. */
  put(health: HealthAssessmentRecord): Promise<void>;
  /** The operator's word on a stopped session (a blast resumed): kept until its score drops below `score`. */
  acknowledge(sessionUid: string, score: number, at: string): Promise<boolean>;
  /** Forgets the acknowledgement made at `at`, and only that one (a newer one, made meanwhile, stays). */
  clearAcknowledgement(sessionUid: string, at: string): Promise<void>;
  /** The band was announced. */
  announced(sessionUid: string, band: HealthBand): Promise<void>;
  /** A new link: its warm-up starts again (the days an earlier link spent unhealthy no longer count). */
  restartWarmup(sessionUid: string): Promise<void>;
  /** Forgets counts older than `beforeHour` and the health of sessions that no longer exist. */
  prune(beforeHour: number): Promise<number>;
}

export function createHealthRepository(db: Db): HealthRepository {
  const toStored = (row: Selectable<SessionHealthTable>): StoredHealth => ({
    sessionUid: row.session_uid,
    sessionId: row.session_id,
    score: row.score,
    band: isHealthBand(row.band) ? row.band : 'healthy',
    reasons: parseReasons(row.reasons),
    bandSince: row.band_since,
    assessedAt: row.assessed_at,
    acknowledgedScore: row.acknowledged_score,
    acknowledgedAt: row.acknowledged_at,
    announcedBand: isHealthBand(row.announced_band) ? row.announced_band : null,
    unhealthyDays: row.unhealthy_days,
    lastUnhealthyDay: row.last_unhealthy_day,
  });

  const repository: HealthRepository = {
    async addCounts(rows) {
      const summed = new Map<string, HealthCountRow>();
      for (const row of rows) {
        if (row.count <= 0) continue;
        const key = `${row.sessionUid}\u0000${String(row.hour)}\u0000${row.kind}`;
        const seen = summed.get(key);
        summed.set(key, seen ? { ...seen, count: seen.count + row.count } : row);
      }
      if (summed.size === 0) return;
      const values = [...summed.values()].map((row) => ({ session_uid: row.sessionUid, hour: row.hour, kind: row.kind, count: row.count }));
      for (let at = 0; at < values.length; at += 200) {
        await db
          .insertInto('session_health_counts')
          .values(values.slice(at, at + 200))
          .onConflict((conflict) => conflict.columns(['session_uid', 'hour', 'kind']).doUpdateSet({ count: sql<number>`session_health_counts.count + excluded.count` }))
          .execute();
      }
    },

    async counts(sessionUid, fromHour, graceHour) {
      const rows = await db
        .selectFrom('session_health_counts')
        .select(['kind', (eb) => eb.fn.sum<string | number>('count').as('total')])
        .where('session_uid', '=', sessionUid)
        .where('hour', '>=', fromHour)
        .groupBy('kind')
        .execute();
      const counts = emptyCounts();
      for (const row of rows) if (isHealthCountKind(row.kind)) counts[row.kind] = Number(row.total);
      const early = await db
        .selectFrom('session_health_counts')
        .select((eb) => eb.fn.sum<string | number | null>('count').as('total'))
        .where('session_uid', '=', sessionUid)
        .where('kind', '=', 'sent')
        .where('hour', '>=', fromHour)
        .where('hour', '<', graceHour)
        .executeTakeFirst();
      return { counts, sentBeforeGrace: Number(early?.total ?? 0) };
    },

    async newChatsLastDay(sessionUid, nowMs) {
      const hour = Math.floor(nowMs / 3_600_000);
      return (await repository.counts(sessionUid, hour - 23, hour - 23)).counts.new_chat;
    },

    async get(sessionUid) {
      const row = await db.selectFrom('session_health').selectAll().where('session_uid', '=', sessionUid).executeTakeFirst();
      return row ? toStored(row) : null;
    },

    async getMany(sessionUids) {
      if (sessionUids.length === 0) return new Map();
      const rows = await db.selectFrom('session_health').selectAll().where('session_uid', 'in', [...sessionUids]).execute();
      return new Map(rows.map((row) => [row.session_uid, toStored(row)]));
    },

    async put(health) {
      const row = {
        session_uid: health.sessionUid,
        session_id: health.sessionId,
        score: health.score,
        band: health.band,
        reasons: JSON.stringify(health.reasons),
        band_since: health.bandSince,
        assessed_at: health.assessedAt,
        unhealthy_days: health.unhealthyDays,
        last_unhealthy_day: health.lastUnhealthyDay,
      };
      const { session_uid: _uid, ...changes } = row;
      await db
        .insertInto('session_health')
        .values({ ...row, acknowledged_score: null, acknowledged_at: null, announced_band: null })
        .onConflict((conflict) => conflict.column('session_uid').doUpdateSet(changes))
        .execute();
    },

    async clearAcknowledgement(sessionUid, at) {
      await db
        .updateTable('session_health')
        .set({ acknowledged_score: null, acknowledged_at: null })
        .where('session_uid', '=', sessionUid)
        .where('acknowledged_at', '=', at)
        .execute();
    },

    async announced(sessionUid, band) {
      await db.updateTable('session_health').set({ announced_band: band }).where('session_uid', '=', sessionUid).execute();
    },

    async restartWarmup(sessionUid) {
      await db.updateTable('session_health').set({ unhealthy_days: 0, last_unhealthy_day: null }).where('session_uid', '=', sessionUid).execute();
    },

    async acknowledge(sessionUid, score, at) {
      const result = await db
        .updateTable('session_health')
        .set({ acknowledged_score: score, acknowledged_at: at })
        .where('session_uid', '=', sessionUid)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async prune(beforeHour) {
      const counts = await db.deleteFrom('session_health_counts').where('hour', '<', beforeHour).executeTakeFirst();
      await db
        .deleteFrom('session_health')
        .where((eb) => eb.not(eb.exists(eb.selectFrom('session_configs').select('session_configs.uid').whereRef('session_configs.uid', '=', 'session_health.session_uid'))))
        .execute();
      return Number(counts.numDeletedRows);
    },
  };
  return repository;
}

function parseReasons(text: string): HealthReason[] {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as HealthReason[]) : [];
  } catch {
    return [];
  }
}
