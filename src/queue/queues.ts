import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from '../infra/redis.js';
import { QUEUE_NAMES, type JobName, type JobPayload, type QueueName } from './queue-catalogue.js';

export type Queues = { readonly [Q in QueueName]: Queue };

export function createQueues(connection: Redis, prefix: string): Queues {
  const entries = QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix })] as const);
  return Object.fromEntries(entries) as unknown as Queues;
}

/** The only way to add a job: the catalogue checks the queue, the job name and the payload. */
export async function enqueue<Q extends QueueName, J extends JobName<Q>>(
  queues: Queues,
  queue: Q,
  job: J,
  payload: JobPayload<Q, J>,
  options?: JobsOptions,
): Promise<string | undefined> {
  const added = await queues[queue].add(job, payload, options);
  return added.id;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}
