import { canSee, type Principal } from '../auth/principal.js';
import type { ReplyKind } from '../core/reply.js';
import { sandboxMessageId } from '../core/sandbox-message-id.js';
import { checksNumbersByDefault } from '../core/number-check.js';
import type { SessionConfig, SessionRef, SessionRestriction } from '../core/session-config.js';
import type { SessionStatus } from '../events/event-catalogue.js';
import { Conflict, SessionNotFound, ValidationFailed } from '../errors/app-error.js';
import { DEFAULT_HEALTH_MODEL, type HealthModel } from '../core/health.js';
import { newChatCapView } from '../core/new-chat-cap.js';
import type { Clock } from '../infra/clock.js';
import type { Redis } from '../infra/redis.js';
import { CAPPING_LIMITS, type SandboxSignal } from '../core/sandbox-signal.js';
import type { OutboxPage } from '../store/sandbox-outbox.repository.js';
import type { Store } from '../store/store.js';
import type { LinkingCode, LiveStatusStore } from './live-status.js';
import { sendSessionCommand, type SessionCommand } from './session-commands.js';
import { healthSummaries, sessionHealthView, type HealthSummary, type SessionHealthView } from './session-health.js';
import type { SessionLeases } from './session-leases.js';

/** What an operator sees of a session besides its config. */
export interface SessionLiveView {
  status: SessionStatus;
  statusReason: string | null;
  /** The worker holding the session now. */
  owner: string | null;
  linkedPhone: string | null;
  linkedName: string | null;
  lastError: string | null;
  statusAt: string | null;
  desiredState: 'connected' | 'disconnected';
}

export interface SandboxInboundInput {
  from: string;
  text?: string | undefined;
  kind?: ReplyKind | undefined;
  whileDisconnected?: boolean | undefined;
  messageId?: string | undefined;
  viaLid?: boolean | undefined;
}

/** Messages a sandbox session may have waiting for its next connect: a simulation, not a mailbox. */
export const SANDBOX_BACKLOG_LIMIT = 1_000;

/**
 * `newChatCap`: WhatsApp's new-chat cap as last read for the session (core/new-chat-cap.ts); null until read.
 * `restriction`: what WhatsApp put on the account (a 463 ack, a reach-out time-lock, a temporary ban), until when; null when none.
 */
export type SessionView = SessionConfig &
  SessionLiveView & {
    checkNumbers: boolean;
    linkedAt: string | null;
    newChatCap: ReturnType<typeof newChatCapView>;
    restriction: SessionRestriction | null;
    /** Its health as last assessed (issue 17): score 100, healthy, until first assessed. */
    health: HealthSummary;
  };

const ERROR_STATUSES: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['failed', 'logged_out', 'paused']);

/** Why a session is down that is nobody's error: a worker let it go, or none has taken it yet. */
const HANDOVER_REASONS: ReadonlySet<string> = new Set(['released', 'closed', 'worker_stopped', 'lease_lost', 'awaiting_worker', 'disconnect_requested']);

/**
 * The error to show: a final status's reason, or why a session that should be connected is down
 * (`whatsapp_unreachable: getaddrinfo ENOTFOUND web.whatsapp.com`, `session_reconnecting: …`).
 */
export function lastErrorOf(status: SessionStatus, reason: string | null, desiredState: 'connected' | 'disconnected'): string | null {
  if (ERROR_STATUSES.has(status)) return reason;
  const downAgainstWish = desiredState === 'connected' && status === 'disconnected';
  return downAgainstWish && reason !== null && !HANDOVER_REASONS.has(reason) ? reason : null;
}

/**
 * The api's side of live sessions: it records what should happen (durably) and tells the
 * workers (Redis); it never holds a WhatsApp socket.
 */
