import type { BlastControl, ProgressSample } from '../blasts/blast-control.js';
import { doneOf, isOptOut } from '../core/blast.js';
import { cappedUntilMs, slowedPacing } from '../core/new-chat-cap.js';
import { bandPacing, DEFAULT_HEALTH_MODEL, enforcementOf, healthyDaysOf, newContactBudget, type HealthModel } from '../core/health.js';
import { budgetsNewContacts, effectiveDailyCap, tightenPacing } from '../core/pacing.js';
import type { SessionConfig, SessionRef } from '../core/session-config.js';
import { messageLimit } from '../core/message-length.js';
import type { NumberCheckTtl } from '../core/number-check.js';
import { compileTemplate } from '../core/template.js';
import type { Clock } from '../infra/clock.js';
import type { Redis } from '../infra/redis.js';
import type { Logger } from '../logging/logger.js';
import type { ProviderEvent } from '../providers/provider.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { LiveStatusStore } from '../sessions/live-status.js';
import type { StoredHealth } from '../store/health.repository.js';
import type { AckFailure, ClaimedRecipient, Outcome, Receipt } from '../store/blast.repository.js';
import type { StoredReply } from '../store/reply.repository.js';
import type { ReplyAnnouncer } from '../replies/reply-announcer.js';
import { ReplyWriter } from '../replies/reply-writer.js';
import { replyPreview } from '../core/reply.js';
import type { Store } from '../store/store.js';
import { blastSignalsChannel, type BlastSignals } from './blast-signals.js';
import type { PacingGate } from './pacing-gate.js';
import type { Metrics } from '../observability/metrics.js';
import { HealthMonitor } from './health-monitor.js';
import { NewChatCapGuard } from './new-chat-cap-guard.js';
import { SessionSender } from './session-sender.js';
import type { OwnedSessions, SendContext, SenderHost } from './sender-host.js';
import { createSessionRestrictions, type HeardRestriction, type SessionRestrictions } from './session-restrictions.js';

/** The part of the session manager the engine uses. */
export interface ManagedSessions extends OwnedSessions {
  /** For an inbound message, the listener's promise says when it was handled (see SessionEventListener). */
  onSessionEvent(listener: (session: SessionConfig, event: ProviderEvent) => Promise<void> | undefined): void;
  /** A restriction heard from the session is now kept on it (its clearing by an operator can be told from "not written yet"). */
  restrictionWritten(sessionId: string): void;
  /** The configs of the sessions this worker owns now. */
  ownedConfigs(): SessionConfig[];
}

export interface BlastEngineDeps {
  store: Store;
  sessions: ManagedSessions;
  gate: PacingGate;
  control: BlastControl;
  signals: BlastSignals;
  /** A connection of its own, for the blast signals channel. */
  subscriber: Redis;
  prefix: string;
  clock: Clock;
  log: Logger;
  optOutKeywords: readonly string[];
  /** Most recipients one session takes at once when its pace allows (zero delay). */
  claimBatch?: number;
  /** How often an idle session looks for work when nobody signals any. */
  pollMs?: number;
  /** Backoff before each retry of a transient failure. */
  retryDelaysMs?: readonly number[];
  random?: () => number;
  metrics?: Pick<Metrics, 'messages' | 'receipts'>;
  /** How long WhatsApp's answers to number checks are kept (config: NUMBER_CHECK_TTL_HOURS…). */
  numberCheckTtl?: NumberCheckTtl;
  /** Replies: how far back a send gets one (REPLY_ATTRIBUTION_HOURS, default 72), and who is told of a stored one. */
  replies?: { attributionHours: number; announcer?: ReplyAnnouncer };
  /** Account health (issue 17): the model's knobs (HEALTH_*), and where band changes are announced. */
  health?: { model: HealthModel; events: Pick<EventPublisher, 'publish'>; metrics?: Pick<Metrics, 'healthBandChanges'>; live?: Pick<LiveStatusStore, 'read'> };
}


