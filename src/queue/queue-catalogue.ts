/**
 * Every queue and job the product knows, with its payload type. Both roles import this file:
 * the api to enqueue, the worker to consume. A worker that lacks a handler for a job named
 * here refuses to start (see worker/processors.ts). Payloads carry ids only (and the id of the
 * request that caused the job, so its logs can be followed from the api into the worker).
 */
export interface JobCatalogue {
  imports: {
    /**
     * Reads an uploaded spreadsheet into a recipient list. At most one per business unit is
     * queued (lists/import-queue.ts); `businessUnit` names whose turn it is (absent in jobs queued
     * before it was added: the list says).
     */
    'import-list': { listId: string; businessUnit?: string; requestId?: string };
  };
  blasts: {
    /** Copies a blast's recipients into its ledger once its list is ready, then starts or schedules it. */
    'prepare-blast': { blastId: string; requestId?: string };
    /** A scheduled blast's start time (a delayed job). */
    'start-blast': { blastId: string };
    /** A blast ended: the follow-ups waiting on it get their start (blasts/follow-ups.ts). */
    'follow-ups': { blastId: string };
  };
  maintenance: {
    'purge-revoked-keys': { olderThanDays: number };
    /** Every unit's next import has a live job (one lost to a crash is failed, and the unit goes on). */
    'resume-imports': Record<string, never>;
    /** Deletes staged uploads and blobs nothing refers to, left for longer than this. */
    'sweep-blobs': { olderThanMinutes: number };
    /** Fails the blasts not yet ended that none of their sessions may send any more (SESSION_DELETED). */
    'fail-orphaned-blasts': Record<string, never>;
    /** Deletes media upload records (kept to answer retry requests) made more than this many days ago. */
    'purge-media-uploads': { olderThanDays: number };
    /** Lifts the restrictions whose window ended on sessions no worker lifted them for (the owning worker's timer is the first way). */
    'lift-ended-restrictions': Record<string, never>;
    /** Schedules (or starts) follow-ups whose parent ended with no start on its way, e.g. a crash between the two. */
    'start-follow-ups': Record<string, never>;
    /** Deletes replies received more than this many days ago (REPLY_RETENTION_DAYS), in bounded batches. */
    'purge-replies': { olderThanDays: number };
  };
}

export type QueueName = keyof JobCatalogue;
export type JobName<Q extends QueueName> = Extract<keyof JobCatalogue[Q], string>;
export type JobPayload<Q extends QueueName, J extends JobName<Q>> = JobCatalogue[Q][J];

export const QUEUES: { [Q in QueueName]: readonly JobName<Q>[] } = {
  imports: ['import-list'],
  blasts: ['prepare-blast', 'start-blast', 'follow-ups'],
  maintenance: ['purge-revoked-keys', 'resume-imports', 'sweep-blobs', 'fail-orphaned-blasts', 'purge-media-uploads', 'lift-ended-restrictions', 'start-follow-ups', 'purge-replies'],
};

export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];
