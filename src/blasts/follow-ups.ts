import { isFinal } from '../core/blast-state.js';
import type { Blast } from '../core/blast.js';
import { followUpStartMs, parseAfter, SEGMENT_RULES } from '../core/follow-up.js';
import type { Clock } from '../infra/clock.js';
import { enqueue, type Queues } from '../queue/queues.js';
import type { Store } from '../store/store.js';
import { startJobId, type BlastControl } from './blast-control.js';

/** How many waiting follow-ups one sweep looks at (the next sweep takes the rest). */
const SWEEP_BATCH = 500;

/**
 * A follow-up's way to its start: it waits (status `scheduled`, no ledger) for its parent to end,
 * then starts at the parent's end plus `after`; at its start its ledger is filled from the parent's
 * segment as it stands then. Everything here is safe to run twice and from several workers: the
 * parent's end, the delayed start job and the maintenance sweep all lead here.
 */
export function createFollowUps(deps: { store: Store; control: BlastControl; queues: Queues; clock: Clock }) {
  const { store, control, clock } = deps;

  /** The follow-up's parent if it can still be followed up; otherwise the follow-up fails (and undefined). */
  async function parentOf(blast: Blast): Promise<Blast | undefined> {
    if (!blast.followUp) return undefined;
    const parent = await store.blasts.get(blast.followUp.of);
    if (!parent || parent.businessUnit !== blast.businessUnit) {
      await control.fail(blast.id, { code: 'PARENT_NOT_FOUND', message: `The blast this follows up (${blast.followUp.of}) no longer exists.` });
      return undefined;
    }
    // As when it was made (blast.service): a parent that failed after sending has outcomes to follow up.
    if (parent.status === 'failed' && parent.figures.sent + parent.figures.failed === 0) {
      const why = parent.error ? ` (${parent.error.code})` : '';
      await control.fail(blast.id, { code: 'PARENT_FAILED', message: `The blast this follows up failed${why}; its outcome is not one to follow up.`, details: { parentId: parent.id } });
      return undefined;
    }
    return parent;
  }

  /** When the follow-up starts (ms), once its parent has ended; undefined while it runs. */
  function startOf(blast: Blast, parent: Blast): number | undefined {
    if (!isFinal(parent.status) || !blast.followUp) return undefined;
    return followUpStartMs(parent.completedAt ?? parent.updatedAt, blast.followUp.after === null ? 0 : parseAfter(blast.followUp.after));
  }

  const followUps = {
    /**
     * A waiting follow-up whose parent may have ended: it gets its start time, and starts now if
     * that has come, else a delayed start job. Nothing while the parent runs (its end calls this).
     */
    async schedule(blastId: string): Promise<void> {
      const blast = await store.blasts.get(blastId);
      if (blast?.status !== 'scheduled' || !blast.followUp || blast.startedAt !== null) return;
      const parent = await parentOf(blast);
      if (!parent) return;
      const startMs = startOf(blast, parent);
      if (startMs === undefined) return;
      const startAt = new Date(startMs).toISOString();
      if (blast.scheduledAt !== startAt) await store.followUps.setStart(blastId, startAt);
      const delay = startMs - clock.now().getTime();
      if (delay > 0) {
        await enqueue(deps.queues, 'blasts', 'start-blast', { blastId }, { jobId: startJobId(blastId), delay, removeOnComplete: 1_000, removeOnFail: 5_000 });
      } else {
        await followUps.start(blastId);
      }
    },

    /** The start: the parent's segment becomes the ledger, then the follow-up runs (or ends, SEGMENT_EMPTY). */
    async start(blastId: string): Promise<void> {
      const blast = await store.blasts.get(blastId);
      if (blast?.status !== 'scheduled' || !blast.followUp) return;
      const parent = await parentOf(blast);
      if (!parent) return;
      const startMs = startOf(blast, parent);
      if (startMs === undefined) return; // the parent's end schedules it
      const early = startMs - clock.now().getTime();
      if (early > 0) {
        // A job run before its time (clocks differ), or a start time moved: a start job of its own for the new time.
        await enqueue(deps.queues, 'blasts', 'start-blast', { blastId }, { jobId: `${startJobId(blastId)}-${startMs}`, delay: early, removeOnComplete: 1_000, removeOnFail: 5_000 });
        return;
      }
      const { segment } = blast.followUp;
      const total = await store.followUps.populateSegment(blastId, parent.id, SEGMENT_RULES[segment], clock.now().toISOString());
      if (total === undefined) return;
      if (total === 0) {
        await control.fail(blastId, {
          code: 'SEGMENT_EMPTY',
          message: `Nobody was in segment "${segment}" of blast ${parent.id} when the follow-up started: there is nobody to send it to.`,
          details: { parentId: parent.id, segment },
        });
        return;
      }
      await control.start(blastId);
    },

    /** The follow-ups waiting on a blast that just ended. */
    async parentEnded(parentId: string): Promise<void> {
      for (const id of await store.followUps.waitingOn(parentId)) await followUps.schedule(id);
    },

    /** The backstop: follow-ups whose parent ended (or went) with no start on its way (a crash in between). */
    async sweep(): Promise<number> {
      const ids = await store.followUps.parentEnded(SWEEP_BATCH, clock.now().toISOString());
      for (const id of ids) await followUps.schedule(id);
      return ids.length;
    },
  };
  return followUps;
}

export type FollowUps = ReturnType<typeof createFollowUps>;