const CONTEXT_TTL_MS = 5_000;
/** Disconnects the product made itself (a close, a release, a stop): not the account's trouble. */
const QUIET_DISCONNECTS: ReadonlySet<string> = new Set(['closed', 'released', 'worker_stopped', 'disconnect_requested', 'session_deleted', 'lease_lost', 'logout_requested']);
const PROGRESS_EVERY_MS = 300;
const RECEIPTS_EVERY_MS = 250;
const RATE_WINDOW_MS = 60_000;
/**
 * How long a receipt or error ack whose message's outcome is not written yet is kept and tried
 * again: an ack can overtake that write, by milliseconds normally, by seconds on a loaded machine.
 * At most MAX_UNMATCHED wait (the oldest go first), so memory stays bounded.
 */
const UNMATCHED_KEEP_MS = 60_000;
const MAX_UNMATCHED = 50_000;

/**
 * The worker's sending engine: one sender loop per connected session it owns. A loop pulls
 * recipients of the blasts its session serves from the database in windows, paces them through
 * the shared Redis gate, and records every outcome durably before it is reported. Receipts,
 * opt-out replies and restriction signals arrive here from the session manager; progress goes
 * out coalesced, a few frames a second at most.
 */
export class BlastEngine implements SenderHost {
  readonly #senders = new Map<string, SessionSender>();
  readonly #contexts = new Map<string, SendContext>();
  readonly #budgets = new Map<string, { budget: { left: number }; loadedAtMs: number }>();
  readonly #dirty = new Set<string>();
  readonly #samples = new Map<string, ProgressSample[]>();
  #receipts: { receipt: Receipt; sinceMs: number }[] = [];
  #failures: { failure: AckFailure; sinceMs: number }[] = [];
  /**
   * Bumped each time a session's restriction is heard: a sender checks it before every message, so
   * nothing more goes out once WhatsApp said stop (the database pause follows a moment later).
   */
  readonly #haltEpochs = new Map<string, number>();
  /** Sessions whose restriction is being written down: their senders claim nothing meanwhile. */
  readonly #halting = new Map<string, number>();
  readonly #restrictions: SessionRestrictions;
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  #flushing: Promise<void> | undefined;
  readonly #newChatCap: NewChatCapGuard;
  /** Replies arriving together (a campaign's answers, a reconnect's backlog) share a transaction. */
  readonly #replyWriter: ReplyWriter;
  readonly #health: HealthMonitor;

