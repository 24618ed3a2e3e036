import QRCode from 'qrcode';
import type { SessionConfig } from '../core/session-config.js';
import type { SessionStatus } from '../events/event-catalogue.js';
import type { EventPublisher } from '../events/event-bus.js';
import { MAX_TIMER_MS, type Clock } from '../infra/clock.js';
import type { Redis } from '../infra/redis.js';
import type { Logger } from '../logging/logger.js';
import { isSandboxProvider, type ProviderFactory } from '../providers/provider-factory.js';
import type { MessagingProvider, ProviderEvent, RestrictionReason } from '../providers/provider.js';
import type { InboundDedupe } from '../sessions/inbound-dedupe.js';
import type { LiveStatusStore } from '../sessions/live-status.js';
import { commandsChannel, parseSessionCommand, type SessionCommand } from '../sessions/session-commands.js';
import type { Lease, SessionLeases } from '../sessions/session-leases.js';
import { isDurableRestriction } from '../sending/session-restrictions.js';
import type { Store } from '../store/store.js';

interface Owned {
  /** Reloaded at every reconcile pass: the unit its events go to follows the stored config. */
  config: SessionConfig;
  lease: Lease;
  provider: MessagingProvider;
  renewal: NodeJS.Timeout;
  /** Set when we close it ourselves, so its "disconnected" is not taken for a failure. */
  closing: boolean;
  phone: string | null;
  name: string | null;
  /** Failed reconnect attempts in a row (0 while the link is up). */
  attempts: number;
  /** Whether the link is up now (a restriction's end shows the session connected again). */
  linkUp: boolean;
  /** Fires when the restriction WhatsApp put on the account ends (its `until`). */
  restrictionTimer: NodeJS.Timeout | undefined;
  /**
   * Shown paused for a restriction kept on the session: `heard` until it is stored (the engine writes
   * it a moment after, and says so), `seen` then; once gone from the store (an operator resumed a
   * blast of it) the session is shown connected again.
   */
  restrictedShown: 'heard' | 'seen' | false;
}

/**
 * A provider's events (status, receipts, replies, restriction), for the sending engine, with the
 * session (as last reloaded) they came from. An inbound message counts as heard once the promise
 * a listener returns for it resolves; if it rejects, the message is heard again when redelivered.
 */
export type SessionEventListener = (session: SessionConfig, event: ProviderEvent) => Promise<void> | undefined;

export interface SessionManagerDeps {
  workerId: string;
  store: Store;
  leases: SessionLeases;
  /** Each inbound message heard once, whichever worker and socket delivered it. */
  inbound: InboundDedupe;
  live: LiveStatusStore;
  events: EventPublisher;
  createProvider: ProviderFactory;
  /** A connection of its own, for the command channel. */
  subscriber: Redis;
  prefix: string;
  clock: Clock;
  log: Logger;
  maxSessions: number;
  reconcileIntervalMs: number;
}

/** Statuses after which nobody should reconnect the session until someone asks again. */
const TERMINAL: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['logged_out', 'failed']);

/**
 * The worker's WhatsApp clients: takes sessions that should be connected and have no owner (up to
 * maxSessions), holds a lease on each, relays their events, and lets go when asked, when the
 * lease is lost, or when it stops. The database's desired state is the truth it reconciles to.
 */
export class SessionManager {
  readonly #owned = new Map<string, Owned>();
  readonly #listeners: SessionEventListener[] = [];
  #timer: NodeJS.Timeout | undefined;
  #reconciling: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(private readonly deps: SessionManagerDeps) {}

