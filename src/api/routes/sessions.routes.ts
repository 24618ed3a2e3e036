import { Type } from 'typebox';
import type { SessionConfigService } from '../../sessions/session-config.service.js';
import type { ApiServer } from '../server-types.js';
import { BusinessUnit, errorResponses } from '../schemas/common.schema.js';
import { SessionConfigBody, SessionConfigPatchBody, SessionId } from '../schemas/session.schema.js';

const SessionRef = Type.Unsafe({ $ref: 'SessionConfig#' });
const IdParams = Type.Object({ id: SessionId });
const tags = ['Sessions'];

export function sessionsRoutes(sessions: SessionConfigService) {
  return function register(app: ApiServer): void {
    app.post(
      '/sessions/config',
      {
        schema: {
          tags,
          summary: 'Add a WhatsApp account (session config); no restart needed',
          description:
            'A key limited to a business unit creates sessions in its unit (businessUnit may be omitted) and gets 403 for another unit.',
          body: SessionConfigBody,
          response: { 201: SessionRef, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const created = await sessions.create(request.principal, request.body);
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/sessions',
      {
        schema: {
          tags,
          summary: 'List sessions visible to this key',
          querystring: Type.Object({ businessUnit: Type.Optional(BusinessUnit) }, { additionalProperties: false }),
          response: { 200: Type.Object({ items: Type.Array(SessionRef) }), ...errorResponses(400, 401) },
        },
      },
      async (request) => ({ items: await sessions.list(request.principal, request.query) }),
    );

    app.get(
      '/sessions/:id',
      {
        schema: {
          tags,
          summary: 'Get one session',
          params: IdParams,
          response: { 200: SessionRef, ...errorResponses(400, 401, 404) },
        },
      },
      (request) => sessions.get(request.principal, request.params.id),
    );

    app.patch(
      '/sessions/:id',
      {
        schema: {
          tags,
          summary: 'Change a session: name, business unit, pacing policy, sandbox settings',
          params: IdParams,
          body: SessionConfigPatchBody,
          response: { 200: SessionRef, ...errorResponses(400, 401, 403, 404) },
        },
      },
      (request) => sessions.update(request.principal, request.params.id, request.body),
    );

    app.delete(
      '/sessions/:id',
      {
        schema: {
          tags,
          summary: 'Delete a session config',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        await sessions.delete(request.principal, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
