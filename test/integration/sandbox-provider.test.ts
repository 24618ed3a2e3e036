import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createSandboxProvider } from '../../src/providers/sandbox/sandbox.provider.js';
import { resolveSandboxSettings, type SandboxSettings } from '../../src/providers/sandbox/sandbox-settings.js';
import { createDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/store.js';
import { describeProviderContract, eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog, type ProviderSubject } from '../contract/provider-subject.js';
import { sqliteDatabase } from '../support/databases.js';

const WITH = '+6281234567890';
const WITHOUT = '+6281299990000';

async function sandboxSubject(overrides: Partial<SandboxSettings> = {}, sessionId = 'contract'): Promise<ProviderSubject & { store: ReturnType<typeof createStore> }> {
  const database = sqliteDatabase();
  const handle = createDatabase(database.target);
  await migrateToLatest(handle, createLogger('silent'));
  const store = createStore(handle);
  const log = new EventLog();
  const settings = {
    ...resolveSandboxSettings(sessionId, { deliveryDelayMs: null, readDelayMs: null, notOnWhatsApp: { suffixes: [], numbers: [WITHOUT] } }),
    ...overrides,
  };
  const provider = createSandboxProvider({ sessionId, settings, sink: log.sink, authStore: store.authState, outbox: store.sandboxOutbox, clock: systemClock });
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
    receive: (from, text) => {
      provider.receive(from, text);
      return Promise.resolve();
    },
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

  it('links without a QR when it finds its credentials (another worker taking over)', async () => {
    const first = await sandboxSubject();
    await first.provider.connect();
    await first.scan();
    await first.provider.close();
    const again = createSandboxProvider({
      sessionId: 'contract',
      settings: resolveSandboxSettings('contract', null),
      sink: first.log.sink,
      authStore: first.store.authState,
      outbox: first.store.sandboxOutbox,
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
