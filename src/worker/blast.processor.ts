import type { BlastControl } from '../blasts/blast-control.js';
import { prepareBlast } from '../blasts/prepare-blast.js';
import type { Clock } from '../infra/clock.js';
import type { Queues } from '../queue/queues.js';
import type { Store } from '../store/store.js';
import type { Processors } from './processors.js';

/** The blasts queue: preparing a blast's ledger, and the start of scheduled blasts. Sending itself pulls from the database. */
export function blastProcessors(deps: { store: Store; control: BlastControl; queues: Queues; clock: Clock }): Processors['blasts'] {
  return {
    'prepare-blast': async ({ blastId }) => {
      await prepareBlast(blastId, deps);
    },
    'start-blast': async ({ blastId }) => {
      // A blast paused or cancelled before its time is not started by the clock.
      await deps.control.start(blastId);
    },
  };
}
