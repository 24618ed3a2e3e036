import { ValidationFailed } from '../errors/app-error.js';
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { ApiKeyService } from '../auth/api-key.service.js';
import { requestForLog, type Logger } from '../logging/logger.js';
import type { Queues } from '../queue/queues.js';
import type { SessionConfigService } from '../sessions/session-config.service.js';
import type { SessionControlService } from '../sessions/session-control.service.js';
import type { EventEnvelope } from '../events/event-catalogue.js';
import { normalizeNameFields } from '../core/display-name.js';
import { handleError } from './error-handler.js';
import { requireApiKey } from './plugins/auth.plugin.js';
import { registerBullBoard } from './plugins/bull-board.plugin.js';
import { registerDocs } from './plugins/docs.plugin.js';
import { registerSecurityHeaders, withSecurityHeaders } from './plugins/security-headers.js';
import type { ClientVersionRecord } from '../sessions/client-version.store.js';
import { healthRoutes, type ReadinessProbe } from './routes/health.routes.js';
import { keysRoutes } from './routes/keys.routes.js';
import { sessionsRoutes } from './routes/sessions.routes.js';
import { listsRoutes } from './routes/lists.routes.js';
import { suppressionsRoutes } from './routes/suppressions.routes.js';
import { templatesRoutes } from './routes/templates.routes.js';
import type { TemplatePreviewService } from '../templates/template-preview.service.js';
import type { SuppressionService } from '../lists/suppression.service.js';
import { ListResponse } from './schemas/list.schema.js';
import type { ListService } from '../lists/list.service.js';
import multipart from '@fastify/multipart';
import { wsTicketRoutes } from './routes/ws-ticket.routes.js';
import { registerWsGateway } from './ws/ws-gateway.js';
import type { TicketGrant, WsTickets } from './ws/ws-tickets.js';
import type { WsKeyLedger } from './ws/ws-key-ledger.js';
import type { AuthFailureLimiter } from '../auth/auth-failures.js';
import { ApiKeyResponse } from './schemas/api-key.schema.js';
import { ErrorResponse } from './schemas/common.schema.js';
import { SessionConfigResponse } from './schemas/session.schema.js';
import type { ApiServer } from './server-types.js';
import type { BlastService } from '../blasts/blast.service.js';
import type { BlastControl } from '../blasts/blast-control.js';
import { blastsRoutes } from './routes/blasts.routes.js';
import { blastEstimateRoutes } from './routes/blast-estimate.routes.js';
import { webhooksRoutes } from './routes/webhooks.routes.js';
import type { WebhookService } from '../webhooks/webhook.service.js';
import { BlastResponse } from './schemas/blast.schema.js';
import type { Metrics } from '../observability/metrics.js';
import { registerMetricsRoute } from './plugins/metrics.plugin.js';
import { registerRateLimit } from './plugins/rate-limit.plugin.js';
import { registerConsole } from './plugins/console.plugin.js';
import type { Redis } from '../infra/redis.js';
import type { UnitService } from '../units/unit.service.js';
import { unitsRoutes } from './routes/units.routes.js';
import { resolveUnitFields } from './plugins/unit-names.js';

