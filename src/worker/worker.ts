import { createReplyAnnouncer } from '../replies/reply-announcer.js';
import { Worker, type Job } from 'bullmq';
import type { Lifecycle } from '../app/lifecycle.js';
import type { Runtime } from '../app/runtime.js';
import { QUEUE_NAMES } from '../queue/queue-catalogue.js';
import { dataPaths } from '../app/data-dir.js';
import { importProcessors } from './import.processor.js';
import { hasImportProcess, ImportProcesses } from '../lists/import-process.js';
import { failOrphanedBlasts, maintenanceProcessors } from './maintenance.processor.js';
import { createImportQueue } from '../lists/import-queue.js';
import type { RecipientList } from '../core/recipient-list.js';
import { assertEveryJobHandled, dispatcher, type Processors } from './processors.js';
import { createProviders } from './providers.js';
import { SessionManager } from './session-manager.js';
import { createBlastControl } from '../blasts/blast-control.js';
import { createFollowUps } from '../blasts/follow-ups.js';
import { enqueue } from '../queue/queues.js';
import { BlastEngine } from '../sending/blast-engine.js';
import { createBlastSignals } from '../sending/blast-signals.js';
import { createSessionRestrictions } from '../sending/session-restrictions.js';
import { PacingGate } from '../sending/pacing-gate.js';
import { formatWaVersion, resolveWaVersion } from '../providers/baileys/wa-version.js';
import { recordClientVersion } from '../sessions/client-version.store.js';
import { InboundDedupe } from '../sessions/inbound-dedupe.js';
import { registerHealthGauges } from './health-gauges.js';
import { registerNewChatCapGauges } from './new-chat-cap-gauges.js';
import { blastProcessors } from './blast.processor.js';
import { WebhookWorker } from '../webhooks/webhook-worker.js';

const REVOKED_KEY_RETENTION_DAYS = 30;
/** How soon an import lost to crashes (or never queued) is noticed. */
const RESUME_IMPORTS_EVERY_MS = 60_000;
/**
 * Uploads nothing refers to are deleted at once where the product knows (a list deleted, an
 * import ended); the rest (a blast's media once it has ended, a crash mid-upload) by a sweep.
 * An upload still streaming after an hour is given up.
 */
const SWEEP_BLOBS_EVERY_MS = 10 * 60_000;
const UNUSED_UPLOAD_MINUTES = 60;
/**
 * How long a media upload's record is kept to answer retry requests: WhatsApp holds a message for
 * a phone that is offline for up to about 30 days, and an upload is used for sends during one day
 * (MEDIA_MAX_AGE_MS) after it was made; past that no recipient can still ask for such a message.
 */
const MEDIA_UPLOAD_RETENTION_DAYS = 31;
/** How soon a blast left with no session (a crash while its sessions were deleted) is failed. */
const FAIL_ORPHANED_BLASTS_EVERY_MS = 10 * 60_000;
/** The backstop for a restriction's end where no worker's timer lifted it (the session is not held, or its worker died). */
const LIFT_ENDED_RESTRICTIONS_EVERY_MS = 60_000;
/** The backstop for a follow-up whose parent ended while no worker heard it (the parent's end schedules it first). */
const START_FOLLOW_UPS_EVERY_MS = 60_000;