  get ownedSessionIds(): string[] {
    return [...this.#owned.keys()];
  }

  provider(sessionId: string): MessagingProvider | undefined {
    return this.#owned.get(sessionId)?.provider;
  }

  /** What the sending engine needs of an owned session: its client, config and lease token (for fencing its claims). */
  owned(sessionId: string): { provider: MessagingProvider; config: SessionConfig; token: number } | undefined {
    const owned = this.#owned.get(sessionId);
    return owned && { provider: owned.provider, config: owned.config, token: owned.lease.token };
  }

  ownedConfigs(): SessionConfig[] {
    return [...this.#owned.values()].map((owned) => owned.config);
  }

  /** Each owned session's failed reconnect attempts in a row, for the `wab_session_reconnect_attempts` gauge. */
  reconnectAttempts(): [string, number][] {
    return [...this.#owned].map(([id, owned]) => [id, owned.attempts]);
  }

  restrictionWritten(sessionId: string): void {
    const owned = this.#owned.get(sessionId);
    if (owned?.restrictedShown === 'heard') owned.restrictedShown = 'seen';
  }

  onSessionEvent(listener: SessionEventListener): void {
    this.#listeners.push(listener);
  }

  async start(): Promise<void> {
    const channel = commandsChannel(this.deps.prefix);
    this.deps.subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      const command = parseSessionCommand(message);
      if (command) void this.#handle(command);
    });
    await this.deps.subscriber.subscribe(channel);
    await this.reconcile();
    this.#timer = setInterval(() => void this.reconcile(), this.deps.reconcileIntervalMs);
  }

  /** One pass at a time; a request during a pass runs one more pass after it. */
  reconcile(): Promise<void> {
    if (this.#reconciling) {
      this.#again = true;
      return this.#reconciling;
    }
    this.#reconciling = (async () => {
      do {
        this.#again = false;
        try {
          await this.#reconcileOnce();
        } catch (error) {
          this.deps.log.warn({ err: error }, 'reconcile failed; will retry');
        }
      } while (this.#wantsAnotherPass());
    })().finally(() => {
      this.#reconciling = undefined;
    });
    return this.#reconciling;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#reconciling;
    await this.deps.subscriber.unsubscribe(commandsChannel(this.deps.prefix)).catch(() => undefined);
    // Release at once, so another worker can take over without waiting for the lease to expire.
    await Promise.all(this.ownedSessionIds.map((id) => this.#letGo(id, 'disconnected', 'worker_stopped')));
  }

  #wantsAnotherPass(): boolean {
    return this.#again && !this.#stopped;
  }

  /** A method, because the flag can change during any await. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  async #reconcileOnce(): Promise<void> {
    if (this.#stopped) return;
    const wanted = new Map((await this.deps.store.sessions.listWanted()).map((config) => [config.id, config]));
    for (const [id, owned] of [...this.#owned]) {
      const config = wanted.get(id);
      if (config?.uid === owned.config.uid) {
        // The same session, maybe changed (its unit, its pacing): events and opt-outs follow the config as it is now.
        owned.config = config;
        await this.#showClearedRestriction(owned);
        // A sandbox's messages whose command never came (pub/sub keeps nothing).
        if (isSandboxProvider(owned.provider)) await owned.provider.catchUp().catch(() => undefined);
        continue;
      }
      const stored = config ?? (await this.deps.store.sessions.get(id));
      // Deleted, or deleted and created again under its id (another session, maybe of another unit): what is
      // stored under the id now is not ours to keep, nor to hand to the new session (its credentials, its outbox).
      const gone = stored?.uid !== owned.config.uid;
      await this.#letGo(id, 'disconnected', gone ? 'session_deleted' : 'disconnect_requested', gone);
    }
    for (const id of wanted.keys()) {
      if (this.#isStopped() || this.#owned.size >= this.deps.maxSessions) break;
      if (!this.#owned.has(id)) await this.#tryTake(id);
    }
  }

  async #tryTake(sessionId: string): Promise<void> {
    const lease = await this.deps.leases.acquire(sessionId);
    if (!lease) return;
    const [config, desired] = await Promise.all([
      this.deps.store.sessions.get(sessionId),
      this.deps.store.sessions.getDesiredState(sessionId),
    ]);
    if (!config || desired?.state !== 'connected' || this.#isStopped()) {
      await this.deps.leases.release(lease);
      return;
    }
    let provider: MessagingProvider;
    try {
      provider = this.deps.createProvider(config, (event) => {
        this.#onProviderEvent(sessionId, event);
      });
    } catch (error) {
      this.deps.log.error({ sessionId, err: error }, 'could not create the provider');
      await this.deps.store.sessions.setDesiredState(sessionId, 'disconnected', null);
      await this.deps.leases.release(lease);
      return;
    }
    const renewal = setInterval(() => void this.#renew(sessionId), Math.max(250, Math.floor(this.deps.leases.ttlMs / 3)));
    this.#owned.set(sessionId, { config, lease, provider, renewal, closing: false, phone: null, name: null, attempts: 0, linkUp: false, restrictionTimer: undefined, restrictedShown: false });
    this.deps.log.info({ sessionId, token: lease.token }, 'took session');
    try {
      await provider.connect(desired.pairingPhone === null ? {} : { phoneNumber: desired.pairingPhone });
    } catch (error) {
      this.deps.log.warn({ sessionId, err: error }, 'connect failed');
      await this.#letGo(sessionId, 'failed', error instanceof Error ? error.message : 'connect failed');
    }
  }

  async #renew(sessionId: string): Promise<void> {
    const owned = this.#owned.get(sessionId);
    if (!owned) return;
    let held = false;
    try {
      held = await this.deps.leases.renew(owned.lease);
    } catch (error) {
      this.deps.log.warn({ sessionId, err: error }, 'lease renewal failed');
    }
    if (held || this.#owned.get(sessionId) !== owned) return;
    this.deps.log.warn({ sessionId }, 'lost the session lease; letting go');
    await this.#dropLocally(sessionId, owned, 'lease_lost');
  }

  /** Someone else may own it now: stop touching it, say nothing on its behalf, change nothing it decides. */
  async #dropLocally(sessionId: string, owned: Owned, reason: string): Promise<void> {
    clearInterval(owned.renewal);
    clearTimeout(owned.restrictionTimer);
    this.#owned.delete(sessionId);
    owned.closing = true;
    this.#emit(owned.config, { type: 'status', status: 'disconnected', reason });
    await owned.provider.close().catch(() => undefined);
  }

