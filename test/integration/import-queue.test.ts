import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createImportQueue, type ImportQueue } from '../../src/lists/import-queue.js';
import { createLogger } from '../../src/logging/logger.js';
import { closeQueues, createQueues, type Queues } from '../../src/queue/queues.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';
import { deletePrefix, uniquePrefix } from '../support/redis.js';

let database: TestDatabase;
let handle: DatabaseHandle;
let store: Store;
let redis: Redis;
let prefix: string;
let queues: Queues;
let imports: ImportQueue;

describe.each(databaseKinds(inject('postgresUrl')))('imports taken in turn by business unit ($kind)', ({ create, skip }) => {
  beforeEach(async ({ skip: skipTest }) => {
    if (skip) skipTest();
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, createLogger('silent'));
    store = createStore(handle);
    prefix = uniquePrefix('import-queue');
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    queues = createQueues(redis, prefix);
    imports = createImportQueue({ store, queues });
  });
  afterEach(async () => {
    if (skip) return;
    await closeQueues(queues);
    redis.disconnect();
    await deletePrefix(inject('redisUrl'), prefix);
    await handle.close();
    await database.drop();
  });

  async function newList(businessUnit: string): Promise<string> {
    const id = randomUUID();
    const now = new Date().toISOString();
    await store.lists.create({ id, name: id, purpose: 'recipients', businessUnit, fileName: 'x.csv', fileSize: 1, blobSha256: 'f'.repeat(64), phoneColumn: null, defaultCountry: 'ID', createdAt: now });
    return id;
  }

  const queued = async (): Promise<string[]> => (await queues.imports.getJobs(['waiting', 'active', 'delayed', 'failed'])).map((job) => String(job.id)).sort();
  const jobOf = (listId: string): string => `list-${listId}`;

    it('queues one list per unit, and the next of a unit once the one before has ended', async () => {
      const clinic = [await newList('Clinic'), await newList('Clinic'), await newList('Clinic')];
      for (const _ of clinic) await imports.admit('Clinic');
      const sales = await newList('Sales');
      await imports.admit('Sales');
      expect(await queued()).toEqual([jobOf(clinic[0] ?? ''), jobOf(sales)].sort());

      // Admitting again (the api and a worker both do) is the same job.
      await imports.admit('Clinic');
      expect(await queues.imports.getJobCountByTypes('waiting')).toBe(2);

      await store.lists.complete(clinic[0] ?? '', { counts: { rows: 0, valid: 0, duplicates: 0, invalid: 0, blank: 0 } }, new Date().toISOString());
      await imports.admit('Clinic');
      const waiting = (await queues.imports.getWaiting()).map((job) => String(job.id));
      // The next of Clinic is behind Sales's list, which was queued before it.
      expect(waiting.slice(-2)).toEqual([jobOf(sales), jobOf(clinic[1] ?? '')]);
    });

    it('resumes a unit whose head was never queued, and fails a head whose job was lost, then goes on', async () => {
      const never = await newList('Clinic');
      const lost = await newList('Sales');
      const afterLost = await newList('Sales');
      await imports.admit('Sales');
      // The job of `lost` fails without its list being told (as a job stalled past BullMQ's limit does).
      const worker = new Worker('imports', () => Promise.reject(new UnrecoverableError('job stalled more than allowable limit')), { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix });
      await new Promise<void>((resolve) => {
        worker.on('failed', () => {
          resolve();
        });
      });
      await worker.close();

      const failed = await imports.resume(new Date().toISOString());
      expect(failed).toEqual([lost]);
      expect(await store.lists.get(lost)).toMatchObject({ status: 'failed', error: { code: 'IMPORT_FAILED' } });
      expect(await store.lists.get(never)).toMatchObject({ status: 'importing' });
      expect((await queues.imports.getWaiting()).map((job) => String(job.id)).sort()).toEqual([jobOf(never), jobOf(afterLost)].sort());

      // Nothing more to do: a second sweep changes nothing.
      expect(await imports.resume(new Date().toISOString())).toEqual([]);
      expect(await queues.imports.getJobCountByTypes('waiting')).toBe(2);
    });
});
