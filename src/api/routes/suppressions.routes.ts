import { Type } from 'typebox';
import type { ListService } from '../../lists/list.service.js';
import type { SuppressionService } from '../../lists/suppression.service.js';
import type { ApiServer } from '../server-types.js';
import { BusinessUnit, errorResponses, StringEnum } from '../schemas/common.schema.js';
import { Page } from '../schemas/list.schema.js';
import { registerListUpload } from './lists.routes.js';

const tags = ['Suppressions'];
const Country = Type.String({ pattern: '^[A-Za-z]{2}$' });

export function suppressionsRoutes(suppressions: SuppressionService, lists: ListService) {
  return function register(app: ApiServer): void {
    app.post(
      '/suppressions',
      {
        schema: {
          tags,
          summary: 'Add numbers to a business unit\'s opt-out list; they are never messaged again',
          body: Type.Object(
            {
              phones: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10_000 }),
              businessUnit: Type.Optional(BusinessUnit),
              reason: Type.Optional(Type.String({ maxLength: 200 })),
              defaultCountry: Type.Optional(Country),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              businessUnit: Type.String(),
              added: Type.Integer(),
              alreadySuppressed: Type.Integer(),
              invalid: Type.Array(Type.Object({ value: Type.String(), reason: Type.String() })),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      (request) => suppressions.add(request.principal, request.body),
    );

    app.get(
      '/suppressions',
      {
        schema: {
          tags,
          summary: 'Suppressed numbers visible to this key, newest first',
          querystring: Type.Object(
            { ...Page.properties, businessUnit: Type.Optional(BusinessUnit), phone: Type.Optional(Type.String({ pattern: '^\\+[0-9]{6,15}$' })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  businessUnit: Type.String(),
                  phone: Type.String(),
                  reason: Type.Union([Type.String(), Type.Null()]),
                  source: StringEnum(['api', 'import', 'reply'] as const),
                  createdAt: Type.String(),
                }),
              ),
              total: Type.Integer(),
            }),
            ...errorResponses(400, 401),
          },
        },
      },
      (request) => suppressions.list(request.principal, request.query),
    );

    app.delete(
      '/suppressions/:phone',
      {
        schema: {
          tags,
          summary: 'Remove a number from the opt-out list (it may be messaged again)',
          params: Type.Object({ phone: Type.String({ minLength: 1, maxLength: 64 }) }),
          querystring: Type.Object({ businessUnit: Type.Optional(BusinessUnit), defaultCountry: Type.Optional(Country) }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        await suppressions.remove(request.principal, request.params.phone, request.query.businessUnit, request.query.defaultCountry);
        return reply.code(204).send(null);
      },
    );

    registerListUpload(app, lists, {
      url: '/suppressions/import',
      tags,
      purpose: 'suppression',
      summary: 'Upload an opt-out spreadsheet (.xlsx/.csv): imported like a list, then added to the suppressions',
      description: 'Answers 202 with the id of a list of purpose "suppression"; follow it with GET /api/lists/{id} (rejects included).',
    });
  };
}
