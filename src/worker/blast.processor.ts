import type { BlastControl } from '../blasts/blast-control.js';
import type { FollowUps } from '../blasts/follow-ups.js';
import { prepareBlast } from '../blasts/prepare-blast.js';
import type { Clock } from '../infra/clock.js';
import type { Queues } from '../queue/queues.js';
import type { Store } from '../store/store.js';
import type { Processors } from './processors.js';

/** The blasts queue: preparing a blast's ledger, the start of scheduled blasts and follow-ups. Sending itself pulls from the database. */
export function blastProcessors(deps: { store: Store; control: BlastControl; followUps: FollowUps; queues: Queues; clock: Clock }): Processors['blasts'] {
  return {
    'prepare-blast': async ({ blastId }) => {
      await prepareBlast(blastId, deps);
    },
    'start-blast': async ({ blastId }) => {
      // A follow-up's ledger is its parent's segment as it stands now, taken first.
      const blast = await deps.store.blasts.get(blastId);
      if (blast?.followUp) await deps.followUps.start(blastId);
      // A blast paused or cancelled before its time is not started by the clock.
      else await deps.control.start(blastId);
    },
    'follow-ups': async ({ blastId }) => {
      await deps.followUps.parentEnded(blastId);
    },
  };
}
