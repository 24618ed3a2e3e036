import type { Metrics } from '../../observability/metrics.js';
import type { ApiServer } from '../server-types.js';
import { authenticateRequest, presentedKey, type Authenticator } from './auth.plugin.js';
import { basicAuthPassword } from './bull-board.plugin.js';

/** `GET /metrics` (Prometheus text format) for admins: the admin key as a bearer token, X-API-Key or basic-auth password. */
export async function registerMetricsRoute(app: ApiServer, deps: { metrics: Metrics; auth: Authenticator }): Promise<void> {
  await app.register((scope, _options, done) => {
    scope.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      const secret = basicAuthPassword(request) ?? presentedKey(request);
      const principal = await authenticateRequest(request, secret, deps.auth);
      if (principal?.kind !== 'admin') {
        return reply
          .code(401)
          .header('www-authenticate', 'Basic realm="metrics", charset="UTF-8"')
          .send({ error: { code: 'ADMIN_REQUIRED', message: 'Metrics need the admin key.' } });
      }
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
    done();
  });
}
