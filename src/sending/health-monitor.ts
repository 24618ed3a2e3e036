import type { BlastControl } from '../blasts/blast-control.js';
import { assessHealth, bandRank, enforcementOf, HEALTH_STOP_PAUSE, SESSION_HEALTH_BLAST_PAUSE, type HealthBand, type HealthCountKind, type HealthModel } from '../core/health.js';
import { cappedUntilMs } from '../core/new-chat-cap.js';
import type { SessionConfig, SessionRef } from '../core/session-config.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { Clock } from '../infra/clock.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { LiveStatusStore } from '../sessions/live-status.js';
import type { HealthAssessmentRecord, StoredHealth } from '../store/health.repository.js';
import type { Store } from '../store/store.js';
import type { BlastSignals } from './blast-signals.js';


const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Counts are written this often (a crash loses at most this much of them: a score is an estimate). */
const FLUSH_EVERY_MS = 1_000;
/** Every owned session is assessed again this often, so old events leave the window and budgets follow the day. */
const REASSESS_EVERY_MS = 30_000;
/** Counts are kept this long (the window is at most a week). */
const KEEP_HOURS = 7 * 24 + 1;
/** A worker holds at most this many uncounted rows (a flood of events is summed, not queued). */
const MAX_PENDING_KEYS = 100_000;

export interface HealthMonitorDeps {
  store: Store;
  control: Pick<BlastControl, 'pause' | 'resumeAutomaticPause'>;
  signals: BlastSignals;
  events: Pick<EventPublisher, 'publish'>;
  clock: Clock;
  log: Logger;
  model: HealthModel;
  /** The sessions this worker owns now (assessed again every REASSESS_EVERY_MS). */
  owned: () => SessionConfig[];
  /** The session's pace changed: cached send contexts are stale. */
  changed: (sessionId: string) => void;
  metrics?: Pick<Metrics, 'healthBandChanges'> | undefined;
  /** The sessions' live status, for the webhook of a band change (the session's own status, phone and name). */
  live?: Pick<LiveStatusStore, 'read'> | undefined;
}

/**
 * Watches every session this worker owns (issue 17): counts what happens to it per hour in the
 * database, assesses its health when something happened (and every half minute), stores the
 * assessment that every worker's engine paces the session by (blast-engine.ts `context`), and acts
 * on a change of band: an event (`session:health`, webhook `session.status`), a log line, a metric;
 * in the stop band the session is paused on every blast it serves (the others send the rest; a blast
 * left with none is paused with SESSION_HEALTH) until an operator resumes a blast of it.
 */
export class HealthMonitor {
  #pending = new Map<string, { session: SessionRef; hour: number; kind: HealthCountKind; count: number }>();
  readonly #dirty = new Map<string, SessionRef>();
  readonly #queues = new Map<string, Promise<unknown>>();
  #timers: NodeJS.Timeout[] = [];
  #flushing: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly deps: HealthMonitorDeps) {}

