import type { Config } from '../config/config.js';
import { systemClock, type Clock } from '../infra/clock.js';
import { startLocalRedis } from '../infra/local-redis.js';
import { closeRedis, createRedis, type Redis } from '../infra/redis.js';
import { maskUrl, type Logger } from '../logging/logger.js';
import { closeQueues, createQueues, type Queues } from '../queue/queues.js';
import { createEventPublisher, type EventPublisher } from '../events/event-bus.js';
import { LiveStatusStore } from '../sessions/live-status.js';
import { SessionLeases } from '../sessions/session-leases.js';
import { createDatabase, type DatabaseHandle } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { createStore, type Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';
import { dataPaths, preparePrivateData } from './data-dir.js';
import { createMetrics, serveMetrics, type Metrics } from '../observability/metrics.js';
import { QUEUE_NAMES } from '../queue/queue-catalogue.js';

export interface RedisAccess {
  url: string;
  prefix: string;
  /** For our own keys: every key is prefixed with `<prefix>:`. */
  client: Redis;
  /** A new connection for BullMQ (which needs its own, unprefixed, never giving up). */
  newBullmqConnection(name: string): Redis;
  /** A new connection for pub/sub subscriptions (a subscribed connection can do nothing else). */
  newSubscriber(name: string): Redis;
}

/** What both roles share: config, logger, database, Redis, queues, clock. */
export interface Runtime {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: DatabaseHandle;
  store: Store;
  redis: RedisAccess;
  queues: Queues;
  events: EventPublisher;
  live: LiveStatusStore;
  leases: SessionLeases;
  metrics: Metrics;
}

export async function createRuntime(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<Runtime> {
  const log = logger.child({ component: 'runtime' });
  const tightened = preparePrivateData(config);
  if (tightened.length > 0) {
    log.warn({ paths: tightened }, 'made files and directories of DATA_DIR private (0600/0700): an earlier install left them readable by other users');
  }

  let redisUrl = config.redis.url;
  if (redisUrl === undefined) {
    const local = await startLocalRedis({ bin: config.redis.serverBin, dir: dataPaths(config.dataDir).redisDir, log });
    lifecycle.defer('redis-server', () => local.stop());
    redisUrl = local.url;
  }

  const database = createDatabase(config.database, (error) => {
    log.warn({ err: error }, 'an idle database connection was closed by the server; it will be replaced');
  });
  lifecycle.defer('database', () => database.close());
  await migrateToLatest(database, log);
  log.info(
    config.database.kind === 'sqlite'
      ? { database: 'sqlite', file: config.database.file }
      : { database: 'postgres', url: maskUrl(config.database.url) },
    'database ready',
  );

  const url = redisUrl;
  const client = createRedis(url, { prefix: config.redis.prefix, name: 'app', log });
  lifecycle.defer('redis:app', () => closeRedis(client));
  const redis: RedisAccess = {
    url,
    prefix: config.redis.prefix,
    client,
    newBullmqConnection(name) {
      const connection = createRedis(url, { name, log, forBullmq: true });
      lifecycle.defer(`redis:${name}`, () => closeRedis(connection));
      return connection;
    },
    newSubscriber(name) {
      const connection = createRedis(url, { name, log, subscriber: true });
      lifecycle.defer(`redis:${name}`, () => closeRedis(connection));
      return connection;
    },
  };
  await client.ping();

  const queues = createQueues(redis.newBullmqConnection('queues'), config.redis.prefix);
  lifecycle.defer('queues', () => closeQueues(queues));

  const store = createStore(database);
  const live = new LiveStatusStore(client);
  const metrics = createMetrics(config.role);
  metrics.gauge('wab_queue_jobs', 'Jobs in each queue by state (shared by every process).', ['queue', 'state'], async (set) => {
    for (const name of QUEUE_NAMES) {
      const counts = await queues[name].getJobCounts('waiting', 'active', 'delayed', 'failed');
      for (const [state, count] of Object.entries(counts)) set({ queue: name, state }, count);
    }
  });
  metrics.gauge('wab_session_status', 'Each session\'s live status (1 for its current one).', ['session', 'status'], async (set) => {
    for (const session of await store.sessions.list({})) {
      const status = (await live.read(session.id))?.status ?? 'disconnected';
      set({ session: session.id, status }, 1);
    }
  });
  if (config.metricsPort !== undefined) {
    const server = await serveMetrics(metrics, config.metricsPort, config.http.host);
    lifecycle.defer('metrics', () => new Promise<void>((resolve) => server.close(() => { resolve(); })));
    log.info({ port: config.metricsPort }, 'metrics served');
  }

  return {
    config,
    logger,
    metrics,
    clock: systemClock,
    database,
    store,
    redis,
    queues,
    events: createEventPublisher(client, config.redis.prefix),
    live,
    leases: new SessionLeases(client, config.sessions.workerId, config.sessions.leaseTtlMs),
  };
}
