import { Worker } from 'bullmq';
import type { Lifecycle } from '../app/lifecycle.js';
import type { Runtime } from '../app/runtime.js';
import { QUEUE_NAMES } from '../queue/queue-catalogue.js';
import path from 'node:path';
import { createImportTools } from '../lists/import-tools.js';
import { importProcessors } from './import.processor.js';
import { maintenanceProcessors } from './maintenance.processor.js';
import { assertEveryJobHandled, dispatcher, type Processors } from './processors.js';
import { createProviders } from './providers.js';
import { SessionManager } from './session-manager.js';

const REVOKED_KEY_RETENTION_DAYS = 30;

/** The worker role: a BullMQ consumer per queue of the catalogue, and the recurring jobs. */
export async function startWorker(runtime: Runtime, lifecycle: Lifecycle): Promise<SessionManager> {
  const log = runtime.logger.child({ component: 'worker' });
  const processors: Processors = {
    imports: importProcessors({
      store: runtime.store,
      clock: runtime.clock,
      log: runtime.logger.child({ component: 'imports' }),
      tools: createImportTools({
        maxRows: runtime.config.imports.maxRows + 1, // the header row counts as a row for the reader
        maxUncompressedBytes: runtime.config.imports.maxUncompressedBytes,
        maxCompressionRatio: runtime.config.imports.maxCompressionRatio,
      }),
      tmpDir: path.join(runtime.config.dataDir, 'tmp'),
      onProgress: (list) =>
        runtime.events.publish(
          'list:progress',
          { listId: list.id, status: list.status, counts: list.counts, error: list.error && { code: list.error.code, message: list.error.message } },
          { businessUnit: list.businessUnit, listId: list.id },
        ),
    }),
    maintenance: maintenanceProcessors({ store: runtime.store, clock: runtime.clock, log }),
  };
  assertEveryJobHandled(processors);

  for (const queue of QUEUE_NAMES) {
    const worker = new Worker(queue, dispatcher(queue, processors), {
      connection: runtime.redis.newBullmqConnection(`worker:${queue}`),
      prefix: runtime.redis.prefix,
      concurrency: 1,
    });
    worker.on('failed', (job, error) => {
      log.warn({ queue, job: job?.name, jobId: job?.id, err: error }, 'job failed');
    });
    worker.on('error', (error) => {
      log.error({ queue, err: error }, 'worker error');
    });
    // Closing waits for the jobs in hand to finish, so nothing is left half-done.
    lifecycle.defer(`worker:${queue}`, () => worker.close());
  }

  const sessions = new SessionManager({
    workerId: runtime.config.sessions.workerId,
    store: runtime.store,
    leases: runtime.leases,
    live: runtime.live,
    events: runtime.events,
    createProvider: createProviders(runtime),
    subscriber: runtime.redis.newSubscriber('session-commands'),
    prefix: runtime.redis.prefix,
    clock: runtime.clock,
    log: runtime.logger.child({ component: 'sessions' }),
    maxSessions: runtime.config.sessions.maxPerWorker,
    reconcileIntervalMs: runtime.config.sessions.reconcileIntervalMs,
  });
  await sessions.start();
  lifecycle.defer('sessions', () => sessions.stop());

  // Idempotent: every worker declares the same schedule; BullMQ keeps one.
  await runtime.queues.maintenance.upsertJobScheduler(
    'purge-revoked-keys',
    { every: 86_400_000 },
    { name: 'purge-revoked-keys', data: { olderThanDays: REVOKED_KEY_RETENTION_DAYS } },
  );
  log.info({ queues: QUEUE_NAMES, workerId: runtime.config.sessions.workerId }, 'worker started');
  return sessions;
}
