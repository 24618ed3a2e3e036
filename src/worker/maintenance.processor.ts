import type { BlastControl } from '../blasts/blast-control.js';
import type { FollowUps } from '../blasts/follow-ups.js';
import type { RecipientList } from '../core/recipient-list.js';
import type { Clock } from '../infra/clock.js';
import type { ImportQueue } from '../lists/import-queue.js';
import type { Logger } from '../logging/logger.js';
import type { SessionRestrictions } from '../sending/session-restrictions.js';
import type { Store } from '../store/store.js';
import type { Processors } from './processors.js';

const DAY_MS = 86_400_000;
/** Replies deleted per statement, and statements per run: a run never holds the database long; what is left goes next hour. */
export const REPLY_PURGE_BATCH = 1_000;
export const REPLY_PURGE_MAX_BATCHES = 50;

/** Deletes replies received before `before`, a batch at a time, at most `maxBatches`; how many. */
export async function purgeReplies(store: Pick<Store, 'replies'>, before: string, batch = REPLY_PURGE_BATCH, maxBatches = REPLY_PURGE_MAX_BATCHES): Promise<number> {
  let purged = 0;
  for (let round = 0; round < maxBatches; round++) {
    const deleted = await store.replies.purgeBefore(before, batch);
    purged += deleted;
    if (deleted < batch) break;
  }
  return purged;
}

/** Fails the blasts not yet ended none of whose sessions may send them any more (SESSION_DELETED); how many. */
export async function failOrphanedBlasts(deps: { store: Store; control: Pick<BlastControl, 'failIfOrphaned'>; log: Logger }): Promise<number> {
  let failed = 0;
  for (const blastId of await deps.store.blasts.orphaned()) {
    if (!(await deps.control.failIfOrphaned(blastId))) continue;
    deps.log.warn({ blastId }, 'blast with no session left: failed');
    failed += 1;
  }
  return failed;
}

/** Lifts restrictions whose window has ended (their sessions resume on their blasts); how many. */
export async function liftEndedRestrictions(deps: { store: Store; clock: Clock; restrictions: Pick<SessionRestrictions, 'lift'>; log: Logger }): Promise<number> {
  const endedBy = deps.clock.now().toISOString();
  let lifted = 0;
  for (const session of await deps.store.sessions.restrictionsEndedBy(endedBy)) {
    const restriction = await deps.store.sessions.restriction(session);
    if (!restriction || !(await deps.restrictions.lift(session, { reason: restriction.reason, endedBy }))) continue;
    deps.log.info({ sessionId: session.id }, 'restriction window ended: session resumed');
    lifted += 1;
  }
  return lifted;
}

/**
 * Housekeeping: revoked keys are kept for a while (for the key listing), then removed; imports
 * lost to crashes are failed, and their unit's next one queued; uploads nothing needs any more
 * (a blast's media once it has ended, what a crash mid-upload left) are deleted; blasts not yet
 * ended none of whose sessions is left are failed: those a crash kept a session's deletion from
 * failing, and those migration 0008 left bound to no session (else they stay running for ever);
 * media upload records kept to answer retry requests are deleted once no phone can still ask;
 * restrictions whose window ended are lifted where no worker's timer did it; replies past
 * REPLY_RETENTION_DAYS are deleted (a blast's figures and its rows' first reply stay with the blast);
 * follow-ups whose parent ended with no start on its way (a crash between the two) are scheduled.
 */
export function maintenanceProcessors(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  imports: ImportQueue;
  control: Pick<BlastControl, 'failIfOrphaned'>;
  restrictions: Pick<SessionRestrictions, 'lift'>;
  followUps: Pick<FollowUps, 'sweep'>;
  onListFailed: (list: RecipientList) => Promise<void>;
}): Processors['maintenance'] {
  return {
    'purge-revoked-keys': async ({ olderThanDays }) => {
      const before = new Date(deps.clock.now().getTime() - olderThanDays * DAY_MS).toISOString();
      const purged = await deps.store.apiKeys.purgeRevoked(before);
      if (purged > 0) deps.log.info({ purged }, 'purged revoked API keys');
      return { purged };
    },
    'sweep-blobs': async ({ olderThanMinutes }) => {
      const before = new Date(deps.clock.now().getTime() - olderThanMinutes * 60_000).toISOString();
      const swept = await deps.store.blobs.sweep(before);
      if (swept.staged + swept.blobs > 0) deps.log.info(swept, 'deleted unused uploads');
      return swept;
    },
    'fail-orphaned-blasts': async () => ({ failed: await failOrphanedBlasts(deps) }),
    'purge-media-uploads': async ({ olderThanDays }) => {
      const before = new Date(deps.clock.now().getTime() - olderThanDays * DAY_MS).toISOString();
      const purged = await deps.store.retryLedger.purgeUploads(before);
      if (purged > 0) deps.log.info({ purged }, 'deleted media upload records past the retry window');
      return { purged };
    },
    'lift-ended-restrictions': async () => ({ lifted: await liftEndedRestrictions(deps) }),
    'start-follow-ups': async () => ({ looked: await deps.followUps.sweep() }),
    'purge-replies': async ({ olderThanDays }) => {
      const before = new Date(deps.clock.now().getTime() - olderThanDays * DAY_MS).toISOString();
      const purged = await purgeReplies(deps.store, before);
      if (purged > 0) deps.log.info({ purged }, 'deleted replies past their retention');
      return { purged };
    },
    'resume-imports': async () => {
      const failed = await deps.imports.resume(deps.clock.now().toISOString());
      for (const listId of failed) {
        deps.log.warn({ listId }, 'list import lost to crashes: failed');
        const list = await deps.store.lists.get(listId);
        if (list) await deps.onListFailed(list);
      }
      return { failed: failed.length };
    },
  };
}
