import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { handleError } from '../error-handler.js';
import type { Queues } from '../../queue/queues.js';
import type { ApiServer } from '../server-types.js';
import { authenticateRequest, presentedKey, type Authenticator } from './auth.plugin.js';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for every queue of the catalogue, for admins only: HTTP basic auth whose password
 * is an admin key (so a browser prompts), or an admin key in the usual headers.
 */
export async function registerBullBoard(app: ApiServer, deps: { queues: Queues; auth: Authenticator }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: Object.values(deps.queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'WA Blaster queues' } },
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const secret = basicAuthPassword(request) ?? presentedKey(request);
      // Bull Board's routes have an error handler of their own: answer a refusal here, as ours would.
      const principal = await authenticateRequest(request, secret, deps.auth).catch((error: unknown) => {
        handleError(error as FastifyError, request, reply);
        return null;
      });
      if (principal === null) return;
      if (principal?.kind === 'admin') return;
      await reply
        .code(401)
        .header('www-authenticate', 'Basic realm="Bull Board", charset="UTF-8"')
        .send({ error: { code: 'ADMIN_REQUIRED', message: 'Bull Board needs the admin key (as the basic-auth password).' } });
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}

export function basicAuthPassword(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}
