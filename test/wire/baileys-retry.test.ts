import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { messageIdFor } from '../../src/core/message-id.js';
import { messageLimit } from '../../src/core/message-length.js';
import { defaultPacing } from '../../src/core/pacing.js';
import type { SessionRef } from '../../src/core/session-config.js';
import { compileTemplate } from '../../src/core/template.js';
import { createLogger } from '../../src/logging/logger.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { recipientText } from '../../src/sending/message-text.js';
import { sentMessageLookup } from '../../src/sending/sent-messages.js';
import type { NewBlast } from '../../src/store/blast.repository.js';
import type { Store } from '../../src/store/store.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { streamError } from '../support/wa-stanzas.js';
import { EventLog } from '../contract/provider-subject.js';
import type { WirePeer } from '../support/wa-peer.js';
import type { WaWire } from '../support/wa-wire.js';
import { linkedWire } from '../support/wire-setup.js';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION: SessionRef = { id: 'wire', uid: '6d1f0c3e-0000-4000-8000-000000000001' };
const AT = '2026-12-01T09:00:00.000Z';
const SENT_AT = '2026-12-01T09:05:00.000Z';
const BLAST = 'b7e0c1a2-0000-4000-8000-000000000001';
const TEMPLATE = '{Hi|Hello|Good morning} {name}, your appointment is tomorrow.';

/**
 * A recipient's phone that cannot decrypt a message asks for it again with a retry receipt;
 * baileys then calls getMessage (Socket/messages-recv.js handleReceipt → sendMessagesAgain).
 * Its own cache of recent sends goes with the socket, so after a restart only the ledger knows.
 */
