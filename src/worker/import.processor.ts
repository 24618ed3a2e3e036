import type { Job } from 'bullmq';
import type { ReadLimits } from '../import/sheet-reader.js';
import type { Clock } from '../infra/clock.js';
import type { Logger } from '../logging/logger.js';
import { importList, type ImportProgressListener } from '../lists/import-list.js';
import type { ImportProcesses } from '../lists/import-process.js';
import type { ImportQueue } from '../lists/import-queue.js';
import { createImportTools } from '../lists/import-tools.js';
import type { Store } from '../store/store.js';
import type { Processors } from './processors.js';

/**
 * The imports queue: one spreadsheet at a time per worker, retried a few times for our own
 * failures; a unit's next list is queued when its import has ended (import-queue.ts). Each import runs in a small process of its own (`processes`, see import-process.ts);
 * from TypeScript sources (tests), where there is no compiled entry for it, in this process.
 */
export function importProcessors(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  processes: ImportProcesses | undefined;
  imports: ImportQueue;
  limits: Partial<ReadLimits>;
  tmpDir: string;
  onProgress?: ImportProgressListener;
}): Processors['imports'] {
  const runImport = async (listId: string): Promise<void> => {
    if (deps.processes) {
      await deps.processes.run({ listId, limits: deps.limits, tmpDir: deps.tmpDir }, { log: deps.log, onProgress: deps.onProgress });
    } else {
      await importList(listId, { ...deps, tools: createImportTools(deps.limits) });
    }
  };
  return {
    'import-list': async ({ listId, businessUnit }, job: Job) => {
      const list = await deps.store.lists.get(listId);
      const unit = businessUnit ?? list?.businessUnit;
      // Once the import has ended: its file is read no more, and the unit's next list takes its
      // turn, at the back of the queue.
      const nextOfUnit = async (): Promise<void> => {
        if (list) await deps.store.blobs.deleteUnreferenced(list.blobSha256);
        if (unit !== undefined) await deps.imports.admit(unit);
      };
      try {
        await runImport(listId);
      } catch (error) {
        // The file's faults are recorded on the list by importList; this is ours (database, disk…).
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        deps.log.error({ listId, err: error, lastAttempt }, 'list import failed');
        if (lastAttempt) {
          await deps.store.lists.fail(
            listId,
            { code: 'IMPORT_FAILED', message: 'The import failed on our side; try uploading again.' },
            { rows: 0, valid: 0, duplicates: 0, invalid: 0, blank: 0 },
            deps.clock.now().toISOString(),
          );
          const list = await deps.store.lists.get(listId);
          if (list && deps.onProgress) await deps.onProgress(list);
          await nextOfUnit();
        }
        throw error;
      }
      // Outside the try: a failure here is retried, and the retry finds the list imported.
      await nextOfUnit();
    },
  };
}
