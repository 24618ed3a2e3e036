import {
  makeWASocket,
  type AnyMessageContent,
  type BaileysEventMap,
  type Contact,
  type MessageRelayOptions,
  type MiscMessageGenerationOptions,
  type UserFacingSocketConfig,
  type WAMediaUploadFunction,
  type WAMessage,
  type WAPresence,
  type WAVersion,
  type proto,
} from 'baileys';
import type { Logger } from '../../logging/logger.js';
import { createBoundedCache, type BoundedCache } from './bounded-cache.js';
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
  requestPairingCode(phoneNumber: string, customPairingCode?: string): Promise<string>;
  readonly waUploadToServer: WAMediaUploadFunction;
  logout(msg?: string): Promise<void>;
  end(error: Error | undefined): Promise<void>;
}

export type CreateBaileysSocket = (config: UserFacingSocketConfig) => BaileysSocketLike;

const MINUTE = 60_000;

/**
 * The caches baileys takes from its config, one set per session kept across its reconnects, each
 * with baileys' own time to live (Defaults/index.js DEFAULT_CACHE_TTLS) and a size bound baileys'
 * defaults lack (they grow with every contact heard within the TTL; bounded-cache.ts).
 */
export interface SocketCaches {
  /** A contact's devices, asked of WhatsApp before sending (Socket/messages-send.js getUSyncDevices). */
  userDevicesCache: BoundedCache;
  /** Call offers until the call ends (Socket/messages-recv.js handleCall). */
  callOfferCache: BoundedCache;
  /** Messages whose placeholder resend was asked for (Socket/messages-recv.js requestPlaceholderResend). */
  placeholderResendCache: BoundedCache;
}

export function createSocketCaches(): SocketCaches {
  return {
    userDevicesCache: createBoundedCache({ maxEntries: 1_000, ttlMs: 5 * MINUTE }),
    callOfferCache: createBoundedCache({ maxEntries: 100, ttlMs: 5 * MINUTE }),
    placeholderResendCache: createBoundedCache({ maxEntries: 1_000, ttlMs: 60 * MINUTE }),
  };
}

/**
 * A campaign sender needs no full chat history and must not mark the account online (the phone
 * would stop showing notifications). The initial, non-full history sync stays on: it is where
 * baileys learns the LID ↔ phone mappings. `getMessage` lets baileys answer a retry request.
 */
export function socketConfig(deps: {
  auth: UserFacingSocketConfig['auth'];
  logger: BaileysLogger;
  getMessage: (id: string) => proto.IMessage | undefined;
  /** The client version to announce (wa-version.ts); baileys' bundled one when absent. */
  version: WAVersion | undefined;
  caches: SocketCaches;
}): UserFacingSocketConfig {
  return {
    auth: deps.auth,
    ...deps.caches,
    ...(deps.version ? { version: deps.version } : {}),
    logger: deps.logger,
    markOnlineOnConnect: false,
    syncFullHistory: false,
    getMessage: (key) => Promise.resolve(key.id ? deps.getMessage(key.id) : undefined),
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