  constructor(readonly deps: BlastEngineDeps) {
    const changed = (sessionId: string): void => {
      this.#forgetContexts(sessionId);
    };
    // The cap changed (a reading, its reset): the pace is stale, and so is the session's health.
    const capChanged = (sessionId: string): void => {
      changed(sessionId);
      const owned = deps.sessions.owned(sessionId);
      if (owned) this.#health.touch(owned.config);
    };
    this.#newChatCap = new NewChatCapGuard({ ...deps, changed: capChanged });
    this.#restrictions = createSessionRestrictions(deps);
    this.#health = new HealthMonitor({
      store: deps.store,
      control: deps.control,
      signals: deps.signals,
      // Without a publisher (a test's engine), band changes still reach the log, the metric and the webhooks.
      events: deps.health?.events ?? { publish: () => Promise.resolve() },
      clock: deps.clock,
      log: deps.log,
      model: deps.health?.model ?? DEFAULT_HEALTH_MODEL,
      owned: () => deps.sessions.ownedConfigs(),
      changed,
      metrics: deps.health?.metrics,
      live: deps.health?.live,
    });
    this.#replyWriter = new ReplyWriter({
      replies: deps.store.replies,
      windowHours: deps.replies?.attributionHours ?? 72,
      now: () => deps.clock.now().toISOString(),
    });
  }

  get claimBatch(): number {
    return this.deps.claimBatch ?? 100;
  }

  get pollMs(): number {
    return this.deps.pollMs ?? 2_000;
  }

  get retryDelaysMs(): readonly number[] {
    return this.deps.retryDelaysMs ?? [1_000, 4_000, 15_000];
  }

  get numberCheckTtl(): NumberCheckTtl {
    return this.deps.numberCheckTtl ?? { foundMs: 7 * 86_400_000, notFoundMs: 86_400_000 };
  }

  async start(): Promise<void> {
    const channel = blastSignalsChannel(this.deps.prefix);
    this.deps.subscriber.on('message', (from: string, blastId: string) => {
      if (from !== channel) return;
      for (const key of this.#contexts.keys()) if (key.startsWith(`${blastId}:`)) this.#contexts.delete(key);
      for (const sender of this.#senders.values()) sender.wake();
    });
    await this.deps.subscriber.subscribe(channel);
    this.deps.sessions.onSessionEvent((session, event) => {
      // A reply is handled even while stopping: its message is remembered as heard only once stored.
      if (event.type === 'inbound') return this.#inbound(session, event);
      this.#onSessionEvent(session, event);
      return undefined;
    });
    this.#health.start();
    this.#timers = [
      setInterval(() => void this.#flushProgress(), PROGRESS_EVERY_MS),
      setInterval(() => void this.#flushReceipts(), RECEIPTS_EVERY_MS),
    ];
  }

  /** Lets each loop finish the message in hand and record it; recipients not started stay pending. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#newChatCap.stop();
    await Promise.all([...this.#senders.values()].map((sender) => sender.stop()));
    this.#senders.clear();
    for (const timer of this.#timers) clearInterval(timer);
    await this.deps.subscriber.unsubscribe(blastSignalsChannel(this.deps.prefix)).catch(() => undefined);
    // Replies waiting for their transaction are stored now; any heard later is stored at once.
    await this.#replyWriter.stop();
    await this.#flushReceipts();
    await this.#flushProgress();
    await this.#health.stop();
  }

  /** The session's health monitor (its counts, its assessments). */
  get health(): HealthMonitor {
    return this.#health;
  }

  counted(session: SessionConfig, outcomes: readonly Outcome[], recipients: readonly ClaimedRecipient[]): void {
    const chatOf = new Map(recipients.map((recipient) => [recipient.seq, recipient.chatSessionId]));
    let sent = 0;
    let newChats = 0;
    let failed = 0;
    let notOnWhatsApp = 0;
    for (const outcome of outcomes) {
      if (outcome.status === 'sent') {
        sent += 1;
        if (chatOf.get(outcome.seq) !== session.id) newChats += 1;
      } else if (outcome.status === 'failed') failed += 1;
      else if (outcome.reason === 'NOT_ON_WHATSAPP') notOnWhatsApp += 1;
    }
    this.#health.count(session, 'sent', sent);
    this.#health.count(session, 'new_chat', newChats);
    this.#health.count(session, 'failed', failed);
    this.#health.count(session, 'not_on_whatsapp', notOnWhatsApp);
  }

  /** Elapsed time for the unmatched acks' window: the machine's monotonic clock, not the product's (a test may hold that still). */
  #nowMs(): number {
    return performance.now();
  }

  isStopped(): boolean {
    return this.#stopped;
  }

  /** The blasts a session should send for now, oldest first: made with this very session, in its unit. */
  activeBlasts(session: SessionRef): Promise<{ id: string; listId: string }[]> {
    return this.deps.store.blasts.activeForSession(session);
  }

  async context(blastId: string, config: SessionConfig): Promise<SendContext | undefined> {
    const key = `${blastId}:${config.id}`;
    const nowMs = this.deps.clock.now().getTime();
    const cached = this.#contexts.get(key);
    if (cached && nowMs - cached.loadedAtMs < CONTEXT_TTL_MS) return cached;
    const [blast, session, linkedAt, cap, health] = await Promise.all([
      this.deps.store.blasts.get(blastId),
      this.deps.store.sessions.get(config.id),
      this.deps.store.sessions.linkedAt(config.id),
      this.deps.store.newChatCaps.get(config),
      this.deps.store.health.get(config.uid),
    ]);
    if (!blast || !session) return undefined;
    // Checked again right before sending: the session is the very one the blast was made with (not one
    // re-created under its id), still stored as such, and in the blast's unit.
    const bound = blast.sessions.find((entry) => entry.sessionId === config.id)?.sessionUid;
    if (bound !== config.uid || session.uid !== config.uid || session.businessUnit !== blast.businessUnit) {
      this.deps.log.warn({ blastId, sessionId: config.id }, 'not sending: the blast was not made with this session, or not in its unit');
      return undefined;
    }
    const now = new Date(nowMs);
    const enforced = enforcementOf(health);
    // WhatsApp warned the account about new chats: half its hourly pace for a day (core/new-chat-cap.ts); its health band slows it further.
    const policy = bandPacing(slowedPacing(tightenPacing(session.pacing, blast.pacing), cap, now), enforced.pace);
    const linked = linkedAt === null ? null : new Date(linkedAt);
    const budget = budgetsNewContacts(policy, session.provider) ? await this.#newChatBudget(config, health, enforced.newContactShare, linked, nowMs) : null;
    // Existing chats only: no budget at all for the band (at risk), whether or not the session keeps one.
    const newChats = enforced.newContactShare === 0 ? { left: 0 } : budget;
    const context: SendContext = {
      blast,
      compiled: compileTemplate(blast.message),
      maxLength: messageLimit(blast.media !== null).limit,
      policy,
      dailyCap: effectiveDailyCap(policy, linked, now),
      cappedUntilMs: cappedUntilMs(cap, now),
      health: { band: health?.band ?? 'healthy', pause: enforced.pause, scope: newChats?.left === 0 ? 'chats' : 'prefer', newChats },
      loadedAtMs: nowMs,
    };
    this.#contexts.set(key, context);
    return context;
  }

  /** Reads WhatsApp's new-chat cap before the session starts a blast (unless read within the last minute). */
  async beforeBlast(session: SessionRef): Promise<void> {
    await this.#newChatCap.refresh(session, { unlessRecent: true }).catch((error: unknown) => {
      // Sending goes on under the stored cap (the context's), as it would have without this read.
      this.deps.log.warn({ sessionId: session.id, err: error }, 'could not act on the new-chat cap before a blast');
    });
  }

  cappedUntilMs(sessionId: string): number | undefined {
    return this.#newChatCap.cappedUntilMs(sessionId);
  }

  /**
   * What is left of the session's new-chat budget over the last 24 hours: one object per session, shared by the
   * contexts of all its blasts (each new chat sent takes one from it), read again every CONTEXT_TTL_MS.
   */
  async #newChatBudget(config: SessionConfig, health: StoredHealth | null, share: number, linked: Date | null, nowMs: number): Promise<{ left: number }> {
    const cached = this.#budgets.get(config.id);
    if (cached && nowMs - cached.loadedAtMs < CONTEXT_TTL_MS) return cached.budget;
    const perDay = newContactBudget(healthyDaysOf(linked, health?.unhealthyDays ?? 0, nowMs), share);
    const used = await this.deps.store.health.newChatsLastDay(config.uid, nowMs);
    const budget = { left: Math.max(0, perDay - used) };
    this.#budgets.set(config.id, { budget, loadedAtMs: nowMs });
    return budget;
  }

  #forgetContexts(sessionId: string): void {
    this.#budgets.delete(sessionId);
    for (const key of this.#contexts.keys()) if (key.endsWith(`:${sessionId}`)) this.#contexts.delete(key);
  }

  /** Outcomes were recorded for this blast: its progress goes out with the next frame. */
  touched(blastId: string): void {
    this.#dirty.add(blastId);
  }

  /**
   * Ends the blast when nothing is left: no pending recipient, and no claimed one whose outcome
   * may still come. Claimed rows of a session that will not come back (disconnected by an
   * operator, deleted, logged out) fail as SESSION_LOST: whether WhatsApp got them is unknown,
   * and sending them from another account could reach the person twice.
   */
  async finishIfDone(blastId: string): Promise<void> {
    const { store, control } = this.deps;
    const unfinished = await store.blasts.unfinished(blastId);
    if (unfinished.pending > 0) return;
    const blast = await store.blasts.get(blastId);
    if (!blast) return;
    const lost: string[] = [];
    for (const { sessionId } of unfinished.sending) {
      // Only the very session that claimed them finishes them: one re-created under its id never does.
      const bound = blast.sessions.find((session) => session.sessionId === sessionId)?.sessionUid;
      const stored = await store.sessions.get(sessionId);
      if (bound != null && stored?.uid === bound && stored.businessUnit === blast.businessUnit) {
        if (this.deps.sessions.owned(sessionId)?.config.uid === bound && this.#senders.has(sessionId)) return; // in flight here
        const desired = await store.sessions.getDesiredState(sessionId);
        if (desired?.state === 'connected') return; // its owner (maybe after a takeover) will finish them
      }
      lost.push(sessionId);
    }
    if (lost.length > 0) {
      await store.blasts.closeRows(
        blastId,
        { status: 'sending', sessionIds: lost },
        { status: 'failed', reason: 'SESSION_LOST', detail: 'Claimed by an account that was disconnected before its outcome was known.' },
        this.deps.clock.now().toISOString(),
      );
    }
    if (await control.complete(blastId)) this.deps.log.info({ blastId }, 'blast completed');
  }

  /** See #haltEpochs: a sender compares it before each message with the value it started its batch with. */
  haltEpoch(sessionId: string): number {
    return this.#haltEpochs.get(sessionId) ?? 0;
  }

  /** Whether the session's sender must not send now (a restriction heard and not yet written down). */
  isHalting(sessionId: string): boolean {
    return this.#halting.has(sessionId);
  }

  /**
   * WhatsApp told this account to stop: the session stops sending for every blast it serves at
   * once (in memory first, then in the database); a blast left with no session that may send is
   * paused with SESSION_RESTRICTED. A restriction with an end is kept on the session until then.
   */
  async restricted(session: SessionRef, heard: HeardRestriction): Promise<void> {
    const sessionId = session.id;
    this.#haltEpochs.set(sessionId, this.haltEpoch(sessionId) + 1);
    this.#halting.set(sessionId, (this.#halting.get(sessionId) ?? 0) + 1);
    try {
      // Not lost to a database hiccup: written again until it holds, the sender halted meanwhile.
      const stored = await this.#untilWritten(session, 'record a restriction', () => this.#restrictions.restrict(session, heard));
      if (stored) this.deps.sessions.restrictionWritten(sessionId);
      this.#health.touch(session);
    } finally {
      const left = (this.#halting.get(sessionId) ?? 1) - 1;
      if (left > 0) this.#halting.set(sessionId, left);
      else this.#halting.delete(sessionId);
    }
  }

  /** Tries a write again with backoff (the last delay repeating) until it holds or the worker stops. */
  async #untilWritten<T>(session: SessionRef, what: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (this.#stopped) throw error;
        const delays = this.retryDelaysMs;
        const delayMs = delays[Math.min(attempt, delays.length - 1)] ?? 1_000;
        this.deps.log.warn({ sessionId: session.id, err: error, attempt: attempt + 1, delayMs }, `could not ${what}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** What the event says about the account's health (core/health.ts HEALTH_COUNTS). */
  #countForHealth(session: SessionConfig, event: ProviderEvent): void {
    const health = this.#health;
    switch (event.type) {
      case 'receipt':
        health.count(session, event.status === 'read' ? 'read' : 'delivered');
        return;
      case 'message-failed':
        health.count(session, event.code === '463' ? 'ack_error_463' : event.code === '479' ? 'ack_error_479' : 'ack_error_other');
        return;
      case 'restricted':
        if (event.reason === 'rate_limited') health.count(session, 'rate_limited');
        else if (event.reason === 'banned' || event.reason === 'temporarily_banned') health.count(session, 'banned');
        else if (event.reason === 'logged_out') health.count(session, 'logged_out');
        return;
      case 'status':
        // A link that dropped by itself (not closed by the product): the socket reconnects.
        if (event.status === 'disconnected' && !QUIET_DISCONNECTS.has(event.reason ?? '')) health.count(session, 'reconnect');
        return;
      case 'inbound': // counted once stored (#inbound)
      case 'new-chat-cap': // read from its table when assessed
      case 'restriction-lifted':
      case 'qr':
      case 'pairing-code':
        return;
    }
  }

  #onSessionEvent(session: SessionConfig, event: ProviderEvent): void {
    if (this.#stopped) return;
    this.#countForHealth(session, event);
    const sessionId = session.id;
    switch (event.type) {
      case 'status':
        if (event.status === 'connected') {
          this.#ensureSender(sessionId);
          // Its health as it comes (a week's counts, the cap, a time-lock), before it sends much.
          void this.#health.assess(session).catch((error: unknown) => {
            this.deps.log.warn({ sessionId, err: error }, "could not assess the session's health at connect");
          });
          // Known before anything is sent: a cap reached while the link was down, or one that ended meanwhile.
          void this.#newChatCap.refresh(session).catch((error: unknown) => {
            this.deps.log.warn({ sessionId, err: error }, 'could not act on the new-chat cap at connect');
          });
        } else void this.#senders.get(sessionId)?.stop();
        return;
      case 'new-chat-cap': {
        const { state, quota, used, resetsAt } = event;
        void this.#newChatCap.apply(session, { state, quota, used, resetsAt }).then(() => {
          this.#health.touch(session);
        }, (error: unknown) => {
          this.deps.log.error({ sessionId, err: error }, 'could not act on the new-chat cap');
        });
        return;
      }
      case 'receipt':
        this.#receipts.push({ receipt: { messageId: event.messageId, sessionUid: session.uid, status: event.status, at: event.at }, sinceMs: this.#nowMs() });
        if (this.#receipts.length > MAX_UNMATCHED) this.#receipts.splice(0, this.#receipts.length - MAX_UNMATCHED);
        return;
      case 'inbound':
        return; // The reply, handled where the listener is registered: its outcome is awaited.
      case 'message-failed':
        this.#failures.push({ failure: { messageId: event.messageId, sessionUid: session.uid, code: event.code, detail: event.detail }, sinceMs: this.#nowMs() });
        if (this.#failures.length > MAX_UNMATCHED) this.#failures.splice(0, this.#failures.length - MAX_UNMATCHED);
        return;
      case 'restricted':
        void this.restricted(session, event).catch((error: unknown) => {
          this.deps.log.error({ sessionId, err: error }, 'could not pause a restricted session');
        });
        return;
      case 'restriction-lifted': {
        const heard = { reason: event.reason, ...(event.endedBy ? { endedBy: event.endedBy } : {}) };
        void this.#untilWritten(session, 'lift a restriction', () => this.#restrictions.lift(session, heard))
          .then(() => {
            this.#health.touch(session);
            this.#senders.get(sessionId)?.wake();
          })
          .catch((error: unknown) => {
            this.deps.log.error({ sessionId, err: error }, 'could not resume a session whose restriction ended');
          });
        return;
      }
      case 'qr':
      case 'pairing-code':
        return;
    }
  }

  #ensureSender(sessionId: string): void {
    const running = this.#senders.get(sessionId);
    if (running && !running.isStopping()) return;
    const sender = new SessionSender(this, sessionId);
    this.#senders.set(sessionId, sender);
    void sender
      .run(running?.stop())
      .catch((error: unknown) => {
        this.deps.log.error({ sessionId, err: error }, 'sender loop crashed');
      })
      .finally(() => {
        if (this.#senders.get(sessionId) === sender) this.#senders.delete(sessionId);
      });
  }

  /**
   * A message a person sent: an opt-out keyword suppresses the number (source `reply`), then the
   * reply is stored and attributed (store/reply.repository.ts, in a transaction shared with the
   * replies arriving alongside: replies/reply-writer.ts), both in the unit of the session that
   * received it as stored now; nothing if that session is gone. Any failure throws, so the message
   * is not remembered as heard and its redelivery is handled again (both steps are idempotent).
   * Announced only once stored; a failed announcement is logged, not retried.
   */
  async #inbound(session: SessionConfig, event: Extract<ProviderEvent, { type: 'inbound' }>): Promise<void> {
    const sessionId = session.id;
    const text = event.text ?? null;
    const optOut = event.kind === 'text' && text !== null && isOptOut(text, this.deps.optOutKeywords);
    let stored: StoredReply | undefined;
    let newlyOptedOut = false;
    try {
      const current = await this.deps.store.sessions.get(sessionId);
      if (current?.uid !== session.uid) {
        this.deps.log.warn({ sessionId }, 'reply to a session since deleted: not recorded in whatever session now bears its id');
        return;
      }
      const businessUnit = current.businessUnit;
      const at = this.deps.clock.now().toISOString();
      if (optOut) {
        const added = await this.deps.store.suppressions.add([
          { businessUnit, phone: event.from, reason: `replied "${replyPreview(text)}"`, source: 'reply', createdAt: at },
        ]);
        this.deps.log.info({ sessionId, businessUnit, added }, 'opt-out reply: number suppressed');
        newlyOptedOut = added > 0;
      }
      const reply = { sessionUid: session.uid, sessionId, businessUnit, phone: event.from, messageId: event.messageId, kind: event.kind, text, optOut, receivedAt: event.at };
      // Awaited: shared with the replies arriving alongside, but resolved only once this one is committed.
      stored = await this.#replyWriter.write(reply);
    } catch (error) {
      this.deps.log.error({ sessionId, err: error }, 'could not record a reply; it is heard again if WhatsApp redelivers it');
      throw error;
    }
    // Health counts people the session messaged, once each: a stranger's messages, or one person's tenth
    // message, move no score (nobody can drag a session down, or up, by writing to it).
    if (stored?.attribution) {
      if (stored.attribution.first && !optOut) this.#health.count(session, 'replied');
      if (newlyOptedOut) this.#health.count(session, 'opted_out');
    }
    if (!stored?.attribution) return;
    if (stored.attribution.first) this.touched(stored.attribution.blastId);
    await this.deps.replies?.announcer?.announce(stored).catch((error: unknown) => {
      this.deps.log.warn({ sessionId, blastId: stored.attribution?.blastId, err: error }, 'could not announce a stored reply');
    });
  }

  /** Error acks, like receipts: one may overtake the write of its message's outcome, so it is tried again a while. */
  async #flushFailures(): Promise<void> {
    if (this.#failures.length === 0) return;
    const batch = this.#failures;
    this.#failures = [];
    try {
      const { blastIds, unmatched } = await this.deps.store.blasts.applyAckFailures(batch.map((item) => item.failure));
      for (const blastId of blastIds) this.touched(blastId);
      const since = new Map(batch.map((item) => [item.failure, item.sinceMs]));
      for (const failure of unmatched) {
        const sinceMs = since.get(failure) ?? this.#nowMs();
        if (this.#nowMs() - sinceMs < UNMATCHED_KEEP_MS) this.#failures.push({ failure, sinceMs });
        else this.deps.log.warn({ messageId: failure.messageId, code: failure.code }, 'error ack for a message no blast of this session sent: ignored');
      }
    } catch (error) {
      this.deps.log.warn({ err: error, failures: batch.length }, 'could not apply error acks; retrying');
      this.#failures.push(...batch);
    }
  }

  async #flushReceipts(): Promise<void> {
    await this.#flushFailures();
    if (this.#receipts.length === 0 || this.#flushing) return;
    const batch = this.#receipts;
    this.#receipts = [];
    this.#flushing = (async () => {
      try {
        const { blastIds, unmatched } = await this.deps.store.blasts.applyReceipts(batch.map((item) => item.receipt));
        for (const blastId of blastIds) this.touched(blastId);
        const missed = new Set(unmatched);
        for (const { receipt } of batch) if (!missed.has(receipt)) this.deps.metrics?.receipts.inc({ status: receipt.status });
        // A receipt can overtake the write of its message's outcome: try it again a little later.
        const since = new Map(batch.map((item) => [item.receipt, item.sinceMs]));
        for (const receipt of unmatched) {
          const sinceMs = since.get(receipt) ?? this.#nowMs();
          if (this.#nowMs() - sinceMs < UNMATCHED_KEEP_MS) this.#receipts.push({ receipt, sinceMs });
        }
      } catch (error) {
        this.deps.log.warn({ err: error, receipts: batch.length }, 'could not apply receipts; retrying');
        this.#receipts.push(...batch);
      }
    })().finally(() => {
      this.#flushing = undefined;
    });
    await this.#flushing;
  }

  async #flushProgress(): Promise<void> {
    const blastIds = [...this.#dirty];
    this.#dirty.clear();
    for (const blastId of blastIds) {
      try {
        const blast = await this.deps.store.blasts.get(blastId);
        if (!blast) continue;
        const nowMs = this.deps.clock.now().getTime();
        const samples = (this.#samples.get(blastId) ?? []).filter((sample) => nowMs - sample.atMs <= RATE_WINDOW_MS);
        await this.deps.control.publishProgress(blast, samples);
        samples.push({ atMs: nowMs, done: doneOf(blast.figures) });
        this.#samples.set(blastId, samples);
      } catch (error) {
        this.deps.log.warn({ blastId, err: error }, 'could not publish progress');
      }
    }
  }
}
