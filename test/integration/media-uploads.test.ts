import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { messageIdFor } from '../../src/core/message-id.js';
import { defaultPacing } from '../../src/core/pacing.js';
import type { SessionConfig } from '../../src/core/session-config.js';
import type { Clock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import type { MessagingProvider, NumberCheck, OutgoingMessage, PreparedMedia } from '../../src/providers/provider.js';
import { MEDIA_MAX_AGE_MS, SessionSender } from '../../src/sending/session-sender.js';
import { sentMessageLookup } from '../../src/sending/sent-messages.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { maintenanceProcessors } from '../../src/worker/maintenance.processor.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';
import { allowanceGate, storeSenderHost } from '../support/sender-host.js';

const log = createLogger('silent');
const START = new Date('2026-12-01T09:00:00.000Z');
const BLAST = 'a3c1f0e2-0000-4000-8000-000000000001';
const DAY_MS = 86_400_000;
/** Conditions are waited on, not slept for; generous for a loaded machine. */
const WAIT = { timeout: 15_000, interval: 10 };

/** A provider that uploads and sends nothing: it counts uploads, records sends, and keeps each upload's record as baileys' does. */
function recordingProvider(clock: Clock): MessagingProvider & { uploads: number; sends: OutgoingMessage[] } {
  const provider = {
    uploads: 0,
    sends: [] as OutgoingMessage[],
    connect: () => Promise.resolve(),
    send: (message: OutgoingMessage) => {
      provider.sends.push(message);
      return Promise.resolve({ messageId: message.messageId, at: clock.now().toISOString() });
    },
    prepareMedia: (media: { kind: PreparedMedia['kind'] }): Promise<PreparedMedia> => {
      provider.uploads += 1;
      const stored = JSON.stringify({ url: `https://mmg.whatsapp.net/upload-${String(provider.uploads)}` });
      return Promise.resolve({ kind: media.kind, handle: provider.uploads, stored });
    },
    checkNumbers: () => Promise.resolve(new Map<string, NumberCheck>()),
    setTyping: () => Promise.resolve(),
    newChatCap: () => Promise.resolve(null),
    logout: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return provider;
}

describe.each(databaseKinds(inject('postgresUrl')))('media uploads of a blast (item 11) and their records for retry requests (item 4), on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  let nowMs: number;
  const clock: Clock = { now: () => new Date(nowMs) };
  let config: SessionConfig;
  let provider: ReturnType<typeof recordingProvider>;
  /** How many sends the (stand-in) pacing gate grants from now on. */
  let allowance: { left: number };
  let sender: SessionSender;

  beforeEach(async () => {
    if (skip) return;
    nowMs = START.getTime();
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, log);
    store = createStore(handle);
    const at = START.toISOString();
    config = {
      id: 'clinic-1',
      uid: 'f2b7d3a0-0000-4000-8000-000000000001',
      friendlyName: 'Front desk',
      businessUnit: 'Clinic',
      provider: 'baileys',
      pacing: defaultPacing('sandbox'),
      sandbox: null,
      createdAt: at,
      updatedAt: at,
    };
    await store.sessions.insert(config);
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
      createdAt: at,
    });
    const people = ['Siti', 'Budi', 'Ayu'];
    await store.lists.insertRecipients('list-1', people.map((name, i) => ({ seq: i + 1, rowNumber: i + 2, phone: `+62812000000${String(i + 1)}`, values: [name] })));
    await store.lists.complete('list-1', { counts: { rows: 3, valid: 3, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'Name', key: 'name' }] }, at);
    const blob = await store.blobs.put(Readable.from([Buffer.from('a picture')]), { maxBytes: 1_000, now: at });
    await store.blasts.create({
      id: BLAST,
      name: 'Flyer',
      businessUnit: 'Clinic',
      status: 'importing',
      listId: 'list-1',
      message: 'Hi {name}, see our new opening hours.',
      media: { sha256: blob.sha256, kind: 'image', mimetype: 'image/png', fileName: null },
      sessions: [config],
      checkNumbers: false,
      typing: false,
      pacing: null,
      scheduledAt: null,
      createdAt: at,
    });
    await store.blasts.populate(BLAST, 'list-1', at);
    await store.blasts.transition(BLAST, ['importing'], 'running', at, { startedAt: at });

    provider = recordingProvider(clock);
    allowance = { left: 0 };
    // The engine's part, over the real database: what blast-engine.ts hands a session's sender loop.
    const host = storeSenderHost(
      { store, provider, config, gate: allowanceGate(allowance), clock, log, policy: config.pacing, withMedia: true },
      {
        finishIfDone: async (blastId) => {
          const { pending, sending } = await store.blasts.unfinished(blastId);
          if (pending === 0 && sending.length === 0) await store.blasts.transition(blastId, ['running'], 'completed', clock.now().toISOString(), { completedAt: clock.now().toISOString() });
        },
      },
    );
    sender = new SessionSender(host, config.id);
  });
  afterEach(async () => {
    if (skip) return;
    await sender.stop();
    await handle.close();
    await database.drop();
  });

  const send = async (count: number, total: number): Promise<void> => {
    allowance.left = count;
    sender.wake();
    await vi.waitFor(() => {
      expect(provider.sends).toHaveLength(total);
    }, WAIT);
  };

  it.skipIf(skip)('reuses an upload for a day, uploads again once it is older, and holds none once the blast has ended', async () => {
    void sender.run();
    await send(2, 2);
    expect(provider.uploads).toBe(1);
    expect(sender.heldMedia).toBe(1);

    nowMs += MEDIA_MAX_AGE_MS - 1;
    await send(0, 2);
    nowMs += 2;
    await send(1, 3);
    expect(provider.uploads).toBe(2);

    await vi.waitFor(async () => {
      expect((await store.blasts.get(BLAST))?.status).toBe('completed');
    }, WAIT);
    await vi.waitFor(() => {
      expect(sender.heldMedia).toBe(0);
    }, WAIT);
  });

  it.skipIf(skip)('keeps every upload a message was sent with, so a retry request rebuilds each message with its own upload', async () => {
    void sender.run();
    await send(1, 1);
    nowMs += MEDIA_MAX_AGE_MS + 1;
    await send(1, 2);
    await vi.waitFor(async () => {
      expect((await store.blasts.recipients(BLAST, { status: 'sent', limit: 10, offset: 0 })).total).toBe(2);
    }, WAIT);

    const lookup = sentMessageLookup(store, config, log);
    const first = await lookup(messageIdFor(BLAST, 1));
    const second = await lookup(messageIdFor(BLAST, 2));
    expect(first).toEqual({ to: '+628120000001', text: provider.sends[0]?.text, media: { kind: 'image', stored: JSON.stringify({ url: 'https://mmg.whatsapp.net/upload-1' }) } });
    expect(second?.media?.stored).toBe(JSON.stringify({ url: 'https://mmg.whatsapp.net/upload-2' }));
    // Another session (another identity, even under the same id) is never answered with these.
    expect(await sentMessageLookup(store, { ...config, uid: 'f2b7d3a0-0000-4000-8000-000000000002' }, log)(messageIdFor(BLAST, 1))).toBeUndefined();
    // Nor is a message not sent yet.
    expect(await lookup(messageIdFor(BLAST, 3))).toBeUndefined();
    // Claimed and (maybe) just sent, its outcome not yet written (outcomes are written per batch): answered, with the latest upload.
    await store.blasts.claim(BLAST, 'list-1', config.id, 1, 1, clock.now().toISOString());
    expect(await lookup(messageIdFor(BLAST, 3))).toEqual({
      to: '+628120000003',
      text: 'Hi Ayu, see our new opening hours.',
      media: { kind: 'image', stored: JSON.stringify({ url: 'https://mmg.whatsapp.net/upload-2' }) },
    });
  });

  it.skipIf(skip)('the maintenance sweep deletes upload records past the retry window (31 days) and keeps newer ones', async () => {
    const record = (daysAgo: number) => ({
      blastId: BLAST,
      sessionUid: config.uid,
      uploadedAt: new Date(START.getTime() - daysAgo * DAY_MS).toISOString(),
      kind: 'image' as const,
      upload: '{}',
    });
    await store.retryLedger.saveUpload(record(40));
    await store.retryLedger.saveUpload(record(31.5));
    await store.retryLedger.saveUpload(record(30));
    await store.retryLedger.saveUpload(record(1));
    const jobs = maintenanceProcessors({
      store,
      clock,
      log,
      imports: {} as never,
      control: { failIfOrphaned: () => Promise.resolve(false) },
      followUps: { sweep: () => Promise.resolve(0) },
      restrictions: { lift: () => Promise.resolve(false) },
      onListFailed: () => Promise.resolve(),
    });
    expect(await jobs['purge-media-uploads']({ olderThanDays: 31 }, {} as never)).toEqual({ purged: 2 });
    expect(await store.retryLedger.uploadAt(BLAST, config.uid, new Date(START.getTime() - 31 * DAY_MS).toISOString())).toBeUndefined();
    expect((await store.retryLedger.uploadAt(BLAST, config.uid, START.toISOString()))?.uploadedAt).toBe(record(1).uploadedAt);
  });
});
