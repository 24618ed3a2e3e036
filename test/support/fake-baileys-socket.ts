import { randomBytes } from 'node:crypto';
import {
  NewChatMessageCappingStatusType,
  proto,
  type AnyMessageContent,
  type BaileysEventMap,
  type Contact,
  type ConnectionState,
  type MessageRelayOptions,
  type MiscMessageGenerationOptions,
  type NewChatMessageCapInfo,
  type UserFacingSocketConfig,
  type WAMediaUploadFunction,
  type WAMessage,
  type WAPresence,
} from 'baileys';
import type { BaileysSocketLike } from '../../src/providers/baileys/baileys-socket.js';

/** An error shaped like baileys' Boom: `output.statusCode`, and WhatsApp's answer code in `data`. */
export function boom(statusCode: number, message: string, data?: unknown): Error {
  return Object.assign(new Error(message), { isBoom: true, output: { statusCode, payload: { statusCode, message } }, data });
}

export interface WireEntry {
  via: 'sendMessage' | 'relayMessage';
  jid: string;
  messageId: string;
  /** The text, or the caption of media. */
  text: string;
  message: proto.IMessage;
  /** What the provider handed to sendMessage (text sends only). */
  content?: AnyMessageContent;
}

type EventBatch = Partial<BaileysEventMap>;
type Handler = (events: EventBatch) => void | Promise<void>;

const digitsOf = (phone: string): string => phone.replace(/^\+/, '');
const phoneOfJid = (jid: string): string => `+${jid.split('@')[0]!.split(':')[0]!}`;

function textOf(message: proto.IMessage): string {
  return (
    message.imageMessage?.caption ??
    message.videoMessage?.caption ??
    message.documentMessage?.caption ??
    message.extendedTextMessage?.text ??
    message.conversation ??
    ''
  );
}

/**
 * WhatsApp as far as the baileys provider can tell: every socket a provider made (to prove
 * reconnects and the absence of a tight loop), the wire, the numbers that have WhatsApp, and
 * the other side's moves (scanning, receipts, replies, disconnects).
 */
export class FakeWhatsApp {
  readonly sockets: FakeBaileysSocket[] = [];
  readonly wire: WireEntry[] = [];
  readonly uploads: string[] = [];
  readonly pairingRequests: string[] = [];
  readonly numberChecks: string[][] = [];
  /** Presence and chat-state nodes sent, in order: `subscribe` is presenceSubscribe. */
  readonly presence: { type: WAPresence | 'subscribe'; jid: string | undefined }[] = [];
  /** E.164 numbers that have WhatsApp. */
  readonly onWhatsApp = new Set<string>();
  /** Numbers WhatsApp knows under another jid (its normalisation: Brazil's extra 9…): number asked → jid answered. */
  readonly normalised = new Map<string, string>();
  /** The phone that links: its number, name and LID. */
  readonly account = { phone: '+6281100001111', name: 'Ops Phone', lid: '99887766554433' };
  /** The account's new-chat cap, as fetchNewChatMessageCap answers it; none: the query fails, as baileys' executeWMexQuery does without data. */
  newChatCap: NewChatMessageCapInfo | undefined;
  pairingCode = 'ABCD1234';
  pairingFails = false;
  /** New sockets show a QR when unlinked and open when linked, as WhatsApp does; off for manual tests. */
  auto = true;
  #failures: Error[] = [];
  #checkFailures: Error[] = [];
  /** The error code the next message sent gets in its ack. */
  #ackError: string | undefined;
  /** What WhatsApp answers to the time-lock query; baileys emits the answer as `connection.update` too (Socket/socket.js fetchAccountReachoutTimelock). */
  timelock: { isActive: boolean; timeEnforcementEnds?: Date } = { isActive: false };
  timelockQueries = 0;

  readonly createSocket = (config: UserFacingSocketConfig): BaileysSocketLike => {
    const socket = new FakeBaileysSocket(this, config);
    this.sockets.push(socket);
    if (this.auto) {
      queueMicrotask(() => {
        if (socket.ended) return;
        void (config.auth.creds.account ? socket.open() : socket.showQr());
      });
    }
    return socket;
  };

