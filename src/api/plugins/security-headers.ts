import type { FastifyReply } from 'fastify';
import type { ApiServer } from '../server-types.js';

/**
 * Sent with every response (the console, Swagger UI, Bull Board, the API and its errors): no page
 * of ours may be framed by another site (Bull Board's buttons act with a browser's cached basic
 * auth, so a framing page could click them), no response is sniffed into another type, and no
 * URL leaves in a Referer. A page with a policy of its own (the console's) replaces the CSP, and
 * keeps `frame-ancestors 'none'` in it.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function withSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}

/** Registered on the root instance before any route, so every plugin's routes inherit it. */
export function registerSecurityHeaders(app: ApiServer): void {
  app.addHook('onRequest', async (_request, reply) => {
    withSecurityHeaders(reply);
  });
}
