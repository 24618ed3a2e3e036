import { generateWAMessageFromContent, type WAVersion, type proto } from 'baileys';
import { readingFromCapInfo } from '../../core/new-chat-cap.js';
import type { Logger } from '../../logging/logger.js';
import { systemClock, type Clock } from '../../infra/clock.js';
import type { AuthStateStore } from '../auth-state.store.js';
import { ProviderError, type MessagingProvider, type NumberCheck, type ProviderEventSink, type SentMessage, type SentMessageLookup } from '../provider.js';
import { createAddressBook } from './address-book.js';
import { toProviderError } from './baileys-errors.js';
import { isE164, isLidJid, isPersonJid, jidToPhone, lidUser, phoneToJid } from './baileys-jids.js';
import { createBaileysLink } from './baileys-link.js';
import { BaileysMedia, captioned, uploadMedia } from './baileys-media.js';
import { baileysLogger, createRealSocket, type BaileysSocketLike, type CreateBaileysSocket } from './baileys-socket.js';
import type { ReconnectOptions } from './reconnect-policy.js';
import { createRetryCounterCache } from './retry-counter-cache.js';

export interface BaileysProviderDeps {
  sessionId: string;
  authStore: AuthStateStore;
  sink: ProviderEventSink;
  logger: Logger;
  /** The seam for tests; baileys' `makeWASocket` by default. */
  createSocket?: CreateBaileysSocket;
  /** Draws the reconnect jitter (Math.random by default). */
  random?: () => number;
  clock?: Clock;
  reconnect?: Partial<ReconnectOptions>;
  /** The client version to announce (wa-version.ts: pinned, fetched or bundled); baileys' own by default. */
  version?: () => Promise<WAVersion | undefined>;
  /**
   * Finds a message this session sent (the ledger: src/sending/sent-messages.ts), so a recipient's
   * retry request is answered after a restart or a takeover too; none is answered without it.
   */
  sentMessage?: SentMessageLookup;
}

/** Recipients whose presence this link subscribed to (once each, as WhatsApp Web does); bounded. */
const SUBSCRIBED_LIMIT = 1_000;

/** The message as it was first sent: a text as sendMessage builds it (Utils/messages.js), media with its caption. */
function rebuilt(sent: SentMessage): proto.IMessage {
  if (sent.media) return captioned(BaileysMedia.restore(sent.media.kind, sent.media.stored), sent.text);
  return { extendedTextMessage: { text: sent.text } };
}

/**
 * The `baileys` provider: one WhatsApp Web link per session. The link's life (socket, QR,
 * pairing code, reconnects, credentials) is in baileys-link.ts; this file is the calls the
 * product makes, each refused with `not_connected` unless the link is open.
 */
