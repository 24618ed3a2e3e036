import type { Redis } from '../infra/redis.js';

/**
 * "Look at this blast again": sent by whoever changes a blast (api or worker) so every worker's
 * sending engine refreshes at once instead of at its next poll. Losing one is harmless.
 */
export function blastSignalsChannel(prefix: string): string {
  return `${prefix}:blast-signals`;
}

export interface BlastSignals {
  changed(blastId: string): Promise<void>;
}

export function createBlastSignals(redis: Redis, prefix: string): BlastSignals {
  const channel = blastSignalsChannel(prefix);
  return {
    async changed(blastId) {
      await redis.publish(channel, blastId);
    },
  };
}
