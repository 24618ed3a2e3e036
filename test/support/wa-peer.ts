import { pino } from 'pino';
import {
  Curve,
  KEY_BUNDLE_TYPE,
  encodeBigEndian,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  initAuthCreds,
  proto,
  unpadRandomMax16,
  type AuthenticationCreds,
  type BinaryNode,
  type KeyPair,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStoreWithTransaction,
} from 'baileys';
import { makeLibSignalRepository } from 'baileys/lib/Signal/libsignal.js';
import { WA_SERVER } from './wa-stanzas.js';

type Stored = SignalDataTypeMap[keyof SignalDataTypeMap];

/**
 * A WhatsApp user on the other end of the wire: a phone number, a LID, one device (the phone,
 * device 0) and real Signal state, held by baileys' own libsignal repository
 * (Signal/libsignal.js makeLibSignalRepository) over an in-memory key store. The fake server
 * hands its pre-key bundle to the socket under test (Utils/signal.js parseAndInjectE2ESessions
 * reads it), so baileys encrypts to it for real; the peer then decrypts what was sent, as the
 * recipient's phone would, and can ask for a message again with a retry receipt that carries a
 * fresh bundle (Utils/signal.js extractE2ESessionFromRetryReceipt).
 */
export class WirePeer {
  readonly creds: AuthenticationCreds = initAuthCreds();
  readonly #keys = new Map<string, Map<string, Stored>>();
  readonly #repository;
  #nextPreKeyId = 1;

  constructor(
    /** E.164, e.g. +6281234567890. */
    readonly phone: string,
    /** The LID user, e.g. 50000000000001. */
    readonly lid: string,
  ) {
    const keys: SignalKeyStoreWithTransaction = {
      get: <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const bucket = this.#keys.get(type);
        const found: Record<string, SignalDataTypeMap[T]> = {};
        for (const id of ids) {
          const value = bucket?.get(id);
          if (value !== undefined) found[id] = value as SignalDataTypeMap[T];
        }
        return Promise.resolve(found);
      },
      set: (data: SignalDataSet) => {
        for (const [type, values] of Object.entries(data)) {
          const bucket = this.#keys.get(type) ?? new Map<string, Stored>();
          this.#keys.set(type, bucket);
          for (const [id, value] of Object.entries(values)) {
            if (value === null || value === undefined) bucket.delete(id);
            else bucket.set(id, value as Stored);
          }
        }
        return Promise.resolve();
      },
      isInTransaction: () => false,
      transaction: (exec) => exec(),
    };
    this.#repository = makeLibSignalRepository({ creds: this.creds, keys }, pino({ level: 'silent' }));
  }

  /** Its phone-number JID (device 0). */
  get jid(): string {
    return `${this.phone.slice(1)}@${WA_SERVER}`;
  }

  get lidJid(): string {
    return `${this.lid}@lid`;
  }

  /** Whether a JID (any device, PN or LID) is this peer. */
  is(jid: string): boolean {
    const user = jid.split('@')[0]?.split(':')[0];
    return user === this.phone.slice(1) || user === this.lid;
  }

  /** A one-time pre-key, kept so a pkmsg built on it can be decrypted. */
  #preKey(): { id: number; pair: KeyPair } {
    const id = this.#nextPreKeyId++;
    const pair = Curve.generateKeyPair();
    const bucket = this.#keys.get('pre-key') ?? new Map<string, Stored>();
    this.#keys.set('pre-key', bucket);
    bucket.set(String(id), pair);
    return { id, pair };
  }

  /** Its keys, as the `keys` of a retry receipt and a `user` of an encrypt iq carry them. */
  #bundleContent(): BinaryNode[] {
    const { id, pair } = this.#preKey();
    const signed = this.creds.signedPreKey;
    return [
      { tag: 'type', attrs: {}, content: KEY_BUNDLE_TYPE },
      { tag: 'identity', attrs: {}, content: this.creds.signedIdentityKey.public },
      {
        tag: 'key',
        attrs: {},
        content: [
          { tag: 'id', attrs: {}, content: encodeBigEndian(id, 3) },
          { tag: 'value', attrs: {}, content: pair.public },
        ],
      },
      {
        tag: 'skey',
        attrs: {},
        content: [
          { tag: 'id', attrs: {}, content: encodeBigEndian(signed.keyId, 3) },
          { tag: 'value', attrs: {}, content: signed.keyPair.public },
          { tag: 'signature', attrs: {}, content: signed.signature },
        ],
      },
    ];
  }

  /**
   * Its device's pre-key bundle for an `iq xmlns="encrypt" type="get"` (Socket/messages-send.js
   * assertSessions → Utils/signal.js parseAndInjectE2ESessions: registration, identity, skey, key).
   */
  bundle(jid: string): BinaryNode {
    return {
      tag: 'user',
      attrs: { jid },
      content: [{ tag: 'registration', attrs: {}, content: encodeBigEndian(this.creds.registrationId) }, ...this.#bundleContent()],
    };
  }

  /**
   * The receipt its phone sends when it could not decrypt a message: Socket/messages-recv.js
   * handleReceipt (type `retry`) → sendMessagesAgain reads `retry` (count), `registration` and
   * `keys` (a fresh bundle: Utils/signal.js extractE2ESessionFromRetryReceipt) and sends again.
   * `from` is its LID, as WhatsApp addresses a v7 contact.
   */
  retryReceipt(options: { id: string; count?: number; at?: Date }): BinaryNode {
    const t = String(Math.floor((options.at ?? new Date()).getTime() / 1000));
    const count = String(options.count ?? 1);
    return {
      tag: 'receipt',
      attrs: { id: options.id, from: this.lidJid, type: 'retry', t },
      content: [
        { tag: 'retry', attrs: { count, id: options.id, t, v: '1' } },
        { tag: 'registration', attrs: {}, content: encodeBigEndian(this.creds.registrationId) },
        { tag: 'keys', attrs: {}, content: this.#bundleContent() },
      ],
    };
  }

  /**
   * What this peer's phone reads from a `message` stanza sent to it: the `enc` addressed to it
   * (in `participants` → `to`, or directly under a retry's re-send), decrypted with its Signal
   * state and unpadded (Utils/generics.js encodeWAMessage pads). `sender` is the sending device.
   */
  async decrypt(node: BinaryNode, sender: string): Promise<proto.IMessage | undefined> {
    const direct = getBinaryNodeChildren(node, 'enc');
    const addressed = getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to').find((to) => this.is(to.attrs.jid ?? ''));
    const enc = direct[0] ?? (addressed && getBinaryNodeChild(addressed, 'enc'));
    if (!enc || !(enc.content instanceof Uint8Array)) return undefined;
    const type = enc.attrs.type;
    if (type !== 'pkmsg' && type !== 'msg') return undefined;
    const plaintext = await this.#repository.decryptMessage({ jid: sender, type, ciphertext: enc.content });
    return proto.Message.decode(unpadRandomMax16(plaintext));
  }
}