describe('retry requests over the wire (item 4)', () => {
  const linked = linkedWire(SESSION.id);
  let store: Store;
  let wire: WaWire;
  let peer: WirePeer;
  let log: EventLog;
  let provider: MessagingProvider | undefined;

  beforeEach(async () => {
    ({ store, wire } = linked());
    peer = wire.addPeer('+6281234567890', '50000000000001');
    log = new EventLog();
    await store.sessions.insert({
      id: SESSION.id,
      uid: SESSION.uid,
      friendlyName: 'Ops Phone',
      businessUnit: 'Clinic',
      provider: 'baileys',
      pacing: defaultPacing('baileys'),
      sandbox: null,
      createdAt: AT,
      updatedAt: AT,
    });
  });
  afterEach(async () => {
    await provider?.close();
    provider = undefined;
  });

  /** A worker's provider for the session, as src/worker/providers.ts makes it, dialling the fake server. */
  const startProvider = async (): Promise<MessagingProvider> => {
    const made = createBaileysProvider({
      sessionId: SESSION.id,
      authStore: store.authState,
      sink: (event) => {
        log.sink(event);
      },
      logger: silent,
      createSocket: wire.createSocket,
      sentMessage: sentMessageLookup(store, { ...SESSION, businessUnit: 'Clinic', provider: 'baileys' }, silent),
    });
    provider = made;
    // A log of its own: the connected event waited for is this provider's.
    log = new EventLog();
    await made.connect();
    await log.wait(statusOf('connected'));
    return made;
  };

  /** A running blast of one recipient (the peer), claimed by the session: what the sender holds before it sends. */
  const blastTo = async (overrides: Partial<NewBlast> = {}, people: readonly { phone: string }[] = [peer]): Promise<{ messageId: string; text: string; all: { messageId: string; text: string }[] }> => {
    await store.lists.create({
      id: 'list-1',
      name: 'Patients',
      purpose: 'recipients',
      businessUnit: 'Clinic',
      fileName: 'patients.csv',
      fileSize: 100,
      blobSha256: 'a'.repeat(64),
      phoneColumn: 'Phone',
      defaultCountry: 'ID',
      createdAt: AT,
    });
    const names = ['Siti', 'Budi'];
    await store.lists.insertRecipients('list-1', people.map((person, i) => ({ seq: i + 1, rowNumber: i + 2, phone: person.phone, values: [names[i] ?? 'Ayu'] })));
    const rows = people.length;
    await store.lists.complete('list-1', { counts: { rows, valid: rows, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'Name', key: 'name' }] }, AT);
    const blast: NewBlast = {
      id: BLAST,
      name: 'Reminders',
      businessUnit: 'Clinic',
      status: 'importing',
      listId: 'list-1',
      message: TEMPLATE,
      media: null,
      sessions: [SESSION],
      checkNumbers: false,
      typing: false,
      pacing: null,
      scheduledAt: null,
      createdAt: AT,
      ...overrides,
    };
    await store.blasts.create(blast);
    await store.blasts.populate(BLAST, 'list-1', AT);
    await store.blasts.transition(BLAST, ['importing'], 'running', AT, { startedAt: AT });
    const claimed = await store.blasts.claim(BLAST, 'list-1', SESSION.id, 1, people.length, AT);
    const all = claimed.map((recipient) => {
      const text = recipientText(compileTemplate(TEMPLATE), BLAST, recipient, messageLimit(blast.media !== null).limit);
      if (text === undefined) throw new Error('not rendered');
      return { messageId: messageIdFor(BLAST, recipient.seq), text };
    });
    const [first] = all;
    if (!first) throw new Error('nothing claimed');
    return { ...first, all };
  };

  const recordSent = async (messageId: string): Promise<void> => {
    await store.blasts.recordOutcomes(BLAST, 1, [{ seq: 1, status: 'sent', reason: null, detail: null, messageId, attempts: 1, at: SENT_AT }]);
  };

  it('a retry receipt after the worker restarted is answered with the very text the recipient was sent', async () => {
    const { messageId, text } = await blastTo();
    const first = await startProvider();
    await first.send({ messageId, to: peer.phone, text });
    const delivered = await wire.waitForMessage(peer, { past: true });
    // Encrypted for real by baileys' libsignal; the peer's phone reads the rendered template.
    expect(delivered).toMatchObject({ id: messageId, text, resend: false });
    await recordSent(messageId);

    // The worker restarts: a new provider (a new socket, nothing in memory) on the same database.
    await first.close();
    const restarted = await startProvider();
    expect(restarted).not.toBe(first);
    await wire.current.send(peer.retryReceipt({ id: messageId }));

    const resent = await wire.waitForMessage(peer, { test: (sent) => sent.resend });
    expect(resent.id).toBe(messageId);
    expect(resent.text).toBe(text);
    expect(wire.sentMessages().map((sent) => sent.text)).toEqual([text, text]);
  });

  it('a retry receipt for a media message is answered with the same upload and caption, rebuilt from the ledger', async () => {
    const media = { sha256: 'c'.repeat(64), kind: 'image' as const, mimetype: 'image/jpeg', fileName: null };
    const { messageId, text } = await blastTo({ media });
    // What the sender persisted when it uploaded (session-sender.ts #preparedMedia, BaileysMedia.stored).
    const upload = {
      url: 'https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m232/up-oil-image-abc?ccb=9-4&oh=01_Q5',
      directPath: '/o1/v/t62.7118-24/f1/m232/up-oil-image-abc?ccb=9-4&oh=01_Q5',
      mediaKey: Buffer.alloc(32, 7),
      fileSha256: Buffer.alloc(32, 1),
      fileEncSha256: Buffer.alloc(32, 2),
      fileLength: 48_213,
      mimetype: 'image/jpeg',
      jpegThumbnail: Buffer.from('thumbnail-bytes'),
      mediaKeyTimestamp: 1_764_579_600,
    };
    const { BufferJSON } = await import('baileys');
    await store.retryLedger.saveUpload({ blastId: BLAST, sessionUid: SESSION.uid, uploadedAt: AT, kind: 'image', upload: JSON.stringify(upload, BufferJSON.replacer) });
    // Sent by a worker that has since gone (the upload and the outcome are all that is left of it,
    // and, in the session's keys, the recipient's LID as baileys learnt it: Signal/lid-mapping.js storeLIDPNMappings).
    await recordSent(messageId);
    await store.authState.writeKeys(SESSION.id, [
      { category: 'lid-mapping', id: peer.phone.slice(1), value: JSON.stringify(peer.lid) },
      { category: 'lid-mapping', id: `${peer.lid}_reverse`, value: JSON.stringify(peer.phone.slice(1)) },
    ]);

    await startProvider();
    await wire.current.send(peer.retryReceipt({ id: messageId }));

    const resent = await wire.waitForMessage(peer, { test: (sent) => sent.id === messageId });
    expect(resent.id).toBe(messageId);
    expect(resent.text).toBe(text);
    const image = resent.message?.imageMessage;
    expect(image).toMatchObject({ url: upload.url, directPath: upload.directPath, mimetype: 'image/jpeg', caption: text });
    expect(Buffer.from(image?.mediaKey ?? []).equals(upload.mediaKey)).toBe(true);
    expect(Buffer.from(image?.fileSha256 ?? []).equals(upload.fileSha256)).toBe(true);
    expect(Buffer.from(image?.fileEncSha256 ?? []).equals(upload.fileEncSha256)).toBe(true);
    expect(Buffer.from(image?.jpegThumbnail ?? []).equals(upload.jpegThumbnail)).toBe(true);
    expect(Number(image?.fileLength)).toBe(upload.fileLength);
  });

  it('a phone that keeps asking is answered as baileys allows, a reconnect in between (one retry count per session, not per socket)', async () => {
    const other = wire.addPeer('+6281299990002', '50000000000002');
    const { messageId, text, all } = await blastTo({}, [peer, other]);
    const provider = await startProvider();
    await provider.send({ messageId, to: peer.phone, text });
    await recordSent(messageId);
    await wire.waitForMessage(peer, { past: true });

    // baileys counts twice per answer against maxMsgRetryCount 5 (Socket/messages-recv.js handleReceipt,
    // then sendMessagesAgain: willSendMessageAgain / updateSendMessageAgainCount): two answers, then no more.
    const resent = (): number => wire.sentMessages().filter((sent) => sent.id === messageId && sent.resend).length;
    await wire.current.send(peer.retryReceipt({ id: messageId, count: 1 }));
    await wire.waitForMessage(peer, { test: (sent) => sent.resend });

    // WhatsApp asks for a restart (stream:error 515): a new socket, the same session.
    const next = wire.nextConnection();
    await wire.current.send(streamError({ code: 515 }));
    await next;
    await log.wait(eventOf('status', (event) => event.status === 'connected' && log.events.filter(statusOf('connected')).length === 2));

    await wire.current.send(peer.retryReceipt({ id: messageId, count: 2 }));
    await wire.waitForMessage(peer, { test: (sent) => sent.resend && resent() === 2 });

    // A third request is refused. Receipts are handled one at a time (receiptMutex): once a later
    // request, from another recipient, is answered, the third has been handled, and no answer went out.
    // That other message was just sent, its outcome not yet written (outcomes are written per batch):
    // it is answered all the same, from the claimed row.
    const marker = all[1];
    if (!marker) throw new Error('no second recipient');
    await provider.send({ messageId: marker.messageId, to: other.phone, text: marker.text });
    await wire.waitForMessage(other);
    await wire.current.send(peer.retryReceipt({ id: messageId, count: 3 }));
    await wire.current.send(other.retryReceipt({ id: marker.messageId, count: 1 }));
    const answered = await wire.waitForMessage(other, { test: (sent) => sent.resend });
    expect(answered.text).toBe(marker.text);
    expect(resent()).toBe(2);
    expect(wire.sentMessages().filter((sent) => sent.peer === peer).map((sent) => sent.text)).toEqual([text, text, text]);
  });

  it("a retry request for a message from a phone it was not sent to gets nothing; the recipient's own request is answered", async () => {
    const other = wire.addPeer('+6281299990002', '50000000000002');
    const { messageId, text, all } = await blastTo({}, [peer, other]);
    const provider = await startProvider();
    const theirs = all[1];
    if (!theirs) throw new Error('no second recipient');
    // Both phones got a message, so baileys knows both LIDs' numbers (Signal/lid-mapping.js).
    await provider.send({ messageId, to: peer.phone, text });
    await provider.send({ messageId: theirs.messageId, to: other.phone, text: theirs.text });
    await wire.waitForMessage(peer, { past: true });
    await wire.waitForMessage(other, { past: true });
    await recordSent(messageId);

    // The other phone asks for the first message's id; then its recipient asks. Receipts are handled
    // one at a time (receiptMutex): once the recipient is answered, the other request has been handled.
    await wire.current.send(other.retryReceipt({ id: messageId }));
    await wire.current.send(peer.retryReceipt({ id: messageId }));
    const answered = await wire.waitForMessage(peer, { test: (sent) => sent.resend });
    expect([answered.id, answered.text]).toEqual([messageId, text]);
    expect(wire.sentMessages().filter((sent) => sent.peer === other).map((sent) => [sent.id, sent.resend])).toEqual([[theirs.messageId, false]]);
  });

  it('a retry request from the address a number check gave (WhatsApp normalised the number) is answered', async () => {
    // Listed without Brazil's extra 9; WhatsApp's number check said the account is 55 11 9 8765 4321.
    const brazil = wire.addPeer('+5511987654321', '50000000000055');
    const listed = '+551187654321';
    const { messageId, text } = await blastTo({ checkNumbers: true }, [{ phone: listed }]);
    const address = `${brazil.phone.slice(1)}@s.whatsapp.net`;
    await store.numberChecks.remember('Clinic', [{ phone: listed, check: { onWhatsApp: true, address }, expiresAt: '2099-01-01T00:00:00.000Z' }], new Date().toISOString());
    const provider = await startProvider();
    await provider.send({ messageId, to: listed, address, text });
    await wire.waitForMessage(brazil, { past: true });
    await recordSent(messageId);

    await wire.current.send(brazil.retryReceipt({ id: messageId }));
    const answered = await wire.waitForMessage(brazil, { test: (sent) => sent.resend });
    expect([answered.id, answered.text]).toEqual([messageId, text]);
  });
});