/** The worker role: a BullMQ consumer per queue of the catalogue, and the recurring jobs. */
export async function startWorker(runtime: Runtime, lifecycle: Lifecycle): Promise<SessionManager> {
  const log = runtime.logger.child({ component: 'worker' });
  const signals = createBlastSignals(runtime.redis.client, runtime.redis.prefix);
  const control = createBlastControl({
    store: runtime.store,
    events: runtime.events,
    signals,
    clock: runtime.clock,
    queues: runtime.queues,
    log: runtime.logger.child({ component: 'blasts' }),
    webhookProgressIntervalMs: runtime.config.webhooks.progressIntervalMs,
  });
  const followUps = createFollowUps({ store: runtime.store, control, queues: runtime.queues, clock: runtime.clock });
  /** A list's import ended: blasts waiting for it can be prepared (or failed with the list's error). */
  const prepareWaitingBlasts = async (listId: string): Promise<void> => {
    for (const blastId of await runtime.store.blasts.waitingForList(listId)) {
      await enqueue(runtime.queues, 'blasts', 'prepare-blast', { blastId }, { jobId: `prepare-${blastId}`, attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: 1_000, removeOnFail: 5_000 });
    }
  };
  // Imports run each in a process of their own, one kept started ahead; closed after the queues
  // (closers run in reverse), once the import in hand has finished.
  const importProcesses = hasImportProcess() ? new ImportProcesses(runtime.config.database, runtime.logger.child({ component: 'imports' })) : undefined;
  if (importProcesses) {
    importProcesses.warm();
    lifecycle.defer('import-processes', () => importProcesses.close());
  }
  const imports = createImportQueue({ store: runtime.store, queues: runtime.queues });
  const publishList = async (list: RecipientList): Promise<void> => {
    if (list.status === 'ready' || list.status === 'failed') {
      const data = { listId: list.id, status: list.status, counts: list.counts, error: list.error && { code: list.error.code, message: list.error.message } };
      const at = runtime.clock.now().toISOString();
      await runtime.store.webhooks.emit([{ type: `list.${list.status}`, businessUnit: list.businessUnit, orderingKey: `list:${list.id}`, data, at }]);
    }
    await runtime.events.publish(
      'list:progress',
      { listId: list.id, status: list.status, counts: list.counts, error: list.error && { code: list.error.code, message: list.error.message } },
      { businessUnit: list.businessUnit, listId: list.id },
    );
  };
  const processors: Processors = {
    imports: importProcessors({
      store: runtime.store,
      clock: runtime.clock,
      log: runtime.logger.child({ component: 'imports' }),
      processes: importProcesses,
      imports,
      limits: {
        maxRows: runtime.config.imports.maxRows + 1, // the header row counts as a row for the reader
        maxColumns: runtime.config.imports.maxColumns,
        maxUncompressedBytes: runtime.config.imports.maxUncompressedBytes,
        maxCompressionRatio: runtime.config.imports.maxCompressionRatio,
      },
      tmpDir: dataPaths(runtime.config.dataDir).tmpDir,
      onProgress: async (list) => {
        await publishList(list);
        if (list.status !== 'importing') {
          const { importRows, importDuration } = runtime.metrics;
          importRows.inc({ result: 'valid' }, list.counts.valid);
          importRows.inc({ result: 'duplicate' }, list.counts.duplicates);
          importRows.inc({ result: 'invalid' }, list.counts.invalid);
          importRows.inc({ result: 'blank' }, list.counts.blank);
          if (list.completedAt !== null) importDuration.observe({ status: list.status }, (Date.parse(list.completedAt) - Date.parse(list.createdAt)) / 1000);
          await prepareWaitingBlasts(list.id);
        }
      },
    }),
    blasts: blastProcessors({ store: runtime.store, control, followUps, queues: runtime.queues, clock: runtime.clock }),
    maintenance: maintenanceProcessors({
      store: runtime.store,
      clock: runtime.clock,
      log,
      imports,
      control,
      followUps,
      restrictions: createSessionRestrictions({ store: runtime.store, control, signals, clock: runtime.clock, log: runtime.logger.child({ component: 'sending' }) }),
      onListFailed: async (list) => {
        await publishList(list);
        await prepareWaitingBlasts(list.id);
      },
    }),
  };
  assertEveryJobHandled(processors);

  for (const queue of QUEUE_NAMES) {
    const worker = new Worker(queue, dispatcher(queue, processors), {
      connection: runtime.redis.newBullmqConnection(`worker:${queue}`),
      prefix: runtime.redis.prefix,
      concurrency: 1,
    });
    // Each job's log lines carry the id of the request that caused it (x-request-id), if any.
    const requestIdOf = (job: Job | undefined): unknown => (job?.data as { requestId?: unknown } | undefined)?.requestId;
    worker.on('active', (job) => {
      log.info({ queue, job: job.name, jobId: job.id, requestId: requestIdOf(job) }, 'job started');
    });
    worker.on('completed', (job) => {
      runtime.metrics.jobs.inc({ queue, job: job.name, outcome: 'completed' });
      log.info({ queue, job: job.name, jobId: job.id, requestId: requestIdOf(job) }, 'job completed');
    });
    worker.on('failed', (job, error) => {
      runtime.metrics.jobs.inc({ queue, job: job?.name ?? 'unknown', outcome: 'failed' });
      log.warn({ queue, job: job?.name, jobId: job?.id, requestId: requestIdOf(job), err: error }, 'job failed');
    });
    worker.on('error', (error) => {
      log.error({ queue, err: error }, 'worker error');
    });
    // Closing waits for the jobs in hand to finish, so nothing is left half-done.
    lifecycle.defer(`worker:${queue}`, () => worker.close());
  }

  // Asked once, in the background: nothing waits for it but a baileys session's first connect.
  const waVersion = resolveWaVersion({ pinned: runtime.config.whatsapp.version }).then(async (resolved) => {
    const version = formatWaVersion(resolved.version);
    log.info({ version, source: resolved.source, error: resolved.error }, 'WhatsApp Web client version');
    const { workerId } = runtime.config.sessions;
    const record = { version, source: resolved.source, ...(resolved.error ? { error: resolved.error } : {}), workerId, at: runtime.clock.now().toISOString() };
    await recordClientVersion(runtime.redis.client, record).catch((error: unknown) => {
      log.warn({ err: error }, 'could not record the client version for /ready');
    });
    return resolved.version;
  });
  const sessions = new SessionManager({
    workerId: runtime.config.sessions.workerId,
    store: runtime.store,
    leases: runtime.leases,
    inbound: new InboundDedupe(runtime.redis.client),
    live: runtime.live,
    events: runtime.events,
    createProvider: createProviders(runtime, () => waVersion),
    subscriber: runtime.redis.newSubscriber('session-commands'),
    prefix: runtime.redis.prefix,
    clock: runtime.clock,
    log: runtime.logger.child({ component: 'sessions' }),
    maxSessions: runtime.config.sessions.maxPerWorker,
    reconcileIntervalMs: runtime.config.sessions.reconcileIntervalMs,
  });
  runtime.metrics.gauge(
    'wab_session_reconnect_attempts',
    'Failed reconnect attempts in a row of each session this worker owns (0 when linked); 10 or more is worth an alert.',
    ['session'],
    (set) => {
      for (const [session, attempts] of sessions.reconnectAttempts()) set({ session }, attempts);
    },
  );
  registerNewChatCapGauges(runtime.metrics, runtime.store, sessions);
  const engine = new BlastEngine({
    store: runtime.store,
    sessions,
    gate: new PacingGate(runtime.redis.client),
    control,
    signals,
    subscriber: runtime.redis.newSubscriber('blast-signals'),
    prefix: runtime.redis.prefix,
    clock: runtime.clock,
    log: runtime.logger.child({ component: 'sending' }),
    optOutKeywords: runtime.config.blasts.optOutKeywords,
    numberCheckTtl: runtime.config.blasts.numberCheckTtl,
    metrics: runtime.metrics,
    replies: {
      attributionHours: runtime.config.replies.attributionHours,
      announcer: createReplyAnnouncer({ store: runtime.store, events: runtime.events, log: runtime.logger.child({ component: 'replies' }) }),
    },
    health: { model: runtime.config.health, events: runtime.events, metrics: runtime.metrics, live: runtime.live },
  });
  registerHealthGauges(runtime.metrics, runtime.store, sessions);
  // Blasts no session may send any more are failed before anything sends (then now and again).
  await failOrphanedBlasts({ store: runtime.store, control, log });
  // Started before the sessions, so it hears their first "connected"; stopped before them
  // (closers run in reverse), so every message in hand is sent and recorded first.
  await engine.start();
  lifecycle.defer('sessions', () => sessions.stop());
  lifecycle.defer('sending', () => engine.stop());
  await sessions.start();

  // Outbound webhooks: drained here, whatever process wrote the events.
  const webhooks = new WebhookWorker({
    webhooks: runtime.store.webhooks,
    config: runtime.config.webhooks,
    clock: runtime.clock,
    log: runtime.logger.child({ component: 'webhooks' }),
    metrics: runtime.metrics,
  });
  runtime.metrics.gauge('webhook_outbox_depth', 'Webhook deliveries not yet done (state=pending) and events not yet fanned out (state=undispatched).', ['state'], async (set) => {
    const depth = await runtime.store.webhooks.depth();
    set({ state: 'pending' }, depth.pending);
    set({ state: 'undispatched' }, depth.undispatched);
  });
  webhooks.start();
  lifecycle.defer('webhooks', () => webhooks.stop());

  // Idempotent: every worker declares the same schedule; BullMQ keeps one.
  await runtime.queues.maintenance.upsertJobScheduler(
    'purge-revoked-keys',
    { every: 86_400_000 },
    { name: 'purge-revoked-keys', data: { olderThanDays: REVOKED_KEY_RETENTION_DAYS } },
  );
  await runtime.queues.maintenance.upsertJobScheduler('resume-imports', { every: RESUME_IMPORTS_EVERY_MS }, { name: 'resume-imports', data: {} });
  await runtime.queues.maintenance.upsertJobScheduler('fail-orphaned-blasts', { every: FAIL_ORPHANED_BLASTS_EVERY_MS }, { name: 'fail-orphaned-blasts', data: {} });
  await runtime.queues.maintenance.upsertJobScheduler(
    'lift-ended-restrictions',
    { every: LIFT_ENDED_RESTRICTIONS_EVERY_MS },
    { name: 'lift-ended-restrictions', data: {} },
  );
  await runtime.queues.maintenance.upsertJobScheduler('start-follow-ups', { every: START_FOLLOW_UPS_EVERY_MS }, { name: 'start-follow-ups', data: {} });
  await runtime.queues.maintenance.upsertJobScheduler('sweep-blobs', { every: SWEEP_BLOBS_EVERY_MS }, { name: 'sweep-blobs', data: { olderThanMinutes: UNUSED_UPLOAD_MINUTES } });
  await runtime.queues.maintenance.upsertJobScheduler(
    'purge-media-uploads',
    { every: 86_400_000 },
    { name: 'purge-media-uploads', data: { olderThanDays: MEDIA_UPLOAD_RETENTION_DAYS } },
  );
  await runtime.queues.maintenance.upsertJobScheduler(
    'purge-replies',
    { every: 3_600_000 },
    { name: 'purge-replies', data: { olderThanDays: runtime.config.replies.retentionDays } },
  );
  log.info({ queues: QUEUE_NAMES, workerId: runtime.config.sessions.workerId }, 'worker started');
  return sessions;
}
