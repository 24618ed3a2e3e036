import type { WebhookConfig } from '../config/config.js';
import { classifyAttempt, nextRetryDelayMs } from '../core/webhook-retry.js';
import { signWebhook } from '../core/webhook-signature.js';
import type { Clock } from '../infra/clock.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { AttemptRecord, ClaimedDelivery, EndpointSecrets, WebhookEndpoint, WebhookRepository } from '../store/webhook.repository.js';
import { postWebhook, type WebhookRequest, type WebhookResponse } from './webhook-http.js';

const IDLE_POLL_MS = 500;
const DISPATCH_BATCH = 500;
/** A claimed delivery whose worker died is claimable again after this (well above the request timeout). */
const CLAIM_LOCK_MS = 120_000;
const HOUSEKEEPING_EVERY_MS = 60_000;
/** Deliveries claimed ahead of sending, as a multiple of the in-flight limits. */
const PREFETCH = 8;

type Target = { endpoint: WebhookEndpoint; secrets: EndpointSecrets };
interface QueuedDelivery {
  delivery: ClaimedDelivery;
  claimedAtMs: number;
}

export interface WebhookWorkerDeps {
  webhooks: WebhookRepository;
  config: WebhookConfig;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  /** The HTTP call (replaceable by a contract-tested stand-in in unit tests). */
  post?: (request: WebhookRequest) => Promise<WebhookResponse>;
}

/**
 * Drains the outbox: fans new events out to endpoints, then sends due deliveries with bounded
 * concurrency (in total and per endpoint), so a slow or dead receiver holds at most its own few
 * slots and never the sending path; what waits, waits on disk.
 */
export class WebhookWorker {
  readonly #deps: WebhookWorkerDeps;
  readonly #post: (request: WebhookRequest) => Promise<WebhookResponse>;
  readonly #inFlight = new Map<string, number>();
  #total = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #lastHousekeepingMs = 0;
  readonly #attempts = new Set<Promise<void>>();
  /** Attempts ended, their outcome not yet written (the next round writes them all at once). */
  readonly #finished: { record: AttemptRecord; endpoint: WebhookEndpoint }[] = [];
  /** Claimed, not yet sent (each endpoint's in claim order), and the endpoint as last read. */
  readonly #queued = new Map<string, QueuedDelivery[]>();
  readonly #targets = new Map<string, Target | undefined>();

  constructor(deps: WebhookWorkerDeps) {
    this.#deps = deps;
    this.#post = deps.post ?? postWebhook;
  }

  start(): void {
    this.#schedule(0);
  }

