import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { WebhookEventType } from '../events/event-catalogue.js';
import type { Db } from './database.js';
import type { Database, WebhookAttemptTable, WebhookDeliveryTable, WebhookEndpointTable } from './schema.js';
import { writeWebhookEvents, type OutboxEvent, type WebhookInterest } from './webhook-outbox.js';

export interface WebhookEndpoint {
  id: string;
  /** null: an admin's endpoint, every unit's events. */
  businessUnit: string | null;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What signing needs: the secret, and the rotated-out one while it still signs. */
export interface EndpointSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: string | null;
}

export type DeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed' | 'expired';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  log: WebhookAttempt[];
}

export interface WebhookAttempt {
  attempt: number;
  at: string;
  durationMs: number;
  outcome: 'succeeded' | 'retry' | 'failed';
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

/** A delivery claimed by a worker: what the HTTP request needs. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  attempts: number;
  body: string;
  createdAt: string;
}

export interface AttemptRecord {
  deliveryId: string;
  endpointId: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  at: string;
  durationMs: number;
  outcome: 'succeeded' | 'retry' | 'failed';
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  /** For `retry`: when to try again. */
  nextAttemptAt: string | null;
}

export interface WebhookRepository {
  /**
   * Stores the endpoint; with `limit`, only while its unit has fewer endpoints than that (false
   * otherwise). The count and the insert are one transaction, serialised per unit on PostgreSQL
   * (an advisory lock), so requests at once cannot pass the limit together.
   */
  create(endpoint: WebhookEndpoint & EndpointSecrets, limit?: number): Promise<boolean>;
  get(id: string): Promise<WebhookEndpoint | undefined>;
  secrets(id: string): Promise<EndpointSecrets | undefined>;
  list(filter: { businessUnit?: string | undefined; limit: number; offset: number }): Promise<{ items: WebhookEndpoint[]; total: number }>;
  countForUnit(businessUnit: string | null): Promise<number>;
  update(id: string, change: Partial<Pick<WebhookEndpoint, 'url' | 'events' | 'description' | 'enabled'>>, at: string): Promise<void>;
  rotateSecret(id: string, secret: string, previousExpiresAt: string, at: string): Promise<void>;
  /** The endpoint and everything queued or logged for it. */
  delete(id: string): Promise<void>;
  /** Writes events outside any other change (session status, list end, tests): those some endpoint wants. */
  emit(events: readonly OutboxEvent[]): Promise<void>;
  /**
   * Fans up to `limit` undispatched events out to the enabled endpoints that want them (a
   * delivery each), in one transaction; PostgreSQL's SKIP LOCKED lets several workers share the
   * work. Returns how many events were dispatched.
   */
  dispatch(limit: number, at: string): Promise<number>;
  /**
   * Claims due deliveries (the first still open of each endpoint and ordering key only, so one
   * blast's events reach an endpoint in order), at most `perEndpoint` per endpoint less what
   * this worker has `inFlight` there; each is locked until `lockedUntil` (a worker dying mid-attempt frees it then).
   */
  claim(limit: number, perEndpoint: number, inFlight: ReadonlyMap<string, number>, at: string, lockedUntil: string): Promise<ClaimedDelivery[]>;
  recordAttempt(record: AttemptRecord): Promise<void>;
  /** Several attempts' outcomes in one transaction (a worker records what finished since its last round). */
  recordAttempts(records: readonly AttemptRecord[]): Promise<void>;
  /** Puts a claimed delivery back unattempted (its endpoint was disabled or deleted meanwhile). */
  release(deliveryId: string, at: string): Promise<void>;
  /** Marks failing (first failure since a success) or healthy again; returns when it started failing. */
  markEndpointHealth(id: string, ok: boolean, at: string): Promise<string | null>;
  disable(id: string, reason: string, at: string): Promise<void>;
  deliveries(endpointId: string, filter: { failed: boolean; limit: number; offset: number }): Promise<{ items: WebhookDelivery[]; total: number }>;
  /** Puts a finished delivery back in the queue for one more attempt now; false when it is not this endpoint's. */
  retry(endpointId: string, deliveryId: string, at: string): Promise<boolean>;
  /** New deliveries to this endpoint of the unit's events in [since, until), at most `limit`; returns how many. */
  replay(endpoint: WebhookEndpoint, window: { since: string; until: string; events: readonly string[] | null; limit: number }, at: string): Promise<number>;
  /** Whether deliveries of an earlier replay to this endpoint are still waiting or in flight. */
  replaying(endpointId: string): Promise<boolean>;
  /** Open deliveries older than `before` are expired (the outbox keeps an endpoint's backlog bounded by age); how many, per endpoint. */
  expire(before: string, at: string): Promise<Map<string, number>>;
  /** Drops events, deliveries and log rows older than `before`. */
  prune(before: string): Promise<void>;
  /** Deliveries not yet finished, per endpoint (the figure /metrics shows). */
  depth(): Promise<{ pending: number; undispatched: number }>;
}