  /** Whether this worker still holds the session (its lease token is the current one). */
  async #stillOwns(owned: Owned): Promise<boolean> {
    try {
      return await this.deps.leases.holds(owned.lease);
    } catch {
      return false;
    }
  }

  /** `deleted`: the session's config is gone; what its client stored under the id until it closed is forgotten before the lease goes. */
  async #letGo(sessionId: string, status: SessionStatus, reason: string, deleted = false): Promise<void> {
    const owned = this.#owned.get(sessionId);
    if (!owned) return;
    this.#owned.delete(sessionId);
    owned.closing = true;
    clearInterval(owned.renewal);
    clearTimeout(owned.restrictionTimer);
    await owned.provider.close().catch((error: unknown) => {
      this.deps.log.warn({ sessionId, err: error }, 'provider close failed');
    });
    this.#emit(owned.config, { type: 'status', status: 'disconnected', reason: 'released' });
    if (deleted) {
      await Promise.all([this.deps.store.authState.clear(sessionId), this.deps.store.sandboxOutbox.clear(sessionId), this.deps.store.sandboxBacklog.clear(owned.config)]).catch((error: unknown) => {
        this.deps.log.warn({ sessionId, err: error }, 'could not forget a deleted session\'s credentials');
      });
    }
    await this.#report(owned, status, reason, null);
    await this.deps.leases.release(owned.lease).catch(() => undefined);
  }

  async #handle(command: SessionCommand): Promise<void> {
    try {
      const owned = this.#owned.get(command.sessionId);
      switch (command.type) {
        case 'reconcile':
          await this.reconcile();
          return;
        case 'logout':
          if (!owned) return;
          owned.closing = true;
          await owned.provider.logout();
          await this.deps.store.sessions.clearLinked(command.sessionId);
          await this.#letGo(command.sessionId, 'logged_out', 'logout_requested');
          return;
        case 'sandbox-scan':
          if (owned && isSandboxProvider(owned.provider)) await owned.provider.scan();
          return;
        case 'sandbox-inbound':
          if (!owned || !isSandboxProvider(owned.provider)) return;
          if (command.live) await owned.provider.deliverLive();
          else if (command.backlog) await owned.provider.backlogWaiting();
          else {
            // From an api of an earlier version (during a rolling upgrade): the message itself, not kept.
            const { type: _type, sessionId: _sessionId, backlog: _backlog, live: _live, ...message } = command;
            await owned.provider.receive(message);
          }
          return;
        case 'sandbox-signal':
          if (!owned || !isSandboxProvider(owned.provider)) return;
          await (command.signal ? owned.provider.signal(command.signal) : owned.provider.deliverLive());
          return;
      }
    } catch (error) {
      this.deps.log.warn({ command: command.type, sessionId: command.sessionId, err: error }, 'session command failed');
    }
  }

  #onProviderEvent(sessionId: string, event: ProviderEvent): void {
    const owned = this.#owned.get(sessionId);
    if (!owned) return;
    void this.#relay(owned, event).catch((error: unknown) => {
      this.deps.log.warn({ sessionId, event: event.type, err: error }, 'could not relay a provider event');
    });
  }

  async #relay(owned: Owned, event: ProviderEvent): Promise<void> {
    const { id: sessionId, businessUnit } = owned.config;
    const scope = { businessUnit, sessionId };
    switch (event.type) {
      case 'qr': {
        const expiresAt = new Date(this.deps.clock.now().getTime() + event.expiresInMs).toISOString();
        const qrDataUrl = await QRCode.toDataURL(event.qr, { errorCorrectionLevel: 'M', margin: 2, width: 264 });
        const data = { sessionId, qr: event.qr, qrDataUrl, expiresAt };
        await this.deps.live.writeCode({ event: 'qr:update', data }, event.expiresInMs);
        await this.deps.events.publish('qr:update', data, scope);
        return;
      }
      case 'pairing-code': {
        const expiresAt = new Date(this.deps.clock.now().getTime() + 60_000).toISOString();
        const data = { sessionId, code: event.code, expiresAt };
        await this.deps.live.writeCode({ event: 'pairing:code', data }, 60_000);
        await this.deps.events.publish('pairing:code', data, scope);
        return;
      }
      case 'status': {
        if (event.me) {
          owned.phone = event.me.phone;
          owned.name = event.me.name ?? null;
        }
        if (owned.closing) return;
        owned.attempts = event.status === 'connected' ? 0 : (event.attempt ?? owned.attempts);
        owned.linkUp = event.status === 'connected';
        this.#emit(owned.config, event);
        if (event.status === 'connected') {
          // A new link (the first, or one after a logout) starts its warm-up again (account health).
          if (await this.deps.store.sessions.markLinked(sessionId, this.deps.clock.now().toISOString())) await this.deps.store.health.restartWarmup(owned.config.uid);
          // A restriction stored on the session (heard by this worker or another, before a restart) still holds.
          if (await this.#stillRestricted(owned)) return;
        }
        if (event.status === 'logged_out') await this.deps.store.sessions.clearLinked(sessionId);
        if (event.reason === 'connection_replaced' && !(await this.#stillOwns(owned))) {
          // The other socket on our creds is most likely the worker that took the session over
          // (our lease ran out while the link hung): it is the owner now, not a reason to stop.
          this.deps.log.warn({ sessionId }, 'replaced by another socket after losing the lease; letting go quietly');
          await this.#dropLocally(sessionId, owned, 'connection_replaced');
          return;
        }
        if (TERMINAL.has(event.status) || event.reason === 'connection_replaced') {
          // Nobody should bring it back by itself: an operator has to connect it again.
          await this.deps.store.sessions.setDesiredState(sessionId, 'disconnected', null);
          await this.#letGo(sessionId, event.status, event.reason ?? event.status);
          return;
        }
        await this.#report(owned, event.status, event.reason ?? null, owned.lease.workerId);
        return;
      }
      case 'restricted':
        // The engine first: it stops the sender before its next message, without waiting for Redis.
        this.#emit(owned.config, event);
        if (event.until !== undefined) this.#armRestrictionEnd(owned, event.reason, event.until);
        if (isDurableRestriction(event.reason) && owned.restrictedShown === false) owned.restrictedShown = 'heard';
        await this.#report(owned, 'paused', `restricted:${event.reason}`, owned.lease.workerId);
        return;
      case 'restriction-lifted':
        clearTimeout(owned.restrictionTimer);
        owned.restrictionTimer = undefined;
        owned.restrictedShown = false;
        this.#emit(owned.config, event);
        if (owned.linkUp && !owned.closing) await this.#report(owned, 'connected', `restriction_ended:${event.reason}`, owned.lease.workerId);
        return;
      case 'message-failed':
        this.#emit(owned.config, event);
        return;
      case 'inbound':
        if (await this.deps.inbound.handled(sessionId, event)) return;
        // Remembered only once handled: an opt-out that could not be stored is heard again when redelivered.
        await this.#deliver(owned.config, event);
        await this.deps.inbound.remember(sessionId, event);
        return;
      case 'receipt':
        this.#emit(owned.config, event);
        return;
      case 'new-chat-cap':
        this.deps.log.info({ sessionId, state: event.state, quota: event.quota, used: event.used, resetsAt: event.resetsAt }, 'new-chat cap read');
        this.#emit(owned.config, event);
        return;
    }
  }

  /** When the restriction's window ends, it is lifted here (the maintenance sweep is the backstop when no worker holds the session). */
  #armRestrictionEnd(owned: Owned, reason: RestrictionReason, until: string): void {
    clearTimeout(owned.restrictionTimer);
    const endsAt = Date.parse(until);
    if (!Number.isFinite(endsAt)) return;
    const fire = (): void => {
      owned.restrictionTimer = undefined;
      if (this.#owned.get(owned.config.id) !== owned) return;
      // Past a timer's reach (~24.8 days), or a timer that fired a moment early (timers run on another clock
      // than the wall clock's milliseconds): armed again for the rest, so nothing is lifted before its end.
      const left = endsAt - this.deps.clock.now().getTime();
      if (left > 0) {
        owned.restrictionTimer = setTimeout(fire, Math.min(left, MAX_TIMER_MS));
        return;
      }
      const endedBy = new Date(Math.max(endsAt, this.deps.clock.now().getTime())).toISOString();
      this.#onProviderEvent(owned.config.id, { type: 'restriction-lifted', reason, detail: 'the restriction window ended', endedBy });
    };
    owned.restrictionTimer = setTimeout(fire, Math.min(Math.max(0, endsAt - this.deps.clock.now().getTime()), MAX_TIMER_MS));
  }

  /** An operator cleared the session's restriction (resuming a blast of it): it is no longer shown paused. */
  async #showClearedRestriction(owned: Owned): Promise<void> {
    if (!owned.restrictedShown || !owned.linkUp || owned.closing) return;
    if ((await this.deps.store.sessions.restriction(owned.config)) !== null) {
      owned.restrictedShown = 'seen';
      return;
    }
    if (owned.restrictedShown === 'heard') return; // not written yet
    owned.restrictedShown = false;
    clearTimeout(owned.restrictionTimer);
    owned.restrictionTimer = undefined;
    await this.#report(owned, 'connected', 'restriction_cleared', owned.lease.workerId);
  }

  /** On connect: a restriction stored on the session is shown, and its end armed (or it is lifted, if over). */
  async #stillRestricted(owned: Owned): Promise<boolean> {
    const restriction = await this.deps.store.sessions.restriction(owned.config);
    if (!restriction) return false;
    const reason = restriction.reason as RestrictionReason;
    if (restriction.until !== null) this.#armRestrictionEnd(owned, reason, restriction.until);
    if (restriction.until !== null && Date.parse(restriction.until) <= this.deps.clock.now().getTime()) return false;
    owned.restrictedShown = 'seen';
    await this.#report(owned, 'paused', `restricted:${restriction.reason}`, owned.lease.workerId);
    return true;
  }

  #emit(session: SessionConfig, event: ProviderEvent): void {
    void this.#deliver(session, event).catch((error: unknown) => {
      this.deps.log.warn({ sessionId: session.id, event: event.type, err: error }, 'a session event listener failed');
    });
  }

  async #deliver(session: SessionConfig, event: ProviderEvent): Promise<void> {
    await Promise.all(this.#listeners.map(async (listener) => listener(session, event)));
  }

  async #report(owned: Owned, status: SessionStatus, reason: string | null, owner: string | null): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    const { id: sessionId, businessUnit } = owned.config;
    await this.deps.live.write(sessionId, { status, reason, phone: owned.phone, name: owned.name, owner, at });
    if (status !== 'qr' && status !== 'connecting') await this.deps.live.clearCode(sessionId);
    const data = { sessionId, status, reason, phone: owned.phone, name: owned.name, at };
    // In the outbox before anyone hears of it (the status itself lives in Redis, not in the database).
    if (status !== 'qr' && status !== 'connecting') {
      await this.deps.store.webhooks.emit([{ type: 'session.status', businessUnit, orderingKey: `session:${sessionId}`, data, at }]);
    }
    await this.deps.events.publish('session:status', data, { businessUnit, sessionId });
  }
}