  /** Stops claiming; waits for attempts in flight (bounded by the request timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    // Claimed but not sent: back to the database's queue at once, for the next worker.
    const at = this.#deps.clock.now().toISOString();
    for (const queue of this.#queued.values()) for (const { delivery } of queue) await this.#deps.webhooks.release(delivery.id, at).catch(() => undefined);
    this.#queued.clear();
    await Promise.allSettled([...this.#attempts]);
    await this.#record().catch((error: unknown) => {
      this.#deps.log.warn({ err: error }, 'webhook attempts could not be recorded');
    });
  }

  /** Runs one round now (new events were written, an attempt ended). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#round()
        .catch((error: unknown) => {
          this.#deps.log.warn({ err: error }, 'webhook delivery round failed');
        })
        .finally(() => {
          this.#running = undefined;
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? 0 : IDLE_POLL_MS);
        });
    }, delayMs);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    const { webhooks, config, clock } = this.#deps;
    const nowMs = clock.now().getTime();
    if (nowMs - this.#lastHousekeepingMs >= HOUSEKEEPING_EVERY_MS) {
      this.#lastHousekeepingMs = nowMs;
      await this.#housekeeping(nowMs);
    }
    await this.#record();
    while (!this.#stopped && (await webhooks.dispatch(DISPATCH_BATCH, clock.now().toISOString())) === DISPATCH_BATCH);
    if (this.#stopped) return;
    // Claimed ahead: up to PREFETCH times the in-flight limits, in total and per endpoint, so one
    // claim query serves many attempts; an endpoint is claimed for again once it is below half of that.
    const perEndpointCap = config.concurrencyPerEndpoint * PREFETCH;
    const held = new Map<string, number>();
    for (const [endpointId, count] of this.#inFlight) held.set(endpointId, count);
    for (const [endpointId, queue] of this.#queued) held.set(endpointId, (held.get(endpointId) ?? 0) + queue.length);
    let heldTotal = 0;
    for (const [endpointId, count] of held) {
      heldTotal += count;
      if (count > perEndpointCap / 2) held.set(endpointId, perEndpointCap);
    }
    const room = config.concurrency * PREFETCH - heldTotal;
    // The endpoints' settings and secrets, read once a round (a change or a disable is obeyed within one).
    const targets = new Map<string, Target | undefined>();
    const targetOf = async (endpointId: string): Promise<Target | undefined> => {
      if (!targets.has(endpointId)) {
        const endpoint = await webhooks.get(endpointId);
        const secrets = endpoint && (await webhooks.secrets(endpoint.id));
        targets.set(endpointId, endpoint && secrets && { endpoint, secrets });
      }
      return targets.get(endpointId);
    };
    if (room > 0) {
      const now = clock.now();
      const claimed = await webhooks.claim(room, perEndpointCap, held, now.toISOString(), new Date(now.getTime() + CLAIM_LOCK_MS).toISOString());
      const claimedAtMs = clock.now().getTime();
      for (const delivery of claimed) {
        const queue = this.#queued.get(delivery.endpointId) ?? [];
        queue.push({ delivery, claimedAtMs });
        this.#queued.set(delivery.endpointId, queue);
      }
      if (claimed.length === room) this.#again = true;
    }
    for (const endpointId of this.#queued.keys()) this.#targets.set(endpointId, await targetOf(endpointId));
    for (const endpointId of [...this.#queued.keys()]) this.#pump(endpointId);
  }

  /** Starts queued deliveries of an endpoint while it and the worker have room. */
  #pump(endpointId: string): void {
    const { config, clock } = this.#deps;
    const queue = this.#queued.get(endpointId);
    while (queue && queue.length > 0 && this.#total < config.concurrency && (this.#inFlight.get(endpointId) ?? 0) < config.concurrencyPerEndpoint) {
      const { delivery, claimedAtMs } = queue.shift() as QueuedDelivery;
      // Held too long (a slow receiver ahead of it): back to the queue in the database before its claim can lapse.
      const stale = clock.now().getTime() - claimedAtMs > CLAIM_LOCK_MS / 2;
      this.#start(delivery, stale ? undefined : this.#targets.get(endpointId));
    }
    if (queue?.length === 0) {
      this.#queued.delete(endpointId);
      if (!this.#inFlight.has(endpointId)) this.#targets.delete(endpointId);
    }
  }

