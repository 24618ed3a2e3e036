import { createWebhookService } from '../webhooks/webhook.service.js';
import { fileURLToPath } from 'node:url';
import { createUnitService } from '../units/unit.service.js';
import { buildApi } from '../api/app.js';
import type { ApiServer } from '../api/server-types.js';
import { createApiKeyService } from '../auth/api-key.service.js';
import { createSessionConfigService } from '../sessions/session-config.service.js';
import { createSessionControlService } from '../sessions/session-control.service.js';
import { subscribeToEvents } from '../events/event-bus.js';
import { WsTickets } from '../api/ws/ws-tickets.js';
import { WsKeyLedger } from '../api/ws/ws-key-ledger.js';
import { createAuthFailureLimiter } from '../auth/auth-failures.js';
import { announceRevocation, subscribeToRevocations } from '../auth/key-revocations.js';
import { createImportQueue } from '../lists/import-queue.js';
import { createListService } from '../lists/list.service.js';
import { createSuppressionService } from '../lists/suppression.service.js';
import { createTemplatePreviewService } from '../templates/template-preview.service.js';
import { normalizePhone } from '../core/phone.js';
import { startWorker } from '../worker/worker.js';
import { createBlastControl } from '../blasts/blast-control.js';
import { createBlastService } from '../blasts/blast.service.js';
import { createBlastSignals } from '../sending/blast-signals.js';
import { resolveAdminKey, type AdminKey } from './admin-key.js';
import { readClientVersion } from '../sessions/client-version.store.js';
import type { Lifecycle } from './lifecycle.js';
import type { Runtime } from './runtime.js';
import { VERSION } from './version.js';

export type Role = 'api' | 'worker' | 'all';

/** The HTTP app over a runtime, not yet listening (tests call `app.inject`). */
export async function createApiApp(runtime: Runtime, adminKey: AdminKey): Promise<ApiServer> {
  const { config, logger, store, clock } = runtime;
  const redis = runtime.redis.client;
  const wsLedger = new WsKeyLedger(redis, config.wsMaxSocketsPerKey);
  const apiKeys = createApiKeyService({
    repository: store.apiKeys,
    adminApiKey: adminKey.key,
    clock,
    onRevoked: async (keyId) => {
      await announceRevocation(redis, config.redis.prefix, keyId);
      await wsLedger.forget(keyId);
    },
    onTouchError: (error) => {
      logger.warn({ err: error }, 'could not record API key use');
    },
  });
  const lists = createListService({
    store,
    imports: createImportQueue({ store, queues: runtime.queues }),
    clock,
    defaultCountry: config.defaultCountry,
    maxUploadBytes: config.uploads.maxBytes,
  });
  const blastControl = createBlastControl({
    store,
    events: runtime.events,
    signals: createBlastSignals(runtime.redis.client, config.redis.prefix),
    clock,
    queues: runtime.queues,
    log: logger,
    webhookProgressIntervalMs: config.webhooks.progressIntervalMs,
  });
  return buildApi({
    logger,
    http: config.http,
    rateLimit: { perMinute: config.http.rateLimitPerMinute, adminKey: adminKey.key, redis: runtime.redis.client },
    version: VERSION,
    apiKeys,
    authFailures: createAuthFailureLimiter(redis, {
      perMinute: config.http.authFailuresPerMinute,
      onError: (error) => {
        logger.warn({ err: error }, 'could not count a failed authentication');
      },
    }),
    sessions: createSessionConfigService({ repository: store.sessions, blasts: store.blasts, blastControl, clock }),
    control: createSessionControlService({
      store,
      live: runtime.live,
      leases: runtime.leases,
      redis: runtime.redis.client,
      prefix: config.redis.prefix,
      clock,
      healthModel: config.health,
      acknowledgeHealth: (session) => blastControl.acknowledgeHealth(session),
    }),
    tickets: new WsTickets(redis, config.wsTicketTtlMs, wsLedger),
    wsLedger,
    lists,
    suppressions: createSuppressionService({ store, clock, normalizePhone, defaultCountry: config.defaultCountry }),
    previews: createTemplatePreviewService({ lists }),
    blasts: createBlastService({ store, lists, control: blastControl, queues: runtime.queues, clock, mediaMaxBytes: config.blasts.mediaMaxBytes }),
    blastControl,
    webhooks: createWebhookService({ store, clock, config: config.webhooks }),
    units: createUnitService({ repository: store.units, clock, strict: config.units.strict }),
    maxUploadBytes: config.uploads.maxBytes,
    webDir: config.webDir ?? fileURLToPath(new URL('../web', import.meta.url)),
    subscribeEvents: (onEvent) =>
      subscribeToEvents(runtime.redis.newSubscriber('events'), config.redis.prefix, logger.child({ component: 'events' }), onEvent),
    subscribeRevocations: (onRevoked) =>
      subscribeToRevocations(runtime.redis.newSubscriber('key-revocations'), config.redis.prefix, logger.child({ component: 'keys' }), onRevoked),
    queues: runtime.queues,
    metrics: runtime.metrics,
    clientVersion: () => readClientVersion(runtime.redis.client),
    probes: [
      { name: 'database', check: () => runtime.database.ping() },
      {
        name: 'redis',
        check: async () => {
          await runtime.redis.client.ping();
        },
      },
    ],
  });
}

/** The api role: HTTP (REST, docs, Bull Board). It never parses big files or holds a WhatsApp socket. */
export async function startApi(runtime: Runtime, lifecycle: Lifecycle): Promise<{ url: string }> {
  const { config, logger } = runtime;
  const adminKey = resolveAdminKey(config.adminApiKey, config.dataDir);
  announceAdminKey(adminKey);
  const app = await createApiApp(runtime, adminKey);
  lifecycle.defer('http', () => app.close());
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  logger.info({ url, console: `${url}/`, docs: `${url}/api/docs` }, 'api listening');
  return { url };
}

export async function startRole(role: Role, runtime: Runtime, lifecycle: Lifecycle): Promise<void> {
  switch (role) {
    case 'api':
      await startApi(runtime, lifecycle);
      return;
    case 'worker':
      await startWorker(runtime, lifecycle);
      return;
    case 'all':
      await startWorker(runtime, lifecycle);
      await startApi(runtime, lifecycle);
      return;
  }
}

/**
 * The one time a secret is printed: when it was just generated. It goes to the terminal,
 * not through the logger, so log shipping never carries it.
 */
function announceAdminKey(admin: AdminKey): void {
  if (admin.source === 'generated') {
    process.stdout.write(
      `\nAdmin API key (generated, shown once): ${admin.key}\n` +
        `It is kept in ${String(admin.file)} (mode 0600); set ADMIN_API_KEY to use your own.\n\n`,
    );
  } else if (admin.source === 'file') {
    process.stdout.write(`Admin API key: the one kept in ${String(admin.file)}\n`);
  }
}
