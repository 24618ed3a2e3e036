import { BufferJSON } from 'baileys';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { privacyToken } from '../support/wa-stanzas.js';
import type { WaWire } from '../support/wa-wire.js';
import { linkedWire } from '../support/wire-setup.js';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION = 'wire';
const daysAgo = (n: number): string => String(Math.floor(Date.now() / 1000) - n * 86_400);

describe('privacy tokens of an idle session (item 10)', () => {
  const linked = linkedWire(SESSION);
  let authStore: AuthStateStore;
  let wire: WaWire;
  let log: EventLog;
  let provider: MessagingProvider;

  beforeEach(() => {
    ({ wire } = linked());
    authStore = linked().store.authState;
    log = new EventLog();
    provider = createBaileysProvider({ sessionId: SESSION, authStore, sink: log.sink, logger: silent, createSocket: wire.createSocket });
  });
  afterEach(async () => {
    await provider.close();
  });

  it('expired tctoken keys are deleted once the link opens, though the account never goes online; live ones stay', async () => {
    const token = (timestamp: string): string => JSON.stringify({ token: Buffer.from([1, 2, 3]), timestamp }, BufferJSON.replacer);
    await authStore.writeKeys(SESSION, [
      { category: 'tctoken', id: '100000000000001@lid', value: token(daysAgo(40)) },
      { category: 'tctoken', id: '100000000000002@lid', value: token(daysAgo(2)) },
    ]);
    await provider.connect();
    await log.wait(statusOf('connected'));
    // A token WhatsApp hands over now is kept too (Socket/messages-recv.js handlePrivacyTokenNotification).
    await wire.current.send(privacyToken({ from: '6285700000001@s.whatsapp.net', senderLid: '100000000000003@lid' }));
    await vi.waitFor(async () => {
      const rows = await linked().handle.db.selectFrom('wa_auth').select('key_id').where('session_id', '=', SESSION).where('category', '=', 'tctoken').execute();
      const ids = rows.map((row) => row.key_id).filter((id) => id !== '__index').sort();
      expect(ids).toEqual(['100000000000002@lid', '100000000000003@lid']);
    }, { timeout: 10_000, interval: 50 });
    // baileys itself would prune only on `isOnline` (messages-recv.js), which markOnlineOnConnect: false never brings.
    expect(wire.current.received.some((node) => node.tag === 'presence' && node.attrs.type === 'available')).toBe(false);
  });
});