  start(): void {
    this.#timers = [
      setInterval(() => void this.flush(), FLUSH_EVERY_MS),
      setInterval(() => void this.#reassessOwned(), REASSESS_EVERY_MS),
    ];
    for (const timer of this.#timers) timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await this.flush();
  }

  /** Something happened to the session: counted in the current hour, assessed with the next flush. */
  count(session: SessionRef, kind: HealthCountKind, count = 1): void {
    if (count <= 0) return;
    const hour = Math.floor(this.deps.clock.now().getTime() / HOUR_MS);
    const key = `${session.uid}\u0000${String(hour)}\u0000${kind}`;
    const seen = this.#pending.get(key);
    if (seen) seen.count += count;
    else if (this.#pending.size < MAX_PENDING_KEYS) this.#pending.set(key, { session, hour, kind, count });
    this.#dirty.set(session.uid, session);
  }

  /** Something the score reads changed (a restriction, the new-chat cap): assessed with the next flush. */
  touch(session: SessionRef): void {
    this.#dirty.set(session.uid, session);
  }

  /** Writes the counts and assesses the sessions they touched. */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        const batch = this.#pending;
        this.#pending = new Map();
        const rows = [...batch.values()].map(({ session, hour, kind, count }) => ({ sessionUid: session.uid, hour, kind, count }));
        try {
          await this.deps.store.health.addCounts(rows);
        } catch (error) {
          this.deps.log.warn({ err: error, rows: rows.length }, 'could not write health counts; retrying');
          for (const [key, row] of batch) {
            const seen = this.#pending.get(key);
            if (seen) seen.count += row.count;
            else this.#pending.set(key, row);
          }
          return;
        }
        const sessions = [...this.#dirty.values()];
        this.#dirty.clear();
        for (const session of sessions) {
          await this.assess(session).catch((error: unknown) => {
            this.deps.log.warn({ sessionId: session.id, err: error }, "could not assess the session's health");
          });
        }
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  async #reassessOwned(): Promise<void> {
    if (this.#stopped) return;
    for (const session of this.deps.owned()) {
      await this.assess(session).catch((error: unknown) => {
        this.deps.log.warn({ sessionId: session.id, err: error }, 'could not assess the session\'s health');
      });
    }
    const nowHour = Math.floor(this.deps.clock.now().getTime() / HOUR_MS);
    await this.deps.store.health.prune(nowHour - KEEP_HOURS).catch(() => 0);
  }

  /** Assesses the session now and acts on its band (one assessment at a time per session). */
  assess(session: SessionRef): Promise<StoredHealth | undefined> {
    const run = (this.#queues.get(session.uid) ?? Promise.resolve()).then(() => this.#assess(session));
    const tail = run.catch(() => undefined);
    this.#queues.set(session.uid, tail);
    void tail.then(() => {
      if (this.#queues.get(session.uid) === tail) this.#queues.delete(session.uid);
    });
    return run;
  }

  async #assess(session: SessionRef): Promise<StoredHealth | undefined> {
    const { store, clock, model, log } = this.deps;
    const current = await store.sessions.get(session.id);
    if (current?.uid !== session.uid) return undefined; // deleted, or another session under its id now
    const now = clock.now();
    const nowMs = now.getTime();
    const hour = Math.floor(nowMs / HOUR_MS);
    const [window, cap, restriction, linkedAt, previous] = await Promise.all([
      store.health.counts(session.uid, hour - model.windowHours + 1, hour - model.deliveryGraceHours + 1),
      store.newChatCaps.get(session),
      store.sessions.restriction(session),
      store.sessions.linkedAt(session.id),
      store.health.get(session.uid),
    ]);
    const capState = cap === null ? null : cap.state === 'CAPPED' && cappedUntilMs(cap, now) === undefined ? 'NONE' : cap.state;
    const timelocked = restriction?.reason === 'reachout_timelock' && (restriction.until === null || Date.parse(restriction.until) > nowMs);
    const ageDays = linkedAt === null ? null : Math.max(0, Math.floor((nowMs - Date.parse(linkedAt)) / DAY_MS));
    const assessment = assessHealth({ counts: window.counts, sentBeforeGrace: window.sentBeforeGrace, capState, timelocked, ageDays }, model);

    const today = now.toISOString().slice(0, 10);
    const unhealthyToday = assessment.band !== 'healthy' && previous?.lastUnhealthyDay !== today;
    const record: HealthAssessmentRecord = {
      sessionUid: session.uid,
      sessionId: session.id,
      score: assessment.score,
      band: assessment.band,
      reasons: assessment.reasons,
      bandSince: previous?.band === assessment.band ? previous.bandSince : now.toISOString(),
      assessedAt: now.toISOString(),
      unhealthyDays: (previous?.unhealthyDays ?? 0) + (unhealthyToday ? 1 : 0),
      lastUnhealthyDay: unhealthyToday ? today : (previous?.lastUnhealthyDay ?? null),
    };
    await store.health.put(record);
    // The operator's word holds until the score drops below what it was then, or the session is healthy again.
    // Only the acknowledgement read here is cleared: one the operator gives meanwhile stays.
    const ackAt = previous?.acknowledgedAt ?? null;
    const ackScore = previous?.acknowledgedScore ?? null;
    const ackKept = ackScore !== null && assessment.band !== 'healthy' && assessment.score >= ackScore;
    if (ackAt !== null && !ackKept) await store.health.clearAcknowledgement(session.uid, ackAt);
    const stored: StoredHealth = {
      ...record,
      acknowledgedScore: ackKept ? ackScore : null,
      acknowledgedAt: ackKept ? ackAt : null,
      announcedBand: previous?.announcedBand ?? null,
    };

    const before: HealthBand = previous?.band ?? 'healthy';
    const paceChanged = before !== stored.band || (previous?.acknowledgedScore ?? null) !== stored.acknowledgedScore;
    if (paceChanged) this.deps.changed(session.id);
    if (before !== stored.band) {
      const worse = bandRank(stored.band) > bandRank(before);
      log[worse ? 'warn' : 'info'](
        { sessionId: session.id, band: stored.band, previousBand: before, score: stored.score, reasons: stored.reasons.map((reason) => `${reason.code}:${String(reason.points)}`) },
        'session health band changed',
      );
      this.deps.metrics?.healthBandChanges.inc({ band: stored.band });
    }
    // Announced once stored; one that failed (or a crash in between) is announced at the next assessment.
    const announced = stored.announcedBand ?? 'healthy';
    if (announced !== stored.band) {
      await this.#announce(current, stored, announced);
      await store.health.announced(session.uid, stored.band);
    }
    const enforced = enforcementOf(stored);
    if (enforced.pause) await this.#hold(session, stored);
    else if (enforced.newContactShare === 0) await this.#holdIfNoneMay(session);
    // It may open new chats again: a blast paused for want of one that may runs again.
    if (enforced.newContactShare > 0 && enforcementOf(previous).newContactShare === 0) await this.#release(session);
    return stored;
  }

  /**
   * At risk, the session sends to existing chats only: a running blast none of whose sessions may send any of
   * its remaining recipients (each paused, or held to existing chats with none of them waiting) would sit
   * `running` with nothing going out. It is paused with SESSION_HEALTH instead, saying why, and runs again by
   * itself when one of its sessions may open new chats (#release; blast-control's resumeAutomaticPause).
   */
  async #holdIfNoneMay(session: SessionRef): Promise<void> {
    const { store, control, signals } = this.deps;
    for (const blastId of await store.blasts.liveBlastsOf(session)) {
      const blast = await store.blasts.get(blastId);
      if (blast?.status !== 'running' || !(await store.blasts.hasPending(blastId))) continue;
      const healths = await store.health.getMany(blast.sessions.flatMap((entry) => (entry.sessionUid === null ? [] : [entry.sessionUid])));
      let someoneMay = false;
      for (const entry of blast.sessions) {
        if (entry.pausedReason !== null || entry.sessionUid === null) continue;
        const health = healths.get(entry.sessionUid) ?? null;
        // A restriction being written down pauses the blast itself, with its own reason.
        const restricted = (await store.sessions.restriction({ id: entry.sessionId, uid: entry.sessionUid })) !== null;
        if (restricted || enforcementOf(health).newContactShare > 0 || (await store.blasts.hasPending(blastId, entry.sessionId))) {
          someoneMay = true;
          break;
        }
      }
      if (someoneMay) continue;
      await control.pause(
        blastId,
        SESSION_HEALTH_BLAST_PAUSE,
        'No session of this blast may open a new chat now (their health holds them to people who already wrote to them); it goes on by itself when one may, or when an operator resumes it.',
      );
      await signals.changed(blastId);
    }
  }

  /** The blasts of the session paused for want of a session that may send: they run again if one may now. */
  async #release(session: SessionRef): Promise<void> {
    const { store, control } = this.deps;
    for (const blastId of await store.blasts.liveBlastsOf(session)) {
      const blast = await store.blasts.get(blastId);
      if (blast?.status === 'paused' && blast.pause?.reason === SESSION_HEALTH_BLAST_PAUSE) await control.resumeAutomaticPause(blastId);
    }
  }

  async #announce(session: SessionConfig, health: StoredHealth, previousBand: HealthBand): Promise<void> {
    const { store, events } = this.deps;
    const at = health.assessedAt;
    const data = { sessionId: session.id, score: health.score, band: health.band, previousBand, reasons: health.reasons, at };
    const scope = { businessUnit: session.businessUnit, sessionId: session.id };
    // The session's own status, phone and name as they are now: a consumer mirroring the status keeps it.
    const live = await this.deps.live?.read(session.id).catch(() => undefined);
    const status = live?.status ?? 'connected';
    await store.webhooks.emit([
      {
        type: 'session.status',
        businessUnit: session.businessUnit,
        orderingKey: `session:${session.id}`,
        data: { sessionId: session.id, status, reason: `health:${health.band}`, phone: live?.phone ?? null, name: live?.name ?? null, at, health: data },
        at,
      },
    ]);
    await events.publish('session:health', data, scope);
  }

  /** The stop band: the session stops on every blast it serves; a blast left with no session that may send is paused. */
  async #hold(session: SessionRef, health: StoredHealth): Promise<void> {
    const { store, control, signals } = this.deps;
    for (const blastId of await store.blasts.liveBlastsOf(session)) {
      const blast = await store.blasts.get(blastId);
      const mine = blast?.sessions.find((entry) => entry.sessionId === session.id);
      if (!blast || !mine || mine.pausedReason !== null) continue; // paused already, for this or another reason
      await store.blasts.pauseSession(blastId, session.id, HEALTH_STOP_PAUSE);
      // Read again after the write: two sessions stopped at once by two workers each see the other's pause.
      const after = await store.blasts.get(blastId);
      if (after?.status === 'running' && after.sessions.every((entry) => entry.pausedReason !== null)) {
        const why = health.reasons.slice(0, 3).map((reason) => reason.detail).join('; ');
        await control.pause(blastId, SESSION_HEALTH_BLAST_PAUSE, `Session ${session.id} stopped by its health (score ${String(health.score)}: ${why}). Resume the blast to send from it again.`);
      }
      await signals.changed(blastId);
    }
  }
}
