import {
  DEFAULT_CONNECTION_CONFIG,
  makeWASocket,
  type AnyMessageContent,
  type BaileysEventMap,
  type CacheStore,
  type Contact,
  type MessageRelayOptions,
  type MiscMessageGenerationOptions,
  type NewChatMessageCapInfo,
  type SocketConfig,
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

export interface LinkCaches {
  socket: SocketCaches;
  /**
   * The LID ↔ phone pairs baileys' LID store keeps in memory (Signal/lid-mapping.js mappingCache,
   * two entries a contact). baileys' own is an lru-cache with a 3-day TTL, no size bound and
   * `ttlAutopurge`, which starts one 3-day timer per entry: every contact heard stays in memory
   * three days. Not in the socket config: it is put in place by `makeSignalRepository`.
   */
  lidMappings: BoundedCache;
}

export function createSocketCaches(): LinkCaches {
  return {
    socket: {
      userDevicesCache: createBoundedCache({ maxEntries: 1_000, ttlMs: 5 * MINUTE }),
      callOfferCache: createBoundedCache({ maxEntries: 100, ttlMs: 5 * MINUTE }),
      placeholderResendCache: createBoundedCache({ maxEntries: 1_000, ttlMs: 60 * MINUTE }),
    },
    lidMappings: createBoundedCache({ maxEntries: 4_000, ttlMs: 3 * 24 * 60 * MINUTE }),
  };
}

/**
 * baileys' own signal repository, its LID store's memory swapped for a bounded cache (a pair that
 * left it is read again from the `lid-mapping` keys in our database, lid-mapping.js
 * getPNForLID/getLIDForPN). The store's cache is a private field: if a baileys release renames
 * it, the repository is left as baileys made it.
 */
function boundedSignalRepository(lidMappings: BoundedCache): SocketConfig['makeSignalRepository'] {
  return (auth, logger, pnToLid) => {
    const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository(auth, logger, pnToLid);
    const store = repository.lidMapping as unknown as { mappingCache?: unknown };
    if (store.mappingCache !== undefined) {
      store.mappingCache = {
        get: (key: string) => lidMappings.get(key),
        set: (key: string, value: unknown) => {
          lidMappings.set(key, value);
        },
        clear: () => {
          lidMappings.flushAll();
        },
      };
    }
    return repository;
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
  /** The message sent under an id (the ledger: sent-messages.ts), to send again when a recipient asks. */
  /** `requester`: who asks (the retry receipt's sender, a phone-number jid or a LID). */
  getMessage: (id: string, requester: string | undefined) => Promise<proto.IMessage | undefined>;
  /** One per session, kept across reconnects (retry-counter-cache.ts). */
  retryCounts: CacheStore;
  /** The client version to announce (wa-version.ts); baileys' bundled one when absent. */
  version: WAVersion | undefined;
  caches: LinkCaches;
}): UserFacingSocketConfig {
  return {
    auth: deps.auth,
    ...deps.caches.socket,
    makeSignalRepository: boundedSignalRepository(deps.caches.lidMappings),
    ...(deps.version ? { version: deps.version } : {}),
    logger: deps.logger,
    markOnlineOnConnect: false,
    syncFullHistory: false,
    // Socket/messages-recv.js handleReceipt: a retry receipt's key.remoteJid is its `from` (the asking
    // phone, by number or LID); sendMessagesAgain calls getMessage({ ...key, id }).
    getMessage: (key) => (key.id ? deps.getMessage(key.id, key.remoteJid ?? undefined) : Promise.resolve(undefined)),
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