export function createSessionControlService(deps: {
  store: Store;
  live: LiveStatusStore;
  leases: SessionLeases;
  redis: Redis;
  prefix: string;
  clock: Clock;
  /** The health model's knobs (HEALTH_*), shown with a session's health. */
  healthModel?: HealthModel;
  /** The operator's word on a session its health stopped (blast-control.ts `acknowledgeHealth`). */
  acknowledgeHealth?: (session: SessionRef) => Promise<boolean>;
}) {
  const { store, live, leases } = deps;
  const command = (message: SessionCommand): Promise<void> => sendSessionCommand(deps.redis, deps.prefix, message);

  async function visible(principal: Principal, id: string): Promise<SessionConfig> {
    const config = await store.sessions.get(id);
    if (!config || !canSee(principal, config.businessUnit)) throw new SessionNotFound(id);
    return config;
  }

  async function liveView(id: string): Promise<SessionLiveView> {
    const [state, owner, desired] = await Promise.all([live.read(id), leases.owner(id), store.sessions.getDesiredState(id)]);
    const desiredState = desired?.state ?? 'disconnected';
    let status: SessionStatus = state?.status ?? 'disconnected';
    let statusReason = state?.reason ?? null;
    // A status written by a worker that no longer holds the lease is history, not the present.
    const ownerGone = owner === undefined || (state?.owner != null && state.owner !== owner);
    if (ownerGone && !ERROR_STATUSES.has(status)) {
      status = desiredState === 'connected' ? 'connecting' : 'disconnected';
      statusReason = desiredState === 'connected' ? 'awaiting_worker' : statusReason;
    }
    return {
      status,
      statusReason,
      owner: owner ?? null,
      linkedPhone: state?.phone ?? null,
      linkedName: state?.name ?? null,
      lastError: lastErrorOf(status, statusReason, desiredState),
      statusAt: state?.at ?? null,
      desiredState,
    };
  }

  return {
    async view(config: SessionConfig): Promise<SessionView> {
      const [live, cap, restriction, linkedAt, health] = await Promise.all([
        liveView(config.id),
        store.newChatCaps.get(config),
        store.sessions.restriction(config),
        store.sessions.linkedAt(config.id),
        healthSummaries(store, [config]),
      ]);
      const summary = health.get(config.uid) ?? { score: 100, band: 'healthy' as const, bandSince: null, assessedAt: null };
      return { ...config, checkNumbers: checksNumbersByDefault(config), ...live, linkedAt, newChatCap: newChatCapView(cap), restriction, health: summary };
    },

    /** GET /api/sessions/:id/health. */
    async health(principal: Principal, id: string): Promise<SessionHealthView> {
      const config = await visible(principal, id);
      return sessionHealthView(store, config, deps.healthModel ?? DEFAULT_HEALTH_MODEL, deps.clock.now());
    },

    /** POST /api/sessions/:id/health/acknowledge: the session its health stopped sends again, on every blast it serves. */
    async acknowledgeHealth(principal: Principal, id: string): Promise<SessionHealthView> {
      const config = await visible(principal, id);
      const health = await store.health.get(config.uid);
      if (health?.band !== 'stop') throw new Conflict('SESSION_NOT_STOPPED', `Session "${id}" is not stopped by its health (band: ${health?.band ?? 'healthy'}).`);
      await deps.acknowledgeHealth?.(config);
      return sessionHealthView(store, config, deps.healthModel ?? DEFAULT_HEALTH_MODEL, deps.clock.now());
    },

    /** The QR or pairing code that links the session now, if one is waiting to be scanned or typed. */
    currentCode(id: string): Promise<LinkingCode | undefined> {
      return live.readCode(id);
    },

    /** When the session's WhatsApp account was linked (warm-up counts from it); null if it never was. */
    linkedAt(id: string): Promise<string | null> {
      return store.sessions.linkedAt(id);
    },

    async connect(principal: Principal, id: string, phoneNumber: string | undefined): Promise<SessionLiveView> {
      await visible(principal, id);
      await store.sessions.setDesiredState(id, 'connected', phoneNumber ?? null);
      await command({ type: 'reconcile', sessionId: id });
      return liveView(id);
    },

    async disconnect(principal: Principal, id: string): Promise<SessionLiveView> {
      await visible(principal, id);
      await store.sessions.setDesiredState(id, 'disconnected', null);
      await command({ type: 'reconcile', sessionId: id });
      return liveView(id);
    },

    /** Unlinks the account. With no worker holding it, the stored credentials are forgotten here. */
    async logout(principal: Principal, id: string): Promise<SessionLiveView> {
      await visible(principal, id);
      await store.sessions.setDesiredState(id, 'disconnected', null);
      if ((await leases.owner(id)) === undefined) {
        await store.authState.clear(id);
        await live.write(id, {
          status: 'logged_out',
          reason: 'logout_requested',
          phone: null,
          name: null,
          owner: null,
          at: deps.clock.now().toISOString(),
        });
      } else {
        await command({ type: 'logout', sessionId: id });
      }
      return liveView(id);
    },

    async sandboxScan(principal: Principal, id: string): Promise<void> {
      const config = await visible(principal, id);
      if (config.provider !== 'sandbox') throw notSandbox(id);
      await command({ type: 'sandbox-scan', sessionId: id });
    },

    /**
     * `whileDisconnected`: kept in the database as WhatsApp's server keeps a message for an account
     * whose socket is down, and delivered in the session's offline backlog at its next connect (a
     * connected session drops and reconnects at once). `messageId`: WhatsApp's id for the message.
     */
    async sandboxInbound(principal: Principal, id: string, input: SandboxInboundInput): Promise<void> {
      const config = await visible(principal, id);
      if (config.provider !== 'sandbox') throw notSandbox(id);
      const { from, text, messageId } = input;
      const kind = input.kind ?? 'text';
      if (kind === 'text' && !text) {
        throw new ValidationFailed('A text message needs its text (only media may come without a caption).', [{ field: 'text', message: 'required when kind is text' }]);
      }
      const viaLid = input.viaLid === true ? { viaLid: true } : {};
      const live = input.whileDisconnected !== true;
      const queuedAt = deps.clock.now().toISOString();
      // Kept for this very session (its uid; never for a session created later under the id) until its link passes it on:
      // a live message at once (or at the next connect, should the link be down), one sent while disconnected at the next connect.
      const message = { messageId: messageId ?? sandboxMessageId(), from, text: text ?? '', kind, queuedAt, ...viaLid, ...(live ? { live: true } : {}) };
      const added = await store.sandboxBacklog.add(config, message, SANDBOX_BACKLOG_LIMIT);
      if (!added) {
        if ((await store.sessions.get(id))?.uid !== config.uid) throw new SessionNotFound(id);
        throw new Conflict('SANDBOX_BACKLOG_FULL', `Session "${id}" already has ${SANDBOX_BACKLOG_LIMIT} messages waiting to be passed on.`);
      }
      await command({ type: 'sandbox-inbound', sessionId: id, from, ...(live ? { live: true } : { backlog: true }) });
    },

    async sandboxSignal(principal: Principal, id: string, signal: SandboxSignal): Promise<void> {
      const config = await visible(principal, id);
      if (config.provider !== 'sandbox') throw notSandbox(id);
      if (signal.kind === 'capping' && signal.resetsAt !== undefined) assertResetAhead(signal.resetsAt, deps.clock.now());
      // Kept, in line with the session's waiting messages, until its link applies it (pub/sub keeps nothing).
      const added = await store.sandboxBacklog.addSignal(config, signal, deps.clock.now().toISOString(), SANDBOX_BACKLOG_LIMIT);
      if (!added) {
        if ((await store.sessions.get(id))?.uid !== config.uid) throw new SessionNotFound(id);
        throw new Conflict('SANDBOX_BACKLOG_FULL', `Session "${id}" already has ${SANDBOX_BACKLOG_LIMIT} messages and signals waiting to be passed on.`);
      }
      await command({ type: 'sandbox-signal', sessionId: id });
    },

    async sandboxOutbox(principal: Principal, id: string, page: { limit: number; offset: number }): Promise<OutboxPage> {
      const config = await visible(principal, id);
      if (config.provider !== 'sandbox') throw notSandbox(id);
      return store.sandboxOutbox.page(id, page);
    },

    /** The session's config changed: its owning worker reloads it now. */
    async changed(id: string): Promise<void> {
      await command({ type: 'reconcile', sessionId: id });
    },

    /** Everything a deleted session leaves behind: its link, its credentials, its status. */
    async forget(session: SessionRef): Promise<void> {
      const { id } = session;
      await command({ type: 'reconcile', sessionId: id });
      await Promise.all([store.authState.clear(id), store.sandboxOutbox.clear(id), store.sandboxBacklog.clear(session), live.remove(id)]);
    },
  };
}

export type SessionControlService = ReturnType<typeof createSessionControlService>;

/** A simulated cycle ends ahead of now, and within CAPPING_LIMITS.maxResetAheadMs. */
function assertResetAhead(resetsAt: string, now: Date): void {
  const ahead = Date.parse(resetsAt) - now.getTime();
  if (ahead > 0 && ahead <= CAPPING_LIMITS.maxResetAheadMs) return;
  throw new ValidationFailed('resetsAt must be in the future, at most 31 days ahead.', [{ field: 'resetsAt', message: 'must be in the future, at most 31 days ahead' }]);
}

function notSandbox(id: string): Conflict {
  return new Conflict('NOT_SANDBOX', `Session "${id}" does not use the sandbox provider.`);
}
