import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createSandboxProvider, type SandboxProvider } from '../../src/providers/sandbox/sandbox.provider.js';
import { resolveSandboxSettings, type SandboxSettings } from '../../src/providers/sandbox/sandbox-settings.js';
import { createDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/store.js';
import { defaultPacing } from '../../src/core/pacing.js';
import { describeProviderContract, eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog, type ProviderSubject } from '../contract/provider-subject.js';
import { sqliteDatabase } from '../support/databases.js';

const WITH = '+6281234567890';
const AT = '2026-03-01T09:00:00.000Z';
const SESSION_UID = 'uid-contract';
const CONTRACT = { id: 'contract', uid: SESSION_UID };
const WITHOUT = '+6281299990000';

async function sandboxSubject(overrides: Partial<SandboxSettings> = {}, sessionId = 'contract'): Promise<ProviderSubject & { store: ReturnType<typeof createStore>; provider: SandboxProvider }> {
  const database = sqliteDatabase();
  const handle = createDatabase(database.target);
  await migrateToLatest(handle, createLogger('silent'));
  const store = createStore(handle);
  const log = new EventLog();
  const settings = {
    ...resolveSandboxSettings(sessionId, { deliveryDelayMs: null, readDelayMs: null, notOnWhatsApp: { suffixes: [], numbers: [WITHOUT] } }),
    ...overrides,
  };
  await store.sessions.insert({ id: sessionId, uid: SESSION_UID, friendlyName: 'S', businessUnit: 'Marketing', provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: AT, updatedAt: AT });
  const provider = createSandboxProvider({ sessionId, sessionUid: SESSION_UID, settings, sink: log.sink, authStore: store.authState, outbox: store.sandboxOutbox, backlog: store.sandboxBacklog, clock: systemClock });
  return {
    store,
    provider,
    log,
    numberWithWhatsApp: WITH,
    numberWithoutWhatsApp: WITHOUT,
    scan: () => provider.scan(),
    wire: async () => (await store.sandboxOutbox.page(sessionId, { limit: 10_000, offset: 0 })).items.map(({ messageId, to, text }) => ({ messageId, to, text })),
    acknowledge: (messageId, status) => {
      provider.acknowledge(messageId, status);
      return Promise.resolve();
    },
    receive: (from, text) => provider.receive({ from, text }),
    capNewChats: (cap) => provider.signal({ kind: 'capping', ...cap }),
    refuseNext: async (code, timelockEnds) => {
      await provider.signal({ kind: 'timelock', until: timelockEnds.toISOString() });
      await provider.signal({ kind: 'ack_error', code });
    },
    dispose: async () => {
      await provider.close();
      await handle.close();
      await database.drop();
    },
  };
}

describeProviderContract('sandbox', () => sandboxSubject());

describe('sandbox simulation', () => {
  it('keeps one outbox entry per message id and counts repeats, as WhatsApp shows a repeated id once', async () => {
    const subject = await sandboxSubject();
    await subject.provider.connect();
    await subject.scan();
    for (let i = 0; i < 3; i++) await subject.provider.send({ messageId: 'same', to: WITH, text: 'Hi' });
    await subject.provider.send({ messageId: 'other', to: WITH, text: 'Hi' });
    const page = await subject.store.sandboxOutbox.page('contract', { limit: 10, offset: 0 });
    expect(page.items.map((entry) => [entry.messageId, entry.repeats])).toEqual([
      ['same', 2],
      ['other', 0],
    ]);
    expect(page).toMatchObject({ total: 2, repeats: 2 });
    await subject.dispose();
  });

  it('ends an outbox page before its texts pass 4,000,000 characters, and says where the next one starts', async () => {
    const subject = await sandboxSubject();
    const long = 'x'.repeat(1_500_000);
    for (let i = 0; i < 5; i++) {
      await subject.store.sandboxOutbox.record('contract', { messageId: `m${i}`, to: WITH, text: `${long}${i}`, mediaKind: null, mediaRef: null, firstAt: new Date().toISOString() });
    }
    const pages: string[][] = [];
    for (let offset: number | null = 0; offset !== null; ) {
      const page = await subject.store.sandboxOutbox.page('contract', { limit: 10_000, offset });
      expect(page.total).toBe(5);
      pages.push(page.items.map((item) => item.messageId));
      offset = page.next;
    }
    expect(pages).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
    const tiny = await subject.store.sandboxOutbox.page('contract', { limit: 1, offset: 4 });
    expect([tiny.items.length, tiny.next]).toEqual([1, null]);
    await subject.dispose();
  });

  it('links without a QR when it finds its credentials (another worker taking over)', async () => {
    const first = await sandboxSubject();
    await first.provider.connect();
    await first.scan();
    await first.provider.close();
    const again = createSandboxProvider({
      sessionId: 'contract',
      sessionUid: SESSION_UID,
      settings: resolveSandboxSettings('contract', null),
      sink: first.log.sink,
      authStore: first.store.authState,
      outbox: first.store.sandboxOutbox,
      backlog: first.store.sandboxBacklog,
      clock: systemClock,
    });
    const before = first.log.events.length;
    await again.connect();
    const after = first.log.events.slice(before);
    expect(after.some((event) => event.type === 'qr')).toBe(false);
    expect(after.filter(statusOf('connected'))).toHaveLength(1);
    await again.close();
    await first.dispose();
  });

  it('applies a signal stored for it whose command never came, in line with the messages, at the next catch-up', async () => {
    const subject = await sandboxSubject();
    await subject.provider.connect();
    await subject.scan();
    const at = '2026-03-01T10:00:00.000Z';
    await subject.store.sandboxBacklog.add(CONTRACT, { messageId: '3EB0SIG1', from: WITH, text: 'before', queuedAt: at, live: true }, 1_000);
    await subject.store.sandboxBacklog.addSignal(CONTRACT, { kind: 'capping', state: 'FIRST_WARNING', quota: 40, used: 30 }, at, 1_000);
    await subject.store.sandboxBacklog.addSignal(CONTRACT, { kind: 'ack_error', code: '479' }, at, 1_000);
    const before = subject.log.events.length;
    await subject.provider.catchUp();
    expect(subject.log.events.slice(before).map((event) => event.type)).toEqual(['inbound', 'new-chat-cap']);
    await expect(subject.store.sandboxBacklog.count(CONTRACT)).resolves.toBe(0);
    // The stored ack error is the next message's fate.
    await subject.provider.send({ messageId: 'refused', to: WITH, text: 'Hi' });
    await subject.log.wait(eventOf('message-failed', (event) => event.messageId === 'refused' && event.code === '479'));
    await subject.dispose();
  });

  it('a stored disconnect closes the link; what was queued after it waits for the next connect', async () => {
    const subject = await sandboxSubject();
    await subject.provider.connect();
    await subject.scan();
    const at = '2026-03-01T10:00:00.000Z';
    await subject.store.sandboxBacklog.addSignal(CONTRACT, { kind: 'disconnect', code: 401 }, at, 1_000);
    await subject.store.sandboxBacklog.add(CONTRACT, { messageId: '3EB0SIG2', from: WITH, text: 'after', queuedAt: at, live: true }, 1_000);
    await subject.provider.deliverLive();
    expect(subject.log.events.some((event) => event.type === 'inbound')).toBe(false);
    expect(subject.log.events.some(statusOf('logged_out'))).toBe(true);
    await expect(subject.store.sandboxBacklog.count(CONTRACT)).resolves.toBe(1);
    await subject.dispose();
  });

  describe('messages that arrived while the socket was down (whileDisconnected)', () => {
    const queued = (messageId: string, text: string) => ({ messageId, from: WITH, text, queuedAt: '2026-03-01T10:00:00.000Z' });

    it('delivers the backlog when the link next opens, oldest first, on a provider made after a restart, once', async () => {
      const first = await sandboxSubject();
      await first.provider.connect();
      await first.scan();
      await first.provider.close();
      await first.store.sandboxBacklog.add(CONTRACT, queued('3EB0AAA1', 'STOP'), 1_000);
      await first.store.sandboxBacklog.add(CONTRACT, queued('3EB0AAA2', 'thanks'), 1_000);
      // Another worker (another provider object over the same database) connects the session.
      const log = new EventLog();
      const again = createSandboxProvider({
        sessionId: 'contract',
        sessionUid: SESSION_UID,
        settings: resolveSandboxSettings('contract', null),
        sink: log.sink,
        authStore: first.store.authState,
        outbox: first.store.sandboxOutbox,
        backlog: first.store.sandboxBacklog,
        clock: systemClock,
      });
      await again.connect();
      await log.wait(eventOf('inbound', (event) => event.messageId === '3EB0AAA2'));
      const connectedAt = log.events.findIndex(statusOf('connected'));
      const inbound = log.events.flatMap((event, at) => (event.type === 'inbound' ? [{ at, messageId: event.messageId, from: event.from, text: event.text }] : []));
      expect(inbound.map(({ messageId, from, text }) => ({ messageId, from, text }))).toEqual([
        { messageId: '3EB0AAA1', from: WITH, text: 'STOP' },
        { messageId: '3EB0AAA2', from: WITH, text: 'thanks' },
      ]);
      expect(inbound.every(({ at }) => at > connectedAt)).toBe(true);
      await expect(first.store.sandboxBacklog.count(CONTRACT)).resolves.toBe(0);
      await again.close();
      await first.dispose();
    });

    it('a connected link drops and comes back to receive it, as WhatsApp delivers a backlog only at a (re)connect', async () => {
      const subject = await sandboxSubject();
      await subject.provider.connect();
      await subject.scan();
      await subject.store.sandboxBacklog.add(CONTRACT, queued('3EB0BBB1', 'STOP'), 1_000);
      const before = subject.log.events.length;
      await subject.provider.backlogWaiting();
      const after = subject.log.events.slice(before);
      expect(after.map((event) => (event.type === 'status' ? `${event.status}${event.reason ? ` ${event.reason}` : ''}` : event.type))).toEqual([
        'disconnected connection_lost',
        'connecting',
        'connected',
        'inbound',
      ]);
      await subject.provider.send({ messageId: 'after', to: WITH, text: 'Hi' });
      await subject.dispose();
    });

    it('a burst of messages for a connected link is delivered by one or two reconnects, not one each, every message once', async () => {
      const subject = await sandboxSubject();
      await subject.provider.connect();
      await subject.scan();
      const before = subject.log.events.length;
      for (let n = 0; n < 20; n++) {
        await subject.store.sandboxBacklog.add(CONTRACT, queued(`3EB0BURST${n}`, `m${n}`), 1_000);
        await subject.provider.backlogWaiting();
      }
      await subject.log.wait(eventOf('inbound', (event) => event.messageId === '3EB0BURST19'));
      const after = subject.log.events.slice(before);
      const heard = after.flatMap((event) => (event.type === 'inbound' ? [event.messageId] : []));
      expect(heard).toEqual(Array.from({ length: 20 }, (_, n) => `3EB0BURST${n}`));
      expect(after.filter((event) => event.type === 'status' && event.reason === 'connection_lost').length).toBeLessThanOrEqual(2);
      expect(subject.log.events.at(-1)).toMatchObject({ type: 'inbound' });
      await subject.provider.send({ messageId: 'after-burst', to: WITH, text: 'Hi' });
      await subject.dispose();
    });

    it("passes WhatsApp's message id on, so a redelivery can be recognised", async () => {
      const subject = await sandboxSubject();
      await subject.provider.connect();
      await subject.scan();
      await subject.provider.receive({ from: WITH, text: 'STOP', messageId: '3EB0CCC1' });
      await subject.provider.receive({ from: WITH, text: 'STOP', messageId: '3EB0CCC1' });
      expect(subject.log.events.filter(eventOf('inbound')).map((event) => event.messageId)).toEqual(['3EB0CCC1', '3EB0CCC1']);
      await subject.dispose();
    });
  });

  it('plays back receipts after the configured delays', async () => {
    const subject = await sandboxSubject({ deliveryDelayMs: 5, readDelayMs: 5 });
    await subject.provider.connect();
    await subject.scan();
    await subject.provider.send({ messageId: 'auto', to: WITH, text: 'Hi' });
    await subject.log.wait(eventOf('receipt', (receipt) => receipt.messageId === 'auto' && receipt.status === 'read'));
    const receipts = subject.log.events.flatMap((event) => (event.type === 'receipt' ? [event.status] : []));
    expect(receipts).toEqual(['delivered', 'read']);
    await subject.dispose();
  });

  it('fails the same attempts every run for a given seed, and restricts after N sends', async () => {
    const outcomes = async (): Promise<string[]> => {
      const subject = await sandboxSubject({ transientFailureRate: 0.3, restrictAfterSends: 15 });
      await subject.provider.connect();
      await subject.scan();
      const results: string[] = [];
      for (let i = 0; i < 40; i++) {
        results.push(
          await subject.provider.send({ messageId: `m${i}`, to: WITH, text: 'x' }).then(
            () => 'sent',
            (error: unknown) => (error as { kind: string }).kind,
          ),
        );
      }
      await subject.dispose();
      return results;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    expect(first.filter((outcome) => outcome === 'sent')).toHaveLength(15);
    expect(first).toContain('transient');
    expect(first.slice(-3)).toEqual(['restricted', 'restricted', 'restricted']);
  });

  it('refuses numbers that are not on WhatsApp', async () => {
    const subject = await sandboxSubject();
    await subject.provider.connect();
    await subject.scan();
    await expect(subject.provider.send({ messageId: 'n', to: WITHOUT, text: 'x' })).rejects.toMatchObject({ kind: 'not_on_whatsapp' });
    await subject.dispose();
  });
});
