import type { Blast } from '../core/blast.js';
import type { NumberCheckTtl } from '../core/number-check.js';
import type { PacingPolicy } from '../core/pacing.js';
import type { SessionConfig, SessionRef } from '../core/session-config.js';
import type { CompiledTemplate } from '../core/template.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../infra/clock.js';
import type { MessagingProvider } from '../providers/provider.js';
import type { HealthBand } from '../core/health.js';
import type { ClaimedRecipient, ClaimScope, Outcome } from '../store/blast.repository.js';
import type { Store } from '../store/store.js';
import type { PacingGate } from './pacing-gate.js';
import type { HeardRestriction } from './session-restrictions.js';
import type { Metrics } from '../observability/metrics.js';

/** What a session needs to send for one blast, reloaded every few seconds or when the blast changes. */
export interface SendContext {
  blast: Blast;
  compiled: CompiledTemplate;
  /** WhatsApp's limit for this blast's messages: a text's, or a caption's when it has media. */
  maxLength: number;
  policy: PacingPolicy;
  dailyCap: number;
  /** WhatsApp capped the account's new chats until then (ms since the epoch): it sends nothing before. */
  cappedUntilMs: number | undefined;
  /**
   * The session's health as every worker reads it (issue 17): paused by it; which rows it may claim
   * (existing chats only, when its band or its new-chat budget allows no new chat); how many new chats
   * it may still open (null: no budget), counted down as it sends: one object for all the session's blasts.
   */
  health: { band: HealthBand; pause: boolean; scope: ClaimScope; newChats: { left: number } | null };
  loadedAtMs: number;
}

/** The part of the session manager the engine uses. */
export interface OwnedSessions {
  owned(sessionId: string): { provider: MessagingProvider; config: SessionConfig; token: number } | undefined;
}

/** What a session's sender loop asks of the engine that runs it. */
export interface SenderHost {
  readonly deps: { store: Store; sessions: OwnedSessions; gate: PacingGate; clock: Clock; log: Logger; random?: (() => number) | undefined; metrics?: Pick<Metrics, 'messages'> | undefined };
  readonly claimBatch: number;
  readonly pollMs: number;
  readonly retryDelaysMs: readonly number[];
  /** How long WhatsApp's answers to number checks are kept. */
  readonly numberCheckTtl: NumberCheckTtl;
  activeBlasts(session: SessionRef): Promise<{ id: string; listId: string }[]>;
  context(blastId: string, config: SessionConfig): Promise<SendContext | undefined>;
  touched(blastId: string): void;
  finishIfDone(blastId: string): Promise<void>;
  restricted(session: SessionRef, heard: HeardRestriction): Promise<void>;
  /** Changes when a restriction of the session is heard: a batch started before it sends nothing more. */
  haltEpoch(sessionId: string): number;
  /** A restriction was heard and is being written down: claim nothing now. */
  isHalting(sessionId: string): boolean;
  /** Called once per blast a sender starts on: reads WhatsApp's new-chat cap first. */
  beforeBlast(session: SessionRef): Promise<void>;
  /** Until when WhatsApp's new-chat cap stops the session (ms since the epoch), as heard by this worker. */
  cappedUntilMs(sessionId: string): number | undefined;
  /** Outcomes recorded for the session: counted for its health (and its new chats for its budget). */
  counted(session: SessionConfig, outcomes: readonly Outcome[], recipients: readonly ClaimedRecipient[]): void;
}
