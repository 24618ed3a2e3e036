import fs from 'node:fs';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import { Lifecycle } from '../../src/app/lifecycle.js';
import { createApiApp } from '../../src/app/roles.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import type { ApiServer } from '../../src/api/server-types.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { sqliteDatabase, tempDir, type TestDatabase } from './databases.js';
import { deletePrefix, uniquePrefix } from './redis.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdefghijklmnop';

export interface TestApi {
  runtime: Runtime;
  app: ApiServer;
  /** Every log line the app wrote, to check what reaches the logs. */
  logs: string[];
  close(): Promise<void>;
}

/** The real api over real Redis (own prefix) and a real database (own file or database). */
export async function startTestApi(database: TestDatabase = sqliteDatabase(), env: Record<string, string> = {}): Promise<TestApi> {
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix('api');
  const dataDir = tempDir('data');
  const config = loadConfig({
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger('info', sink);
  const lifecycle = new Lifecycle(logger);
  const runtime = await createRuntime(config, logger, lifecycle);
  const app = await createApiApp(runtime, { key: ADMIN_KEY, source: 'environment' });
  await app.ready();
  return {
    runtime,
    app,
    logs,
    close: async () => {
      await app.close();
      await lifecycle.close();
      await deletePrefix(redisUrl, prefix);
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const asAdmin = { authorization: `Bearer ${ADMIN_KEY}` };
export const withKey = (secret: string): Record<string, string> => ({ 'x-api-key': secret });