export interface ApiDeps {
  logger: Logger;
  http: { bodyLimit: number; trustProxy: false | number | string };
  /** Requests per minute per API key on /api (the environment's admin key is not limited). */
  rateLimit: { perMinute: number; adminKey: string; redis: Redis };
  version: string;
  apiKeys: ApiKeyService;
  /** Failed authentications per client address, checked before any credential is. */
  authFailures: AuthFailureLimiter;
  sessions: SessionConfigService;
  control: SessionControlService;
  lists: ListService;
  suppressions: SuppressionService;
  previews: TemplatePreviewService;
  blasts: BlastService;
  blastControl: BlastControl;
  webhooks: WebhookService;
  units: UnitService;
  maxUploadBytes: number;
  tickets: WsTickets;
  /** Each key's WebSocket tickets and sockets over every api process. */
  wsLedger: WsKeyLedger;
  /** Starts delivering cross-process events; returns the function that stops it. */
  subscribeEvents: (onEvent: (envelope: EventEnvelope) => void) => Promise<() => Promise<void>>;
  /** Starts hearing of revoked keys (from any api process); returns the function that stops it. */
  subscribeRevocations: (onRevoked: (keyId: string) => void) => Promise<() => Promise<void>>;
  queues: Queues;
  probes: readonly ReadinessProbe[];
  /** The client version the workers recorded, for /ready. */
  clientVersion?: () => Promise<ClientVersionRecord | undefined>;
  metrics: Metrics;
  /** The operator console's build directory (index.html, assets/); undefined: no console. */
  webDir?: string | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The HTTP app, without listening: the api role listens, tests call `app.inject`. */
export async function buildApi(deps: ApiDeps): Promise<ApiServer> {
  const app = Fastify({
    // Typed as Fastify's base logger so the instance matches ApiServer (pino's own type is wider).
    // Request lines carry the URL: its secrets (a WebSocket ?ticket=) are redacted first.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger.child({ component: 'http' }, { serializers: { req: requestForLog } }) as FastifyBaseLogger,
    bodyLimit: deps.http.bodyLimit,
    trustProxy: trustedProxies(deps.http.trustProxy),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
    return503OnClosing: true,
    // Errors Fastify meets before routing (a URL that does not decode, a bad constraint): our
    // error shape and headers, not Fastify's own.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, withSecurityHeaders(reply));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerSecurityHeaders(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0] ?? ''}.` } }),
  );
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids would make a series per resource.
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.http.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.addSchema(ErrorResponse);
  app.addSchema(SessionConfigResponse);
  app.addSchema(ApiKeyResponse);
  app.addSchema(ListResponse);
  app.addSchema(BlastResponse);
  // Uploads are streamed part by part; these bound what one request may carry.
  await app.register(multipart, {
    limits: { fileSize: deps.maxUploadBytes, files: 2, fields: 20, fieldSize: 65_536, parts: 24, headerPairs: 100 },
  });
  await registerDocs(app, deps.version);

  app.register(healthRoutes(deps.probes, deps.clientVersion));
  const auth = { apiKeys: deps.apiKeys, failures: deps.authFailures };
  const gateway = await registerWsGateway(app, {
    tickets: deps.tickets,
    ledger: deps.wsLedger,
    failures: deps.authFailures,
    page: await registerConsole(app, deps.webDir),
    log: deps.logger.child({ component: 'ws' }),
    onOpen: (grant, send) => sendSnapshot(grant, send, deps),
  });
  const unsubscribe = await deps.subscribeEvents((envelope) => {
    gateway.dispatch(envelope);
  });
  app.addHook('onClose', unsubscribe);
  app.addHook('onClose', await deps.subscribeRevocations((keyId) => {
    gateway.closeKey(keyId);
  }));
  await registerBullBoard(app, { queues: deps.queues, auth });
  await registerMetricsRoute(app, { metrics: deps.metrics, auth });
  deps.metrics.gauge('wab_websocket_clients', 'WebSocket clients connected to this api process.', [], (set) => {
    set({}, gateway.clientCount());
  });

  await app.register(
    async (api) => {
      await registerRateLimit(api, deps.rateLimit);
      api.decorateRequest('principal', null as never);
      api.addHook('onRequest', requireApiKey(auth));
      // Names are normalised where they enter, so that the schemas judge (and the store keeps) one form.
      api.addHook('preValidation', (request, _reply, done) => {
        normalizeNameFields(request.body);
        normalizeNameFields(request.query);
        done();
      });
      // A unit named in any case or spacing is that unit: handlers see its canonical name.
      resolveUnitFields(api, deps.units);
      // Ajv's coercion turns `?offset=1e400` into Infinity and lets it through its own bounds: refused here, not at the database.
      api.addHook('preHandler', async (request) => {
        const query = request.query;
        if (query === null || typeof query !== 'object') return;
        const infinite = Object.entries(query).filter(([, value]) => typeof value === 'number' && !Number.isFinite(value));
        if (infinite.length > 0) {
          throw new ValidationFailed('A number in the query is out of range.', infinite.map(([field]) => ({ field, message: 'must be a finite number' })));
        }
        return Promise.resolve();
      });
      keysRoutes(deps.apiKeys)(api);
      sessionsRoutes(deps.sessions, deps.control)(api);
      wsTicketRoutes(deps.tickets, deps.sessions, deps.blasts)(api);
      listsRoutes(deps.lists)(api);
      suppressionsRoutes(deps.suppressions, deps.lists)(api);
      templatesRoutes(deps.previews)(api);
      blastsRoutes(deps.blasts, deps.blastControl)(api);
      blastEstimateRoutes(deps)(api);
      webhooksRoutes(deps.webhooks)(api);
      unitsRoutes(deps.units)(api);
    },
    { prefix: '/api' },
  );

  return app;
}

/**
 * N proxies in front: the client is the address the outermost of them saw. Fastify 5 takes no
 * bare hop count (it would trust nothing), hence the function; the app must then be reachable only
 * through those proxies, or a client could write the hops itself.
 */
function trustedProxies(trust: false | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** A new socket first gets the current status of what it watches, so it never starts blind. */
async function sendSnapshot(grant: TicketGrant, send: (envelope: EventEnvelope) => void, deps: ApiDeps): Promise<void> {
  const principal = grant.businessUnit === null
    ? ({ kind: 'admin', keyId: null } as const)
    : ({ kind: 'operator', keyId: grant.keyId ?? 'ws-ticket', businessUnit: grant.businessUnit } as const);
  if (grant.blastId !== undefined) {
    const blast = await deps.blasts.get(principal, grant.blastId);
    send({ event: 'blast:progress', data: deps.blastControl.progressOf(blast), scope: { businessUnit: blast.businessUnit, blastId: blast.id } });
    return;
  }
  const configs =
    grant.sessionId === undefined
      ? await deps.sessions.list(principal, {})
      : [await deps.sessions.get(principal, grant.sessionId)];
  for (const config of configs) {
    const view = await deps.control.view(config);
    send({
      event: 'session:status',
      data: {
        sessionId: view.id,
        status: view.status,
        reason: view.statusReason,
        phone: view.linkedPhone,
        name: view.linkedName,
        at: view.statusAt ?? new Date().toISOString(),
      },
      scope: { businessUnit: view.businessUnit, sessionId: view.id },
    });
    // A session's own socket, opened while it waits for a scan, shows the current code at once.
    if (grant.sessionId !== undefined && (view.status === 'qr' || view.status === 'connecting')) {
      const code = await deps.control.currentCode(view.id);
      if (code !== undefined) send({ ...code, scope: { businessUnit: view.businessUnit, sessionId: view.id } });
    }
  }
}