  get current(): FakeBaileysSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket was created');
    return socket;
  }

  /** The next send (sendMessage or relayMessage) fails with this error. */
  failNextSend(error: Error): void {
    this.#failures.push(error);
  }

  takeFailure(): Error | undefined {
    return this.#failures.shift();
  }

  /** The next number check fails with this error (WhatsApp's answer to the usync query). */
  failNextCheck(error: Error): void {
    this.#checkFailures.push(error);
  }

  takeCheckFailure(): Error | undefined {
    return this.#checkFailures.shift();
  }

  /** The next message sent is accepted, then refused by an ack with this error code. */
  ackErrorNext(code: string): void {
    this.#ackError = code;
  }

  takeAckError(): string | undefined {
    const code = this.#ackError;
    this.#ackError = undefined;
    return code;
  }

  /** The phone scans the QR (or confirms the pairing code): pair-success, then restart-required. */
  async scan(): Promise<void> {
    const socket = this.current;
    const pairedByCode = socket.pairingRequested;
    await socket.emit({
      'creds.update': {
        me: { id: `${digitsOf(this.account.phone)}:7@s.whatsapp.net`, lid: `${this.account.lid}:7@lid`, name: this.account.name },
        account: { details: randomBytes(16), accountSignatureKey: randomBytes(32) },
        platform: 'android',
        ...(pairedByCode ? { registered: true } : {}),
      },
    });
    await socket.emit({ 'connection.update': { isNewLogin: true, qr: undefined } });
    await socket.drop(515, 'restart required');
  }

  /** The recipient's phone acknowledges a message we sent (optionally from its LID). */
  acknowledge(messageId: string, status: 'delivered' | 'read', options: { fromJid?: string } = {}): Promise<void> {
    const entry = this.wire.find((sent) => sent.messageId === messageId);
    const remoteJid = options.fromJid ?? entry?.jid;
    if (!remoteJid) throw new Error(`nothing was sent with id ${messageId}`);
    const { DELIVERY_ACK, READ } = proto.WebMessageInfo.Status;
    return this.current.emit({
      'messages.update': [
        {
          key: { remoteJid, id: messageId, fromMe: true },
          update: { status: status === 'delivered' ? DELIVERY_ACK : READ, messageTimestamp: Math.floor(Date.now() / 1000) },
        },
      ],
    });
  }

  /** Someone writes to the linked account, from a phone-number jid unless a LID is given. */
  /**
   * WhatsApp changes the account's new-chat cap: the next reads answer it, and the socket emits
   * `message-capping.update` with its payload as Socket/messages-recv.js handleMessageCappingNotification does.
   */
  capNewChats(cap: { state: 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED'; quota: number; used: number; resetsAt: string }): Promise<void> {
    const info = {
      total_quota: cap.quota,
      used_quota: cap.used,
      cycle_end_timestamp: String(Math.floor(Date.parse(cap.resetsAt) / 1000)),
      capping_status: NewChatMessageCappingStatusType[cap.state],
    };
    this.newChatCap = info;
    return this.current.emit({ 'message-capping.update': info });
  }

  receive(from: string, text: string, options: { lid?: string; withAlt?: boolean } = {}): Promise<void> {
    const pnJid = `${digitsOf(from)}@s.whatsapp.net`;
    const key = options.lid
      ? { remoteJid: `${options.lid}@lid`, ...(options.withAlt ? { remoteJidAlt: pnJid } : {}) }
      : { remoteJid: pnJid };
    const message: WAMessage = {
      key: { ...key, fromMe: false, id: `IN${randomBytes(6).toString('hex').toUpperCase()}` },
      message: { conversation: text },
      messageTimestamp: Math.floor(Date.now() / 1000),
    };
    return this.current.emit({ 'messages.upsert': { messages: [message], type: 'notify' } });
  }
}

export class FakeBaileysSocket implements BaileysSocketLike {
  readonly #handlers = new Set<Handler>();
  ended = false;
  loggedOut = false;
  pairingRequested = false;
  user: Contact | undefined;
  readonly lidLookups: string[] = [];

  constructor(
    readonly network: FakeWhatsApp,
    readonly config: UserFacingSocketConfig,
  ) {}

  readonly ev = {
    process: (handler: Handler): (() => void) => {
      this.#handlers.add(handler);
      return () => this.#handlers.delete(handler);
    },
  };

  /** baileys' LID store reads the `lid-mapping` signal keys, i.e. our database: so does this. */
  readonly signalRepository = {
    lidMapping: {
      getPNForLID: async (lid: string): Promise<string | null> => {
        this.lidLookups.push(lid);
        const user = lid.split('@')[0]!.split(':')[0]!;
        const stored = await this.config.auth.keys.get('lid-mapping', [`${user}_reverse`]);
        const pn = stored[`${user}_reverse`];
        return pn ? `${pn}:0@s.whatsapp.net` : null;
      },
    },
  };

