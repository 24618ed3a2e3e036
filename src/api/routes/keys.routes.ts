import { Type } from 'typebox';
import { assertAdmin } from '../../auth/principal.js';
import type { ApiKeyService } from '../../auth/api-key.service.js';
import type { ApiServer } from '../server-types.js';
import { ApiKeyBody, CreatedApiKeyResponse } from '../schemas/api-key.schema.js';
import { errorResponses } from '../schemas/common.schema.js';

const ApiKeyRef = Type.Unsafe({ $ref: 'ApiKey#' });
const tags = ['API keys'];

export function keysRoutes(apiKeys: ApiKeyService) {
  return function register(app: ApiServer): void {
    app.get(
      '/me',
      {
        schema: {
          tags,
          summary: 'Who this key is: admin or operator, and the business unit it is limited to (null: every unit)',
          response: {
            200: Type.Object({
              admin: Type.Boolean(),
              keyId: Type.Union([Type.String(), Type.Null()], { description: 'null for the environment\'s admin key' }),
              businessUnit: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(401),
          },
        },
      },
      (request) => {
        const principal = request.principal;
        return principal.kind === 'admin'
          ? { admin: true, keyId: principal.keyId, businessUnit: null }
          : { admin: false, keyId: principal.keyId, businessUnit: principal.businessUnit };
      },
    );

    app.post(
      '/keys',
      {
        schema: {
          tags,
          summary: 'Create an API key (admin only); the secret is returned once',
          body: ApiKeyBody,
          response: { 201: CreatedApiKeyResponse, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        assertAdmin(request.principal);
        const created = await apiKeys.create({
          name: request.body.name,
          role: request.body.role ?? 'operator',
          businessUnit: request.body.businessUnit ?? null,
        });
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/keys',
      {
        schema: {
          tags,
          summary: 'List API keys, revoked ones included (admin only)',
          response: { 200: Type.Object({ items: Type.Array(ApiKeyRef) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        assertAdmin(request.principal);
        return { items: await apiKeys.list() };
      },
    );

    app.delete(
      '/keys/:id',
      {
        schema: {
          tags,
          summary: 'Revoke an API key (admin only); it stops working at once on every instance',
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          response: { 200: ApiKeyRef, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        assertAdmin(request.principal);
        return apiKeys.revoke(request.params.id);
      },
    );
  };
}
