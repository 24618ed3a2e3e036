import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { assertCanWriteUnit, canSee, scopedUnit, type Principal } from '../auth/principal.js';
import type { WebhookConfig } from '../config/config.js';
import { isPrivateAddress } from '../core/private-address.js';
import { newWebhookSecret } from '../core/webhook-signature.js';
import { AppError, Conflict, NotFound } from '../errors/app-error.js';
import { isWebhookEventType } from '../events/event-catalogue.js';
import type { Clock } from '../infra/clock.js';
import type { Store } from '../store/store.js';
import type { WebhookEndpoint } from '../store/webhook.repository.js';

/** Endpoints per business unit (and admin endpoints without a unit). */
export const MAX_ENDPOINTS_PER_UNIT = 20;
/** How long the secret a rotation replaced keeps signing (beside the new one). */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
/** A replay re-sends at most this many events, from at most this far back (the log's retention bounds it too). */
export const MAX_REPLAY_EVENTS = 10_000;
export const MAX_REPLAY_WINDOW_MS = 7 * 86_400_000;

export class WebhookRefused extends AppError {
  readonly status = 400;
  constructor(
    readonly code: 'WEBHOOK_URL_INVALID' | 'WEBHOOK_URL_PRIVATE' | 'WEBHOOK_EVENTS_INVALID' | 'WEBHOOK_REPLAY_WINDOW_INVALID' | 'BUSINESS_UNIT_REQUIRED',
    message: string,
  ) {
    super(message);
  }
}

export interface EndpointInput {
  url: string;
  events: string[];
  businessUnit?: string | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}

