import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { startLocalRedis } from '../../src/infra/local-redis.js';
import { createLogger } from '../../src/logging/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** An admin connection URL, or '' when PostgreSQL tests are to be skipped. */
    postgresUrl: string;
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Real Redis for the integration and end-to-end tiers: TEST_REDIS_URL, else the usual local
 * one, else a private redis-server for this run. Every test then uses its own key prefix.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let stop = (): Promise<void> => Promise.resolve();
  let redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await answers(redisUrl))) {
    if (process.env.TEST_REDIS_URL) throw new Error(`TEST_REDIS_URL=${redisUrl} does not answer`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-test-redis-'));
    const local = await startLocalRedis({ bin: 'redis-server', dir, log: createLogger('warn') });
    redisUrl = local.url;
    stop = async () => {
      await local.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  project.provide('redisUrl', redisUrl);
  project.provide('postgresUrl', process.env.TEST_POSTGRES_URL ?? '');
  return stop;
}