export function createWebhookRepository(db: Db, dialect: 'sqlite' | 'postgres', interest: WebhookInterest): WebhookRepository {
  const wants = (endpointEvents: string[], type: string): boolean => endpointEvents.includes('*') || endpointEvents.includes(type);
  /**
   * An endpoint's due deliveries in due order, read from (endpoint_id, status, next_attempt_at,
   * event_id): the cost is what is claimed, however long the backlog (issue 18's bench: the
   * claim that sorted every due row made 20,000 waiting events drain at 119–311/s).
   */
  const duePick = (trx: Kysely<Database>, endpointId: string, at: string, room: number) => {
    let pick = trx
      .selectFrom('webhook_deliveries as d')
      .select('d.id')
      .where('d.endpoint_id', '=', endpointId)
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', at)
      // One ordering key's events in order: only the first still open of each key goes. An event
      // written without an order to keep (a per-recipient batch) has its own id as its key: no
      // check (and, written as an OR, the check runs per row on the index, never as a join a
      // planner with stale statistics might turn into a scan of the endpoint's whole backlog).
      .where((eb) =>
        eb.or([
          eb('d.ordering_key', '=', eb.ref('d.event_id')),
          eb.not(
            eb.exists(
              eb
                .selectFrom('webhook_deliveries as e')
                .select('e.id')
                .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
                .whereRef('e.ordering_key', '=', 'd.ordering_key')
                // Spelled as the partial index webhook_deliveries_open_order is (a bound parameter would keep it off that index).
                .where(sql<boolean>`e.status in ('pending', 'sending')`)
                .whereRef('e.event_id', '<', 'd.event_id'),
            ),
          ),
        ]),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.event_id')
      .limit(room);
    // Several workers: each takes rows the others have not locked.
    if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
    return pick;
  };
  const claimFor = async (endpointId: string, room: number, at: string, lockedUntil: string): Promise<ClaimedDelivery[]> => {
    // The lock's end doubles as the next attempt time: a claim that lapses is due again then.
    const claimed = { status: 'sending', locked_until: lockedUntil, next_attempt_at: lockedUntil, updated_at: at } as const;
    if (dialect === 'postgres') {
      // One statement: pick (SKIP LOCKED), claim, and return each with its event's body.
      return db
        .updateTable('webhook_deliveries as u')
        .from('webhook_events as ev')
        .set(claimed)
        .whereRef('ev.id', '=', 'u.event_id')
        .where('u.id', 'in', duePick(db, endpointId, at, room))
        .returning(['u.id as id', 'u.endpoint_id as endpointId', 'u.event_id as eventId', 'u.attempts as attempts', 'ev.body as body', 'ev.created_at as createdAt'])
        .execute();
    }
    return db.transaction().execute(async (trx) => {
      const picked = (await duePick(trx, endpointId, at, room).execute()).map((row) => row.id);
      if (picked.length === 0) return [];
      // Re-checked: of two workers that read the same rows, the second finds them taken.
      const won = await trx.updateTable('webhook_deliveries').set(claimed).where('id', 'in', picked).where('status', '=', 'pending').returning('id').execute();
      const ids = won.map((row) => row.id);
      if (ids.length === 0) return [];
      return trx
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
        .select(['d.id as id', 'd.endpoint_id as endpointId', 'd.event_id as eventId', 'd.attempts as attempts', 'ev.body as body', 'ev.created_at as createdAt'])
        .where('d.id', 'in', ids)
        .execute();
    });
  };
  return {
    async create(endpoint, limit) {
      const created = await db.transaction().execute(async (trx) => {
        if (limit !== undefined) {
          if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${`webhook-endpoints:${endpoint.businessUnit ?? ''}`}))`.execute(trx);
          const row = await trx
            .selectFrom('webhook_endpoints')
            .select((eb) => eb.fn.countAll<string | number>().as('total'))
            .where('business_unit', endpoint.businessUnit === null ? 'is' : '=', endpoint.businessUnit)
            .executeTakeFirstOrThrow();
          if (Number(row.total) >= limit) return false;
        }
        await insertEndpoint(trx, endpoint);
        return true;
      });
      if (created) interest.invalidate();
      return created;
    },

    async get(id) {
      const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
      return row && endpointFromRow(row);
    },

    async secrets(id) {
      const row = await db.selectFrom('webhook_endpoints').select(['secret', 'previous_secret', 'previous_secret_expires_at']).where('id', '=', id).executeTakeFirst();
      return row && { secret: row.secret, previousSecret: row.previous_secret, previousSecretExpiresAt: row.previous_secret_expires_at };
    },

    async list({ businessUnit, limit, offset }) {
      let query = db.selectFrom('webhook_endpoints');
      if (businessUnit !== undefined) query = query.where('business_unit', '=', businessUnit);
      const rows = await query.selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
      const total = await query.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow();
      return { items: rows.map(endpointFromRow), total: Number(total.total) };
    },

    async countForUnit(businessUnit) {
      const row = await db
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<string | number>().as('total'))
        .where('business_unit', businessUnit === null ? 'is' : '=', businessUnit)
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },

    async update(id, change, at) {
      await db
        .updateTable('webhook_endpoints')
        .set({
          updated_at: at,
          ...(change.url === undefined ? {} : { url: change.url }),
          ...(change.events === undefined ? {} : { events: JSON.stringify(change.events) }),
          ...(change.description === undefined ? {} : { description: change.description }),
          // Enabled again by hand: the failure streak starts over.
          ...(change.enabled === undefined ? {} : { enabled: change.enabled ? 1 : 0, ...(change.enabled ? { disabled_reason: null, failing_since: null } : {}) }),
        })
        .where('id', '=', id)
        .execute();
      interest.invalidate();
    },

    async rotateSecret(id, secret, previousExpiresAt, at) {
      await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({ previous_secret: eb.ref('secret'), previous_secret_expires_at: previousExpiresAt, secret, updated_at: at }))
        .where('id', '=', id)
        .execute();
    },

    async delete(id) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
        await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
        await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
      });
      interest.invalidate();
    },

    async emit(events) {
      const wanted: OutboxEvent[] = [];
      // A test event is for the endpoint that asked, whatever it subscribed to.
      for (const event of events) if (event.type === 'webhook.test' || (await interest.wants(event.type, event.businessUnit))) wanted.push(event);
      if (wanted.length > 0) await writeWebhookEvents(db, wanted);
    },

    async dispatch(limit, at) {
      return db.transaction().execute(async (trx) => {
        let pick = trx.selectFrom('webhook_events').select(['id', 'type', 'business_unit', 'ordering_key']).where('dispatched', '=', 0).orderBy('id').limit(limit);
        if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
        const events = await pick.execute();
        if (events.length === 0) return 0;
        const endpoints = (await trx.selectFrom('webhook_endpoints').select(['id', 'business_unit', 'events']).where('enabled', '=', 1).execute()).map((row) => ({
          id: row.id,
          unit: row.business_unit,
          events: JSON.parse(row.events) as string[],
        }));
        const deliveries: Selectable<WebhookDeliveryTable>[] = [];
        for (const event of events) {
          for (const endpoint of endpoints) {
            if (endpoint.unit !== null && endpoint.unit !== event.business_unit) continue;
            // A test event goes to the endpoint it was made for only.
            if (event.type === 'webhook.test' && !event.ordering_key.endsWith(endpoint.id)) continue;
            if (event.type !== 'webhook.test' && !wants(endpoint.events, event.type)) continue;
            deliveries.push(newDelivery(endpoint.id, event.id, event.ordering_key, at));
          }
        }
        for (let start = 0; start < deliveries.length; start += 200) {
          await trx.insertInto('webhook_deliveries').values(deliveries.slice(start, start + 200)).execute();
        }
        await trx.updateTable('webhook_events').set({ dispatched: 1 }).where('id', 'in', events.map((event) => event.id)).execute();
        return events.length;
      });
    },

    async claim(limit, perEndpoint, inFlight, at, lockedUntil) {
      // Claims whose worker died (lock lapsed) go back to pending, in order, for whoever comes next.
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', locked_until: null, next_attempt_at: at, updated_at: at })
        .where('status', '=', 'sending')
        .where('locked_until', '<', at)
        .execute();
      // Not for a disabled endpoint: its deliveries wait (until enabled again, or expired by age).
      const endpoints = await db.selectFrom('webhook_endpoints').select('id').where('enabled', '=', 1).orderBy('id').execute();
      // Visited from a random one on, so none waits behind the others every round.
      const offset = Math.floor(Math.random() * endpoints.length);
      const claimed: ClaimedDelivery[] = [];
      for (let n = 0; n < endpoints.length && claimed.length < limit; n++) {
        const endpointId = (endpoints[(offset + n) % endpoints.length] as { id: string }).id;
        const room = Math.min(perEndpoint - (inFlight.get(endpointId) ?? 0), limit - claimed.length);
        if (room > 0) claimed.push(...(await claimFor(endpointId, room, at, lockedUntil)));
      }
      return claimed.sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    },

    async recordAttempts(records) {
      if (records.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < records.length; start += 200) {
          await trx
            .insertInto('webhook_attempts')
            .values(
              records.slice(start, start + 200).map((record) => ({
                delivery_id: record.deliveryId,
                attempt: record.attempt,
                endpoint_id: record.endpointId,
                at: record.at,
                duration_ms: Math.round(record.durationMs),
                outcome: record.outcome,
                status_code: record.statusCode,
                error: record.error?.slice(0, 300) ?? null,
                response_body: record.responseBody?.slice(0, 1024) ?? null,
              })),
            )
            .onConflict((conflict) => conflict.columns(['delivery_id', 'attempt']).doNothing())
            .execute();
        }
        // Successes (the bulk at speed) in one statement per 500; the rest one by one.
        const succeeded = records.filter((record) => record.outcome === 'succeeded' && record.statusCode !== null);
        const byStatus = new Map<number, AttemptRecord[]>();
        for (const record of succeeded) {
          const group = byStatus.get(record.statusCode ?? 0);
          if (group) group.push(record);
          else byStatus.set(record.statusCode ?? 0, [record]);
        }
        for (const [statusCode, group] of byStatus) {
          for (let start = 0; start < group.length; start += 500) {
            const slice = group.slice(start, start + 500);
            const at = slice.reduce((latest, record) => (record.at > latest ? record.at : latest), '');
            await trx
              .updateTable('webhook_deliveries')
              .set((eb) => ({ status: 'succeeded', attempts: eb('attempts', '+', 1), next_attempt_at: at, locked_until: null, last_status_code: statusCode, last_error: null, updated_at: at }))
              .where('id', 'in', slice.map((record) => record.deliveryId))
              .execute();
          }
        }
        for (const record of records) {
          if (record.outcome === 'succeeded' && record.statusCode !== null) continue;
          await updateDelivery(trx, record);
        }
      });
    },

    async recordAttempt(record) {
      await this.recordAttempts([record]);
    },

    async release(deliveryId, at) {
      await db.updateTable('webhook_deliveries').set({ status: 'pending', locked_until: null, next_attempt_at: at, updated_at: at }).where('id', '=', deliveryId).where('status', '=', 'sending').execute();
    },

    async markEndpointHealth(id, ok, at) {
      if (ok) {
        await db.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', id).where('failing_since', 'is not', null).execute();
        return null;
      }
      await db.updateTable('webhook_endpoints').set({ failing_since: at }).where('id', '=', id).where('failing_since', 'is', null).execute();
      const row = await db.selectFrom('webhook_endpoints').select('failing_since').where('id', '=', id).executeTakeFirst();
      return row?.failing_since ?? null;
    },

    async disable(id, reason, at) {
      await db.updateTable('webhook_endpoints').set({ enabled: 0, disabled_reason: reason.slice(0, 200), updated_at: at }).where('id', '=', id).execute();
      interest.invalidate();
    },

    async deliveries(endpointId, { failed, limit, offset }) {
      let query = db.selectFrom('webhook_deliveries as d').innerJoin('webhook_events as ev', 'ev.id', 'd.event_id').where('d.endpoint_id', '=', endpointId);
      if (failed) query = query.where((eb) => eb.or([eb('d.status', 'in', ['failed', 'expired']), eb.and([eb('d.status', '=', 'pending'), eb('d.attempts', '>', 0)])]));
      const rows = await query.selectAll('d').select('ev.type as event_type').orderBy('d.event_id', 'desc').limit(limit).offset(offset).execute();
      const total = await query.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow();
      const attempts =
        rows.length === 0
          ? []
          : await db
              .selectFrom('webhook_attempts')
              .selectAll()
              .where('delivery_id', 'in', rows.map((row) => row.id))
              .orderBy('attempt')
              .execute();
      const logOf = new Map<string, WebhookAttempt[]>();
      for (const attempt of attempts) {
        const log = logOf.get(attempt.delivery_id) ?? [];
        log.push(attemptFromRow(attempt));
        logOf.set(attempt.delivery_id, log);
      }
      return {
        items: rows.map((row) => ({
          id: row.id,
          endpointId: row.endpoint_id,
          eventId: row.event_id,
          eventType: row.event_type,
          status: row.status as DeliveryStatus,
          attempts: row.attempts,
          nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
          lastStatusCode: row.last_status_code,
          lastError: row.last_error,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          log: logOf.get(row.id) ?? [],
        })),
        total: Number(total.total),
      };
    },

    async retry(endpointId, deliveryId, at) {
      const result = await db
        .updateTable('webhook_deliveries')
        // A fresh age: the outbox's maximum age (expire) counts from the retry asked for, not from the first try.
        .set({ status: 'pending', next_attempt_at: at, locked_until: null, created_at: at, updated_at: at })
        .where('id', '=', deliveryId)
        .where('endpoint_id', '=', endpointId)
        .where('status', 'in', ['succeeded', 'failed', 'expired', 'pending'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async replay(endpoint, { since, until, events, limit }, at) {
      let query = db
        .selectFrom('webhook_events')
        .select(['id', 'type', 'ordering_key'])
        .where('created_at', '>=', since)
        .where('created_at', '<', until)
        .where('type', 'not in', ['webhook.test']);
      if (endpoint.businessUnit !== null) query = query.where('business_unit', '=', endpoint.businessUnit);
      const selected = events ?? (endpoint.events.includes('*') ? null : endpoint.events);
      if (selected !== null) {
        if (selected.length === 0) return 0;
        query = query.where('type', 'in', [...selected]);
      }
      const rows = await query.orderBy('id').limit(limit).execute();
      // A replay is a new delivery of the same event (same id: a receiver that kept it deduplicates).
      const deliveries = rows.map((row) => ({ ...newDelivery(endpoint.id, row.id, `replay:${row.ordering_key}`.slice(0, 80), at) }));
      for (let start = 0; start < deliveries.length; start += 200) await db.insertInto('webhook_deliveries').values(deliveries.slice(start, start + 200)).execute();
      return deliveries.length;
    },

    async replaying(endpointId) {
      const row = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', endpointId)
        .where('status', 'in', ['pending', 'sending'])
        .where('ordering_key', 'like', 'replay:%')
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async expire(before, at) {
      return db.transaction().execute(async (trx) => {
        const counts = await trx
          .selectFrom('webhook_deliveries')
          .select(['endpoint_id', (eb) => eb.fn.countAll<string | number>().as('total')])
          .where('status', '=', 'pending')
          .where('created_at', '<', before)
          .groupBy('endpoint_id')
          .execute();
        if (counts.length === 0) return new Map<string, number>();
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'expired', locked_until: null, last_error: 'older than the outbox keeps (WEBHOOK_MAX_AGE_HOURS)', updated_at: at })
          .where('status', '=', 'pending')
          .where('created_at', '<', before)
          .execute();
        return new Map(counts.map((row) => [row.endpoint_id, Number(row.total)]));
      });
    },

    async prune(before) {
      await db.deleteFrom('webhook_attempts').where('at', '<', before).execute();
      await db.deleteFrom('webhook_deliveries').where('created_at', '<', before).where('status', 'not in', ['pending', 'sending']).execute();
      await db
        .deleteFrom('webhook_events')
        .where('created_at', '<', before)
        .where('dispatched', '=', 1)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'webhook_events.id'))))
        .execute();
    },

    async depth() {
      const pending = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string | number>().as('total'))
        .where('status', 'in', ['pending', 'sending'])
        .executeTakeFirstOrThrow();
      const undispatched = await db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<string | number>().as('total'))
        .where('dispatched', '=', 0)
        .executeTakeFirstOrThrow();
      return { pending: Number(pending.total), undispatched: Number(undispatched.total) };
    },
  };
}

async function updateDelivery(trx: Kysely<Database>, record: AttemptRecord): Promise<void> {
  await trx
    .updateTable('webhook_deliveries')
    .set({
      status: record.outcome === 'retry' ? 'pending' : record.outcome,
      attempts: record.attempt,
      next_attempt_at: record.nextAttemptAt ?? record.at,
      locked_until: null,
      last_status_code: record.statusCode,
      last_error: record.error?.slice(0, 300) ?? null,
      updated_at: record.at,
    })
    .where('id', '=', record.deliveryId)
    .execute();
}

function newDelivery(endpointId: string, eventId: string, orderingKey: string, at: string): Selectable<WebhookDeliveryTable> {
  return {
    id: randomUUID(),
    endpoint_id: endpointId,
    event_id: eventId,
    ordering_key: orderingKey,
    status: 'pending',
    attempts: 0,
    next_attempt_at: at,
    locked_until: null,
    last_status_code: null,
    last_error: null,
    created_at: at,
    updated_at: at,
  };
}

function endpointFromRow(row: Selectable<WebhookEndpointTable>): WebhookEndpoint {
  return {
    id: row.id,
    businessUnit: row.business_unit,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    description: row.description,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function attemptFromRow(row: Selectable<WebhookAttemptTable>): WebhookAttempt {
  return {
    attempt: row.attempt,
    at: row.at,
    durationMs: row.duration_ms,
    outcome: row.outcome as WebhookAttempt['outcome'],
    statusCode: row.status_code,
    error: row.error,
    responseBody: row.response_body,
  };
}

async function insertEndpoint(db: Kysely<Database>, endpoint: WebhookEndpoint & EndpointSecrets): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({
      id: endpoint.id,
      business_unit: endpoint.businessUnit,
      url: endpoint.url,
      events: JSON.stringify(endpoint.events),
      description: endpoint.description,
      enabled: endpoint.enabled ? 1 : 0,
      secret: endpoint.secret,
      previous_secret: endpoint.previousSecret,
      previous_secret_expires_at: endpoint.previousSecretExpiresAt,
      disabled_reason: endpoint.disabledReason,
      failing_since: endpoint.failingSince,
      created_at: endpoint.createdAt,
      updated_at: endpoint.updatedAt,
    })
    .execute();
}