export function createWebhookService(deps: { store: Store; clock: Clock; config: WebhookConfig; resolve?: (host: string) => Promise<string[]> }) {
  const { store, clock, config } = deps;
  const resolve = deps.resolve ?? (async (host: string) => (await lookup(host, { all: true })).map((entry) => entry.address));
  const now = (): string => clock.now().toISOString();

  /** The endpoint, if this key may see it (another unit's is answered as not found). */
  async function visible(principal: Principal, id: string): Promise<WebhookEndpoint> {
    const endpoint = await store.webhooks.get(id);
    if (!endpoint || (endpoint.businessUnit === null ? scopedUnit(principal) !== undefined : !canSee(principal, endpoint.businessUnit))) {
      throw new NotFound('WEBHOOK_NOT_FOUND', `Webhook endpoint "${id}" does not exist.`);
    }
    return endpoint;
  }

  /** https or http, a host, no credentials; a unit's endpoint may not name (or resolve to) a private address unless allowed. */
  async function checkUrl(text: string, businessUnit: string | null): Promise<string> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new WebhookRefused('WEBHOOK_URL_INVALID', 'url is not a valid absolute URL.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookRefused('WEBHOOK_URL_INVALID', 'url must be http or https.');
    if (url.username !== '' || url.password !== '') throw new WebhookRefused('WEBHOOK_URL_INVALID', 'url must not carry credentials; the signature authenticates the sender.');
    if (url.hostname === '') throw new WebhookRefused('WEBHOOK_URL_INVALID', 'url needs a host.');
    if (businessUnit !== null && !config.allowPrivate) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const addresses = isIP(host) !== 0 ? [host] : await resolve(host).catch(() => [] as string[]);
      if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost') || addresses.some(isPrivateAddress)) {
        throw new WebhookRefused(
          'WEBHOOK_URL_PRIVATE',
          'A business unit\'s endpoint may not target loopback, link-local or private addresses (WEBHOOK_ALLOW_PRIVATE=true allows it on a self-hosted set-up).',
        );
      }
    }
    return url.toString();
  }

  function checkEvents(events: readonly string[]): string[] {
    const unique = [...new Set(events)];
    const unknown = unique.filter((event) => event !== '*' && !isWebhookEventType(event));
    if (unknown.length > 0) throw new WebhookRefused('WEBHOOK_EVENTS_INVALID', `Unknown event type(s): ${unknown.slice(0, 5).join(', ')}.`);
    if (unique.includes('*') && unique.length > 1) throw new WebhookRefused('WEBHOOK_EVENTS_INVALID', '"*" stands alone: it already means every event.');
    return unique;
  }

  function unitFor(principal: Principal, requested: string | undefined): string | null {
    const own = scopedUnit(principal);
    if (requested !== undefined) assertCanWriteUnit(principal, requested);
    return requested ?? own ?? null;
  }

  return {
    async create(principal: Principal, input: EndpointInput) {
      const businessUnit = unitFor(principal, input.businessUnit);
      const url = await checkUrl(input.url, businessUnit);
      const events = checkEvents(input.events);
      const at = now();
      const secret = newWebhookSecret();
      const endpoint: WebhookEndpoint = {
        id: randomUUID(),
        businessUnit,
        url,
        events,
        description: input.description ?? null,
        enabled: input.enabled ?? true,
        disabledReason: null,
        failingSince: null,
        createdAt: at,
        updatedAt: at,
      };
      // The limit is checked with the insert: requests at once cannot pass it together.
      if (!(await store.webhooks.create({ ...endpoint, secret, previousSecret: null, previousSecretExpiresAt: null }, MAX_ENDPOINTS_PER_UNIT))) {
        throw new Conflict('WEBHOOK_LIMIT_REACHED', `At most ${MAX_ENDPOINTS_PER_UNIT} webhook endpoints per business unit.`);
      }
      return { ...endpoint, secret };
    },

    async list(principal: Principal, filter: { limit: number; offset: number }) {
      const unit = scopedUnit(principal);
      return store.webhooks.list({ businessUnit: unit, ...filter });
    },

    get: visible,

    async update(principal: Principal, id: string, change: Partial<Omit<EndpointInput, 'businessUnit'>>) {
      const endpoint = await visible(principal, id);
      await store.webhooks.update(
        id,
        {
          ...(change.url === undefined ? {} : { url: await checkUrl(change.url, endpoint.businessUnit) }),
          ...(change.events === undefined ? {} : { events: checkEvents(change.events) }),
          ...(change.description === undefined ? {} : { description: change.description }),
          ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
        },
        now(),
      );
      return visible(principal, id);
    },

    async remove(principal: Principal, id: string): Promise<void> {
      await visible(principal, id);
      await store.webhooks.delete(id);
    },

    async rotateSecret(principal: Principal, id: string) {
      const endpoint = await visible(principal, id);
      const secret = newWebhookSecret();
      const previousSecretExpiresAt = new Date(clock.now().getTime() + ROTATION_OVERLAP_MS).toISOString();
      await store.webhooks.rotateSecret(id, secret, previousSecretExpiresAt, now());
      return { ...endpoint, secret, previousSecretExpiresAt };
    },

    async deliveries(principal: Principal, id: string, filter: { failed: boolean; limit: number; offset: number }) {
      await visible(principal, id);
      return store.webhooks.deliveries(id, filter);
    },

    async retry(principal: Principal, id: string, deliveryId: string): Promise<void> {
      await visible(principal, id);
      if (!(await store.webhooks.retry(id, deliveryId, now()))) throw new NotFound('DELIVERY_NOT_FOUND', `Delivery "${deliveryId}" does not exist for this endpoint.`);
    },

    async replay(principal: Principal, id: string, input: { since: string; until?: string | undefined; events?: string[] | undefined }) {
      const endpoint = await visible(principal, id);
      const nowMs = clock.now().getTime();
      const since = Date.parse(input.since);
      const until = input.until === undefined ? nowMs : Date.parse(input.until);
      if (Number.isNaN(since) || Number.isNaN(until) || since >= until) throw new WebhookRefused('WEBHOOK_REPLAY_WINDOW_INVALID', 'since must be a date before until (ISO 8601).');
      if (until - since > MAX_REPLAY_WINDOW_MS || nowMs - since > config.retentionMs) {
        throw new WebhookRefused('WEBHOOK_REPLAY_WINDOW_INVALID', 'A replay covers at most 7 days, within the delivery log\'s retention (WEBHOOK_LOG_RETENTION_DAYS).');
      }
      const events = input.events === undefined ? null : checkEvents(input.events).filter((event) => event !== '*');
      const window = { since: new Date(since).toISOString(), until: new Date(until).toISOString(), events: events?.length === 0 ? null : events, limit: MAX_REPLAY_EVENTS };
      // One replay at a time per endpoint: what a key can queue stays bounded (MAX_REPLAY_EVENTS per endpoint), however often it asks.
      if (await store.webhooks.replaying(endpoint.id)) {
        throw new Conflict('WEBHOOK_REPLAY_IN_PROGRESS', 'An earlier replay to this endpoint is still being delivered; replay again once it is done (see its deliveries).');
      }
      const queued = await store.webhooks.replay(endpoint, window, now());
      return { queued, limit: MAX_REPLAY_EVENTS };
    },

    async sendTest(principal: Principal, id: string) {
      const endpoint = await visible(principal, id);
      const at = now();
      await store.webhooks.emit([
        {
          type: 'webhook.test',
          businessUnit: endpoint.businessUnit ?? '*',
          orderingKey: `test:${endpoint.id}`,
          data: { endpointId: endpoint.id, message: 'A test event, sent on request.' },
          at,
        },
      ]);
      return { queued: true };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
