/**
 * Every queue and job the product knows, with its payload type. Both roles import this file:
 * the api to enqueue, the worker to consume. A worker that lacks a handler for a job named
 * here refuses to start (see worker/processors.ts). Payloads carry ids only (and the id of the
 * request that caused the job, so its logs can be followed from the api into the worker).
 */
export interface JobCatalogue {
  imports: {
    /** Reads an uploaded spreadsheet into a recipient list. */
    'import-list': { listId: string; requestId?: string };
  };
  blasts: {
    /** Copies a blast's recipients into its ledger once its list is ready, then starts or schedules it. */
    'prepare-blast': { blastId: string; requestId?: string };
    /** A scheduled blast's start time (a delayed job). */
    'start-blast': { blastId: string };
  };
  maintenance: {
    'purge-revoked-keys': { olderThanDays: number };
  };
}

export type QueueName = keyof JobCatalogue;
export type JobName<Q extends QueueName> = Extract<keyof JobCatalogue[Q], string>;
export type JobPayload<Q extends QueueName, J extends JobName<Q>> = JobCatalogue[Q][J];

export const QUEUES: { [Q in QueueName]: readonly JobName<Q>[] } = {
  imports: ['import-list'],
  blasts: ['prepare-blast', 'start-blast'],
  maintenance: ['purge-revoked-keys'],
};

export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];
