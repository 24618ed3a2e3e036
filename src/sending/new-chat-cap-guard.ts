import type { BlastControl } from '../blasts/blast-control.js';
import { cappedUntilMs, NEW_CHAT_CAP_PAUSE, nextNewChatCap, type NewChatCap, type NewChatCapReading } from '../core/new-chat-cap.js';
import type { SessionRef } from '../core/session-config.js';
import { MAX_TIMER_MS, type Clock } from '../infra/clock.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';
import type { BlastSignals } from './blast-signals.js';
import type { OwnedSessions } from './sender-host.js';

/** A blast left with no session that may send, the others paused by the cap (NEW_CHAT_CAP_PAUSE) or otherwise. */
export const NEW_CHAT_CAP_BLAST_PAUSE = 'NEW_CHAT_CAP';
/** A read of the cap this recent is not repeated before a blast starts. */
const READ_AGAIN_AFTER_MS = 60_000;

export interface NewChatCapGuardDeps {
  store: Store;
  sessions: OwnedSessions;
  control: Pick<BlastControl, 'pause' | 'resumeAutomaticPause'>;
  signals: BlastSignals;
  clock: Clock;
  log: Logger;
  /** The session's pace changed: cached send contexts are stale. */
  changed: (sessionId: string) => void;
}

/**
 * Acts on WhatsApp's new-chat cap (issue 15, item 2). Each reading (a `message-capping.update`, a
 * read at connect or before a blast starts) is stored on the session; a warning halves the session's
 * hourly cap for a day (applied where the engine builds the session's policy); `CAPPED` pauses the
 * session on every blast it serves until the cycle ends, as a restriction does (the other sessions
 * send the rest; a blast left with none is paused with NEW_CHAT_CAP), and lifts that pause by itself
 * at the reset. The product cannot tell which recipient already has a chat with the account, and a
 * campaign's recipients almost never do, so a capped session sends no blast message at all.
 */
export class NewChatCapGuard {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #readAtMs = new Map<string, number>();
  /** Sessions capped now, and until when (ms): known here before the database write lands, so no send slips in between. */
  readonly #cappedUntil = new Map<string, number>();
  /** One change at a time per session, so a reading and the one behind it cannot interleave. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Readings are numbered when taken (a read's when it starts); the number of the last one applied, per session. */
  #taken = 0;
  readonly #appliedTaken = new Map<string, number>();
  #stopped = false;

  constructor(private readonly deps: NewChatCapGuardDeps) {}

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /**
   * Asks the session's provider now (at connect; before a blast, unless read within the last
   * minute), and acts on the answer; on the stored cap when it was read recently or cannot answer.
   */
  async refresh(session: SessionRef, options: { unlessRecent?: boolean } = {}): Promise<void> {
    const nowMs = this.deps.clock.now().getTime();
    const last = this.#readAtMs.get(session.id);
    if (options.unlessRecent && last !== undefined && nowMs - last < READ_AGAIN_AFTER_MS) {
      // Read a moment ago: what it said still holds for the blast about to start.
      await this.#serial(session.id, async () => this.#enforce(session, await this.deps.store.newChatCaps.get(session)));
      return;
    }
    this.#readAtMs.set(session.id, nowMs);
    const taken = ++this.#taken;
    let reading: NewChatCapReading | null = null;
    try {
      reading = (await this.deps.sessions.owned(session.id)?.provider.newChatCap()) ?? null;
    } catch (error) {
      this.deps.log.warn({ sessionId: session.id, err: error }, 'could not read the new-chat cap; acting on the one stored');
    }
    if (reading) await this.#apply(session, reading, taken);
    else await this.#serial(session.id, async () => this.#enforce(session, await this.deps.store.newChatCaps.get(session)));
  }

  /** Until when this session may not send (ms since the epoch), as far as this worker knows; undefined when it may. */
  cappedUntilMs(sessionId: string): number | undefined {
    const untilMs = this.#cappedUntil.get(sessionId);
    return untilMs !== undefined && untilMs > this.deps.clock.now().getTime() ? untilMs : undefined;
  }

  /** A reading of the session's cap, as WhatsApp announced it just now: stored, then acted on. */
  async apply(session: SessionRef, reading: NewChatCapReading): Promise<void> {
    if (this.#stopped) return;
    if (reading.state === 'CAPPED') {
      // Known at once, before the queue and the database: no send slips in meanwhile.
      const untilMs = cappedUntilMs(nextNewChatCap(null, reading, this.deps.clock.now()), this.deps.clock.now());
      if (untilMs !== undefined) this.#cappedUntil.set(session.id, Math.max(untilMs, this.#cappedUntil.get(session.id) ?? 0));
    }
    await this.#apply(session, reading, ++this.#taken);
  }

  #serial(sessionId: string, change: () => Promise<void>): Promise<void> {
    const run = (this.#queues.get(sessionId) ?? Promise.resolve()).then(change);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(sessionId, tail);
    void tail.then(() => {
      if (this.#queues.get(sessionId) === tail) this.#queues.delete(sessionId);
    });
    return run;
  }

  /** `taken`: when the reading was taken; one taken before the last applied is stale (a read at connect answered after a notification) and dropped. */
  #apply(session: SessionRef, reading: NewChatCapReading, taken: number): Promise<void> {
    return this.#serial(session.id, async () => {
      if (this.#stopped) return;
      const { store, clock, log } = this.deps;
      const previous = await store.newChatCaps.get(session);
      if (taken < (this.#appliedTaken.get(session.id) ?? 0)) {
        log.info({ sessionId: session.id, state: reading.state }, 'new-chat cap reading older than the one applied: dropped');
        this.#remember(session.id, previous);
        return;
      }
      this.#appliedTaken.set(session.id, taken);
      const cap = nextNewChatCap(previous, reading, clock.now());
      this.#remember(session.id, cap);
      await store.newChatCaps.put(session, cap);
      if (cap.state !== previous?.state) {
        const level = cap.state === 'NONE' ? 'info' : 'warn';
        log[level]({ sessionId: session.id, state: cap.state, quota: cap.quota, used: cap.used, resetsAt: cap.resetsAt, slowUntil: cap.slowUntil }, 'new-chat cap changed');
      }
      this.deps.changed(session.id);
      await this.#enforce(session, cap);
    });
  }

  #remember(sessionId: string, cap: NewChatCap | null): number | undefined {
    const untilMs = cappedUntilMs(cap, this.deps.clock.now());
    if (untilMs === undefined) this.#cappedUntil.delete(sessionId);
    else this.#cappedUntil.set(sessionId, untilMs);
    return untilMs;
  }

