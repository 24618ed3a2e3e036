import { createHash, timingSafeEqual } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from '../../infra/redis.js';
import { AppError } from '../../errors/app-error.js';
import type { ApiServer } from '../server-types.js';
import { presentedKey } from './auth.plugin.js';

export class RateLimited extends AppError {
  readonly status = 429;
  readonly code = 'RATE_LIMITED';
}

const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/**
 * Requests per API key per minute, counted in Redis so every api instance shares the count.
 * Answers 429 RATE_LIMITED with Retry-After. Requests without a key count by address. The
 * environment's admin key (operators, scripts) is not limited.
 */
export async function registerRateLimit(app: ApiServer, deps: { redis: Redis; perMinute: number; adminKey: string }): Promise<void> {
  const admin = digest(deps.adminKey);
  await app.register(rateLimit, {
    max: deps.perMinute,
    timeWindow: 60_000,
    redis: deps.redis,
    nameSpace: 'rate-limit:',
    // Redis unreachable: let requests through rather than refuse everyone (readiness reports it).
    skipOnError: true,
    keyGenerator: (request) => {
      const key = presentedKey(request);
      return key === undefined ? `ip:${request.ip}` : `key:${digest(key).toString('hex').slice(0, 32)}`;
    },
    allowList: (request) => {
      const key = presentedKey(request);
      return key !== undefined && timingSafeEqual(digest(key), admin);
    },
    errorResponseBuilder: (_request, context) =>
      new RateLimited(`Too many requests for this API key: at most ${context.max} a minute. Try again in ${context.after}.`, {
        limit: context.max,
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });
}
