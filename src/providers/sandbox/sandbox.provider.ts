import { createHash } from 'node:crypto';
import type { NewChatCapReading } from '../../core/new-chat-cap.js';
import { sandboxLidOf, type SandboxInbound } from '../../core/sandbox-lid.js';
import { SANDBOX_NEW_CHAT_QUOTA, type SandboxSignal } from '../../core/sandbox-signal.js';
import type { Clock } from '../../infra/clock.js';
import type { SandboxBacklogRepository } from '../../store/sandbox-backlog.repository.js';
import type { SandboxOutboxRepository } from '../../store/sandbox-outbox.repository.js';
import type { AuthStateStore } from '../auth-state.store.js';
import {
  ProviderError,
  type ConnectOptions,
  type MediaInput,
  type MessagingProvider,
  type OutgoingMessage,
  type PreparedMedia,
  type ProviderEventSink,
} from '../provider.js';
import { ACCOUNT_RESTRICTED_CODE, SANDBOX_DEFAULT_TIMELOCK_MS, ackErrorEvents } from '../ack-errors.js';
// The decision table baileys' closes go through (pure, no baileys import): a simulated close ends as a real one would.
import { DEFAULT_RECONNECT, FRESH_COUNTERS, decideReconnect } from '../baileys/reconnect-policy.js';
import { createAddressBook } from '../baileys/address-book.js';
import { phoneToJid } from '../baileys/baileys-jids.js';
import { chance, isOnWhatsApp, type SandboxSettings } from './sandbox-settings.js';

interface SandboxCreds {
  linked: true;
  phone: string;
  linkedAt: string;
}

/** What the sandbox adds to a provider: the other side of the link, for demos and tests. */
export interface SandboxProvider extends MessagingProvider {
  /** The simulated phone scanned the QR code (or typed the pairing code). */
  scan(): Promise<void>;
  /**
   * Someone writes to the linked account (`messageId`: WhatsApp's id for it; the same id again is a
   * redelivery). `viaLid`: addressed by the sender's LID, resolved to the number as baileys' path does.
   */
  receive(message: SandboxInbound): Promise<void>;
  /**
   * Messages are waiting in the backlog (sandbox_backlog): a connected link drops and reconnects
   * to receive them, as WhatsApp delivers messages that arrived while the socket was down; a link
   * that is down receives them when it next connects.
   */
  backlogWaiting(): Promise<void>;
  /**
   * Messages written to the session while connected are waiting (sandbox_backlog, `live`): passed
   * on now if the link is up, else with the backlog at the next connect. Kept in the database
   * until then, so none is lost to a reconnect, a restart or a command lost in transit.
   */
  deliverLive(): Promise<void>;
  /**
   * What a lost command would have done (pub/sub keeps nothing): live messages waiting are passed
   * on, and messages that arrived "while disconnected" for a connected link bring its reconnect.
   */
  catchUp(): Promise<void>;
  /** The recipient's phone acknowledges a message now (beside the automatic, delayed receipts). */
  acknowledge(messageId: string, status: 'delivered' | 'read'): void;
  /** WhatsApp sends the account a signal (core/sandbox-signal.ts). */
  signal(signal: SandboxSignal): Promise<void>;
}

/**
 * A provider that sends nothing: it links when told to, accepts messages into a durable outbox
 * (one entry per message id, repeats counted, as WhatsApp shows a repeated id once), and plays
 * back receipts, "not on WhatsApp", failures and restriction as its settings say.
 */
