import type { FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../../auth/api-key.service.js';
import type { AuthFailureLimiter } from '../../auth/auth-failures.js';
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

export interface Authenticator {
  apiKeys: ApiKeyService;
  failures: AuthFailureLimiter;
}

/**
 * The principal for a secret a request presents (none: undefined), a missing or refused one
 * counted against the client's address: 429 AUTH_RATE_LIMITED past the limit.
 */
export function authenticateRequest(request: FastifyRequest, secret: string | undefined, auth: Authenticator): Promise<Principal | undefined> {
  return auth.failures.attempt(request.ip, secret, () => (secret === undefined ? Promise.resolve(undefined) : auth.apiKeys.authenticate(secret)));
}

/** onRequest hook for the /api subtree: no principal, no entry. */
export function requireApiKey(auth: Authenticator) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const secret = presentedKey(request);
    const principal = await authenticateRequest(request, secret, auth);
    if (secret === undefined) {
      throw new Unauthorized('API_KEY_MISSING', 'Send an API key: "Authorization: Bearer <key>" or "X-API-Key: <key>".');
    }
    if (!principal) throw new Unauthorized('API_KEY_INVALID', 'The API key is unknown or revoked.');
    request.principal = principal;
  };
}
