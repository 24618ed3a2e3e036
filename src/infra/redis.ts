import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger.js';

export type { Redis } from 'ioredis';

/**
 * Our own keys go through a client whose every key starts with `<prefix>:`, so several
 * deployments (and test runs) can share one Redis. BullMQ gets separate connections and its
 * own `prefix` option, because it does not support ioredis' keyPrefix.
 */
export function createRedis(
  url: string,
  options: { prefix?: string; name: string; log: Logger; forBullmq?: boolean; subscriber?: boolean },
): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    // BullMQ workers block on Redis and must never give up a command.
    maxRetriesPerRequest: options.forBullmq ? null : 3,
    // A subscriber's SUBSCRIBE, queued before the connection opened, can reach Redis ahead of the ready
    // check's INFO, which Redis then refuses ("Connection in subscriber mode"): the ready check failed and
    // the channel stayed unsubscribed, every command published to it lost (seen on loaded test runs as a
    // worker deaf to connect, scan and signal commands). A subscriber connection has no ready check.
    enableReadyCheck: options.subscriber !== true,
    retryStrategy: (attempt) => Math.min(200 * 2 ** attempt, 5_000),
  };
  if (options.prefix !== undefined) redisOptions.keyPrefix = `${options.prefix}:`;
  const client = new Redis(url, redisOptions);
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis emits the same error on every retry; log a change, not a flood.
    if (error.message !== lastError) options.log.warn({ err: error, connection: options.name }, 'redis error');
    lastError = error.message;
  });
  client.on('ready', () => {
    lastError = '';
  });
  return client;
}

export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
