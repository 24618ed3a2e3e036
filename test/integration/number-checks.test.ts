import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { messageLimit } from '../../src/core/message-length.js';
import { numberCheckScope } from '../../src/core/number-check.js';
import { defaultPacing, type PacingPolicy } from '../../src/core/pacing.js';
import type { SessionConfig, SessionRef } from '../../src/core/session-config.js';
import { compileTemplate } from '../../src/core/template.js';
import type { Clock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { PacingGate } from '../../src/sending/pacing-gate.js';
import type { SendContext, SenderHost } from '../../src/sending/sender-host.js';
import { SessionSender } from '../../src/sending/session-sender.js';
import type { HeardRestriction } from '../../src/sending/session-restrictions.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { sqliteDatabase, type TestDatabase } from '../support/databases.js';
import { boom, FakeWhatsApp } from '../support/fake-baileys-socket.js';
import { deletePrefix, uniquePrefix } from '../support/redis.js';

const silent = createLogger('silent');
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
/** No gap, a typing delay of a few ms: the order of the calls is under test, not the pace. */
const PACING: PacingPolicy = { ...defaultPacing('sandbox'), typing: { enabled: true, msPerChar: 1, maxMs: 3 } };
const PHONES = ['+6281200000001', '+6281200000002', '+551187654321', '+6281200000004', '+6281200000005', '+6281200000006', '+6281200000007'];
const WITHOUT_WA = new Set(['+6281200000002', '+6281200000006']);

/** The engine's part a session's sender needs, over the real store and pacing gate. */
class Host implements SenderHost {
  readonly claimBatch = 100;
  readonly pollMs = 20;
  readonly retryDelaysMs = [5];
  readonly numberCheckTtl = { foundMs: 24 * HOUR, notFoundMs: HOUR };
  readonly restrictions: string[] = [];
  blastId = '';
  #idle: (() => void) | undefined;

  constructor(readonly deps: SenderHost['deps']) {}

  /** Resolves once the sender has nothing left to send (done) or was told to stop (restricted). */
  idle(): Promise<void> {
    return new Promise((resolve) => (this.#idle = resolve));
  }

  activeBlasts(): Promise<{ id: string; listId: string }[]> {
    return Promise.resolve([{ id: this.blastId, listId: 'list-1' }]);
  }

  async context(blastId: string): Promise<SendContext | undefined> {
    const blast = await this.deps.store.blasts.get(blastId);
    if (!blast) return undefined;
    const health = { band: 'healthy' as const, pause: false, scope: 'prefer' as const, newChats: null };
    return { blast, compiled: compileTemplate(blast.message), maxLength: messageLimit(false).limit, policy: PACING, dailyCap: PACING.dailyCap, cappedUntilMs: undefined, health, loadedAtMs: 0 };
  }

  touched(): void {}

  counted(): void {}

  haltEpoch(): number {
    return 0;
  }

  isHalting(): boolean {
    return false;
  }

  beforeBlast(): Promise<void> {
    return Promise.resolve();
  }

  cappedUntilMs(): number | undefined {
    return undefined;
  }

  async finishIfDone(blastId: string): Promise<void> {
    if (!(await this.deps.store.blasts.hasPending(blastId))) this.#idle?.();
  }

  restricted(_session: SessionRef, { reason, detail }: HeardRestriction): Promise<void> {
    this.restrictions.push(`${reason}: ${detail ?? ''}`);
    this.#idle?.();
    return Promise.resolve();
  }
}

describe('number checks and typing in the sending loop (items 7, 9)', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  let redis: Redis;
  let prefix: string;
  let network: FakeWhatsApp;
  let provider: MessagingProvider;
  let session: SessionConfig;
  let nowMs: number;
  /** What the sender asked of the provider, in order. */
  let calls: string[];
  let blasts = 0;

  const clock: Clock = { now: () => new Date(nowMs) };

  beforeEach(async () => {
    nowMs = T0;
    calls = [];
    database = sqliteDatabase();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, silent);
    store = createStore(handle);
    prefix = uniquePrefix('checks');
    redis = new Redis(inject('redisUrl'), { keyPrefix: `${prefix}:` });
    const at = new Date(T0).toISOString();
    session = { id: 'promo', uid: 'uid-promo', friendlyName: 'Promo', businessUnit: 'Marketing', provider: 'baileys', pacing: PACING, sandbox: null, createdAt: at, updatedAt: at };
    await store.sessions.insert(session);
    await store.lists.create({ id: 'list-1', name: 'People', purpose: 'recipients', businessUnit: 'Marketing', fileName: 'people.csv', fileSize: 1, blobSha256: 'a'.repeat(64), phoneColumn: 'Phone', defaultCountry: 'ID', createdAt: at });
    await store.lists.insertRecipients('list-1', PHONES.map((phone, i) => ({ seq: i + 1, rowNumber: i + 2, phone, values: [`P${i + 1}`] })));
    await store.lists.complete('list-1', { counts: { rows: PHONES.length, valid: PHONES.length, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'Name', key: 'name' }] }, at);

    network = new FakeWhatsApp();
    for (const phone of PHONES) if (!WITHOUT_WA.has(phone)) network.onWhatsApp.add(phone);
    // Brazil: written without the mobile 9, WhatsApp answers with the account's jid, which has it.
    network.normalised.set('+551187654321', '5511987654321@s.whatsapp.net');
    const log = new EventLog();
    const baileys = createBaileysProvider({ sessionId: session.id, authStore: store.authState, sink: log.sink, logger: silent, createSocket: network.createSocket });
    await baileys.connect();
    await log.wait(eventOf('qr'));
    await network.scan();
    await log.wait(statusOf('connected'));
    provider = {
      ...baileys,
      checkNumbers: (phones) => {
        calls.push(`check ${phones.join(' ')}`);
        return baileys.checkNumbers(phones);
      },
      setTyping: (to, typing, address) => {
        calls.push(`${typing ? 'composing' : 'paused'} ${to}`);
        return baileys.setTyping(to, typing, address);
      },
      send: (message) => {
        calls.push(`send ${message.to}`);
        return baileys.send(message);
      },
    };
  });
  afterEach(async () => {
    await provider.close();
    redis.disconnect();
    await deletePrefix(inject('redisUrl'), prefix);
    await handle.close();
    await database.drop();
  });

  /** Runs one blast over the list from this session until it is done or the session is stopped. */
  async function blast(checkNumbers: boolean): Promise<{ id: string; host: Host }> {
    const id = `b${++blasts}`;
    const at = clock.now().toISOString();
    await store.blasts.create({ id, name: id, businessUnit: 'Marketing', status: 'importing', listId: 'list-1', message: 'Hi {name}', media: null, sessions: [{ id: session.id, uid: session.uid }], checkNumbers, typing: false, pacing: null, scheduledAt: null, createdAt: at });
    await store.blasts.populate(id, 'list-1', at);
    await store.blasts.transition(id, ['importing'], 'running', at, { startedAt: at });
    const host = new Host({ store, sessions: { owned: () => ({ provider, config: session, token: 1 }) }, gate: new PacingGate(redis), clock, log: silent });
    host.blastId = id;
    const sender = new SessionSender(host, session.id);
    const idle = host.idle();
    void sender.run();
    await idle;
    await sender.stop();
    return { id, host };
  }

  const outcomes = async (id: string): Promise<string[]> =>
    (await store.blasts.recipients(id, { limit: 100, offset: 0 })).items.map((row) => `${row.phone} ${row.status}${row.reason ? ` ${row.reason}` : ''}`);

  it('asks about a few numbers at a time right before sending to them, types, pauses, then sends to the jid WhatsApp answered with', async () => {
    const { id } = await blast(true);
    expect(calls).toEqual([
      // At most 5 numbers ahead of the next message; the rest when their turn comes.
      `check ${PHONES.slice(0, 5).join(' ')}`,
      'composing +6281200000001',
      'paused +6281200000001',
      'send +6281200000001',
      'composing +551187654321',
      'paused +551187654321',
      'send +551187654321',
      'composing +6281200000004',
      'paused +6281200000004',
      'send +6281200000004',
      'composing +6281200000005',
      'paused +6281200000005',
      'send +6281200000005',
      `check ${PHONES.slice(5).join(' ')}`,
      'composing +6281200000007',
      'paused +6281200000007',
      'send +6281200000007',
    ]);
    // One usync query per number, and the Brazilian message went to the account WhatsApp named.
    expect(network.numberChecks).toHaveLength(PHONES.length);
    expect(network.wire.map((entry) => entry.jid)).toContain('5511987654321@s.whatsapp.net');
    expect(network.wire.map((entry) => entry.jid)).not.toContain('551187654321@s.whatsapp.net');
    // Presence: subscribe once per recipient, composing, paused, as WhatsApp Web does.
    expect(network.presence.slice(0, 3)).toEqual([
      { type: 'subscribe', jid: '6281200000001@s.whatsapp.net' },
      { type: 'composing', jid: '6281200000001@s.whatsapp.net' },
      { type: 'paused', jid: '6281200000001@s.whatsapp.net' },
    ]);
    expect(await outcomes(id)).toEqual([
      '+6281200000001 sent',
      '+6281200000002 skipped NOT_ON_WHATSAPP',
      '+551187654321 sent',
      '+6281200000004 sent',
      '+6281200000005 sent',
      '+6281200000006 skipped NOT_ON_WHATSAPP',
      '+6281200000007 sent',
    ]);
  });

  it('keeps the answers for the business unit: the next blast asks nothing until they expire, "not on WhatsApp" sooner', async () => {
    await blast(true);
    const asked = network.numberChecks.length;
    expect((await store.numberChecks.fresh('Sales', PHONES, clock.now().toISOString())).size).toBe(0);
    expect(numberCheckScope(session)).toBe('Marketing');

    const second = await blast(true);
    expect(network.numberChecks).toHaveLength(asked);
    expect(calls.filter((call) => call.startsWith('check')).slice(2)).toEqual([]);
    expect((await outcomes(second.id)).filter((row) => row.endsWith('sent'))).toHaveLength(5);
    // The kept answer carries the address too: the second blast's Brazilian message goes to the account WhatsApp named.
    expect(network.wire.filter((entry) => entry.jid === '5511987654321@s.whatsapp.net')).toHaveLength(2);

    // Past the short TTL of "not on WhatsApp" answers, only those two numbers are asked again.
    nowMs += 2 * HOUR;
    network.onWhatsApp.add('+6281200000002');
    const third = await blast(true);
    expect(network.numberChecks.slice(asked).flat()).toEqual(['6281200000002@s.whatsapp.net', '6281200000006@s.whatsapp.net']);
    expect((await outcomes(third.id))[1]).toBe('+6281200000002 sent');
  });

  it('a blast that turns checks off asks nothing and sends to the number as written', async () => {
    const { id } = await blast(false);
    expect(network.numberChecks).toEqual([]);
    expect(network.wire.map((entry) => entry.jid)).toContain('551187654321@s.whatsapp.net');
    expect((await outcomes(id)).every((row) => row.endsWith('sent'))).toBe(true);
  });

  it('a session that turns checks off asks nothing, whatever its blasts say', async () => {
    session = { ...session, checkNumbers: false };
    await blast(true);
    expect(network.numberChecks).toEqual([]);
  });

  it('a restriction in the answer to a check stops the session: nothing is sent, the recipients go back to the blast', async () => {
    network.failNextCheck(boom(500, 'rate-overlimit', 429));
    const { id, host } = await blast(true);
    expect(host.restrictions).toEqual(['rate_limited: number check failed: rate-overlimit']);
    expect(network.wire).toEqual([]);
    expect(calls).toEqual([`check ${PHONES.slice(0, 5).join(' ')}`]);
    expect(await store.blasts.hasPending(id)).toBe(true);
    expect((await outcomes(id)).every((row) => row.endsWith('pending'))).toBe(true);
  });
});
