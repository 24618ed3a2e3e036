import { randomBytes } from 'node:crypto';
import { proto, type BinaryNode } from 'baileys';

/**
 * The stanzas WhatsApp's server sends, one small builder each, shaped as the baileys 7.0.0-rc14
 * code that consumes them reads them (the line is cited; paths under node_modules/baileys/lib).
 * Used by the wire harness (wa-wire.ts); a stanza is a plain BinaryNode, encoded on the way out.
 */
export const WA_SERVER = 's.whatsapp.net';

const seconds = (at: Date = new Date()): string => String(Math.floor(at.getTime() / 1000));

/** Socket/socket.js `ws.on('CB:success')`: login done; `lid` is our own LID (stored as a mapping). */
export function success(options: { lid: string; at?: Date }): BinaryNode {
  return { tag: 'success', attrs: { t: seconds(options.at), lid: options.lid, props: '1', location: 'frc' } };
}

/**
 * Socket/socket.js `ws.on('CB:failure')`: a login refused; `reason` becomes the Boom status code
 * (401 logged out, 402 temporary ban with `expire`, 403 banned, 405 client outdated, 406 …).
 */
export function failure(reason: number, attrs: Record<string, string> = {}): BinaryNode {
  return { tag: 'failure', attrs: { reason: String(reason), ...attrs } };
}

/**
 * Socket/socket.js `ws.on('CB:stream:error')` → Utils/generics.js getErrorCodeFromStreamError:
 * the status code is the `code` attribute, else 440 for a `conflict` child, else 500.
 */
export function streamError(options: { code?: number; child?: string; childAttrs?: Record<string, string> }): BinaryNode {
  const content: BinaryNode[] = options.child ? [{ tag: options.child, attrs: options.childAttrs ?? {} }] : [];
  return { tag: 'stream:error', attrs: options.code === undefined ? {} : { code: String(options.code) }, content };
}

/** Socket/socket.js `ws.on('CB:ib,,offline')`: the offline backlog is delivered; the event buffer flushes. */
export function offlineDone(count: number): BinaryNode {
  return { tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: String(count) } }] };
}

/** Socket/socket.js `query` → waitForMessage resolves on `TAG:<id>`; assertNodeErrorFree reads an `error` child. */
export function iqResult(id: string, content?: BinaryNode[]): BinaryNode {
  return { tag: 'iq', attrs: { id, type: 'result', from: WA_SERVER }, ...(content ? { content } : {}) };
}

export function iqError(id: string, code: number, text: string): BinaryNode {
  return { tag: 'iq', attrs: { id, type: 'error', from: WA_SERVER }, content: [{ tag: 'error', attrs: { code: String(code), text } }] };
}

/**
 * Socket/messages-recv.js `ws.on('CB:ack,class:message')` → handleBadAck: an ack with `error`
 * becomes `messages.update` with status ERROR and the code in messageStubParameters.
 */
export function messageAck(options: { id: string; from: string; error?: string; at?: Date }): BinaryNode {
  return {
    tag: 'ack',
    attrs: { class: 'message', id: options.id, from: options.from, t: seconds(options.at), ...(options.error ? { error: options.error } : {}) },
  };
}

/**
 * Socket/messages-recv.js handleReceipt: no `type` is delivered, `read`/`played` are read, `retry`
 * asks for the message again; `from` is the recipient (often a LID in v7) and no `recipient`
 * attribute means the receipt is for a message we sent (fromMe). `offline` routes it through the
 * offline node processor (processNode).
 */
export function receipt(options: {
  id: string;
  from: string;
  type?: 'read' | 'played' | 'retry' | 'inactive';
  at?: Date;
  offline?: boolean;
  more?: string[];
}): BinaryNode {
  const list: BinaryNode[] = options.more?.length
    ? [{ tag: 'list', attrs: {}, content: options.more.map((id) => ({ tag: 'item', attrs: { id } })) }]
    : [];
  return {
    tag: 'receipt',
    attrs: {
      id: options.id,
      from: options.from,
      t: seconds(options.at),
      ...(options.type ? { type: options.type } : {}),
      ...(options.offline ? { offline: '1' } : {}),
    },
    ...(list.length ? { content: list } : {}),
  };
}

/**
 * A one-to-one text message, as Utils/decode-wa-message.js decryptMessageNode reads it. The body
 * is a `plaintext` child (decode-wa-message.js, case 'plaintext') rather than a Signal `enc`:
 * what follows decryption (messages-recv.js handleMessage → upsertMessage with `notify`, or
 * `append` when the stanza has `offline`, and the event buffer) is baileys' own code either way.
 * `senderAlt` is the other address of the sender (`sender_lid` for a PN sender, `sender_pn` for a LID).
 */
