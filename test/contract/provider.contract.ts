import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/core/message-id.js';
import { ProviderError, type ProviderEvent } from '../../src/providers/provider.js';
import type { ProviderSubject } from './provider-subject.js';

type EventOf<K extends ProviderEvent['type']> = Extract<ProviderEvent, { type: K }>;

/** A type guard for `log.wait`: an event of this type that passes the test. */
export function eventOf<K extends ProviderEvent['type']>(
  type: K,
  test: (event: EventOf<K>) => boolean = () => true,
): (event: ProviderEvent) => event is EventOf<K> {
  return (event): event is EventOf<K> => event.type === type && test(event as EventOf<K>);
}

export const statusOf = (status: EventOf<'status'>['status']): ((event: ProviderEvent) => event is EventOf<'status'>) =>
  eventOf('status', (event) => event.status === status);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** A 1×1 transparent PNG: real image bytes, small enough for any provider. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

/**
 * What every messaging provider must do, whatever stands behind it. Each implementation runs it
 * with a subject that plays the other side (see ProviderSubject); a fake that passes it cannot
 * drift from the real thing without this suite noticing.
 */
export function describeProviderContract(name: string, makeSubject: () => Promise<ProviderSubject>): void {
  describe(`provider contract: ${name}`, () => {
    let subject: ProviderSubject;

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.dispose();
    });

    const link = async (): Promise<EventOf<'status'>> => {
      await subject.provider.connect();
      await subject.log.wait(eventOf('qr'));
      await subject.scan();
      return subject.log.wait(statusOf('connected'));
    };

    const wireFor = async (messageId: string): Promise<{ messageId: string; to: string; text: string }[]> =>
      (await subject.wire()).filter((entry) => entry.messageId === messageId);

    it('shows a QR code after connect, and is not connected before it is scanned', async () => {
      await subject.provider.connect();
      const qr = await subject.log.wait(eventOf('qr'));
      expect(qr.qr).toEqual(expect.any(String));
      expect(qr.qr.length).toBeGreaterThan(0);
      expect(qr.expiresInMs).toBeGreaterThan(0);
      expect(subject.log.events.filter(statusOf('connected'))).toEqual([]);
    });

    it('is connected, with the linked account, once the QR code is scanned', async () => {
      const connected = await link();
      expect(connected.me?.phone).toMatch(/^\+[1-9]\d{5,14}$/);
    });

    it('refuses to send before it is connected', async () => {
      const sending = subject.provider.send({ messageId: 'early-1', to: subject.numberWithWhatsApp, text: 'Too soon' });
      await expect(sending).rejects.toBeInstanceOf(ProviderError);
      await expect(sending).rejects.toMatchObject({ kind: 'not_connected' });
      expect(await subject.wire()).toEqual([]);
    });

    it("sends a text under the caller's message id: exactly one entry on the wire", async () => {
      await link();
      const to = subject.numberWithWhatsApp;
      const result = await subject.provider.send({ messageId: 'blast1-r1', to, text: 'Hello Ana' });
      expect(result.messageId).toBe('blast1-r1');
      expect(result.at).toMatch(ISO);
      expect(await wireFor('blast1-r1')).toEqual([{ messageId: 'blast1-r1', to, text: 'Hello Ana' }]);
    });

    it('sends a retry under the same message id, recognisable on the wire as the same message', async () => {
      await link();
      const to = subject.numberWithWhatsApp;
      await subject.provider.send({ messageId: 'blast1-r2', to, text: 'Reminder' });
      const again = await subject.provider.send({ messageId: 'blast1-r2', to, text: 'Reminder' });
      expect(again.messageId).toBe('blast1-r2');
      const toRecipient = (await subject.wire()).filter((entry) => entry.to === to);
      expect(toRecipient.length).toBeGreaterThan(0);
      expect(new Set(toRecipient.map((entry) => entry.messageId))).toEqual(new Set(['blast1-r2']));
    });

    it('tells which numbers have WhatsApp, keyed by the numbers asked about', async () => {
      await link();
      const answer = await subject.provider.checkNumbers([subject.numberWithWhatsApp, subject.numberWithoutWhatsApp]);
      expect([...answer.keys()]).toEqual([subject.numberWithWhatsApp, subject.numberWithoutWhatsApp]);
      expect(answer.get(subject.numberWithWhatsApp)?.onWhatsApp).toBe(true);
      expect(answer.get(subject.numberWithoutWhatsApp)).toEqual({ onWhatsApp: false });
    });

    it('sends to the address its number check gave, and the message reaches that number (item 7)', async () => {
      await link();
      const to = subject.numberWithWhatsApp;
      const address = (await subject.provider.checkNumbers([to])).get(to)?.address;
      await subject.provider.send({ messageId: 'blast1-r9', to, text: 'Checked', ...(address === undefined ? {} : { address }) });
      expect((await subject.wire()).filter((entry) => entry.messageId === 'blast1-r9').map((entry) => entry.to)).toEqual([to]);
    });

    it('reports delivered, then read, under our message id and the number we sent to', async () => {
      await link();
      const to = subject.numberWithWhatsApp;
      // An id as the product makes them (baileys drops receipts for ids it could not have sent).
      const messageId = messageIdFor('blast1', 3);
      await subject.provider.send({ messageId, to, text: 'Your appointment is tomorrow' });
      await subject.acknowledge(messageId, 'delivered');
      const delivered = await subject.log.wait(eventOf('receipt', (r) => r.messageId === messageId && r.status === 'delivered'));
      await subject.acknowledge(messageId, 'read');
      const read = await subject.log.wait(eventOf('receipt', (r) => r.messageId === messageId && r.status === 'read'));
      expect(delivered).toEqual({ type: 'receipt', messageId, to, status: 'delivered', at: delivered.at });
      expect(read).toEqual({ type: 'receipt', messageId, to, status: 'read', at: read.at });
      expect([delivered.at, read.at]).toEqual([expect.stringMatching(ISO), expect.stringMatching(ISO)]);
      expect(subject.log.events.indexOf(delivered)).toBeLessThan(subject.log.events.indexOf(read));
    });

    it("passes on what someone writes, with the sender's number", async () => {
      await link();
      await subject.receive(subject.numberWithWhatsApp, 'STOP please');
      const inbound = await subject.log.wait(eventOf('inbound'));
      expect(inbound).toEqual({ type: 'inbound', from: subject.numberWithWhatsApp, kind: 'text', text: 'STOP please', messageId: inbound.messageId, at: inbound.at });
      expect(inbound.messageId).toMatch(/\S/);
      expect(inbound.at).toMatch(ISO);
    });

    it('an error ack after the send: the message failed with its code; 479 is that message only', async () => {
      await link();
      const messageId = messageIdFor('contract-acks', 479);
      await subject.refuseNext('479', new Date(Date.now() + 3_600_000));
      const from = subject.log.events.length;
      await expect(subject.provider.send({ messageId, to: subject.numberWithWhatsApp, text: 'Refused' })).resolves.toMatchObject({ messageId });
      expect(await wireFor(messageId)).toHaveLength(1);
      const failed = await subject.log.wait(eventOf('message-failed', (event) => event.messageId === messageId));
      expect(failed).toMatchObject({ code: '479', detail: expect.stringContaining('479') as unknown });
      expect(subject.log.events.slice(from).filter(eventOf('restricted'))).toEqual([]);
    });

    it('an error ack 463: the message failed, and the account is restricted until the time-lock WhatsApp reports ends', async () => {
      await link();
      const messageId = messageIdFor('contract-acks', 463);
      const ends = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
      await subject.refuseNext('463', ends);
      const ignoredBefore = subject.log.events.filter(eventOf('restricted')).length;
      await subject.provider.send({ messageId, to: subject.numberWithWhatsApp, text: 'Refused' });
      const restricted = await subject.log.wait(eventOf('restricted', (event) => event.until === ends.toISOString() && subject.log.events.indexOf(event) >= ignoredBefore));
      expect(restricted.reason).toBe('reachout_timelock');
      expect(subject.log.events.filter(eventOf('message-failed'))).toEqual([
        { type: 'message-failed', messageId, code: '463', detail: 'WhatsApp refused the message (error 463: Your account has been restricted)' },
      ]);
      expect(subject.log.events.filter(eventOf('restricted', (event) => event.code === '463'))).toHaveLength(1);
    });

    it('shows and stops the typing indicator (item 9)', async () => {
      await link();
      await expect(subject.provider.setTyping(subject.numberWithWhatsApp, true)).resolves.toBeUndefined();
      await expect(subject.provider.setTyping(subject.numberWithWhatsApp, false)).resolves.toBeUndefined();
    });

    it('sends prepared media with the text as its caption: one message on the wire', async () => {
      await link();
      const media = await subject.provider.prepareMedia({ kind: 'image', data: PNG, mimetype: 'image/png' });
      expect(media.kind).toBe('image');
      const to = subject.numberWithWhatsApp;
      const result = await subject.provider.send({ messageId: 'blast2-r1', to, text: 'Our new clinic', media });
      expect(result.messageId).toBe('blast2-r1');
      expect(await wireFor('blast2-r1')).toEqual([{ messageId: 'blast2-r1', to, text: 'Our new clinic' }]);
    });

    it("reports WhatsApp's new-chat cap when it changes, and answers a read of it with the same; refuses the read unless connected", async () => {
      await expect(subject.provider.newChatCap()).rejects.toMatchObject({ kind: 'not_connected' });
      await link();
      // A cycle end in whole seconds, as WhatsApp sends it.
      const resetsAt = new Date((Math.floor(Date.now() / 1000) + 86_400) * 1000).toISOString();
      const cap = { state: 'SECOND_WARNING', quota: 250, used: 230, resetsAt } as const;
      await subject.capNewChats(cap);
      expect(await subject.log.wait(eventOf('new-chat-cap'))).toEqual({ type: 'new-chat-cap', ...cap });
      await expect(subject.provider.newChatCap()).resolves.toEqual(cap);
    });

    it('refuses to send once closed, and says it is disconnected', async () => {
      await link();
      await subject.provider.close();
      await subject.log.wait(statusOf('disconnected'));
      const sending = subject.provider.send({ messageId: 'late-1', to: subject.numberWithWhatsApp, text: 'Too late' });
      await expect(sending).rejects.toBeInstanceOf(ProviderError);
      await expect(sending).rejects.toMatchObject({ kind: 'not_connected' });
      expect(await wireFor('late-1')).toEqual([]);
    });

    it('logs out: reports logged_out and sends nothing more', async () => {
      await link();
      await subject.provider.logout();
      await subject.log.wait(statusOf('logged_out'));
      await expect(subject.provider.send({ messageId: 'after-logout', to: subject.numberWithWhatsApp, text: 'x' })).rejects.toMatchObject({
        kind: 'not_connected',
      });
    });
  });
}
