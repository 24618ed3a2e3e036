import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUES, type JobCatalogue, type JobName, type QueueName } from '../queue/queue-catalogue.js';

type Handler<P> = (payload: P, job: Job<P>) => Promise<unknown>;

/** A handler for every job of the catalogue: the type makes a missing one a compile error. */
export type Processors = {
  [Q in QueueName]: { [J in keyof JobCatalogue[Q]]: Handler<JobCatalogue[Q][J]> };
};

/** And a start-up error, in case a handler was lost on the way (e.g. a cast). */
export function assertEveryJobHandled(processors: Processors): void {
  const missing: string[] = [];
  for (const queue of Object.keys(QUEUES) as QueueName[]) {
    for (const job of QUEUES[queue]) {
      const handlers = processors[queue] as Record<string, unknown> | undefined;
      if (typeof handlers?.[job] !== 'function') missing.push(`${queue}/${job}`);
    }
  }
  if (missing.length > 0) throw new Error(`No handler for job(s): ${missing.join(', ')}`);
}

/** The BullMQ processor for one queue: routes by job name; an unknown name is not retried. */
export function dispatcher(queue: QueueName, processors: Processors) {
  const handlers = processors[queue] as Record<string, Handler<unknown> | undefined>;
  return async (job: Job): Promise<unknown> => {
    const handler = handlers[job.name];
    if (!handler) throw new UnrecoverableError(`Unknown job "${job.name}" on queue "${queue}"`);
    return handler(job.data, job);
  };
}

export type { JobName };
