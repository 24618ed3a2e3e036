import type { NewChatCapReading } from '../core/new-chat-cap.js';
import type { ReplyKind } from '../core/reply.js';

/**
 * The messaging provider: one live WhatsApp account (or its simulation), behind the narrow set
 * of calls the product makes. Implementations: `baileys` (WhatsApp Web) and `sandbox`. One
 * contract test suite (test/contract/provider.contract.ts) runs against both.
 *
 * Phone numbers crossing this interface are E.164 with the leading `+` (e.g. `+6281234567890`).
 */

import type { NumberCheck } from '../core/number-check.js';

/** What a provider reports about its link. `paused` is decided by the session manager, never here. */
export type LinkStatus = 'connecting' | 'qr' | 'connected' | 'disconnected' | 'logged_out' | 'failed';

export type ProviderEvent =
  /** A new QR code to scan (the raw string; rendering is the caller's job). */
  | { type: 'qr'; qr: string; expiresInMs: number }
  /** A pairing code to type on the phone, when linking by phone number. */
  | { type: 'pairing-code'; code: string }
  | {
      type: 'status';
      status: LinkStatus;
      /** Why: a disconnect reason, e.g. `restart_required`, `connection_replaced`, `logged_out`. */
      reason?: string;
      /** The linked account, once connected. */
      me?: { phone: string; name?: string };
      /** While reconnecting: how many attempts in a row have failed. */
      attempt?: number;
    }
  /**
   * A receipt for a message we sent, keyed by the message id we chose (all the ledger needs).
   * `to` when the provider knows it without asking anyone: WhatsApp may name a LID it cannot map.
   */
  | { type: 'receipt'; messageId: string; to?: string; status: 'delivered' | 'read'; at: string }
  /**
   * A message a person sent to this account (phone resolved from LID where needed): its kind, and
   * its text or a media message's caption (absent when there is none).
   */
  | { type: 'inbound'; from: string; kind: ReplyKind; text?: string; messageId: string; at: string }
  /**
   * WhatsApp's verdict on a message it had accepted: an ack carrying an error code (baileys:
   * `messages.update` with status ERROR, Socket/messages-recv.js handleBadAck). Only for ids the
   * product makes (core/message-id.ts).
   */
  | { type: 'message-failed'; messageId: string; code: string; detail: string }
  /**
   * WhatsApp signals that sending should stop: rate-overlimit, (temporary) ban, unlinked account,
   * or the reach-out time-lock (an ack with error 463, or `reachoutTimeLock` while active).
   */
  | {
      type: 'restricted';
      reason: RestrictionReason;
      detail?: string;
      /** WhatsApp's code for it, when it gave one (e.g. `463`, `402`). */
      code?: string;
      /** When the restriction ends, if WhatsApp said (ISO time). */
      until?: string;
    }
  /** WhatsApp's cap on messages that start new chats changed (or was read): its state, quota and usage. */
  | ({ type: 'new-chat-cap' } & NewChatCapReading)
  /** WhatsApp lifted a restriction before its end (`reachoutTimeLock` with `isActive: false`). */
  | {
      type: 'restriction-lifted';
      reason: RestrictionReason;
      detail: string;
      /** Set by the session manager when a restriction's window ended: only one over by then is lifted (not a newer one). */
      endedBy?: string;
    };

export type RestrictionReason = 'rate_limited' | 'banned' | 'temporarily_banned' | 'logged_out' | 'reachout_timelock';

export type ProviderEventSink = (event: ProviderEvent) => void;

export type MediaKind = 'image' | 'video' | 'document';

export interface MediaInput {
  kind: MediaKind;
  data: Buffer;
  mimetype: string;
  fileName?: string;
}

/** Media uploaded once and reusable across messages (an opaque handle of the provider). */
export interface PreparedMedia {
  readonly kind: MediaKind;
  readonly handle: unknown;
  /**
   * What to keep so a message with this upload can be rebuilt later (a recipient's retry request
   * after a restart): the provider's own serialised record, or absent when it needs none.
   */
  readonly stored?: string;
}

/** A message a session sent before, rebuilt from the ledger (to answer a recipient's retry request). */
export interface SentMessage {
  to: string;
  /** Where WhatsApp said `to` lives (a number check still remembered), when that is known: the message may have gone there. */
  address?: string;
  text: string;
  /** With media, `text` is its caption and `stored` the upload it was sent with (PreparedMedia.stored). */
  media?: { kind: MediaKind; stored: string };
}

/** Finds a message this session sent, by its id; undefined for one it did not send (or can no longer rebuild). */
export type SentMessageLookup = (messageId: string) => Promise<SentMessage | undefined>;

export interface OutgoingMessage {
  /** Chosen by the caller, derived from (blast, recipient): a retry reuses it. */
  messageId: string;
  to: string;
  /**
   * Where WhatsApp said `to` lives (NumberCheck.address), when its number check was asked: sent
   * there rather than to an address built from `to` (WhatsApp normalises some numbers).
   */
  address?: string;
  text: string;
  /** With media, `text` is its caption. */
  media?: PreparedMedia;
}

export interface SendResult {
  messageId: string;
  /** ISO time the provider accepted the message. */
  at: string;
}

/** How a failed call should be treated by the caller. */
export type ProviderErrorKind =
  | 'transient' // retry with backoff
  | 'permanent' // fail this message, go on
  | 'not_on_whatsapp' // skip this recipient
  | 'not_connected' // the account is not linked right now
  | 'restricted'; // stop sending from this account

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export type { NumberCheck };

export interface ConnectOptions {
  /** Link by pairing code instead of QR (only while the account is not linked yet). */
  phoneNumber?: string;
}

export interface MessagingProvider {
  /** Starts linking/connecting; progress arrives as events. Resolves once started, not once connected. */
  connect(options?: ConnectOptions): Promise<void>;
  send(message: OutgoingMessage): Promise<SendResult>;
  prepareMedia(media: MediaInput): Promise<PreparedMedia>;
  /** Which numbers have WhatsApp, and where each lives; every phone asked about has an answer. */
  checkNumbers(phones: readonly string[]): Promise<Map<string, NumberCheck>>;
  /**
   * Shows "typing…" to a recipient (`true`), or stops showing it (`false`), as WhatsApp Web does:
   * the first time for a recipient it also subscribes to their presence. `address` as in OutgoingMessage.
   */
  setTyping(to: string, typing: boolean, address?: string): Promise<void>;
  /**
   * Asks WhatsApp for the account's new-chat cap now (at connect and before a blast starts);
   * null when there is nothing to read (a sandbox never signalled). Refused when not connected.
   */
  newChatCap(): Promise<NewChatCapReading | null>;
  /** Unlinks the account and forgets its credentials. */
  logout(): Promise<void>;
  /** Disconnects, keeping the credentials for the next connect (possibly on another worker). */
  close(): Promise<void>;
}