export function createSandboxProvider(deps: {
  sessionId: string;
  /** The session's own identity: its backlog is the messages queued for it, not for an earlier session of its id. */
  sessionUid: string;
  settings: SandboxSettings;
  sink: ProviderEventSink;
  authStore: AuthStateStore;
  outbox: SandboxOutboxRepository;
  backlog: SandboxBacklogRepository;
  clock: Clock;
}): SandboxProvider {
  const { sessionId, settings, sink, authStore, outbox, backlog, clock } = deps;
  const self = { id: sessionId, uid: deps.sessionUid };
  const timers = new Set<NodeJS.Timeout>();
  const attempts = new Map<string, number>();
  /** Who each accepted message went to, for receipts; bounded by what one run sends. */
  const sentTo = new Map<string, string>();
  let state: 'idle' | 'linking' | 'connected' | 'reconnecting' | 'closed' = 'idle';
  let qrCount = 0;
  let pairing = false;
  let accepted: number | undefined;
  /** The simulated new-chat cap: none until a `capping` signal; back to NONE once its cycle ends. */
  let cap: NewChatCapReading | null = null;
  /** The error code the next accepted message gets in its ack (an `ack_error` signal). */
  let nextAckError: string | undefined;
  /** The account's reach-out time-lock as a `timelock` signal set it (ms since the epoch), for the 463 answer. */
  let timelockEndsAt: number | undefined;
  let reconnects = FRESH_COUNTERS;

  // A function, not a comparison, where `state` may have changed during an await.
  const isConnected = (): boolean => state === 'connected';
  const isIdle = (): boolean => state === 'idle';
  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const clearTimers = (): void => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };

  const showQr = (): void => {
    if (state !== 'linking') return;
    qrCount += 1;
    if (pairing) {
      sink({ type: 'pairing-code', code: pairingCode(settings.seed, qrCount) });
    } else {
      sink({ type: 'qr', qr: `sandbox:${sessionId}:${settings.seed}:${qrCount}`, expiresInMs: settings.qrRotateMs });
    }
    sink({ type: 'status', status: 'qr' });
    later(settings.qrRotateMs, showQr);
  };

  /**
   * Who is who, as on baileys' path: a message addressed by a LID is resolved through the address
   * book, which asks the LID store (here, the session's stable phone ↔ LID map) for one it does not know.
   */
  const book = createAddressBook();
  const lidStore = new Map<string, string>();
  const lookupLid = (lid: string): Promise<string | null> => Promise.resolve(lidStore.get(lid) ?? null);
  const senderOf = async (phone: string, viaLid: boolean): Promise<string | undefined> => {
    if (!viaLid) return phone;
    const lid = sandboxLidOf(deps.sessionUid, phone);
    const pn = phoneToJid(phone);
    if (pn === undefined) return undefined;
    // WhatsApp's server knows the pair; the client learns it on demand (baileys: the lid-mapping store).
    lidStore.set(lid, pn);
    if (lidStore.size > 10_000) lidStore.delete(lidStore.keys().next().value ?? lid);
    return book.phoneOf(lid, lookupLid);
  };

  /** One delivery of the backlog at a time, so no waiting message is delivered twice by one link. */
  let delivering: Promise<void> = Promise.resolve();
  /**
   * The offline backlog, after the link opens, oldest first, as WhatsApp flushes it (baileys: an
   * upsert of type `append`, which the product hears as inbound). WhatsApp forgets a message once
   * the client acks it, which baileys does on receipt: removed once passed on.
   */
  const deliverBacklog = (only?: { live: true }): Promise<void> => {
    // After the previous delivery, whether it worked or not (a failed one leaves its messages waiting).
    delivering = delivering.catch(() => undefined).then(async () => {
      for (;;) {
        if (!isConnected()) return;
        const waiting = await backlog.waiting(self, 100, only);
        if (waiting.length === 0 || !isConnected()) return;
        const done: number[] = [];
        try {
          for (const item of waiting) {
            // A signal may close the link: what follows it waits for the next connect, in order.
            if (!isConnected()) return;
            done.push(item.seq);
            if (item.signal) {
              await applySignal(item.signal);
              continue;
            }
            const from = await senderOf(item.from, item.viaLid === true);
            if (from === undefined) continue;
            const text = item.text === '' ? {} : { text: item.text };
            sink({ type: 'inbound', from, kind: item.kind ?? 'text', ...text, messageId: item.messageId, at: item.queuedAt });
          }
        } finally {
          await backlog.remove(self, done);
        }
      }
    });
    return delivering;
  };

  /** When the last simulated reconnect for the backlog began (ms since the epoch), and the one waiting for the gap to end. */
  let lastBacklogReconnect = Number.NEGATIVE_INFINITY;
  let backlogReconnect: NodeJS.Timeout | undefined;
  const stopBacklogReconnect = (): void => {
    clearTimeout(backlogReconnect);
    backlogReconnect = undefined;
  };
  /** The socket drops (as on a network cut) and the link comes back at once with the stored creds, delivering the backlog. */
  const reconnectForBacklog = async (): Promise<void> => {
    if (!isConnected()) return;
    lastBacklogReconnect = clock.now().getTime();
    sink({ type: 'status', status: 'disconnected', reason: 'connection_lost' });
    state = 'idle';
    sink({ type: 'status', status: 'connecting' });
    const stored = await authStore.readCreds(sessionId);
    if (stored === undefined || !isIdle()) return;
    goOnline(JSON.parse(stored) as SandboxCreds);
    await delivering;
  };

  const goOnline = (creds: SandboxCreds): void => {
    clearTimers();
    state = 'connected';
    sink({ type: 'status', status: 'connected', me: { phone: creds.phone, name: 'Sandbox' } });
    void deliverBacklog().catch(() => undefined);
  };

  const link = async (): Promise<void> => {
    const creds: SandboxCreds = { linked: true, phone: settings.phone, linkedAt: clock.now().toISOString() };
    await authStore.writeCreds(sessionId, JSON.stringify(creds));
    goOnline(creds);
  };

  const acceptedSoFar = async (): Promise<number> => {
    accepted ??= await outbox.count(sessionId);
    return accepted;
  };

  const scheduleReceipts = (messageId: string, to: string): void => {
    const { deliveryDelayMs, readDelayMs } = settings;
    if (deliveryDelayMs === null) return;
    later(deliveryDelayMs, () => {
      sink({ type: 'receipt', messageId, to, status: 'delivered', at: clock.now().toISOString() });
      if (readDelayMs === null) return;
      later(readDelayMs, () => {
        sink({ type: 'receipt', messageId, to, status: 'read', at: clock.now().toISOString() });
      });
    });
  };

  /** A time-lock from now to `endsAt`, or none when that is past (WhatsApp's `reachoutTimeLock`). */
  const timelock = (endsAt: number): void => {
    if (endsAt > clock.now().getTime()) {
      timelockEndsAt = endsAt;
      if (isConnected()) sink({ type: 'restricted', reason: 'reachout_timelock', detail: 'reachout timelock (simulated)', until: new Date(endsAt).toISOString() });
      return;
    }
    const wasActive = timelockEndsAt !== undefined;
    timelockEndsAt = undefined;
    if (isConnected()) sink({ type: 'restriction-lifted', reason: 'reachout_timelock', detail: wasActive ? 'reachout timelock lifted (simulated)' : 'no reachout timelock (simulated)' });
  };

  /** The error ack; for 463 also the answer to the time-lock query baileys-link asks then (the signal's window, or an hour). */
  const refuse = (messageId: string, code: string): void => {
    if (!isConnected()) return;
    for (const event of ackErrorEvents(messageId, code, code === ACCOUNT_RESTRICTED_CODE ? 'Your account has been restricted' : undefined)) sink(event);
    if (code !== ACCOUNT_RESTRICTED_CODE) return;
    const nowMs = clock.now().getTime();
    if (timelockEndsAt === undefined || timelockEndsAt <= nowMs) timelockEndsAt = nowMs + SANDBOX_DEFAULT_TIMELOCK_MS;
    sink({ type: 'restricted', reason: 'reachout_timelock', detail: 'reachout timelock (simulated)', until: new Date(timelockEndsAt).toISOString() });
  };

  /** The link closes as baileys reports `code`, and what follows is what the baileys provider does then. */
  const disconnect = async (code: number): Promise<void> => {
    if (!isConnected()) return;
    const decision = decideReconnect({ statusCode: code }, reconnects, () => chance(settings.seed, 'reconnect', code, reconnects.failures), DEFAULT_RECONNECT, clock.now());
    reconnects = decision.counters;
    clearTimers();
    if (decision.action === 'reconnect') {
      state = 'reconnecting';
      sink({ type: 'status', status: 'disconnected', reason: decision.detail, ...(reconnects.failures > 0 ? { attempt: reconnects.failures } : {}) });
      if (decision.restricted) sink({ type: 'restricted', reason: decision.restricted.reason, detail: decision.detail, code: String(code), until: decision.restricted.until });
      later(decision.delayMs, () => {
        const stored = authStore.readCreds(sessionId);
        void stored.then((creds) => {
          if (state !== 'reconnecting' || creds === undefined) return;
          sink({ type: 'status', status: 'connecting', reason: decision.detail });
          goOnline(JSON.parse(creds) as SandboxCreds);
        });
      });
      return;
    }
    state = 'closed';
    if (decision.clearCredentials) await authStore.clear(sessionId);
    if (decision.restricted) sink({ type: 'restricted', reason: decision.restricted, detail: decision.reason, code: String(code) });
    sink({ type: 'status', status: decision.status, reason: decision.detail });
  };

  /** WhatsApp's signal reaches the account (core/sandbox-signal.ts). */
  const applySignal = (signal: SandboxSignal): Promise<void> => {
    switch (signal.kind) {
      case 'capping':
        cap = cappingReading(signal, cap, clock.now());
        // As baileys emits `message-capping.update` (a notification reaches a connected socket only).
        if (isConnected()) sink({ type: 'new-chat-cap', ...cap });
        return Promise.resolve();
      case 'ack_error':
        nextAckError = signal.code;
        return Promise.resolve();
      case 'timelock':
        timelock(Date.parse(signal.until));
        return Promise.resolve();
      case 'disconnect':
        return disconnect(signal.code);
    }
  };

  return {
    async connect(options: ConnectOptions = {}) {
      if (state === 'connected' || state === 'linking') return;
      sink({ type: 'status', status: 'connecting' });
      const stored = await authStore.readCreds(sessionId);
      if (stored !== undefined) {
        goOnline(JSON.parse(stored) as SandboxCreds);
        return;
      }
      state = 'linking';
      pairing = options.phoneNumber !== undefined;
      showQr();
      if (settings.linkMode === 'auto') later(settings.autoLinkMs, () => void link());
    },

    async scan() {
      if (state === 'linking') await link();
    },

    async receive(message) {
      if (state !== 'connected') return;
      const { text, messageId } = message;
      const id = messageId ?? `in-${createHash('sha1').update(`${message.from}:${text ?? ''}:${Date.now()}`).digest('hex').slice(0, 16)}`;
      const from = await senderOf(message.from, message.viaLid === true);
      if (from === undefined || !isConnected()) return;
      sink({ type: 'inbound', from, kind: message.kind ?? 'text', ...(text ? { text } : {}), messageId: id, at: clock.now().toISOString() });
    },

    async deliverLive() {
      if (isConnected()) await deliverBacklog({ live: true });
    },

    async catchUp() {
      if (!isConnected()) return; // the next connect delivers them all
      // One probe per pass when nothing waits (the usual case); the rest only when something does.
      if ((await backlog.waiting(self, 1)).length === 0) return;
      await deliverBacklog({ live: true });
      if ((await backlog.count(self)) > 0) await this.backlogWaiting();
    },

    async backlogWaiting() {
      if (!isConnected() || backlogReconnect !== undefined) return; // delivered when the link next opens
      // At most one simulated reconnect per BACKLOG_RECONNECT_GAP_MS: a burst of messages is delivered
      // by one reconnect (the one now, or the one that ends the gap), not one each.
      const wait = lastBacklogReconnect + BACKLOG_RECONNECT_GAP_MS - clock.now().getTime();
      if (wait > 0) {
        backlogReconnect = setTimeout(() => {
          backlogReconnect = undefined;
          void backlog
            .waiting(self, 1)
            .then((waiting) => (waiting.length > 0 ? reconnectForBacklog() : undefined))
            .catch(() => undefined);
        }, wait);
        return;
      }
      await reconnectForBacklog();
    },

    acknowledge(messageId, status) {
      const to = sentTo.get(messageId);
      if (to === undefined || state !== 'connected') return;
      sink({ type: 'receipt', messageId, to, status, at: clock.now().toISOString() });
    },

    signal(signal) {
      return applySignal(signal);
    },

    async send(message: OutgoingMessage) {
      if (state !== 'connected') throw new ProviderError('not_connected', `Session ${sessionId} is not connected.`);
      const attempt = (attempts.get(message.messageId) ?? 0) + 1;
      attempts.set(message.messageId, attempt);
      if (!isOnWhatsApp(settings, message.to)) {
        throw new ProviderError('not_on_whatsapp', `${message.to} is not on WhatsApp.`);
      }
      if (settings.restrictAfterSends !== null && (await acceptedSoFar()) >= settings.restrictAfterSends) {
        sink({ type: 'restricted', reason: 'rate_limited', detail: 'sandbox: restrictAfterSends reached' });
        throw new ProviderError('restricted', 'rate-overlimit (simulated)');
      }
      if (chance(settings.seed, 'fail', message.messageId, attempt) < settings.transientFailureRate) {
        throw new ProviderError('transient', 'simulated transient failure');
      }
      if (settings.sendLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.sendLatencyMs));
      if (!isConnected()) throw new ProviderError('not_connected', `Session ${sessionId} disconnected while sending.`);
      const at = clock.now().toISOString();
      const repeats = await outbox.record(sessionId, {
        messageId: message.messageId,
        to: message.to,
        text: message.text,
        mediaKind: message.media?.kind ?? null,
        mediaRef: message.media ? String(message.media.handle) : null,
        firstAt: at,
      });
      sentTo.set(message.messageId, message.to);
      const ackError = nextAckError;
      nextAckError = undefined;
      if (ackError !== undefined) {
        // Accepted, then refused by its ack, as WhatsApp does: the ack is on its way as the send
        // resolves, and is heard before the session's next message starts.
        queueMicrotask(() => {
          refuse(message.messageId, ackError);
        });
      } else if (repeats === 0) {
        scheduleReceipts(message.messageId, message.to);
      }
      if (repeats === 0) accepted = (accepted ?? 0) + 1;
      return { messageId: message.messageId, at };
    },

    prepareMedia(media: MediaInput): Promise<PreparedMedia> {
      if (state !== 'connected') return Promise.reject(new ProviderError('not_connected', `Session ${sessionId} is not connected.`));
      const digest = createHash('sha256').update(media.data).digest('hex');
      return Promise.resolve({ kind: media.kind, handle: `sandbox-media:${digest}` });
    },

    checkNumbers(phones) {
      if (state !== 'connected') return Promise.reject(new ProviderError('not_connected', `Session ${sessionId} is not connected.`));
      return Promise.resolve(new Map(phones.map((phone) => [phone, { onWhatsApp: isOnWhatsApp(settings, phone) }])));
    },

    newChatCap() {
      if (state !== 'connected') return Promise.reject(new ProviderError('not_connected', `Session ${sessionId} is not connected.`));
      if (cap?.resetsAt != null && Date.parse(cap.resetsAt) <= clock.now().getTime()) {
        cap = { state: 'NONE', quota: cap.quota, used: 0, resetsAt: null }; // a new cycle, its quota untouched
      }
      return Promise.resolve(cap && { ...cap });
    },

    setTyping() {
      if (state !== 'connected') return Promise.reject(new ProviderError('not_connected', `Session ${sessionId} is not connected.`));
      return Promise.resolve();
    },

    async logout() {
      clearTimers();
      stopBacklogReconnect();
      state = 'closed';
      await authStore.clear(sessionId);
      sink({ type: 'status', status: 'logged_out', reason: 'logged_out' });
    },

    close() {
      if (state === 'closed') return Promise.resolve();
      clearTimers();
      stopBacklogReconnect();
      state = 'closed';
      sink({ type: 'status', status: 'disconnected', reason: 'closed' });
      return Promise.resolve();
    },
  };
}

