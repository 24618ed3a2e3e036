import { getBinaryNodeChild, getBinaryNodeChildren, type BinaryNode } from 'baileys';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { iqError, iqResult } from '../support/wa-stanzas.js';
import type { WaWire } from '../support/wa-wire.js';
import { linkedWire } from '../support/wire-setup.js';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION = 'wire-presence';

/** What a presence or chat-state node says, as the server reads it. */
function presenceOf(node: BinaryNode): string | undefined {
  if (node.tag === 'presence' && node.attrs.type === 'subscribe') return `subscribe ${node.attrs.to ?? ''}`;
  if (node.tag !== 'chatstate' || !Array.isArray(node.content)) return undefined;
  const [state] = node.content;
  return state ? `${state.tag} ${node.attrs.to ?? ''}` : undefined;
}

/** The phone numbers of a usync contact query (Socket/socket.js executeUSyncQuery: `list` > `user` > `contact`). */
function usyncPhones(node: BinaryNode): string[] | undefined {
  const usync = node.attrs.xmlns === 'usync' ? getBinaryNodeChild(node, 'usync') : undefined;
  const list = usync && getBinaryNodeChild(usync, 'list');
  if (!list) return undefined;
  return getBinaryNodeChildren(list, 'user').map((user) => {
    const contact = getBinaryNodeChild(user, 'contact');
    const content = contact?.content;
    return content instanceof Uint8Array ? Buffer.from(content).toString() : typeof content === 'string' ? content : '';
  });
}

/**
 * WhatsApp's answer to a usync contact query, as WAUSync/USyncQuery.js parseUSyncQueryResult reads
 * it: `usync` > `list` > `user jid=…` > `contact type="in"|"out"` (USyncContactProtocol.js parser).
 * WhatsApp echoes the number asked about in `contact` and names the account in `jid`.
 */
function usyncAnswer(id: string, users: { asked: string; jid: string; has: boolean }[]): BinaryNode {
  return iqResult(id, [
    {
      tag: 'usync',
      attrs: {},
      content: [
        {
          tag: 'list',
          attrs: {},
          content: users.map(({ asked, jid, has }) => ({ tag: 'user', attrs: { jid }, content: [{ tag: 'contact', attrs: { type: has ? 'in' : 'out' }, content: Buffer.from(asked) }] })),
        },
      ],
    },
  ]);
}

describe('baileys over the wire: typing and number checks', () => {
  const linked = linkedWire(SESSION);
  let wire: WaWire;
  let log: EventLog;
  let provider: MessagingProvider;

  beforeEach(async () => {
    ({ wire } = linked());
    const authStore = linked().store.authState;
    log = new EventLog();
    provider = createBaileysProvider({ sessionId: SESSION, authStore, sink: log.sink, logger: silent, createSocket: wire.createSocket });
    await provider.connect();
    await log.wait(statusOf('connected'));
  });
  afterEach(async () => {
    await provider.close();
  });

  it('types as WhatsApp Web does (item 9): presence subscribe once per recipient, then composing and paused chat states, in order', async () => {
    const jid = '6281234567890@s.whatsapp.net';
    const conn = wire.current;
    const from = conn.received.length;
    await provider.setTyping('+6281234567890', true);
    await provider.setTyping('+6281234567890', false);
    await provider.setTyping('+6281234567890', true);
    await provider.setTyping('+6281234567890', false);
    await conn.waitFor((node) => presenceOf(node) === `paused ${jid}` && conn.received.filter((seen) => presenceOf(seen) === `paused ${jid}`).length === 2, { past: true });
    const sent = conn.received.slice(from).map(presenceOf).filter((seen) => seen !== undefined);
    expect(sent).toEqual([`subscribe ${jid}`, `composing ${jid}`, `paused ${jid}`, `composing ${jid}`, `paused ${jid}`]);
    // Chats.js sendPresenceUpdate: the chat state names us (creds.me.id) as its sender.
    const composing = conn.received.slice(from).find((node) => presenceOf(node) === `composing ${jid}`);
    expect(composing?.attrs.from).toBe(wire.meJid);
  });

  it('checks a number with one usync query and answers with the jid WhatsApp normalised it to (item 7)', async () => {
    const asked: string[][] = [];
    wire.onQuery = (node) => {
      const phones = usyncPhones(node);
      if (!phones || !node.attrs.id) return undefined;
      asked.push(phones);
      // Brazil: the number written without the mobile 9 lives under the account with it; the other has no account.
      return usyncAnswer(
        node.attrs.id,
        phones.map((phone) =>
          phone === '+551187654321' ? { asked: phone, jid: '5511987654321@s.whatsapp.net', has: true } : { asked: phone, jid: `${phone.slice(1)}@s.whatsapp.net`, has: false },
        ),
      );
    };
    const answer = await provider.checkNumbers(['+551187654321', '+6281200000000']);
    expect(asked).toEqual([['+551187654321'], ['+6281200000000']]);
    expect(answer).toEqual(
      new Map([
        ['+551187654321', { onWhatsApp: true, address: '5511987654321@s.whatsapp.net' }],
        ['+6281200000000', { onWhatsApp: false }],
      ]),
    );
  });

  it("a rate-overlimit answer to the check is a restriction (item 7): the session is told to stop, as for a send", async () => {
    wire.onQuery = (node) => (usyncPhones(node) && node.attrs.id ? iqError(node.attrs.id, 429, 'rate-overlimit') : undefined);
    await expect(provider.checkNumbers(['+6281234567890'])).rejects.toMatchObject({ kind: 'restricted' });
    expect(await log.wait(eventOf('restricted'))).toMatchObject({ reason: 'rate_limited' });
  });
});
