import type { Clock } from '../infra/clock.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';
import type { Processors } from './processors.js';

const DAY_MS = 86_400_000;

/** Housekeeping: revoked keys are kept for a while (for the key listing), then removed. */
export function maintenanceProcessors(deps: { store: Store; clock: Clock; log: Logger }): Processors['maintenance'] {
  return {
    'purge-revoked-keys': async ({ olderThanDays }) => {
      const before = new Date(deps.clock.now().getTime() - olderThanDays * DAY_MS).toISOString();
      const purged = await deps.store.apiKeys.purgeRevoked(before);
      if (purged > 0) deps.log.info({ purged }, 'purged revoked API keys');
      return { purged };
    },
  };
}
