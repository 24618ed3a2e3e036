import { enqueue, type Queues } from '../queue/queues.js';
import type { Store } from '../store/store.js';

/** The import's failure when its job was lost to crashes (stalled past BullMQ's limit). */
export const IMPORT_LOST = { code: 'IMPORT_FAILED', message: 'The import failed on our side; try uploading again.' } as const;

const ZERO_COUNTS = { rows: 0, valid: 0, duplicates: 0, invalid: 0, blank: 0 };

/**
 * Imports taken in turn by business unit. The imports queue, shared by every worker, holds at
 * most one job per unit: the import of the unit's oldest list still importing (its "head"). The
 * unit's other lists wait in the database, as what they are (lists importing), and the next one
 * is queued when the head's import has ended — at the back of the queue, behind the other units'
 * heads. So a unit with a backlog takes one turn in every round, and a two-row list of another
 * unit waits for at most one import per unit ahead of it, not for the whole backlog.
 *
 * Nothing to lose and nothing run twice, across processes and crashes:
 * - a job's id is its list's id, so queuing a head twice is one job (`admit` may run from the api
 *   that made a list and from the worker that ended the previous one: each writes, then reads the
 *   head, so at least one of them sees the new head and queues it);
 * - a list whose import ended (ready or failed) is not imported again by a repeated job
 *   (importList returns), which then queues the next head like any other;
 * - a worker that crashed mid-import leaves its job stalled: BullMQ gives it to another worker;
 *   past BullMQ's stall limit the job fails without its list, and `resume` (a maintenance job)
 *   fails the list and queues the next; it also queues a head whose job was never added (the api
 *   stopped between the list and its job).
 */
export function createImportQueue(deps: { store: Pick<Store, 'lists'>; queues: Queues }) {
  const { store, queues } = deps;

  async function queue(listId: string, businessUnit: string, requestId?: string): Promise<void> {
    await enqueue(queues, 'imports', 'import-list', { listId, businessUnit, ...(requestId === undefined ? {} : { requestId }) }, {
      jobId: jobIdOf(listId),
      attempts: 3,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: 1_000,
      removeOnFail: 5_000,
    });
  }

  return {
    /** Queues the unit's head, if it has one (a no-op when its job is queued already). */
    async admit(businessUnit: string, requestId?: string): Promise<void> {
      const head = await store.lists.importHead(businessUnit);
      if (head !== undefined) await queue(head, businessUnit, requestId);
    },

    /**
     * Every unit's head has a live job: one that was never added is added; one that failed
     * without failing its list (lost to crashes) fails the list, and the unit's next is queued.
     * Returns the lists failed so.
     */
    async resume(now: string): Promise<string[]> {
      const failed: string[] = [];
      for (const { listId, businessUnit } of await store.lists.importHeads()) {
        const job = await queues.imports.getJob(jobIdOf(listId));
        const state = job ? await job.getState() : undefined;
        if (state === 'failed' || state === 'completed') {
          // Read after the job's end: an import that ended meanwhile has said how (ready or failed).
          if ((await store.lists.get(listId))?.status === 'importing') {
            await store.lists.fail(listId, IMPORT_LOST, ZERO_COUNTS, now);
            failed.push(listId);
          }
          await this.admit(businessUnit);
        } else if (job === undefined || state === 'unknown') {
          await queue(listId, businessUnit);
        }
      }
      return failed;
    },
  };
}

export type ImportQueue = ReturnType<typeof createImportQueue>;

function jobIdOf(listId: string): string {
  return `list-${listId}`;
}
