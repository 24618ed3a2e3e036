import type SQLite from 'better-sqlite3';
import type { Kysely, Selectable } from 'kysely';
import type { BlastStatus } from '../core/blast-state.js';
import type { BlastEventData, MessageEventItem, WebhookEventType } from '../events/event-catalogue.js';
import type { BlastTable, Database } from './schema.js';
import { WEBHOOK_MAX_ITEMS, type InterestView, type OutboxEvent } from './webhook-outbox.js';

/** The lifecycle event a status change is, if any (importing → scheduled says nothing: blast.created came with the row). */
export function blastEventType(from: string, to: BlastStatus): WebhookEventType | null {
  switch (to) {
    case 'running':
      return from === 'paused' ? 'blast.resumed' : 'blast.started';
    case 'paused':
      return 'blast.paused';
    case 'completed':
      return 'blast.completed';
    case 'cancelled':
      return 'blast.cancelled';
    case 'failed':
      return 'blast.failed';
    case 'importing':
    case 'scheduled':
      return null;
  }
}

export const BLAST_LIFECYCLE_TYPES: readonly WebhookEventType[] = [
  'blast.created',
  'blast.started',
  'blast.paused',
  'blast.resumed',
  'blast.completed',
  'blast.cancelled',
  'blast.failed',
];

export function blastEventData(row: Selectable<BlastTable>, at: string): BlastEventData {
  return {
    blastId: row.id,
    name: row.name,
    status: row.status as BlastStatus,
    total: row.total,
    sent: row.sent,
    failed: row.failed,
    skipped: row.skipped,
    delivered: row.delivered,
    read: row.read,
    pause: row.pause_reason === null ? null : { reason: row.pause_reason, detail: row.pause_detail },
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    at,
  };
}

/** What a per-recipient change knows before its phone and sheet row are looked up. */
export interface RecipientChange {
  blastId: string;
  seq: number;
  type: WebhookEventType;
  messageId: string | null;
  reason: string | null;
  at: string;
}

/** Which of `types` some endpoint of the blast's unit wants; null when none (nothing to write). */
export async function wantedForBlast(
  interest: InterestView | undefined,
  db: Kysely<Database>,
  blastIds: readonly string[],
  types: readonly WebhookEventType[],
): Promise<Map<string, { unit: string; types: Set<WebhookEventType> }> | null> {
  if (!interest || blastIds.length === 0 || !interest.wantsAny(types)) return null;
  const rows = await db.selectFrom('blasts').select(['id', 'business_unit']).where('id', 'in', [...new Set(blastIds)]).execute();
  const wanted = new Map<string, { unit: string; types: Set<WebhookEventType> }>();
  for (const row of rows) {
    const set = new Set<WebhookEventType>();
    for (const type of types) if (interest.wants(type, row.business_unit)) set.add(type);
    if (set.size > 0) wanted.set(row.id, { unit: row.business_unit, types: set });
  }
  return wanted.size === 0 ? null : wanted;
}

/** Phone and sheet row of these recipients of one blast (one query). */
export async function recipientDetails(db: Kysely<Database>, blastId: string, seqs: readonly number[]): Promise<Map<number, { phone: string; row: number | null }>> {
  const details = new Map<number, { phone: string; row: number | null }>();
  for (let start = 0; start < seqs.length; start += WEBHOOK_MAX_ITEMS) {
    const rows = await db
      .selectFrom('blast_recipients as r')
      .innerJoin('blasts as b', 'b.id', 'r.blast_id')
      .innerJoin('lists as l', 'l.id', 'b.list_id')
      .leftJoin('list_recipients as lr', (join) => join.onRef('lr.list_key', '=', 'l.list_key').onRef('lr.seq', '=', 'r.seq'))
      .select(['r.seq as seq', 'r.phone as phone', 'lr.row_number as row'])
      .where('r.blast_id', '=', blastId)
      .where('r.seq', 'in', seqs.slice(start, start + WEBHOOK_MAX_ITEMS))
      .execute();
    for (const row of rows) details.set(row.seq, { phone: row.phone, row: row.row });
  }
  return details;
}

/** SQLite's synchronous twin of recipientDetails, for the outcome writer's transaction. */
export function sqliteRecipientDetails(sqlite: SQLite.Database): (blastId: string, seqs: readonly number[]) => Map<number, { phone: string; row: number | null }> {
  let select: SQLite.Statement<[string, string], { seq: number; phone: string; row: number | null }> | undefined;
  return (blastId, seqs) => {
    select ??= sqlite.prepare(
      `SELECT r.seq AS seq, r.phone AS phone, lr.row_number AS row FROM blast_recipients r
       JOIN blasts b ON b.id = r.blast_id JOIN lists l ON l.id = b.list_id
       LEFT JOIN list_recipients lr ON lr.list_key = l.list_key AND lr.seq = r.seq
       WHERE r.blast_id = ? AND r.seq IN (SELECT value FROM json_each(?))`,
    );
    return new Map(select.all(blastId, JSON.stringify(seqs)).map((row) => [row.seq, { phone: row.phone, row: row.row }]));
  };
}

/** Per-recipient changes as batched events: one per (blast, type) and WEBHOOK_MAX_ITEMS items. */
export function messageEvents(
  changes: readonly RecipientChange[],
  wanted: Map<string, { unit: string; types: Set<WebhookEventType> }>,
  details: (blastId: string, seqs: readonly number[]) => Map<number, { phone: string; row: number | null }>,
): OutboxEvent[] {
  const groups = new Map<string, { blastId: string; type: WebhookEventType; changes: RecipientChange[] }>();
  for (const change of changes) {
    if (!wanted.get(change.blastId)?.types.has(change.type)) continue;
    const key = `${change.blastId}\u0000${change.type}`;
    const group = groups.get(key) ?? { blastId: change.blastId, type: change.type, changes: [] };
    group.changes.push(change);
    groups.set(key, group);
  }
  const events: OutboxEvent[] = [];
  for (const group of groups.values()) {
    const unit = wanted.get(group.blastId)?.unit;
    if (unit === undefined) continue;
    const found = details(group.blastId, group.changes.map((change) => change.seq));
    for (let start = 0; start < group.changes.length; start += WEBHOOK_MAX_ITEMS) {
      const slice = group.changes.slice(start, start + WEBHOOK_MAX_ITEMS);
      const items: MessageEventItem[] = slice.map((change) => ({
        blastId: change.blastId,
        row: found.get(change.seq)?.row ?? null,
        phone: found.get(change.seq)?.phone ?? '',
        messageId: change.messageId,
        reason: change.reason,
        at: change.at,
      }));
      const at = slice[slice.length - 1]?.at ?? new Date().toISOString();
      events.push({ type: group.type, businessUnit: unit, orderingKey: null, data: { items }, at });
    }
  }
  return events;
}
