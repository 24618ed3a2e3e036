import type { FastifyRequest } from 'fastify';
import type { UnitService } from '../../units/unit.service.js';
import type { ApiServer } from '../server-types.js';

/** The routes that make a resource in the unit they name: there an admin's new name adds the unit. */
const ADDS_UNIT: ReadonlySet<string> = new Set([
  'POST /api/sessions/config',
  'PATCH /api/sessions/:id',
  'POST /api/keys',
  'POST /api/suppressions',
  'POST /api/webhooks',
]);

/**
 * `businessUnit` in a JSON body or a query string, once validated, becomes the canonical name of
 * the unit it means (`marketing` → `Marketing`), so every service compares units by one spelling.
 * Multipart routes resolve their field as they read it (api/multipart-parts.ts).
 */
export function resolveUnitFields(api: ApiServer, units: UnitService): void {
  api.decorateRequest('resolveUnit', function resolveUnit(this: FastifyRequest, name: string, mayAdd: boolean) {
    return units.resolve(this.principal, name, mayAdd);
  });
  api.addHook('preHandler', async (request) => {
    const adds = ADDS_UNIT.has(`${request.method} ${request.routeOptions.url ?? ''}`);
    for (const [input, mayAdd] of [
      [request.body, adds],
      [request.query, false],
    ] as const) {
      if (input === null || typeof input !== 'object' || Array.isArray(input)) continue;
      const fields = input as Record<string, unknown>;
      if (typeof fields.businessUnit === 'string') fields.businessUnit = await request.resolveUnit(fields.businessUnit, mayAdd);
    }
  });
}
