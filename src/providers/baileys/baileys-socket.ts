import {
  makeWASocket,
  type AnyMessageContent,
  type BaileysEventMap,
  type CacheStore,
  type Contact,
  type MessageRelayOptions,
  type MiscMessageGenerationOptions,
  type NewChatMessageCapInfo,
  type UserFacingSocketConfig,
  type WAMediaUploadFunction,
  type WAMessage,
  type WAPresence,
  type WAVersion,
  type proto,
} from 'baileys';
import type { Logger } from '../../logging/logger.js';
import type { BaileysLogger } from './db-auth-state.js';

/**
 * The slice of a baileys socket this provider uses, and nothing more: the seam a fake implements
 * (test/support/fake-baileys-socket.ts). baileys' own socket satisfies it as is.
 */
export interface BaileysSocketLike {
  readonly ev: {
    /** Receives every event batch; returns the unsubscribe function. */
    process(handler: (events: Partial<BaileysEventMap>) => void | Promise<void>): () => void;
  };
  /** The linked account, once known (v7: `id` may be a LID; `phoneNumber` then holds the PN). */
  readonly user: Contact | undefined;
  readonly signalRepository: {
    lidMapping: { getPNForLID(lid: string): Promise<string | null> };
  };
  sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined>;
  relayMessage(jid: string, message: proto.IMessage, options: MessageRelayOptions): Promise<string>;
  onWhatsApp(...jids: string[]): Promise<{ jid: string; exists: boolean }[] | undefined>;
  sendPresenceUpdate(type: WAPresence, toJid?: string): Promise<void>;
  presenceSubscribe(toJid: string): Promise<void>;
  requestPairingCode(phoneNumber: string, customPairingCode?: string): Promise<string>;
  /** The new-chat cap (a `w:mex` query, Socket/socket.js fetchNewChatMessageCap): quota, usage, state, cycle. */
  fetchNewChatMessageCap(): Promise<NewChatMessageCapInfo>;
  readonly waUploadToServer: WAMediaUploadFunction;
  /** Asks WhatsApp for the account's reach-out time-lock; the answer is also emitted as `connection.update` (Socket/socket.js). */
  fetchAccountReachoutTimelock(): Promise<unknown>;
  logout(msg?: string): Promise<void>;
  end(error: Error | undefined): Promise<void>;
}

export type CreateBaileysSocket = (config: UserFacingSocketConfig) => BaileysSocketLike;

/**
 * A campaign sender needs no full chat history and must not mark the account online (the phone
 * would stop showing notifications). The initial, non-full history sync stays on: it is where
 * baileys learns the LID ↔ phone mappings. `getMessage` lets baileys answer a retry request.
 */
export function socketConfig(deps: {
  auth: UserFacingSocketConfig['auth'];
  logger: BaileysLogger;
  /** The message sent under an id (the ledger: sent-messages.ts), to send again when a recipient asks. */
  getMessage: (id: string) => Promise<proto.IMessage | undefined>;
  /** One per session, kept across reconnects (retry-counter-cache.ts). */
  retryCounts: CacheStore;
  /** The client version to announce (wa-version.ts); baileys' bundled one when absent. */
  version: WAVersion | undefined;
}): UserFacingSocketConfig {
  return {
    auth: deps.auth,
    ...(deps.version ? { version: deps.version } : {}),
    logger: deps.logger,
    markOnlineOnConnect: false,
    syncFullHistory: false,
    getMessage: (key) => (key.id ? deps.getMessage(key.id) : Promise.resolve(undefined)),
    msgRetryCounterCache: deps.retryCounts,
  };
}

export const createRealSocket: CreateBaileysSocket = (config) => makeWASocket(config);

/**
 * baileys logs whole stanzas at info and below, which may include key material: its logger never
 * goes below `warn`, and stays quieter when ours is.
 */
const WARN = 40;

export function baileysLogger(logger: Logger): BaileysLogger {
  const child = logger.child({ library: 'baileys' });
  if (logger.levelVal < (logger.levels.values.warn ?? WARN)) child.level = 'warn';
  return child;
}
