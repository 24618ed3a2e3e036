import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  BufferJSON,
  decodeBinaryNode,
  encodeBinaryNode,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  initAuthCreds,
  makeWASocket,
  proto,
  type AuthenticationCreds,
  type BinaryNode,
  type UserFacingSocketConfig,
} from 'baileys';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import type { BaileysSocketLike, CreateBaileysSocket } from '../../src/providers/baileys/baileys-socket.js';
import { WirePeer } from './wa-peer.js';
import { iqResult, messageAck, offlineDone, success } from './wa-stanzas.js';

/** A `message` stanza the socket under test sent, as the server saw it and its recipient reads it. */
export interface SentOnWire {
  id: string;
  /** The stanza's `to` (a PN or LID JID; a device JID for a retry's re-send to one device). */
  to: string;
  node: BinaryNode;
  /** The recipient peer, when the message was for one (wire.addPeer). */
  peer: WirePeer | undefined;
  /** What the peer's phone decrypted (undefined when it was for no peer). */
  message: proto.IMessage | undefined;
  /** The text the recipient sees: the message's text, or its media's caption. */
  text: string | undefined;
  /**
   * Its id was sent before: a re-send answering a retry receipt (Socket/messages-recv.js
   * sendMessagesAgain relays it under the same id; to one device, its `enc` carries `count`).
   */
  resend: boolean;
}

function textOf(message: proto.IMessage | undefined): string | undefined {
  if (!message) return undefined;
  return (
    message.conversation ??
    message.extendedTextMessage?.text ??
    message.imageMessage?.caption ??
    message.videoMessage?.caption ??
    message.documentMessage?.caption ??
    undefined
  );
}

/**
 * "WhatsApp" for the wire tests: a WebSocket server that a real baileys socket (its socket.js,
 * messages-recv.js, messages-send.js, chats.js and event buffer) connects to. Only the Noise
 * layer is replaced (pass-through-noise.ts, by vi.mock in the test file), so this server sees the
 * ClientPayload baileys logs in with and then every binary node it sends, decoded with baileys'
 * own decodeBinaryNode, and feeds it the stanzas of wa-stanzas.ts.
 *
 * A test file using it needs, before any import:
 *   vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));
 * and the vitest project inlines baileys (server.deps.inline) so that the mock reaches its imports.
 */
export interface LoginScript {
  /** What answers the ClientFinish: `success` (default) or a stanza such as `failure(405)`. */
  answer?: (conn: WireConnection) => BinaryNode;
  /** Stanzas delivered as the offline backlog, before `<ib><offline/></ib>`. */
  offline?: BinaryNode[];
}

