import { randomBytes } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { WebhookEnvelope, WebhookEventCatalogue, WebhookEventType } from '../events/event-catalogue.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';

/** Per-recipient items per event: a batch of outcomes larger than this becomes several events. */
export const WEBHOOK_MAX_ITEMS = 500;

/**
 * An event to write to the outbox. `orderingKey`: events with the same key reach an endpoint in
 * order (a blast's lifecycle, a session's statuses); null: no order to keep (per-recipient
 * batches, each item carrying its own time), so they go out in parallel.
 */
export interface OutboxEvent<T extends WebhookEventType = WebhookEventType> {
  type: T;
  businessUnit: string;
  orderingKey: string | null;
  data: WebhookEventCatalogue[T];
  at: string;
}

export interface OutboxRow {
  id: string;
  type: string;
  business_unit: string;
  ordering_key: string;
  created_at: string;
  body: string;
}

let lastMs = 0;
let counter = 0;

/**
 * `evt_` + milliseconds (12 hex) + a per-process counter (6 hex) + 8 random bytes: unique, and
 * sorting by id sorts by time (within one process, by order of writing too), so the outbox and
 * each endpoint's deliveries are drained in order without a sequence the two databases spell differently.
 */
export function newEventId(nowMs = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = 0;
  } else {
    counter = (counter + 1) % 0x1000000;
  }
  return `evt_${lastMs.toString(16).padStart(12, '0')}${counter.toString(16).padStart(6, '0')}${randomBytes(8).toString('hex')}`;
}

export function outboxRow(event: OutboxEvent): OutboxRow {
  const id = newEventId();
  const envelope: WebhookEnvelope = { id, type: event.type, createdAt: event.at, businessUnit: event.businessUnit, data: event.data };
  return { id, type: event.type, business_unit: event.businessUnit, ordering_key: (event.orderingKey ?? id).slice(0, 80), created_at: event.at, body: JSON.stringify(envelope) };
}

/** Writes events in the caller's transaction (the one that makes the change they report). */
export async function writeWebhookEvents(trx: Kysely<Database>, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx.insertInto('webhook_events').values(events.map(outboxRow)).execute();
}

/** The same for SQLite's synchronous hot paths (inside a better-sqlite3 transaction). */
export function sqliteWebhookWriter(sqlite: SQLite.Database): (events: readonly OutboxEvent[]) => void {
  let insert: SQLite.Statement<[string, string, string, string, string, string]> | undefined;
  return (events) => {
    insert ??= sqlite.prepare('INSERT INTO webhook_events (id, type, business_unit, ordering_key, created_at, body) VALUES (?, ?, ?, ?, ?, ?)');
    for (const event of events) {
      const row = outboxRow(event);
      insert.run(row.id, row.type, row.business_unit, row.ordering_key, row.created_at, row.body);
    }
  };
}

/**
 * Which events some enabled endpoint wants, read at most once per `ttlMs`: the sending path asks
 * before building any event, so with no endpoint (or none wanting per-recipient events) sending
 * does no webhook work at all. An endpoint created or changed is heard within `ttlMs`.
 */
export interface WebhookInterest {
  /** Whether an enabled endpoint of this unit (or an admin one) wants this type. */
  wants(type: WebhookEventType, businessUnit: string): Promise<boolean>;
  /** Whether any enabled endpoint, of any unit, wants one of these types (before the unit is known). */
  wantsAny(types: readonly WebhookEventType[]): Promise<boolean>;
  /** The current answer as a synchronous view, read before a transaction (SQLite has one connection: no query may wait inside one). */
  view(): Promise<InterestView>;
  /** Forget the snapshot (after this process changed an endpoint). */
  invalidate(): void;
}

export interface InterestView {
  wants(type: WebhookEventType, businessUnit: string): boolean;
  wantsAny(types: readonly WebhookEventType[]): boolean;
}

interface Snapshot {
  readAtMs: number;
  endpoints: { unit: string | null; all: boolean; types: Set<string> }[];
}

export function createWebhookInterest(db: Db, ttlMs = 1_000): WebhookInterest {
  let snapshot: Snapshot | undefined;
  let loading: Promise<Snapshot> | undefined;
  const load = async (): Promise<Snapshot> => {
    const rows = await db.selectFrom('webhook_endpoints').select(['business_unit', 'events']).where('enabled', '=', 1).execute();
    return {
      readAtMs: Date.now(),
      endpoints: rows.map((row) => {
        const types = new Set(JSON.parse(row.events) as string[]);
        return { unit: row.business_unit, all: types.has('*'), types };
      }),
    };
  };
  const current = async (): Promise<Snapshot> => {
    if (snapshot && Date.now() - snapshot.readAtMs < ttlMs) return snapshot;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    snapshot = await loading;
    return snapshot;
  };
  const viewOf = ({ endpoints }: Snapshot): InterestView => ({
    wants: (type, businessUnit) => endpoints.some((endpoint) => (endpoint.unit === null || endpoint.unit === businessUnit) && (endpoint.all || endpoint.types.has(type))),
    wantsAny: (types) => endpoints.some((endpoint) => endpoint.all || types.some((type) => endpoint.types.has(type))),
  });
  return {
    async wants(type, businessUnit) {
      return viewOf(await current()).wants(type, businessUnit);
    },
    async wantsAny(types) {
      return viewOf(await current()).wantsAny(types);
    },
    async view() {
      return viewOf(await current());
    },
    invalidate() {
      snapshot = undefined;
    },
  };
}
