import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/store.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { sqliteDatabase, type TestDatabase } from '../support/databases.js';
import { textMessage } from '../support/wa-stanzas.js';
import { WaWire } from '../support/wa-wire.js';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION = 'wire';

describe('baileys over the wire', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let authStore: AuthStateStore;
  let wire: WaWire;
  let log: EventLog;
  let provider: MessagingProvider;

  beforeEach(async () => {
    database = sqliteDatabase();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, silent);
    authStore = createStore(handle).authState;
    wire = await WaWire.start();
    await wire.storeLinkedCreds(authStore, SESSION);
    log = new EventLog();
    provider = createBaileysProvider({ sessionId: SESSION, authStore, sink: log.sink, logger: silent, createSocket: wire.createSocket });
  });
  afterEach(async () => {
    await provider.close();
    await wire.close();
    await handle.close();
    await database.drop();
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
});
