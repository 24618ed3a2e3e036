import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  BufferJSON,
  decodeBinaryNode,
  encodeBinaryNode,
  getBinaryNodeChild,
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
import { iqResult, offlineDone, success } from './wa-stanzas.js';

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
  readonly #watchers = new Set<(node: BinaryNode) => void>();
  readonly #closeWatchers: (() => void)[] = [];

  constructor(
    readonly wire: WaWire,
    readonly socket: WebSocket,
  ) {
    socket.on('message', (data: Buffer) => void this.#onFrame(data));
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
        await this.#answer(node);
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
    await this.send(iqResult(id));
  }
}