export function createBaileysProvider(deps: BaileysProviderDeps): MessagingProvider {
  const { sessionId, sink } = deps;
  const log = deps.logger.child({ component: 'baileys-provider', sessionId });
  const socketLog = baileysLogger(log);
  const clock = deps.clock ?? systemClock;
  const book = createAddressBook();
  const retryCounts = createRetryCounterCache(clock);
  const lookup = deps.sentMessage;

  const link = createBaileysLink({
    sessionId,
    authStore: deps.authStore,
    sink,
    log,
    socketLog,
    createSocket: deps.createSocket ?? createRealSocket,
    random: deps.random ?? Math.random,
    clock,
    book,
    reconnect: deps.reconnect ?? {},
    // baileys asks when a recipient's phone could not decrypt a message (Socket/messages-recv.js
    // sendMessagesAgain), after its own cache of recent sends (gone with the socket) has no answer.
    // Only the phone the message went to gets it again: anyone else asking for the id gets nothing.
    getMessage: async (id, requester) => {
      const sent = await lookup?.(id);
      return sent && (await askedByRecipient(requester, sent)) ? rebuilt(sent) : undefined;
    },
    retryCounts,
    version: deps.version ?? (() => Promise.resolve(undefined)),
  });

  /** Whether `requester` (a phone-number jid, or a LID mapped to its number as baileys learnt it) is the phone `sent` went to. */
  const askedByRecipient = async (requester: string | undefined, sent: SentMessage): Promise<boolean> => {
    if (requester === undefined) return false;
    if (isLidJid(requester) && isLidJid(sent.address) && lidUser(requester) === lidUser(sent.address)) return true;
    const pn = isLidJid(requester) ? await link.openSocket()?.signalRepository.lidMapping.getPNForLID(requester).catch(() => null) : requester;
    const phone = jidToPhone(pn);
    return phone !== undefined && (phone === sent.to || phone === jidToPhone(sent.address));
  };

  const openSocket = (): BaileysSocketLike => {
    const sock = link.openSocket();
    if (!sock) throw new ProviderError('not_connected', `Session ${sessionId} is not connected.`);
    return sock;
  };

  const jidOf = (phone: string): string => {
    const jid = phoneToJid(phone);
    if (jid === undefined) throw new ProviderError('permanent', `${phone} is not an E.164 phone number.`);
    return jid;
  };
  /** The jid WhatsApp's number check returned, else the one built from the number. */
  const addressOf = (phone: string, address: string | undefined): string => (isPersonJid(address) ? address : jidOf(phone));
  /** Presence subscriptions live as long as the socket that made them (WhatsApp Web subscribes again on a new one). */
  const subscribed = new Set<string>();
  let subscribedOn: BaileysSocketLike | undefined;

  /** Maps a socket failure; rate-overlimit also tells the session manager to stop this account. */
  const failure = (error: unknown, action: string): ProviderError => {
    const mapped = toProviderError(error, action);
    if (mapped.kind === 'restricted') sink({ type: 'restricted', reason: 'rate_limited', detail: mapped.message });
    return mapped;
  };

  return {
    connect: (options = {}) => link.connect(options),

    async send(message) {
      const sock = openSocket();
      const { messageId } = message;
      const jid = addressOf(message.to, message.address);
      try {
        if (message.media) {
          const content = captioned(message.media, message.text);
          const generated = generateWAMessageFromContent(jid, content, { userJid: sock.user?.id ?? '', messageId });
          await sock.relayMessage(jid, generated.message ?? content, { messageId });
        } else {
          // No link preview: baileys would fetch the page once per recipient, from the worker.
          await sock.sendMessage(jid, { text: message.text, linkPreview: null }, { messageId });
        }
      } catch (error) {
        throw failure(error, 'send');
      }
      return { messageId, at: clock.now().toISOString() };
    },

    async prepareMedia(media) {
      const sock = openSocket();
      try {
        return await uploadMedia(media, sock.waUploadToServer, socketLog);
      } catch (error) {
        throw failure(error, 'media upload');
      }
    },

    /**
     * One usync query per number, in the order given. baileys' onWhatsApp (Socket/socket.js)
     * answers with the jid of each number that has an account, and drops the number it was asked
     * about (USyncContactProtocol's parser keeps only `type="in"`); WhatsApp may answer with a
     * normalised number (Brazil's extra 9…). Asked one at a time, the answer is unambiguous, and
     * the query is the one WhatsApp Web makes when someone opens a chat with a new number. The
     * caller paces the numbers (session-sender.ts: a number is asked for in the step that sends to it).
     */
    async checkNumbers(phones) {
      const found = new Map<string, NumberCheck>(phones.map((phone) => [phone, { onWhatsApp: false }]));
      for (const phone of new Set(phones.filter(isE164))) {
        const sock = openSocket();
        let answer: { jid: string; exists: boolean }[] | undefined;
        try {
          answer = await sock.onWhatsApp(jidOf(phone));
        } catch (error) {
          throw failure(error, 'number check');
        }
        if (!answer) throw new ProviderError('transient', 'number check failed: WhatsApp gave no answer');
        const account = answer.find(({ jid, exists }) => exists && isPersonJid(jid));
        if (account) found.set(phone, { onWhatsApp: true, address: account.jid });
      }
      return found;
    },

    async setTyping(to, typing, address) {
      const sock = openSocket();
      const jid = addressOf(to, address);
      try {
        // As WhatsApp Web: subscribe to the chat's presence once (chats.js presenceSubscribe, a
        // `presence type="subscribe"` node), then `chatstate` composing… paused (sendPresenceUpdate).
        if (subscribedOn !== sock) {
          subscribed.clear();
          subscribedOn = sock;
        }
        if (typing && !subscribed.has(jid)) {
          await sock.presenceSubscribe(jid);
          subscribed.add(jid);
          const oldest = subscribed.values().next();
          if (subscribed.size > SUBSCRIBED_LIMIT && !oldest.done) subscribed.delete(oldest.value);
        }
        await sock.sendPresenceUpdate(typing ? 'composing' : 'paused', jid);
      } catch (error) {
        throw failure(error, 'typing indicator');
      }
    },

    async newChatCap() {
      const sock = openSocket();
      let info: unknown;
      try {
        info = await sock.fetchNewChatMessageCap();
      } catch (error) {
        // Not `failure`: a GraphQL error code on this read says nothing about the account's sending.
        throw toProviderError(error, 'new-chat cap read');
      }
      return readingFromCapInfo(info) ?? null;
    },

    logout: () => link.logout(),
    close: () => link.close(),
  };
}
