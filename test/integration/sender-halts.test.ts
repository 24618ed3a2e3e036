import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultPacing, type PacingPolicy } from '../../src/core/pacing.js';
import type { SessionConfig } from '../../src/core/session-config.js';
import type { Clock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import type { MessagingProvider, NumberCheck, OutgoingMessage } from '../../src/providers/provider.js';
import { SessionSender } from '../../src/sending/session-sender.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { sqliteDatabase, type TestDatabase } from '../support/databases.js';
import { allowanceGate, storeSenderHost } from '../support/sender-host.js';

const log = createLogger('silent');
const AT = '2026-12-01T09:00:00.000Z';
const BLAST = 'a3c1f0e2-0000-4000-8000-0000000000b6';
const WAIT = { timeout: 15_000, interval: 10 };

/**
 * WhatsApp's "stop" (a 463 ack for the message before) or a new-chat cap heard while the next
 * message is already "typing…" (review #6): that message must not go, and goes back unsent.
 */
describe('a sender halted while the next message is on its way', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  const clock: Clock = { now: () => new Date() };
  let config: SessionConfig;
  let sender: SessionSender;
  let sends: OutgoingMessage[];
  /** Resolves the typing of the message in hand (set while it types). */
  let typingHeld: Promise<void>;
  let typingStarted: () => void;
  let releaseTyping: () => void;
  let epoch: number;
  let cappedUntil: number | undefined;

  beforeEach(async () => {
    database = sqliteDatabase();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, log);
    store = createStore(handle);
    const policy: PacingPolicy = { ...defaultPacing('sandbox'), typing: { enabled: true, msPerChar: 1, maxMs: 1 } };
    config = { id: 'desk-1', uid: 'f2b7d3a0-0000-4000-8000-0000000000b6', friendlyName: 'Desk', businessUnit: 'Clinic', provider: 'baileys', pacing: policy, sandbox: null, createdAt: AT, updatedAt: AT };
    await store.sessions.insert(config);
    await store.lists.create({ id: 'list-1', name: 'Patients', purpose: 'recipients', businessUnit: 'Clinic', fileName: 'p.csv', fileSize: 1, blobSha256: 'a'.repeat(64), phoneColumn: 'Phone', defaultCountry: 'ID', createdAt: AT });
    await store.lists.insertRecipients('list-1', [1, 2, 3].map((seq) => ({ seq, rowNumber: seq + 1, phone: `+62812000000${String(seq)}`, values: [`P${String(seq)}`] })));
    await store.lists.complete('list-1', { counts: { rows: 3, valid: 3, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'Name', key: 'name' }] }, AT);
    await store.blasts.create({
      id: BLAST, name: 'Hours', businessUnit: 'Clinic', status: 'importing', listId: 'list-1', message: 'Hi {name}', media: null,
      sessions: [config], checkNumbers: false, typing: true, pacing: null, scheduledAt: null, createdAt: AT,
    });
    await store.blasts.populate(BLAST, 'list-1', AT);
    await store.blasts.transition(BLAST, ['importing'], 'running', AT, { startedAt: AT });

    sends = [];
    epoch = 0;
    cappedUntil = undefined;
    typingHeld = Promise.resolve();
    typingStarted = () => undefined;
    releaseTyping = () => undefined;
    const provider: MessagingProvider = {
      connect: () => Promise.resolve(),
      send: (message: OutgoingMessage) => {
        sends.push(message);
        return Promise.resolve({ messageId: message.messageId, at: clock.now().toISOString() });
      },
      prepareMedia: () => Promise.reject(new Error('no media here')),
      checkNumbers: () => Promise.resolve(new Map<string, NumberCheck>()),
      // The second message's "typing…" lasts until the test has delivered what WhatsApp said about the first.
      setTyping: (_to: string, on: boolean) => {
        if (!on || sends.length === 0) return Promise.resolve();
        typingStarted();
        return typingHeld;
      },
      newChatCap: () => Promise.resolve(null),
      logout: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const host = storeSenderHost(
      { store, provider, config, gate: allowanceGate({ left: 3 }), clock, log, policy, withMedia: false },
      { cappedUntilMs: () => cappedUntil, haltEpoch: () => epoch },
    );
    sender = new SessionSender(host, config.id);
  });
  afterEach(async () => {
    await sender.stop();
    await handle.close();
    await database.drop();
  });

  const statuses = async (): Promise<string[]> => (await store.blasts.recipients(BLAST, { limit: 10, offset: 0 })).items.map((row) => row.status);

  for (const [what, hear] of [
    ['a 463 for the message before', () => (epoch += 1)],
    ['a new-chat cap', () => (cappedUntil = Date.now() + 3_600_000)],
  ] as const) {
    it(`does not send the message that was typing when ${what} came; it goes back unsent`, async () => {
      typingHeld = new Promise((resolve) => (releaseTyping = resolve));
      const typing = new Promise<void>((resolve) => (typingStarted = resolve));
      void sender.run();
      await typing;
      hear();
      releaseTyping();
      // Only the first went; the one that was typing and the one after are pending again, neither failed.
      await vi.waitFor(async () => {
        expect(await statuses()).toEqual(['sent', 'pending', 'pending']);
      }, WAIT);
      expect(sends.map((message) => message.to)).toEqual(['+628120000001']);
    });
  }
});