export function textMessage(options: {
  from: string;
  text: string;
  id?: string;
  senderAlt?: string;
  offline?: boolean;
  at?: Date;
  pushName?: string;
}): BinaryNode {
  const body = proto.Message.encode({ conversation: options.text }).finish();
  const altAttr = options.senderAlt ? { [options.from.endsWith('@lid') ? 'sender_pn' : 'sender_lid']: options.senderAlt } : {};
  return {
    tag: 'message',
    attrs: {
      id: options.id ?? `3A${randomBytes(9).toString('hex').toUpperCase()}`,
      from: options.from,
      type: 'text',
      t: seconds(options.at),
      ...(options.pushName ? { notify: options.pushName } : {}),
      ...(options.offline ? { offline: '1' } : {}),
      ...altAttr,
    },
    content: [{ tag: 'plaintext', attrs: {}, content: body }],
  };
}

/**
 * Socket/messages-recv.js processNotification → handleMexNotification (type `mex`): an `update`
 * child whose `op_name` picks the handler and whose content is GraphQL JSON `{data: …}`; e.g.
 * MessageCappingInfoNotification → handleMessageCappingNotification reads
 * `data.xwa2_notify_new_chat_messages_capping_info_update` and emits `message-capping.update`.
 */
export function mexNotification(options: { opName: string; data: unknown; id?: string; at?: Date }): BinaryNode {
  return {
    tag: 'notification',
    attrs: { id: options.id ?? randomBytes(8).toString('hex').toUpperCase(), type: 'mex', from: WA_SERVER, t: seconds(options.at) },
    content: [{ tag: 'update', attrs: { op_name: options.opName }, content: Buffer.from(JSON.stringify({ data: options.data }), 'utf-8') }],
  };
}

/** Socket/mex.js executeWMexQuery: the answer to a `w:mex` query is a `result` child holding `{data: {<path>: …}}`. */
export function mexResult(id: string, data: unknown): BinaryNode {
  return iqResult(id, [{ tag: 'result', attrs: {}, content: Buffer.from(JSON.stringify({ data }), 'utf-8') }]);
}

/**
 * Socket/chats.js `ws.on('CB:presence')` / `ws.on('CB:chatstate')` → handlePresenceUpdate: a
 * contact comes online (`presence`) or types (`chatstate` with a `composing` child); baileys emits
 * `presence.update` and sends nothing back.
 */
export function presence(options: { from: string; typing?: boolean; at?: Date }): BinaryNode {
  if (options.typing) return { tag: 'chatstate', attrs: { from: options.from }, content: [{ tag: 'composing', attrs: {} }] };
  return { tag: 'presence', attrs: { from: options.from, type: 'available', last: seconds(options.at) } };
}

/**
 * Socket/messages-recv.js processNotification, case 'privacy_token' → handlePrivacyTokenNotification
 * → Utils/tc-token-utils.js storeTcTokensFromIqResult: a contact's `trusted_contact` token, kept as
 * a `tctoken` signal key under the sender's LID (`sender_lid`) with its timestamp `t`.
 */
export function privacyToken(options: { from: string; senderLid?: string; at?: Date }): BinaryNode {
  const t = seconds(options.at);
  return {
    tag: 'notification',
    attrs: { type: 'privacy_token', id: randomBytes(6).toString('hex'), from: options.from, t, ...(options.senderLid ? { sender_lid: options.senderLid } : {}) },
    content: [{ tag: 'tokens', attrs: {}, content: [{ tag: 'token', attrs: { type: 'trusted_contact', t }, content: randomBytes(24) }] }],
  };
}

/**
 * Socket/messages-recv.js processNotification, case 'devices' → handleDevicesNotification: a
 * contact linked (`add`) a companion device; baileys updates its device cache if it holds the user.
 */
export function devicesAdded(options: { from: string; device: number }): BinaryNode {
  const user = options.from.split('@')[0] ?? '';
  const server = options.from.split('@')[1] ?? WA_SERVER;
  return {
    tag: 'notification',
    attrs: { type: 'devices', id: randomBytes(6).toString('hex'), from: options.from, t: seconds() },
    content: [{ tag: 'add', attrs: { device_hash: randomBytes(4).toString('hex') }, content: [{ tag: 'device', attrs: { jid: `${user}:${options.device}@${server}` } }] }],
  };
}
