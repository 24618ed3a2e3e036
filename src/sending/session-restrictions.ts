import { cappedUntilMs, NEW_CHAT_CAP_PAUSE } from '../core/new-chat-cap.js';
import type { SessionRef, SessionRestriction } from '../core/session-config.js';
import type { Clock } from '../infra/clock.js';
import type { Logger } from '../logging/logger.js';
import type { RestrictionReason } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import type { BlastSignals } from './blast-signals.js';

/** A restriction as WhatsApp (or the sender) reported it. */
export interface HeardRestriction {
  reason: RestrictionReason;
  detail?: string | undefined;
  code?: string | undefined;
  until?: string | undefined;
}

/**
 * Restrictions kept on the session (0009): those WhatsApp puts on the account for a while, which
 * outlive the socket. The others (rate-overlimit, a ban, a logout) pause the session on the blasts
 * of the moment only, as before.
 */
const DURABLE: ReadonlySet<RestrictionReason> = new Set<RestrictionReason>(['reachout_timelock', 'temporarily_banned']);

/** Whether a restriction of this kind is kept on the session until its end (else it pauses the blasts of the moment only). */
export function isDurableRestriction(reason: string): boolean {
  return (DURABLE as ReadonlySet<string>).has(reason);
}

export const SESSION_RESTRICTED = 'SESSION_RESTRICTED';

/**
 * What a restriction does to a session's blasts, and what its end undoes: the session stops on
 * every blast it serves at once (a blast left with no session that may send pauses with
 * SESSION_RESTRICTED), and when the restriction ends it goes on, and those blasts resume.
 */
export function createSessionRestrictions(deps: {
  store: Store;
  /** The blast control's (blasts/blast-control.ts; named here, not imported: the operator's resume lifts through this). */
  control: {
    pause(blastId: string, reason: string, detail: string | null): Promise<boolean>;
    resumeAutomaticPause(blastId: string): Promise<boolean>;
  };
  signals: BlastSignals;
  clock: Clock;
  log: Logger;
}) {
  const { store, control, signals, log } = deps;
  /** One change at a time per session: a 463 and the time-lock answer right behind it must merge, not race. */
  const queues = new Map<string, Promise<unknown>>();
  function serial<T>(sessionId: string, change: () => Promise<T>): Promise<T> {
    const run = (queues.get(sessionId) ?? Promise.resolve()).then(change);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(sessionId, tail);
    void tail.then(() => {
      if (queues.get(sessionId) === tail) queues.delete(sessionId);
    });
    return run;
  }

  /**
   * A heard restriction merged into the stored one: a time-lock's end may come after the 463 that caused it.
   * A stored end already past is not kept: it belongs to an earlier restriction, and would let the sweep lift this one at once.
   */
  function merged(stored: SessionRestriction | null, heard: HeardRestriction): SessionRestriction {
    const same = stored?.reason === heard.reason ? stored : null;
    const until = heard.until === undefined ? undefined : new Date(heard.until);
    const storedUntil = same?.until != null && Date.parse(same.until) > deps.clock.now().getTime() ? same.until : null;
    return {
      reason: heard.reason,
      code: heard.code ?? same?.code ?? null,
      until: until !== undefined && Number.isFinite(until.getTime()) ? until.toISOString() : storedUntil,
    };
  }

  return {
    /** Stops the session on all its blasts; returns what is stored on it now (null for a passing one). */
    restrict: (session: SessionRef, heard: HeardRestriction): Promise<SessionRestriction | null> => serial(session.id, async () => {
      let stored: SessionRestriction | null = null;
      if (DURABLE.has(heard.reason)) {
        stored = merged(await store.sessions.restriction(session), heard);
        if (!(await store.sessions.setRestriction(session, stored))) stored = null;
      }
      log.warn({ sessionId: session.id, ...heard }, 'session restricted: it stops sending');
      for (const blastId of await store.blasts.liveBlastsOf(session)) {
        await store.blasts.pauseSession(blastId, session.id, `restricted:${heard.reason}`);
        const blast = await store.blasts.get(blastId);
        if (blast?.status === 'running' && blast.sessions.every((entry) => entry.pausedReason !== null)) {
          await control.pause(blastId, SESSION_RESTRICTED, `Session ${session.id}: ${heard.detail ?? heard.reason}`);
        }
        await signals.changed(blastId);
      }
      return stored;
    }),

    /**
     * The restriction ended: the session goes on with its blasts, and those paused for want of a
     * session that may send resume. `endedBy`: only a stored restriction over by then is lifted
     * (a timer or the sweep must not lift a newer, longer one).
     */
    lift: (session: SessionRef, heard: { reason: string; endedBy?: string }): Promise<boolean> => serial(session.id, async () => {
      const stored = await store.sessions.restriction(session);
      if (stored && !(await store.sessions.clearRestriction(session, heard.endedBy))) return false;
      const reason = `restricted:${stored?.reason ?? heard.reason}`;
      let resumed = false;
      // A session capped on new chats before the restriction came stays paused by the cap until its reset (the guard lifts it then).
      const capped = cappedUntilMs(await store.newChatCaps.get(session), deps.clock.now()) !== undefined;
      for (const blastId of await store.blasts.liveBlastsOf(session)) {
        const blast = await store.blasts.get(blastId);
        if (blast?.sessions.find((entry) => entry.sessionId === session.id)?.pausedReason !== reason) continue;
        await store.blasts.pauseSession(blastId, session.id, capped ? NEW_CHAT_CAP_PAUSE : null);
        await control.resumeAutomaticPause(blastId);
        await signals.changed(blastId);
        resumed = true;
      }
      log.info({ sessionId: session.id, reason }, 'restriction ended: the session sends again');
      return stored !== null || resumed;
    }),
  };
}

export type SessionRestrictions = ReturnType<typeof createSessionRestrictions>;