  #start(delivery: ClaimedDelivery, target: Target | undefined): void {
    this.#inFlight.set(delivery.endpointId, (this.#inFlight.get(delivery.endpointId) ?? 0) + 1);
    this.#total += 1;
    const attempt = this.#attempt(delivery, target)
      .catch((error: unknown) => {
        this.#deps.log.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt failed unexpectedly');
      })
      .finally(() => {
        this.#attempts.delete(attempt);
        this.#total -= 1;
        const left = (this.#inFlight.get(delivery.endpointId) ?? 1) - 1;
        if (left <= 0) this.#inFlight.delete(delivery.endpointId);
        else this.#inFlight.set(delivery.endpointId, left);
        if (!this.#stopped) {
          this.#pump(delivery.endpointId);
          for (const endpointId of [...this.#queued.keys()]) this.#pump(endpointId);
        }
        this.wake();
      });
    this.#attempts.add(attempt);
  }

  /**
   * Open deliveries older than WEBHOOK_MAX_AGE_HOURS are given up (an endpoint's backlog is
   * bounded by age, whatever its receiver does), and the log older than the retention pruned.
   */
  async #housekeeping(nowMs: number): Promise<void> {
    const { webhooks, config, log, metrics } = this.#deps;
    const at = new Date(nowMs).toISOString();
    const expired = await webhooks.expire(new Date(nowMs - config.maxAgeMs).toISOString(), at);
    for (const [endpointId, count] of expired) {
      metrics?.webhookExpired.inc({}, count);
      log.warn({ endpointId, expired: count }, 'webhook deliveries older than WEBHOOK_MAX_AGE_HOURS were given up');
    }
    await webhooks.prune(new Date(nowMs - config.retentionMs).toISOString());
  }

  /**
   * Writes the outcomes of the attempts that ended since the last round in one transaction (at
   * speed, one write per round instead of one per delivery), then each endpoint's health: a
   * failure starts (or continues) its failing streak, a success ends it; 5 days of failing disables it.
   */
  async #record(): Promise<void> {
    if (this.#finished.length === 0) return;
    const { webhooks, config, log } = this.#deps;
    const finished = this.#finished.slice();
    await webhooks.recordAttempts(finished.map((entry) => entry.record));
    // Written: dropped from the list only now (a failed write is tried again next round; meanwhile they stay claimed).
    this.#finished.splice(0, finished.length);
    const health = new Map<string, { endpoint: WebhookEndpoint; ok: boolean; at: string }>();
    for (const { record, endpoint } of finished) {
      const ok = record.outcome === 'succeeded';
      const seen = health.get(endpoint.id);
      // The latest outcome decides; a success on an endpoint not failing needs no write.
      if (!seen || record.at >= seen.at) health.set(endpoint.id, { endpoint, ok, at: record.at });
    }
    for (const { endpoint, ok, at } of health.values()) {
      if (ok && endpoint.failingSince === null) continue;
      const failingSince = await webhooks.markEndpointHealth(endpoint.id, ok, at);
      if (failingSince === null || Date.parse(at) - Date.parse(failingSince) < config.disableAfterMs) continue;
      const reason = `failing since ${failingSince} without a success`;
      await webhooks.disable(endpoint.id, reason, at);
      log.warn({ endpointId: endpoint.id, businessUnit: endpoint.businessUnit, failingSince }, 'webhook endpoint disabled: failing for WEBHOOK_DISABLE_AFTER_HOURS in a row');
      await webhooks.emit([
        {
          type: 'webhook.disabled',
          businessUnit: endpoint.businessUnit ?? '*',
          orderingKey: `endpoint:${endpoint.id}`,
          data: { endpointId: endpoint.id, url: endpoint.url, reason, failingSince },
          at,
        },
      ]);
    }
  }

  async #attempt(delivery: ClaimedDelivery, target: Target | undefined): Promise<void> {
    const { webhooks, config, clock } = this.#deps;
    const attempt = delivery.attempts + 1;
    if (!target?.endpoint.enabled) {
      // Disabled or deleted meanwhile, or held too long: back in the queue (it goes once enabled again, or expires by age).
      await webhooks.release(delivery.id, clock.now().toISOString());
      return;
    }
    const { endpoint, secrets } = target;
    const now = clock.now();
    const signing = [secrets.secret];
    if (secrets.previousSecret !== null && secrets.previousSecretExpiresAt !== null && secrets.previousSecretExpiresAt > now.toISOString()) signing.push(secrets.previousSecret);
    const timestamp = Math.floor(now.getTime() / 1000);
    const response = await this.#post({
      url: endpoint.url,
      body: delivery.body,
      timeoutMs: config.timeoutMs,
      publicOnly: endpoint.businessUnit !== null && !config.allowPrivate,
      headers: {
        'webhook-id': delivery.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(signing, delivery.eventId, timestamp, delivery.body),
      },
    });
    const verdict = classifyAttempt(response.result);
    const endedAt = clock.now();
    const delay = verdict === 'retryable' ? nextRetryDelayMs(config.retryScheduleMs, attempt, response.result.kind === 'response' ? response.result.retryAfter : null, endedAt.getTime()) : null;
    const outcome = verdict === 'succeeded' ? 'succeeded' : delay === null ? 'failed' : 'retry';
    this.#deps.metrics?.webhookAttempts.inc({ outcome });
    this.#finished.push({
      endpoint,
      record: {
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        attempt,
        at: endedAt.toISOString(),
        durationMs: response.durationMs,
        outcome,
        statusCode: response.result.kind === 'response' ? response.result.status : null,
        error: errorOf(response),
        responseBody: response.body,
        nextAttemptAt: delay === null ? null : new Date(endedAt.getTime() + delay).toISOString(),
      },
    });
  }
}

function errorOf(response: WebhookResponse): string | null {
  switch (response.result.kind) {
    case 'response':
      return response.result.status >= 200 && response.result.status < 300 ? null : `HTTP ${response.result.status}`;
    case 'timeout':
      return 'timed out';
    case 'network':
    case 'refused':
      return response.result.message;
  }
}
