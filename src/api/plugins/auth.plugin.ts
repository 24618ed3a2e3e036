import type { FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../../auth/api-key.service.js';
import type { Principal } from '../../auth/principal.js';
import { Unauthorized } from '../../errors/app-error.js';

/** The secret a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1]) return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return undefined;
}

/** onRequest hook for the /api subtree: no principal, no entry. */
export function requireApiKey(apiKeys: ApiKeyService) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const secret = presentedKey(request);
    if (secret === undefined) {
      throw new Unauthorized('API_KEY_MISSING', 'Send an API key: "Authorization: Bearer <key>" or "X-API-Key: <key>".');
    }
    const principal: Principal | undefined = await apiKeys.authenticate(secret);
    if (!principal) throw new Unauthorized('API_KEY_INVALID', 'The API key is unknown or revoked.');
    request.principal = principal;
  };
}
