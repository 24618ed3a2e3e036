import type { BaileysEventMap, CacheStore, ConnectionState, WAVersion, proto } from 'baileys';
import type { Logger } from '../../logging/logger.js';
import { readingFromCapInfo } from '../../core/new-chat-cap.js';
import { MAX_TIMER_MS, type Clock } from '../../infra/clock.js';
import type { AuthStateStore } from '../auth-state.store.js';
import { ACCOUNT_RESTRICTED_CODE } from '../ack-errors.js';
import { ProviderError, type ConnectOptions, type ProviderEventSink } from '../provider.js';
import type { AddressBook } from './address-book.js';
import { describeDisconnect } from './baileys-errors.js';
import { translateEvents } from './baileys-inbox.js';
import { isE164 } from './baileys-jids.js';
import { createSocketCaches, socketConfig, type BaileysSocketLike, type CreateBaileysSocket } from './baileys-socket.js';
import { formatPairingCode, linkedAccount, qrTtl, timelockEvent } from './connection-signals.js';
import { clearAuthState, loadDbAuthState, pruneExpiredTcTokens, type BaileysLogger, type DbAuthState } from './db-auth-state.js';
import { DEFAULT_RECONNECT, FRESH_COUNTERS, decideReconnect, type Disconnect, type ReconnectOptions } from './reconnect-policy.js';

export interface BaileysLink {
  connect(options: ConnectOptions): Promise<void>;
  /** The socket, only while the link is open. */
  openSocket(): BaileysSocketLike | undefined;
  logout(): Promise<void>;
  close(): Promise<void>;
}

/** How often expired privacy tokens are pruned while a link stays open (baileys: once a day, online). */
export const TC_TOKEN_PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

interface Attempt {
  sock: BaileysSocketLike;
  detach: () => void;
  qrs: number;
  pairingRequested: boolean;
}

/**
 * One session's WhatsApp Web link over successive baileys sockets: a socket lives until it closes,
 * then reconnect-policy.ts says whether a new one follows, when, and what the operator is told.
 * Events of a socket that is no longer current are ignored, so a late close cannot act twice.
 */
