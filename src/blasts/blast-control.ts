import { enforcementOf, HEALTH_STOP_PAUSE, SESSION_HEALTH_BLAST_PAUSE } from '../core/health.js';
import { isFinal, nextBlastStatus, type BlastEvent, type BlastStatus } from '../core/blast-state.js';
import { doneOf, rateAndEta, type Blast } from '../core/blast.js';
import type { BlastProgress } from '../events/event-catalogue.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { Clock } from '../infra/clock.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { enqueue, type Queues } from '../queue/queues.js';
import type { SessionRef } from '../core/session-config.js';
import type { BlastSignals } from '../sending/blast-signals.js';
import { createSessionRestrictions } from '../sending/session-restrictions.js';
import type { StatusChange } from '../store/blast.repository.js';
import type { Store } from '../store/store.js';

const ALL_STATUSES: readonly BlastStatus[] = ['importing', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed'];

/** The statuses from which `event` leads to `to`, by the state machine. */
function sourcesOf(event: BlastEvent, to: BlastStatus): BlastStatus[] {
  return ALL_STATUSES.filter((status) => nextBlastStatus(status, event) === to);
}

export function startJobId(blastId: string): string {
  return `start-${blastId}`;
}

/** Pauses the product makes when a blast has no session left that may send (session-restrictions, new-chat-cap-guard). */
const AUTOMATIC_PAUSES: ReadonlySet<string> = new Set(['SESSION_RESTRICTED', 'NEW_CHAT_CAP', SESSION_HEALTH_BLAST_PAUSE]);

export type ProgressSample = { atMs: number; done: number };

/**
 * Every change of a blast's status, for the api and the worker alike: the state machine says
 * whether it is allowed, the database row changes only if nobody moved it first (so of several
 * workers exactly one announces it), then the event goes out and every worker is told.
 */
export function createBlastControl(deps: {
  store: Store;
  events: EventPublisher;
  signals: BlastSignals;
  clock: Clock;
  queues: Queues;
  log?: Logger;
  /** blast.progress webhooks: at most one per blast per this long (WEBHOOK_PROGRESS_INTERVAL_MS). */
  webhookProgressIntervalMs?: number;
}) {
  const { store, events, signals, clock } = deps;
  const progressIntervalMs = deps.webhookProgressIntervalMs ?? 10_000;
  /** When each running blast's last blast.progress was written (removed when it ends: bounded by the running blasts). */
  const lastWebhookProgress = new Map<string, number>();
  const now = (): string => clock.now().toISOString();
  const scope = (blast: Blast) => ({ businessUnit: blast.businessUnit, blastId: blast.id });

  async function move(blastId: string, event: BlastEvent, to: BlastStatus, change: StatusChange = {}): Promise<boolean> {
    const moved = await store.blasts.transition(blastId, sourcesOf(event, to), to, now(), change);
    if (moved) await signals.changed(blastId);
    return moved;
  }

  function progressOf(blast: Blast, samples: readonly ProgressSample[] = []): BlastProgress {
    const nowMs = clock.now().getTime();
    const figures = blast.figures;
    // An ended blast has no pace and nothing left to wait for (receipts still move its figures).
    const measured = isFinal(blast.status)
      ? { ratePerMinute: null, eta: null }
      : rateAndEta([...samples, { atMs: nowMs, done: doneOf(figures) }], figures.pending, nowMs);
    return { blastId: blast.id, status: blast.status, ...figures, ...measured };
  }

  async function fail(blastId: string, error: { code: string; message: string; details?: unknown }): Promise<boolean> {
    if (!(await move(blastId, 'fail', 'failed', { completedAt: now(), error }))) return false;
    await announceEnd(blastId);
    return true;
  }

  /**
   * A blast none of whose sessions is left (each deleted, maybe re-created under its id, or moved
   * to another unit) cannot go on: it fails with SESSION_DELETED, its unsent recipients skipped,
   * rather than wait for ever (or be sent by whoever took the id).
   */
  async function failIfOrphaned(blastId: string): Promise<boolean> {
    if ((await store.blasts.sendingSessions(blastId)).length > 0) return false;
    const blast = await store.blasts.get(blastId);
    if (!blast || isFinal(blast.status)) return false;
    const ids = blast.sessions.map((session) => session.sessionId).join(', ');
    const message = `The sessions this blast was made with (${ids}) were deleted or moved to another business unit.`;
    if (!(await move(blastId, 'fail', 'failed', { completedAt: now(), error: { code: 'SESSION_DELETED', message } }))) return false;
    await store.blasts.closeRows(blastId, { status: 'pending' }, { status: 'skipped', reason: 'SESSION_DELETED', detail: message }, now());
    await announceEnd(blastId);
    return true;
  }

  async function announceEnd(blastId: string): Promise<void> {
    const blast = await store.blasts.get(blastId);
    if (!blast || !isFinal(blast.status)) return;
    lastWebhookProgress.delete(blastId);
    const progress = progressOf(blast);
    await events.publish('blast:progress', progress, scope(blast));
    await events.publish(
      'blast:completed',
      { ...progress, completedAt: blast.completedAt ?? now(), error: blast.error && { code: blast.error.code, message: blast.error.message } },
      scope(blast),
    );
    // Follow-ups waiting on it get their start (the maintenance sweep catches a crash before this).
    if ((await store.followUps.waitingOn(blastId)).length > 0) {
      await enqueue(deps.queues, 'blasts', 'follow-ups', { blastId }, { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: 1_000, removeOnFail: 5_000 });
    }
  }

  /**
   * The operator's word on a session its health stopped (a blast of it resumed, or POST
   * /api/sessions/:id/health/acknowledge): acknowledged at its score now, it sends again at the at-risk pace
   * until its score drops below that (core/health.ts); its health pause goes from every blast it serves, and
   * a blast paused for want of a session that may send runs again. Returns whether it was stopped.
   */
  async function acknowledgeHealth(ref: SessionRef, resuming?: string): Promise<boolean> {
    const health = await store.health.get(ref.uid);
    const stopped = health?.band === 'stop' && (await store.health.acknowledge(ref.uid, health.score, now()));
    for (const blastId of await store.blasts.liveBlastsOf(ref)) {
      // The blast being resumed is the operator's own to move.
      if (blastId === resuming) continue;
      const blast = await store.blasts.get(blastId);
      if (blast?.sessions.find((entry) => entry.sessionId === ref.id)?.pausedReason !== HEALTH_STOP_PAUSE) continue;
      await store.blasts.pauseSession(blastId, ref.id, null);
      await control.resumeAutomaticPause(blastId);
      await signals.changed(blastId);
    }
    return stopped;
  }

  const control = {
    progressOf,

    async publishProgress(blast: Blast, samples: readonly ProgressSample[]): Promise<void> {
      const progress = progressOf(blast, samples);
      const nowMs = clock.now().getTime();
      if (nowMs - (lastWebhookProgress.get(blast.id) ?? 0) >= progressIntervalMs) {
        lastWebhookProgress.set(blast.id, nowMs);
        await store.webhooks.emit([{ type: 'blast.progress', businessUnit: blast.businessUnit, orderingKey: `blast:${blast.id}`, data: progress, at: new Date(nowMs).toISOString() }]);
      }
      await events.publish('blast:progress', progress, scope(blast));
    },

    /** importing → scheduled, once the recipients are in the ledger. */
    imported: (blastId: string): Promise<boolean> => move(blastId, 'imported', 'scheduled'),

    failIfOrphaned,

    /** scheduled → running (the time came, or there was none); a blast whose sessions are all gone fails instead. */
    async start(blastId: string): Promise<boolean> {
      if (await failIfOrphaned(blastId)) return false;
      // Each person who already wrote to one of its sessions is sent from that one (account health: not a new chat).
      const before = await store.blasts.get(blastId);
      if (before?.status === 'scheduled') {
        const sessions = before.sessions.flatMap((session) => (session.sessionUid === null ? [] : [{ id: session.sessionId, uid: session.sessionUid }]));
        await store.blasts.markChats(blastId, before.businessUnit, sessions);
      }
      const at = now();
      if (!(await move(blastId, 'start', 'running', { startedAt: at }))) return false;
      const blast = await store.blasts.get(blastId);
      if (blast) await events.publish('blast:started', { blastId, name: blast.name, total: blast.figures.total, startedAt: at }, scope(blast));
      return true;
    },

    async pause(blastId: string, reason: string, detail: string | null): Promise<boolean> {
      // A follow-up waiting for its start has no ledger to pause (blast.service refuses it; this closes the race with its preparation).
      if (!(await move(blastId, 'pause', 'paused', { pause: { reason, detail }, unlessWaitingFollowUp: true }))) return false;
      const blast = await store.blasts.get(blastId);
      if (blast) await events.publish('blast:paused', { blastId, reason, detail, at: now() }, scope(blast));
      return true;
    },

    /**
     * paused → running; the sessions paused for this blast (e.g. after a restriction) are given another go, and a
     * restriction stored on them is cleared (they send again before its end). A blast whose sessions are all gone fails instead.
     */
    async resume(blastId: string): Promise<boolean> {
      const before = await store.blasts.get(blastId);
      if (before?.status !== 'paused') return false;
      if (await failIfOrphaned(blastId)) return false;
      // The operator's word on sessions their health stopped, written before their pauses go: an assessment
      // landing in between finds it, rather than stopping them again.
      for (const session of before.sessions) {
        if (session.sessionUid !== null) await acknowledgeHealth({ id: session.sessionId, uid: session.sessionUid }, blastId);
      }
      await store.blasts.resumeSessions(blastId);
      const change: StatusChange = { pause: null, ...(before.startedAt === null ? { startedAt: now() } : {}) };
      if (!(await move(blastId, 'resume', 'running', change))) return false;
      await events.publish('blast:resumed', { blastId, at: now() }, scope(before));
      // The operator's word: sessions WhatsApp restricted for a while send again before the end (0009), on
      // every blast they serve (as when the restriction ends by itself), not on this one only.
      for (const session of before.sessions) {
        if (session.sessionUid === null) continue;
        const ref = { id: session.sessionId, uid: session.sessionUid };
        const stored = await store.sessions.restriction(ref);
        if (stored) await restrictions.lift(ref, { reason: stored.reason });
      }
      return true;
    },

    acknowledgeHealth: (ref: SessionRef): Promise<boolean> => acknowledgeHealth(ref),

    /**
     * Reconsiders a pause the product made by itself (SESSION_RESTRICTED, NEW_CHAT_CAP) now that a
     * session's restriction or cap ended: paused → running when some session of the blast may send
     * again (no pause reason of its own); the other sessions keep theirs. A blast an operator paused
     * stays paused; the operator's resume (`resume`) is another thing.
     */
    async resumeAutomaticPause(blastId: string): Promise<boolean> {
      const before = await store.blasts.get(blastId);
      if (before?.status !== 'paused' || !AUTOMATIC_PAUSES.has(before.pause?.reason ?? '')) return false;
      const sending = new Set(await store.blasts.sendingSessions(blastId));
      const able = before.sessions.filter((session) => session.pausedReason === null && sending.has(session.sessionId));
      if (able.length === 0) return false;
      // Paused for want of a session that may open new chats: one must, now.
      if (before.pause?.reason === SESSION_HEALTH_BLAST_PAUSE) {
        const healths = await store.health.getMany(able.flatMap((session) => (session.sessionUid === null ? [] : [session.sessionUid])));
        if (!able.some((session) => session.sessionUid !== null && enforcementOf(healths.get(session.sessionUid) ?? null).newContactShare > 0)) return false;
      }
      if (!(await move(blastId, 'resume', 'running', { pause: null }))) return false;
      await events.publish('blast:resumed', { blastId, at: now() }, scope(before));
      return true;
    },

    /** Stops for good: recipients not yet sent are skipped (CANCELLED); one in flight still gets its outcome. */
    async cancel(blastId: string): Promise<boolean> {
      if (!(await move(blastId, 'cancel', 'cancelled', { completedAt: now(), pause: null }))) return false;
      await deps.queues.blasts.remove(startJobId(blastId)).catch(() => 0);
      await store.blasts.closeRows(blastId, { status: 'pending' }, { status: 'skipped', reason: 'CANCELLED', detail: 'The blast was cancelled.' }, now());
      await announceEnd(blastId);
      return true;
    },

    fail,

    /** running → completed, once nothing is left to send; exactly one caller wins. */
    async complete(blastId: string): Promise<boolean> {
      if (!(await move(blastId, 'finish', 'completed', { completedAt: now() }))) return false;
      await announceEnd(blastId);
      return true;
    },
  };
  /** How a restriction's end un-pauses the session on all its blasts; the operator's resume ends it early the same way. */
  const restrictions = createSessionRestrictions({ store, control, signals, clock, log: deps.log ?? createLogger('silent') });
  return control;
}

export type BlastControl = ReturnType<typeof createBlastControl>;
