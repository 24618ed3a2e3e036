import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { messageIdFor } from '../../src/core/message-id.js';
import { createLogger } from '../../src/logging/logger.js';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { receipt, textMessage } from '../support/wa-stanzas.js';
import type { WaWire } from '../support/wa-wire.js';
import { linkedWire } from '../support/wire-setup.js';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION = 'wire';

describe('baileys over the wire', () => {
  const linked = linkedWire(SESSION);
  let authStore: AuthStateStore;
  let wire: WaWire;
  let log: EventLog;
  let provider: MessagingProvider;
  /** Reads of baileys' LID store (the `lid-mapping` signal keys, in our database). */
  let lidReads: string[];

  beforeEach(() => {
    ({ wire } = linked());
    const store = linked().store.authState;
    lidReads = [];
    authStore = {
      ...store,
      readKeys: (sessionId, category, ids) => {
        if (category === 'lid-mapping') lidReads.push(...ids);
        return store.readKeys(sessionId, category, ids);
      },
    };
    log = new EventLog();
    provider = createBaileysProvider({ sessionId: SESSION, authStore, sink: log.sink, logger: silent, createSocket: wire.createSocket });
  });
  afterEach(async () => {
    await provider.close();
  });

  it('logs in with the stored creds and hears a reply', async () => {
    await provider.connect();
    const connected = await log.wait(statusOf('connected'));
    expect(connected.me?.phone).toBe(wire.account.phone);
    expect(wire.current.payload?.username).toBeDefined();
    await wire.current.send(textMessage({ from: '6281234567890@s.whatsapp.net', text: 'hello' }));
    const inbound = await log.wait(eventOf('inbound'));
    expect(inbound).toMatchObject({ from: '+6281234567890', text: 'hello' });
  });

  it('logs in announcing the client version it was given (WA_VERSION, or the one fetched at start-up) (item 5)', async () => {
    await provider.close();
    provider = createBaileysProvider({
      sessionId: SESSION,
      authStore,
      sink: log.sink,
      logger: silent,
      createSocket: wire.createSocket,
      version: () => Promise.resolve([2, 3000, 1023456789]),
    });
    await provider.connect();
    await log.wait(statusOf('connected'));
    expect(wire.current.appVersion).toBe('2.3000.1023456789');
  });

  describe('messages that arrived while the socket was down (item 3)', () => {
    it('a STOP in the offline backlog reaches the product as inbound, though baileys labels the batch `append`', async () => {
      wire.script = {
        offline: [
          textMessage({ from: '6281234567890@s.whatsapp.net', text: 'STOP', id: '3AOFFLINE0001', offline: true }),
          textMessage({ from: '50000000000002@lid', senderAlt: '6281299990002@s.whatsapp.net', text: 'berhenti', id: '3AOFFLINE0002', offline: true }),
        ],
      };
      await provider.connect();
      await log.wait(eventOf('inbound', (event) => event.messageId === '3AOFFLINE0002'));
      expect(wire.upserts).toEqual([{ type: 'append', ids: ['3AOFFLINE0001', '3AOFFLINE0002'] }]);
      expect(log.events.filter(eventOf('inbound')).map(({ from, text, messageId }) => ({ from, text, messageId }))).toEqual([
        { from: '+6281234567890', text: 'STOP', messageId: '3AOFFLINE0001' },
        { from: '+6281299990002', text: 'berhenti', messageId: '3AOFFLINE0002' },
      ]);
    });
  });

  describe('receipts by message id (item 8)', () => {
    it('a receipt from a LID nobody can map still counts, by id, without a lookup; one for a message we did not send is ignored', async () => {
      await provider.connect();
      await log.wait(statusOf('connected'));
      // Sent before a restart: this provider never saw it go out.
      const ours = messageIdFor('blast-1', 7);
      await wire.current.send(receipt({ id: '3A9F2C1B7D6E5A4B3C2D', from: '77777777777777@lid' }));
      await wire.current.send(receipt({ id: ours, from: '88888888888888@lid' }));
      // (Sent apart: baileys' event buffer merges two updates of one message that meet in it.)
      await log.wait(eventOf('receipt', (event) => event.status === 'delivered'));
      await wire.current.send(receipt({ id: ours, from: '88888888888888@lid', type: 'read' }));
      await log.wait(eventOf('receipt', (event) => event.status === 'read'));
      expect(log.events.filter(eventOf('receipt')).map(({ messageId, status, to }) => ({ messageId, status, to }))).toEqual([
        { messageId: ours, status: 'delivered', to: undefined },
        { messageId: ours, status: 'read', to: undefined },
      ]);
      expect(lidReads.filter((id) => id.startsWith('77777777777777') || id.startsWith('88888888888888'))).toEqual([]);
    });
  });
});