  async #enforce(session: SessionRef, cap: NewChatCap | null): Promise<void> {
    const untilMs = this.#remember(session.id, cap);
    if (untilMs === undefined) await this.#lift(session);
    else await this.#hold(session, untilMs, cap?.resetsAt ?? '');
  }

  /** Pauses the session on its live blasts until `untilMs`, and wakes up then to lift it. */
  async #hold(session: SessionRef, untilMs: number, resetsAt: string): Promise<void> {
    const { store, control, signals } = this.deps;
    this.#arm(session, untilMs);
    for (const blastId of await store.blasts.liveBlastsOf(session)) {
      const blast = await store.blasts.get(blastId);
      const mine = blast?.sessions.find((entry) => entry.sessionId === session.id);
      if (!blast || mine?.pausedReason !== null) continue; // paused already, for this or another reason
      await store.blasts.pauseSession(blastId, session.id, NEW_CHAT_CAP_PAUSE);
      if (blast.status === 'running' && blast.sessions.every((entry) => entry.sessionId === session.id || entry.pausedReason !== null)) {
        await control.pause(blastId, NEW_CHAT_CAP_BLAST_PAUSE, `Session ${session.id} reached WhatsApp's cap on new chats; it sends again when the quota resets (${resetsAt}).`);
      }
      await signals.changed(blastId);
    }
  }

  /**
   * The cap is over (or was never reached): the session goes on with the blasts it paused it on, and a
   * blast paused for want of a session that may send runs again; other sessions keep their pauses (a
   * time-lock stays in force).
   */
  async #lift(session: SessionRef): Promise<void> {
    const { store, control, signals, log } = this.deps;
    clearTimeout(this.#timers.get(session.id));
    this.#timers.delete(session.id);
    for (const blastId of await store.blasts.liveBlastsOf(session)) {
      const blast = await store.blasts.get(blastId);
      const mine = blast?.sessions.find((entry) => entry.sessionId === session.id);
      if (!blast || mine?.pausedReason !== NEW_CHAT_CAP_PAUSE) continue;
      log.info({ sessionId: session.id, blastId }, 'new-chat quota reset: the session sends this blast again');
      await store.blasts.pauseSession(blastId, session.id, null);
      await control.resumeAutomaticPause(blastId);
      await signals.changed(blastId);
    }
  }

  #arm(session: SessionRef, untilMs: number): void {
    clearTimeout(this.#timers.get(session.id));
    const delay = Math.min(Math.max(untilMs - this.deps.clock.now().getTime(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(session.id);
      if (this.#stopped) return;
      void this.#afterReset(session).catch((error: unknown) => {
        this.deps.log.error({ sessionId: session.id, err: error }, 'could not lift the new-chat cap');
      });
    }, delay);
    timer.unref();
    this.#timers.set(session.id, timer);
  }

  /**
   * The cycle should have ended: WhatsApp is asked again when the session is here and linked; if it
   * cannot say, the cycle is taken as ended (a new one, its quota unused), as WhatsApp announced.
   */
  async #afterReset(session: SessionRef): Promise<void> {
    const taken = ++this.#taken;
    let reading: NewChatCapReading | null = null;
    try {
      reading = (await this.deps.sessions.owned(session.id)?.provider.newChatCap()) ?? null;
    } catch (error) {
      this.deps.log.warn({ sessionId: session.id, err: error }, 'could not read the new-chat cap at its reset');
    }
    const stored = await this.deps.store.newChatCaps.get(session);
    const now = this.deps.clock.now();
    const stillCapped = reading?.state === 'CAPPED' && cappedUntilMs(nextNewChatCap(stored, reading, now), now) !== undefined;
    // A cap still in force is re-armed by apply; WhatsApp's word on a new cycle is taken as it is.
    if (reading && (stillCapped || reading.state !== 'CAPPED')) {
      await this.#apply(session, reading, taken);
      return;
    }
    // Woken before the stored reset (a timer is capped at ~24.8 days; the clock moved): wait on.
    const untilMs = cappedUntilMs(stored, now);
    if (untilMs !== undefined) {
      this.#arm(session, untilMs);
      return;
    }
    const quota = stored?.quota ?? null;
    await this.#apply(session, { state: 'NONE', quota, used: quota === null ? null : 0, resetsAt: null }, taken);
  }
}