/** The shortest time between two simulated reconnects that deliver a backlog to a connected link (a hostile key cannot make it flap). */
export const BACKLOG_RECONNECT_GAP_MS = 5_000;

/** Usage that fits a state when the signal gives none: WhatsApp warns at about 80% and 90% of the quota. */
const USED_SHARE = { FIRST_WARNING: 0.8, SECOND_WARNING: 0.9, CAPPED: 1 } as const;
const DAY_MS = 86_400_000;

/** The cap a `capping` signal sets: its figures, else the last quota signalled (or the default), a fitting usage and a day-long cycle. */
function cappingReading(signal: Extract<SandboxSignal, { kind: 'capping' }>, previous: NewChatCapReading | null, now: Date): NewChatCapReading {
  const quota = signal.quota ?? previous?.quota ?? SANDBOX_NEW_CHAT_QUOTA;
  return {
    state: signal.state,
    quota,
    used: signal.used ?? Math.ceil(quota * USED_SHARE[signal.state]),
    resetsAt: new Date(signal.resetsAt === undefined ? now.getTime() + DAY_MS : Date.parse(signal.resetsAt)).toISOString(),
  };
}

function pairingCode(seed: number, n: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTVWXYZ123456789';
  let code = '';
  for (let i = 0; i < 8; i++) code += alphabet[Math.floor(chance(seed, 'pair', n, i) * alphabet.length)] ?? 'A';
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
