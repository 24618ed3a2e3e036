import { generateWAMessageFromContent, type WAVersion, type proto } from 'baileys';
import type { Logger } from '../../logging/logger.js';
import { systemClock, type Clock } from '../../infra/clock.js';
import type { AuthStateStore } from '../auth-state.store.js';
import { ProviderError, type MessagingProvider, type ProviderEventSink } from '../provider.js';
import { createAddressBook } from './address-book.js';
import { toProviderError } from './baileys-errors.js';
import { isE164, jidToPhone, phoneToJid } from './baileys-jids.js';
import { createBaileysLink } from './baileys-link.js';
import { captioned, uploadMedia } from './baileys-media.js';
import { baileysLogger, createRealSocket, type BaileysSocketLike, type CreateBaileysSocket } from './baileys-socket.js';
import type { ReconnectOptions } from './reconnect-policy.js';

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
}

/** onWhatsApp asks WhatsApp's usync service; it answers large batches slowly or not at all. */
const CHECK_CHUNK = 50;
/** Messages kept for baileys to re-encrypt when a recipient's phone asks for a retry. */
const OUTGOING_LIMIT = 5_000;

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
  const outgoing = new Map<string, proto.IMessage>();

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
    getMessage: (id) => outgoing.get(id),
    version: deps.version ?? (() => Promise.resolve(undefined)),
  });

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

  /** Maps a socket failure; rate-overlimit also tells the session manager to stop this account. */
  const failure = (error: unknown, action: string): ProviderError => {
    const mapped = toProviderError(error, action);
    if (mapped.kind === 'restricted') sink({ type: 'restricted', reason: 'rate_limited', detail: mapped.message });
    return mapped;
  };

  const keepOutgoing = (messageId: string, message: proto.IMessage): void => {
    outgoing.set(messageId, message);
    const oldest = outgoing.keys().next();
    if (outgoing.size > OUTGOING_LIMIT && !oldest.done) outgoing.delete(oldest.value);
  };

  return {
    connect: (options = {}) => link.connect(options),

    async send(message) {
      const sock = openSocket();
      const { messageId } = message;
      const jid = jidOf(message.to);
      try {
        if (message.media) {
          const content = captioned(message.media, message.text);
          const generated = generateWAMessageFromContent(jid, content, { userJid: sock.user?.id ?? '', messageId });
          const relayed = generated.message ?? content;
          keepOutgoing(messageId, relayed);
          await sock.relayMessage(jid, relayed, { messageId });
        } else {
          // No link preview: baileys would fetch the page once per recipient, from the worker.
          const sent = await sock.sendMessage(jid, { text: message.text, linkPreview: null }, { messageId });
          keepOutgoing(messageId, sent?.message ?? { conversation: message.text });
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

    async checkNumbers(phones) {
      const sock = openSocket();
      const found = new Map<string, boolean>(phones.map((phone) => [phone, false]));
      const valid = [...new Set(phones.filter(isE164))];
      for (let start = 0; start < valid.length; start += CHECK_CHUNK) {
        const chunk = valid.slice(start, start + CHECK_CHUNK).map(jidOf);
        let answer: { jid: string; exists: boolean }[] | undefined;
        try {
          answer = await sock.onWhatsApp(...chunk);
        } catch (error) {
          throw failure(error, 'number check');
        }
        if (!answer) throw new ProviderError('transient', 'number check failed: WhatsApp gave no answer');
        for (const { jid, exists } of answer) {
          const phone = jidToPhone(jid);
          if (exists && phone !== undefined && found.has(phone)) found.set(phone, true);
        }
      }
      return found;
    },

    async setTyping(to, typing) {
      const sock = openSocket();
      try {
        await sock.sendPresenceUpdate(typing ? 'composing' : 'paused', jidOf(to));
      } catch (error) {
        throw failure(error, 'typing indicator');
      }
    },

    logout: () => link.logout(),
    close: () => link.close(),
  };
}
