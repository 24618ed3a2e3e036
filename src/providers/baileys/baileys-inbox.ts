import { normalizeMessageContent, proto, type BaileysEventMap, type WAMessageKey } from 'baileys';
import { isProductMessageId } from '../../core/message-id.js';
import { ackErrorEvents } from '../ack-errors.js';
import type { ProviderEvent } from '../provider.js';
import type { AddressBook } from './address-book.js';
import { contentOf } from './baileys-content.js';
import { isPersonJid } from './baileys-jids.js';

type Receipt = Extract<ProviderEvent, { type: 'receipt' }>;
type Inbound = Extract<ProviderEvent, { type: 'inbound' }>;

export interface InboxContext {
  book: AddressBook;
  lookupLid: (lid: string) => Promise<string | null>;
  now: () => Date;
  /** Told about a message whose sender could not be told (nothing else is lost silently). */
  dropped: (what: 'inbound', messageId: string) => void;
}

const { ERROR, DELIVERY_ACK, READ, PLAYED } = proto.WebMessageInfo.Status;

/** Seconds since the epoch, as protobuf hands them over (a number or a Long). */
type Timestamp = number | { toNumber(): number } | null | undefined;

function isoAt(timestamp: Timestamp, now: () => Date): string {
  const seconds = typeof timestamp === 'number' ? timestamp : (timestamp?.toNumber() ?? 0);
  return seconds > 0 ? new Date(seconds * 1000).toISOString() : now().toISOString();
}

function learnFromKey(book: AddressBook, key: WAMessageKey): void {
  book.learn(key.remoteJid, key.remoteJidAlt);
  book.learn(key.participant, key.participantAlt);
}

/**
 * Turns a batch of baileys events into the provider's receipts and inbound messages, learning
 * LID ↔ phone pairs on the way (mappings first, so the same batch can already use them).
 */
export async function translateEvents(events: Partial<BaileysEventMap>, ctx: InboxContext): Promise<ProviderEvent[]> {
  const { book } = ctx;
  const lid = events['lid-mapping.update'];
  if (lid) book.learn(lid.lid, lid.pn);
  for (const pair of events['messaging-history.set']?.lidPnMappings ?? []) book.learn(pair.lid, pair.pn);
  for (const message of events['messages.upsert']?.messages ?? []) learnFromKey(book, message.key);

  const out: ProviderEvent[] = [];
  const upsert = events['messages.upsert'];
  // `append` is also what arrived while the socket was down (messages-recv.js: a stanza with
  // `offline`), and baileys' event buffer labels a flushed batch by its first message: a STOP
  // in such a batch is as much an opt-out as a live one. The session manager drops repeats.
  if (upsert?.type === 'notify' || upsert?.type === 'append') {
    for (const message of upsert.messages) {
      const inbound = await toInbound(message, ctx);
      if (inbound) out.push(inbound);
    }
  }
  for (const { key, update } of events['messages.update'] ?? []) {
    // An error ack (Socket/messages-recv.js handleBadAck): status ERROR, the code first in
    // messageStubParameters. It needs no sent-map entry: a 463 must be heard after a restart too.
    if (update.status === ERROR) {
      const params: unknown = update.messageStubParameters;
      const [code, text] = Array.isArray(params) ? params.map(String) : [];
      if (key.fromMe && key.id && isProductMessageId(key.id) && code) out.push(...ackErrorEvents(key.id, code, text));
      continue;
    }
    const status = update.status === DELIVERY_ACK ? 'delivered' : update.status === READ || update.status === PLAYED ? 'read' : undefined;
    if (!key.fromMe || !key.id || status === undefined) continue;
    const receipt = toReceipt(key.id, status, key.remoteJid, isoAt(update.messageTimestamp, ctx.now), ctx);
    if (receipt) out.push(receipt);
  }
  for (const { key, receipt } of events['message-receipt.update'] ?? []) {
    if (!key.fromMe || !key.id) continue;
    const read = receipt.readTimestamp ?? receipt.playedTimestamp;
    const [status, at] = read ? (['read', read] as const) : (['delivered', receipt.receiptTimestamp] as const);
    if (!at) continue;
    const translated = toReceipt(key.id, status, receipt.userJid, isoAt(at, ctx.now), ctx);
    if (translated) out.push(translated);
  }
  return out;
}

/**
 * The ledger finds a recipient by message id alone, so a receipt from a LID nobody can map still
 * counts, and none waits for a lookup or needs the number we sent to. One for a message the
 * product did not send (an id not shaped like its ids) is dropped here.
 */
function toReceipt(messageId: string, status: Receipt['status'], jid: string | null | undefined, at: string, ctx: InboxContext): Receipt | undefined {
  if (!isProductMessageId(messageId)) return undefined;
  const to = ctx.book.knownPhoneOf(jid);
  return { type: 'receipt', messageId, ...(to === undefined ? {} : { to }), status, at };
}

async function toInbound(message: BaileysEventMap['messages.upsert']['messages'][number], ctx: InboxContext): Promise<Inbound | undefined> {
  const { key } = message;
  if (key.fromMe || !key.id || !isPersonJid(key.remoteJid)) return undefined;
  // A status broadcast, a group, a newsletter: not a person writing to this account (isPersonJid).
  const content = contentOf(normalizeMessageContent(message.message));
  if (!content) return undefined;
  const from = (await ctx.book.phoneOf(key.remoteJidAlt, ctx.lookupLid)) ?? (await ctx.book.phoneOf(key.remoteJid, ctx.lookupLid));
  if (from === undefined) {
    ctx.dropped('inbound', key.id);
    return undefined;
  }
  return { type: 'inbound', from, ...content, messageId: key.id, at: isoAt(message.messageTimestamp, ctx.now) };
}
