import { Type } from 'typebox';
import { WEBHOOK_EVENT_TYPES } from '../../events/event-catalogue.js';
import type { WebhookService } from '../../webhooks/webhook.service.js';
import type { ApiServer } from '../server-types.js';
import { BusinessUnit, errorResponses, StringEnum } from '../schemas/common.schema.js';
import { Page } from '../schemas/list.schema.js';

const tags = ['Webhooks'];

const EventType = StringEnum(['*', ...WEBHOOK_EVENT_TYPES] as const, {
  description: 'An event type of the webhook catalogue, or "*" for every one (see the Webhooks section of the README for each payload).',
});
const Events = Type.Array(EventType, { minItems: 1, maxItems: 50 });
const Url = Type.String({ minLength: 8, maxLength: 2048, description: 'http(s) URL the events are POSTed to; redirects are not followed.' });
// Visible text, tabs and line ends: PostgreSQL refuses NUL in text, and no other control character belongs here.
const Description = Type.String({ maxLength: 500, pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$' });
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });

const Endpoint = Type.Object({
  id: Type.String(),
  businessUnit: Type.Union([Type.String(), Type.Null()], { description: 'null: an admin endpoint, receiving every unit\'s events.' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()], { description: 'Why the product disabled it (failing for 5 days), if it did.' }),
  failingSince: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const WithSecret = Type.Object({
  ...Endpoint.properties,
  secret: Type.String({ description: 'whsec_… signing secret, shown this once (Standard Webhooks).' }),
});

const Attempt = Type.Object({
  attempt: Type.Integer(),
  at: Type.String(),
  durationMs: Type.Integer(),
  outcome: StringEnum(['succeeded', 'retry', 'failed'] as const),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  responseBody: Type.Union([Type.String(), Type.Null()], { description: 'The first 1 KB of the response body.' }),
});

const Delivery = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventId: Type.String({ description: 'The webhook-id header and the envelope\'s id: the same on every attempt and replay.' }),
  eventType: Type.String(),
  status: StringEnum(['pending', 'sending', 'succeeded', 'failed', 'expired'] as const),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  log: Type.Array(Attempt),
});

export function webhooksRoutes(webhooks: WebhookService) {
  return function register(app: ApiServer): void {
    app.post(
      '/webhooks',
      {
        schema: {
          tags,
          summary: 'Add a webhook endpoint; the answer carries its signing secret, shown once',
          body: Type.Object(
            {
              url: Url,
              events: Events,
              businessUnit: Type.Optional(BusinessUnit),
              description: Type.Optional(Description),
              enabled: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 201: WithSecret, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => reply.code(201).send(await webhooks.create(request.principal, request.body)),
    );

    app.get(
      '/webhooks',
      {
        schema: { tags, summary: 'Webhook endpoints visible to this key', querystring: Page, response: { 200: Type.Object({ items: Type.Array(Endpoint), total: Type.Integer() }), ...errorResponses(400, 401) } },
      },
      (request) => webhooks.list(request.principal, request.query),
    );

    app.get(
      '/webhooks/:id',
      { schema: { tags, summary: 'One webhook endpoint (never its secret)', params: Id, response: { 200: Endpoint, ...errorResponses(400, 401, 404) } } },
      (request) => webhooks.get(request.principal, request.params.id),
    );

    app.patch(
      '/webhooks/:id',
      {
        schema: {
          tags,
          summary: 'Change an endpoint\'s url, events, description or enabled (enabling again clears the failure streak)',
          params: Id,
          body: Type.Object(
            { url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean()) },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: Endpoint, ...errorResponses(400, 401, 404) },
        },
      },
      (request) => webhooks.update(request.principal, request.params.id, request.body),
    );

    app.delete(
      '/webhooks/:id',
      { schema: { tags, summary: 'Delete an endpoint with its queue and log', params: Id, response: { 204: Type.Null(), ...errorResponses(400, 401, 404) } } },
      async (request, reply) => {
        await webhooks.remove(request.principal, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/webhooks/:id/rotate-secret',
      {
        schema: {
          tags,
          summary: 'A new signing secret (shown once); the old one keeps signing beside it for 24 h',
          params: Id,
          response: { 200: Type.Object({ ...WithSecret.properties, previousSecretExpiresAt: Type.String() }), ...errorResponses(400, 401, 404) },
        },
      },
      (request) => webhooks.rotateSecret(request.principal, request.params.id),
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          tags,
          summary: 'The delivery log, newest first: every attempt with status, duration, response code and the first 1 KB of the body',
          params: Id,
          querystring: Type.Object({ ...Page.properties, failed: Type.Optional(Type.Boolean({ description: 'Only deliveries that failed, expired or are being retried.' })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ items: Type.Array(Delivery), total: Type.Integer() }), ...errorResponses(400, 401, 404) },
        },
      },
      (request) => webhooks.deliveries(request.principal, request.params.id, { failed: request.query.failed ?? false, limit: request.query.limit, offset: request.query.offset }),
    );

    app.post(
      '/webhooks/:id/deliveries/:deliveryId/retry',
      {
        schema: {
          tags,
          summary: 'Send a delivery again now (same event id)',
          params: Type.Object({ id: Type.String({ format: 'uuid' }), deliveryId: Type.String({ format: 'uuid' }) }),
          response: { 202: Type.Object({ queued: Type.Boolean() }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        await webhooks.retry(request.principal, request.params.id, request.params.deliveryId);
        return reply.code(202).send({ queued: true });
      },
    );

    app.post(
      '/webhooks/:id/replay',
      {
        schema: {
          tags,
          summary: 'Re-send the events of a window (at most 7 days, 10,000 events, within the log\'s retention), with their original ids',
          params: Id,
          body: Type.Object(
            { since: Type.String({ format: 'date-time' }), until: Type.Optional(Type.String({ format: 'date-time' })), events: Type.Optional(Events) },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ queued: Type.Integer(), limit: Type.Integer() }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => reply.code(202).send(await webhooks.replay(request.principal, request.params.id, request.body)),
    );

    app.post(
      '/webhooks/:id/test',
      { schema: { tags, summary: 'Queue a webhook.test event to this endpoint', params: Id, response: { 202: Type.Object({ queued: Type.Boolean() }), ...errorResponses(400, 401, 404) } } },
      async (request, reply) => reply.code(202).send(await webhooks.sendTest(request.principal, request.params.id)),
    );
  };
}