export function createBaileysLink(deps: {
  sessionId: string;
  authStore: AuthStateStore;
  sink: ProviderEventSink;
  log: Logger;
  socketLog: BaileysLogger;
  createSocket: CreateBaileysSocket;
  random: () => number;
  clock: Clock;
  book: AddressBook;
  reconnect: Partial<ReconnectOptions>;
  getMessage: (id: string, requester: string | undefined) => Promise<proto.IMessage | undefined>;
  /** Retry counts per message and device, one store for every socket of the session (retry-counter-cache.ts). */
  retryCounts: CacheStore;
  /** The client version to announce, resolved once per worker (wa-version.ts). */
  version: () => Promise<WAVersion | undefined>;
}): BaileysLink {
  const { sessionId, authStore, sink, log, book } = deps;
  const policy = { ...DEFAULT_RECONNECT, ...deps.reconnect };
  let running = false;
  let auth: DbAuthState | undefined;
  let version: WAVersion | undefined;
  let current: Attempt | undefined;
  let open = false;
  let counters = FRESH_COUNTERS;
  let retryTimer: NodeJS.Timeout | undefined;
  /** Starts the failure count over once a link has stayed open a while (not at once: no flapping). */
  let stableTimer: NodeJS.Timeout | undefined;
  let pairingPhone: string | undefined;
  /** baileys' caches, bounded, and kept across this session's sockets (baileys-socket.ts). */
  const caches = createSocketCaches();
  let pruneTimer: NodeJS.Timeout | undefined;
  let prunedAt = Number.NEGATIVE_INFINITY;
  /** Bumped by every connect and stop, so a connect that was overtaken while reading creds gives up. */
  let generation = 0;
  /** Whether the last time-lock WhatsApp reported was active (only such a one is lifted by an inactive one). */
  let timelocked = false;

  const stop = (): Attempt | undefined => {
    const attempt = current;
    generation += 1;
    running = false;
    open = false;
    current = undefined;
    attempt?.detach();
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    clearTimeout(stableTimer);
    stableTimer = undefined;
    clearTimeout(pruneTimer);
    pruneTimer = undefined;
    return attempt;
  };

  /**
   * baileys prunes expired `tctoken` keys only when the account goes online, which this product
   * never makes it (markOnlineOnConnect is off): a link does it when it opens, at most once a day,
   * and once a day while it stays open.
   */
  const pruneTcTokens = async (): Promise<void> => {
    clearTimeout(pruneTimer);
    pruneTimer = setTimeout(() => void pruneTcTokens(), TC_TOKEN_PRUNE_EVERY_MS);
    const state = auth;
    const now = deps.clock.now();
    if (!state || !open || now.getTime() - prunedAt < TC_TOKEN_PRUNE_EVERY_MS) return;
    prunedAt = now.getTime();
    try {
      const { deleted, kept } = await pruneExpiredTcTokens(authStore, sessionId, state.state.keys, now);
      if (deleted > 0) log.info({ deleted, kept }, 'pruned expired privacy tokens');
    } catch (error) {
      log.warn({ err: error }, 'could not prune expired privacy tokens');
    }
  };

  // Batches are handled one at a time, in order: a `read` must not overtake its `delivered`.
  let queue: Promise<void> = Promise.resolve();

  const start = (): void => {
    if (!running || !auth) return;
    let sock: BaileysSocketLike;
    try {
      sock = deps.createSocket(socketConfig({ auth: auth.state, logger: deps.socketLog, getMessage: deps.getMessage, retryCounts: deps.retryCounts, version, caches }));
    } catch (error) {
      log.warn({ err: error }, 'could not create a baileys socket');
      void onDisconnect({});
      return;
    }
    const attempt: Attempt = { sock, detach: () => undefined, qrs: 0, pairingRequested: false };
    current = attempt;
    attempt.detach = sock.ev.process((events) => {
      queue = queue.then(() => onEvents(attempt, events));
      return queue;
    });
  };

  const onEvents = async (attempt: Attempt, events: Partial<BaileysEventMap>): Promise<void> => {
    try {
      const creds = events['creds.update'];
      if (creds && auth && attempt === current) {
        Object.assign(auth.state.creds, creds);
        await auth.saveCreds();
      }
      const update = events['connection.update'];
      if (update && attempt === current) await onConnection(attempt, update);
      // Emitted by Socket/messages-recv.js handleMessageCappingNotification (a `mex` notification
      // with op_name MessageCappingInfoNotification), its payload a NewChatMessageCapInfo.
      const capping = events['message-capping.update'];
      const reading = capping && attempt === current ? readingFromCapInfo(capping) : undefined;
      if (reading) sink({ type: 'new-chat-cap', ...reading });
      const translated = await translateEvents(events, {
        book,
        lookupLid: (lid) => attempt.sock.signalRepository.lidMapping.getPNForLID(lid).catch(() => null),
        now: () => deps.clock.now(),
        dropped: (what, messageId) => {
          log.warn({ what, messageId }, 'could not tell which phone number this is from');
        },
      });
      for (const event of translated) {
        sink(event);
        if (event.type === 'restricted' && event.code === ACCOUNT_RESTRICTED_CODE) askTimelock(attempt);
      }
    } catch (error) {
      log.warn({ err: error }, 'could not handle baileys events');
    }
  };

  /**
   * A 463 ack: baileys does not itself ask for the time-lock then (handleBadAck's 463 branch comes
   * first), so we do; its answer arrives as `connection.update` `reachoutTimeLock` (Socket/socket.js
   * fetchAccountReachoutTimelock), whose end becomes the restriction's `until`.
   */
  const askTimelock = (attempt: Attempt): void => {
    attempt.sock.fetchAccountReachoutTimelock().catch((error: unknown) => {
      log.warn({ err: error }, 'could not read the reach-out time-lock after a 463 ack');
    });
  };

  const onConnection = async (attempt: Attempt, update: Partial<ConnectionState>): Promise<void> => {
    if (update.qr) showQr(attempt, update.qr);
    const timelock = timelockEvent(update.reachoutTimeLock, timelocked);
    if (timelock) {
      timelocked = timelock.type === 'restricted';
      sink(timelock);
    }
    if (update.connection === 'open') {
      open = true;
      clearTimeout(stableTimer);
      stableTimer = setTimeout(() => {
        stableTimer = undefined;
        if (open && attempt === current) counters = FRESH_COUNTERS;
      }, policy.stableAfterMs);
      const me = linkedAccount(attempt.sock.user ?? auth?.state.creds.me);
      sink({ type: 'status', status: 'connected', ...(me ? { me } : {}) });
      void pruneTcTokens();
    }
    if (update.connection === 'close') await onClose(attempt, describeDisconnect(update.lastDisconnect?.error));
  };

  const showQr = (attempt: Attempt, qr: string): void => {
    attempt.qrs += 1;
    if (pairingPhone !== undefined && auth?.state.creds.registered !== true) {
      // baileys wants the pairing code asked for once the socket can show a QR.
      if (!attempt.pairingRequested) {
        attempt.pairingRequested = true;
        void requestPairingCode(attempt, pairingPhone);
      }
      return;
    }
    sink({ type: 'qr', qr, expiresInMs: qrTtl(attempt.qrs) });
    if (attempt.qrs === 1) sink({ type: 'status', status: 'qr' });
  };

  const requestPairingCode = async (attempt: Attempt, digits: string): Promise<void> => {
    try {
      const code = await attempt.sock.requestPairingCode(digits);
      if (attempt !== current) return;
      sink({ type: 'pairing-code', code: formatPairingCode(code) });
      sink({ type: 'status', status: 'qr' });
    } catch (error) {
      if (attempt !== current) return;
      log.warn({ err: error }, 'pairing code request failed');
      stop();
      await attempt.sock.end(undefined).catch(() => undefined);
      sink({ type: 'status', status: 'failed', reason: 'pairing_code_failed' });
    }
  };

  const onClose = (attempt: Attempt, disconnect: Disconnect): Promise<void> => {
    attempt.detach();
    current = undefined;
    open = false;
    clearTimeout(stableTimer);
    stableTimer = undefined;
    return onDisconnect(disconnect);
  };

  const onDisconnect = async (disconnect: Disconnect): Promise<void> => {
    const decision = decideReconnect(disconnect, counters, deps.random, policy, deps.clock.now());
    counters = decision.counters;
    const level = decision.action === 'reconnect' && decision.alert ? 'warn' : 'info';
    log[level]({ ...disconnect, reason: decision.reason, action: decision.action, counters }, 'baileys connection closed');
    if (decision.action === 'reconnect') {
      const { failures } = decision.counters;
      // After N failures in a row the operator should hear of it: the reason says so, `attempt` counts.
      const reason = decision.alert ? `session_reconnecting: ${decision.detail}` : decision.detail;
      const attempt = failures > 0 ? { attempt: failures } : {};
      if (decision.delayMs === 0) {
        sink({ type: 'status', status: 'connecting', reason, ...attempt });
        start();
        return;
      }
      sink({ type: 'status', status: 'disconnected', reason, ...attempt });
      if (decision.restricted) sink({ type: 'restricted', reason: decision.restricted.reason, detail: decision.detail, until: decision.restricted.until });
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        if (!running) return;
        sink({ type: 'status', status: 'connecting', reason, ...attempt });
        start();
      }, Math.min(decision.delayMs, MAX_TIMER_MS));
      return;
    }
    const authAtStop = auth;
    stop();
    if (decision.clearCredentials) await forget(authAtStop);
    if (decision.restricted) sink({ type: 'restricted', reason: decision.restricted, detail: decision.reason });
    sink({ type: 'status', status: decision.status, reason: decision.detail });
  };

  const forget = async (state: DbAuthState | undefined): Promise<void> => {
    await state?.flush();
    await clearAuthState(authStore, sessionId);
    if (auth === state) auth = undefined;
  };

  return {
    async connect(options) {
      if (running) return;
      if (options.phoneNumber !== undefined && !isE164(options.phoneNumber)) {
        throw new ProviderError('permanent', `${options.phoneNumber} is not an E.164 phone number.`);
      }
      running = true;
      const mine = ++generation;
      counters = FRESH_COUNTERS;
      pairingPhone = options.phoneNumber?.slice(1);
      sink({ type: 'status', status: 'connecting' });
      let loaded: DbAuthState;
      try {
        // Read afresh: another worker may have changed the creds since this one last held them.
        loaded = await loadDbAuthState(authStore, sessionId, deps.socketLog);
        version = await deps.version();
      } catch (error) {
        if (mine === generation) running = false;
        throw new ProviderError('transient', 'could not read the stored WhatsApp credentials', error);
      }
      if (mine !== generation) return;
      auth = loaded;
      start();
    },

    openSocket: () => (open ? current?.sock : undefined),

    async logout() {
      const attempt = stop();
      if (attempt) {
        try {
          await attempt.sock.logout();
        } catch (error) {
          log.warn({ err: error }, 'logout request failed; forgetting the credentials anyway');
          await attempt.sock.end(undefined).catch(() => undefined);
        }
      }
      await forget(auth);
      sink({ type: 'status', status: 'logged_out', reason: 'logged_out' });
    },

    async close() {
      const wasRunning = running;
      const attempt = stop();
      await attempt?.sock.end(undefined).catch((error: unknown) => {
        log.warn({ err: error }, 'closing the socket failed');
      });
      await auth?.flush();
      if (wasRunning) sink({ type: 'status', status: 'disconnected', reason: 'closed' });
    },
  };
}
