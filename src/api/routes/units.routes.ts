import { Type } from 'typebox';
import type { UnitService } from '../../units/unit.service.js';
import type { ApiServer } from '../server-types.js';
import { BusinessUnit, errorResponses } from '../schemas/common.schema.js';

const tags = ['Units'];

const Unit = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String({ description: 'The canonical name, as every resource of the unit shows it.' }),
  variantOf: Type.Union([Type.String(), Type.Null()], {
    description:
      'Set on a unit kept from before units existed beside another whose name differs only in case (that unit\'s name): ' +
      'never merged, it stays its own unit until an admin renames it.',
  }),
  createdAt: Type.String({ format: 'date-time' }),
});
const UnitBody = Type.Object({ name: BusinessUnit }, { additionalProperties: false });
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });

export function unitsRoutes(units: UnitService) {
  return function register(app: ApiServer): void {
    app.get(
      '/units',
      {
        schema: {
          tags,
          summary: 'Business units, by name (a key limited to a unit sees its own)',
          response: { 200: Type.Object({ items: Type.Array(Unit) }), ...errorResponses(401) },
        },
      },
      async (request) => ({ items: await units.list(request.principal) }),
    );

    app.get(
      '/units/:id',
      {
        schema: { tags, summary: 'A business unit', params: Id, response: { 200: Unit, ...errorResponses(400, 401, 404) } },
      },
      (request) => units.get(request.principal, request.params.id),
    );

    app.post(
      '/units',
      {
        schema: {
          tags,
          summary: 'Add a business unit (admin only)',
          description: 'Names are unique without regard to case or spacing: 409 UNIT_EXISTS when one is taken.',
          body: UnitBody,
          response: { 201: Unit, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => reply.code(201).send(await units.create(request.principal, request.body.name)),
    );

    app.patch(
      '/units/:id',
      {
        schema: {
          tags,
          summary: 'Rename a business unit (admin only): its sessions, lists, opt-outs, keys, webhooks and blasts show the new name at once',
          description: '409 UNIT_EXISTS when the name (without regard to case or spacing) is another unit\'s.',
          params: Id,
          body: UnitBody,
          response: { 200: Unit, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      (request) => units.rename(request.principal, request.params.id, request.body.name),
    );

    app.delete(
      '/units/:id',
      {
        schema: {
          tags,
          summary: 'Delete a business unit nothing uses (admin only)',
          description:
            '409 UNIT_IN_USE while sessions, lists, opt-outs, active keys, webhooks or blasts name it; details.references counts each kind.',
          params: Id,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await units.remove(request.principal, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