export class WaWire {
  readonly connections: WireConnection[] = [];
  /** The linked account: its phone number, device and LID. */
  readonly account = { phone: '+6281100001111', device: 7, lid: '99887766554433' };
  /** How the next connections are answered (tests change it between reconnects). */
  script: LoginScript = {};
  /** A test's own answer to a query (usync, mex …); an empty result otherwise. */
  onQuery: ((node: BinaryNode, conn: WireConnection) => BinaryNode | undefined) | undefined;
  readonly #waiters: ((conn: WireConnection) => void)[] = [];
  readonly #peers: WirePeer[] = [];
  readonly #sent: SentOnWire[] = [];
  readonly #sentWatchers = new Set<(sent: SentOnWire) => void>();
  /** Decryption is in arrival order: a peer's Signal state moves with every message. */
  #decrypting: Promise<void> = Promise.resolve();
  /**
   * How the server acks each `message` the socket sends (Socket/messages-recv.js
   * `CB:ack,class:message`): a plain ack by default; a test may return an ack with `error`, or
   * undefined for none.
   */
  ackMessage: (node: BinaryNode) => BinaryNode | undefined = (node) => messageAck({ id: node.attrs.id ?? '', from: node.attrs.to ?? '' });

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      const conn = new WireConnection(this, socket);
      this.connections.push(conn);
      for (const waiter of this.#waiters.splice(0)) waiter(conn);
    });
  }

  static async start(): Promise<WaWire> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new WaWire(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ws/chat`;
  }

  get meJid(): string {
    return `${this.account.phone.slice(1)}:${this.account.device}@s.whatsapp.net`;
  }

  /** Every `messages.upsert` batch the sockets emitted, as their event buffer flushed it. */
  readonly upserts: { type: string; ids: (string | null | undefined)[] }[] = [];

  /** A real baileys socket that dials this server; the provider's `createSocket` seam. */
  readonly createSocket: CreateBaileysSocket = (config: UserFacingSocketConfig): BaileysSocketLike => {
    const sock = makeWASocket({ ...config, waWebSocketUrl: this.url });
    sock.ev.process((events) => {
      const upsert = events['messages.upsert'];
      if (upsert) this.upserts.push({ type: upsert.type, ids: upsert.messages.map((message) => message.key.id) });
    });
    return sock;
  };

  /**
   * A WhatsApp user the socket can message: the server answers the socket's device query (usync)
   * and pre-key query (encrypt) for it with real keys, and decrypts what is sent to it.
   */
  addPeer(phone: string, lid: string): WirePeer {
    const peer = new WirePeer(phone, lid);
    this.#peers.push(peer);
    return peer;
  }

  peerOf(jid: string): WirePeer | undefined {
    return this.#peers.find((peer) => peer.is(jid));
  }

  /** Every `message` the sockets sent, in order, decrypted where it was for a peer. */
  sentMessages(): readonly SentOnWire[] {
    return this.#sent;
  }

  /**
   * The next message sent to this peer (or phone, or JID) from now on, or already sent with
   * `past`; `test` narrows it (e.g. to a re-send).
   */
  waitForMessage(to: WirePeer | string, options: { past?: boolean; test?: (sent: SentOnWire) => boolean; timeoutMs?: number } = {}): Promise<SentOnWire> {
    const matches = (sent: SentOnWire): boolean => {
      const addressed = typeof to === 'string' ? (to.startsWith('+') ? sent.peer?.phone === to : sent.to === to) : sent.peer === to;
      return addressed && (options.test?.(sent) ?? true);
    };
    const seen = options.past ? this.#sent.find(matches) : undefined;
    if (seen) return Promise.resolve(seen);
    const name = typeof to === 'string' ? to : to.phone;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#sentWatchers.delete(watcher);
        reject(new Error(`no message to ${name} within ${String(options.timeoutMs ?? 10_000)} ms; sent: ${JSON.stringify(this.#sent.map(({ id, to, text }) => ({ id, to, text })))}`));
      }, options.timeoutMs ?? 10_000);
      const watcher = (sent: SentOnWire): void => {
        if (!matches(sent)) return;
        clearTimeout(timer);
        this.#sentWatchers.delete(watcher);
        resolve(sent);
      };
      this.#sentWatchers.add(watcher);
    });
  }

  /** A `message` from the socket: acked, then read by its recipient peer. */
  async onMessage(node: BinaryNode, conn: WireConnection): Promise<void> {
    const ack = this.ackMessage(node);
    if (ack) await conn.send(ack);
    const to = node.attrs.to ?? '';
    const peer = this.peerOf(to);
    // The sending device, as the peer's phone addresses it (our LID device: no mapping needed).
    const sender = `${this.account.lid}:${this.account.device}@lid`;
    const decrypted = this.#decrypting.then(() => peer?.decrypt(node, sender));
    this.#decrypting = decrypted.then(
      () => undefined,
      () => undefined,
    );
    const message = await decrypted;
    const id = node.attrs.id ?? '';
    const resend = this.#sent.some((earlier) => earlier.id === id) || getBinaryNodeChildren(node, 'enc').some((enc) => enc.attrs.count !== undefined);
    const sent: SentOnWire = { id, to, node, peer, message, text: textOf(message), resend };
    this.#sent.push(sent);
    for (const watcher of [...this.#sentWatchers]) watcher(sent);
  }

  /**
   * The usync answer for a device query (Socket/messages-send.js getUSyncDevices, with the LID
   * protocol; Signal/lid-mapping.js asks with the LID protocol alone): a peer has one device, the
   * phone (device 0), and its LID; our own account lists no other device; anyone else has none.
   * Queries with other protocols (contact, status …) are left to the test.
   */
  usyncAnswer(node: BinaryNode): BinaryNode | undefined {
    const usync = getBinaryNodeChild(node, 'usync');
    const query = getBinaryNodeChild(usync, 'query');
    const asked = Array.isArray(query?.content) ? query.content.map((child) => child.tag) : [];
    if (asked.length === 0 || asked.some((tag) => tag !== 'devices' && tag !== 'lid')) return undefined;
    const users = getBinaryNodeChildren(getBinaryNodeChild(usync, 'list'), 'user').map((user) => {
      const jid = user.attrs.jid ?? '';
      const peer = this.peerOf(jid);
      const content: BinaryNode[] = [];
      if (asked.includes('devices')) {
        const devices: BinaryNode[] = peer ? [{ tag: 'device', attrs: { id: '0' } }] : [];
        content.push({ tag: 'devices', attrs: {}, content: [{ tag: 'device-list', attrs: {}, content: devices }] });
      }
      if (asked.includes('lid') && peer && !jid.endsWith('@lid')) content.push({ tag: 'lid', attrs: { val: peer.lidJid } });
      return { tag: 'user', attrs: { jid }, content };
    });
    const id = node.attrs.id ?? '';
    return iqResult(id, [{ tag: 'usync', attrs: {}, content: [{ tag: 'list', attrs: {}, content: users }] }]);
  }

  /** The pre-key bundles asked for (Socket/messages-send.js assertSessions): the peers' only. */
  keysAnswer(node: BinaryNode): BinaryNode {
    const users = getBinaryNodeChildren(getBinaryNodeChild(node, 'key'), 'user');
    const bundles = users.flatMap((user) => {
      const jid = user.attrs.jid ?? '';
      const peer = this.peerOf(jid);
      return peer ? [peer.bundle(jid)] : [];
    });
    return iqResult(node.attrs.id ?? '', [{ tag: 'list', attrs: {}, content: bundles }]);
  }

  /** The connection made from now on (or the latest, if `existing` and there is one). */
  nextConnection(): Promise<WireConnection> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  get current(): WireConnection {
    const conn = this.connections.at(-1);
    if (!conn) throw new Error('no socket has connected');
    return conn;
  }

  /** Stores creds of a linked, already-synced account, as the product's DB auth state holds them. */
  async storeLinkedCreds(store: AuthStateStore, sessionId: string): Promise<AuthenticationCreds> {
    const creds: AuthenticationCreds = {
      ...initAuthCreds(),
      me: { id: this.meJid, name: 'Ops Phone', lid: `${this.account.lid}:${this.account.device}@lid` },
      account: { details: randomBytes(16), accountSignature: randomBytes(64), accountSignatureKey: randomBytes(32), deviceSignature: randomBytes(64) },
      platform: 'android',
      registered: true,
      // Chats.js skips its 20 s wait for a first history sync once an account has synced.
      accountSyncCounter: 1,
    };
    await store.writeCreds(sessionId, JSON.stringify(creds, BufferJSON.replacer));
    return creds;
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.socket.terminate();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

type Phase = 'hello' | 'finish' | 'nodes';

export class WireConnection {
  /** What baileys logged in with (Utils/validate-connection.js generateLoginNode). */
  payload: proto.ClientPayload | undefined;
  /** Every node baileys sent after the handshake, in order. */
  readonly received: BinaryNode[] = [];
  closed = false;
  #phase: Phase = 'hello';
  #frames: Promise<void> = Promise.resolve();
  readonly #watchers = new Set<(node: BinaryNode) => void>();
  readonly #closeWatchers: (() => void)[] = [];

  constructor(
    readonly wire: WaWire,
    readonly socket: WebSocket,
  ) {
    // One frame at a time, in order: a message is read (decrypted) before the frame after it is seen.
    socket.on('message', (data: Buffer) => {
      this.#frames = this.#frames.then(() => this.#onFrame(data)).catch(() => undefined);
    });
    socket.on('close', () => {
      this.closed = true;
      for (const watcher of this.#closeWatchers.splice(0)) watcher();
    });
  }

  /** The client version baileys announced (ClientPayload.userAgent.appVersion). */
  get appVersion(): string | undefined {
    const version = this.payload?.userAgent?.appVersion;
    return version ? `${version.primary}.${version.secondary}.${version.tertiary}` : undefined;
  }

  async send(node: BinaryNode): Promise<void> {
    const bytes = encodeBinaryNode(node);
    await new Promise<void>((resolve, reject) => {
      this.socket.send(bytes, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  async sendAll(nodes: readonly BinaryNode[]): Promise<void> {
    for (const node of nodes) await this.send(node);
  }

  /** The first node baileys sends from now on (or already sent, with `past`) that passes `test`. */
  waitFor(test: (node: BinaryNode) => boolean, options: { past?: boolean } = {}): Promise<BinaryNode> {
    const seen = options.past ? this.received.find(test) : undefined;
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const watcher = (node: BinaryNode): void => {
        if (!test(node)) return;
        this.#watchers.delete(watcher);
        resolve(node);
      };
      this.#watchers.add(watcher);
    });
  }

  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.#closeWatchers.push(resolve));
  }

  /** The server hangs up (as on a network cut): baileys sees a plain WebSocket close. */
  drop(): void {
    this.socket.terminate();
  }

  async #onFrame(data: Buffer): Promise<void> {
    switch (this.#phase) {
      case 'hello': {
        proto.HandshakeMessage.decode(data); // a ClientHello (socket.js validateConnection)
        this.#phase = 'finish';
        // Any bytes do: the pass-through Noise handler does not check the server's certificate.
        const serverHello = { ephemeral: randomBytes(32), static: randomBytes(48), payload: randomBytes(64) };
        this.socket.send(proto.HandshakeMessage.encode({ serverHello }).finish());
        return;
      }
      case 'finish': {
        const finish = proto.HandshakeMessage.decode(data).clientFinish;
        this.payload = proto.ClientPayload.decode(finish?.payload ?? new Uint8Array());
        this.#phase = 'nodes';
        await this.#login();
        return;
      }
      case 'nodes': {
        const node = await decodeBinaryNode(data);
        this.received.push(node);
        if (node.tag === 'message') await this.wire.onMessage(node, this);
        else await this.#answer(node);
        for (const watcher of [...this.#watchers]) watcher(node);
      }
    }
  }

  async #login(): Promise<void> {
    const { answer, offline } = this.wire.script;
    const first = answer ? answer(this) : success({ lid: `${this.wire.account.lid}@lid` });
    await this.send(first);
    if (first.tag !== 'success') return;
    await this.sendAll(offline ?? []);
    await this.send(offlineDone(offline?.length ?? 0));
  }

  /** Answers the queries baileys makes on its own at login and while idle. */
  async #answer(node: BinaryNode): Promise<void> {
    if (node.tag !== 'iq' || (node.attrs.type !== 'get' && node.attrs.type !== 'set')) return;
    // A query sent just before the socket closed gets no answer, as on the real network.
    if (this.socket.readyState !== this.socket.OPEN) return;
    const { id, xmlns } = node.attrs;
    if (!id) return;
    if (xmlns === 'encrypt' && getBinaryNodeChild(node, 'count')) {
      // Enough pre-keys on the server: socket.js uploadPreKeysToServerIfRequired uploads none.
      await this.send(iqResult(id, [{ tag: 'count', attrs: { value: '100' } }]));
      return;
    }
    if (xmlns === 'encrypt' && getBinaryNodeChild(node, 'digest')) {
      await this.send(iqResult(id, [{ tag: 'digest', attrs: {} }]));
      return;
    }
    const handled = this.wire.onQuery?.(node, this);
    if (handled) {
      await this.send(handled);
      return;
    }
    const usync = xmlns === 'usync' ? this.wire.usyncAnswer(node) : undefined;
    if (usync) {
      await this.send(usync);
      return;
    }
    if (xmlns === 'encrypt' && node.attrs.type === 'get' && getBinaryNodeChild(node, 'key')) {
      await this.send(this.wire.keysAnswer(node));
      return;
    }
    await this.send(iqResult(id));
  }
}