  /** Resolves once every subscriber has handled the batch. */
  async emit(events: EventBatch): Promise<void> {
    for (const handler of [...this.#handlers]) await handler(events);
  }

  showQr(qr = `2@${randomBytes(8).toString('base64')}`): Promise<void> {
    return this.emit({ 'connection.update': { qr } });
  }

  open(): Promise<void> {
    this.user = this.config.auth.creds.me;
    return this.emit({ 'connection.update': { connection: 'open' } });
  }

  /** The connection ends with this Boom status code, as baileys reports a disconnect. */
  drop(statusCode: number | undefined, message = 'Connection Failure'): Promise<void> {
    this.ended = true;
    const error = statusCode === undefined ? new Error(message) : boom(statusCode, message);
    return this.emit({ 'connection.update': { connection: 'close', lastDisconnect: { error, date: new Date() } } });
  }

  /** Stores a LID ↔ phone pair the way baileys' LIDMappingStore does. */
  async knowLid(phone: string, lid: string): Promise<void> {
    await this.config.auth.keys.set({ 'lid-mapping': { [digitsOf(phone)]: lid, [`${lid}_reverse`]: digitsOf(phone) } });
  }

  #assertOpen(): void {
    if (this.ended) throw boom(428, 'Connection Closed');
  }

  #record(via: WireEntry['via'], jid: string, messageId: string, message: proto.IMessage, content?: AnyMessageContent): void {
    this.#assertOpen();
    const failure = this.network.takeFailure();
    if (failure !== undefined) throw failure;
    this.network.wire.push({ via, jid, messageId, text: textOf(message), message, ...(content ? { content } : {}) });
    const ackError = this.network.takeAckError();
    if (ackError === undefined) return;
    // As Socket/messages-recv.js handleBadAck emits it (~line 1558), once the send has resolved.
    const messageStubParameters = ackError === '463' ? [ackError, 'Your account has been restricted'] : [ackError];
    setImmediate(() => {
      void this.emit({ 'messages.update': [{ key: { remoteJid: jid, fromMe: true, id: messageId }, update: { status: proto.WebMessageInfo.Status.ERROR, messageStubParameters } }] });
    });
  }

  sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined> {
    if (!('text' in content)) throw new Error('the fake sends text only through sendMessage');
    const id = options?.messageId ?? randomBytes(8).toString('hex');
    const message: proto.IMessage = { extendedTextMessage: { text: content.text } };
    this.#record('sendMessage', jid, id, message, content);
    return Promise.resolve({ key: { remoteJid: jid, fromMe: true, id }, message });
  }

  relayMessage(jid: string, message: proto.IMessage, options: MessageRelayOptions): Promise<string> {
    const id = options.messageId ?? randomBytes(8).toString('hex');
    this.#record('relayMessage', jid, id, message);
    return Promise.resolve(id);
  }

  onWhatsApp(...jids: string[]): Promise<{ jid: string; exists: boolean }[] | undefined> {
    this.#assertOpen();
    this.network.numberChecks.push(jids);
    const failure = this.network.takeCheckFailure();
    if (failure) return Promise.reject(failure);
    // Like baileys: only the numbers that have an account come back, under the jid WhatsApp answers with.
    return Promise.resolve(
      jids.filter((jid) => this.network.onWhatsApp.has(phoneOfJid(jid))).map((jid) => ({ jid: this.network.normalised.get(phoneOfJid(jid)) ?? jid, exists: true })),
    );
  }

  presenceSubscribe(jid: string): Promise<void> {
    this.#assertOpen();
    this.network.presence.push({ type: 'subscribe', jid });
    return Promise.resolve();
  }

  sendPresenceUpdate(type: WAPresence, jid?: string): Promise<void> {
    this.#assertOpen();
    this.network.presence.push({ type, jid });
    return Promise.resolve();
  }

  fetchNewChatMessageCap(): Promise<NewChatMessageCapInfo> {
    this.#assertOpen();
    const cap = this.network.newChatCap;
    // Socket/mex.js executeWMexQuery: no data at the path is a Boom 400.
    return cap ? Promise.resolve({ ...cap }) : Promise.reject(boom(400, 'Failed to message capping info, unexpected response structure.'));
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    this.network.pairingRequests.push(phoneNumber);
    this.pairingRequested = true;
    if (this.network.pairingFails) throw boom(400, 'bad-request');
    await this.emit({ 'creds.update': { pairingCode: this.network.pairingCode, me: { id: `${phoneNumber}@s.whatsapp.net`, name: '~' } } });
    return this.network.pairingCode;
  }

  readonly waUploadToServer: WAMediaUploadFunction = (_path, { mediaType }) => {
    this.#assertOpen();
    this.network.uploads.push(mediaType);
    const n = this.network.uploads.length;
    return Promise.resolve({ mediaUrl: `https://mmg.whatsapp.net/fake/${n}`, directPath: `/fake/${n}` });
  };

  async fetchAccountReachoutTimelock(): Promise<unknown> {
    this.network.timelockQueries += 1;
    const result = { ...this.network.timelock, enforcementType: 'DEFAULT' };
    await this.emit({ 'connection.update': { reachoutTimeLock: result } as Partial<ConnectionState> });
    return result;
  }

  logout(): Promise<void> {
    this.loggedOut = true;
    return this.drop(401, 'Intentional Logout');
  }

  async end(error: Error | undefined): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.emit({ 'connection.update': { connection: 'close', lastDisconnect: { error, date: new Date() } } });
  }
}
