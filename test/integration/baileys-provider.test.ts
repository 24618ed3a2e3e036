import { Writable } from 'node:stream';
import { proto, ReachoutTimelockEnforcementType, type SignalDataTypeMap } from 'baileys';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { messageIdFor } from '../../src/core/message-id.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import { FIRST_QR_TTL_MS, NEXT_QR_TTL_MS } from '../../src/providers/baileys/connection-signals.js';
import { clearAuthState, loadDbAuthState } from '../../src/providers/baileys/db-auth-state.js';
import { ProviderError, type MessagingProvider, type ProviderEvent } from '../../src/providers/provider.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/store.js';
import { describeProviderContract, eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { databaseKinds, sqliteDatabase, type TestDatabase } from '../support/databases.js';
import { boom, FakeWhatsApp } from '../support/fake-baileys-socket.js';

const silent = createLogger('silent');
const WITH_WA = '+6281234567890';
const WITHOUT_WA = '+6281200000000';
const SESSION = 'promo';

interface Env {
  database: TestDatabase;
  handle: DatabaseHandle;
  authStore: AuthStateStore;
  network: FakeWhatsApp;
  log: EventLog;
  provider: MessagingProvider;
  /** Another provider on the same database, as a worker on another host would make. */
  another(network?: FakeWhatsApp): { provider: MessagingProvider; log: EventLog };
  dispose(): Promise<void>;
}

async function environment(
  options: { random?: () => number; logger?: Logger; database?: TestDatabase } = {},
): Promise<Env> {
  const database = options.database ?? sqliteDatabase();
  const handle = createDatabase(database.target);
  await migrateToLatest(handle, silent);
  const authStore = createStore(handle).authState;
  const network = new FakeWhatsApp();
  network.onWhatsApp.add(WITH_WA);
  const providers: MessagingProvider[] = [];
  const make = (net: FakeWhatsApp): { provider: MessagingProvider; log: EventLog } => {
    const log = new EventLog();
    const provider = createBaileysProvider({
      sessionId: SESSION,
      authStore,
      sink: log.sink,
      logger: options.logger ?? silent,
      createSocket: net.createSocket,
      random: options.random ?? (() => 0.5),
    });
    providers.push(provider);
    return { provider, log };
  };
  const first = make(network);
  return {
    database,
    handle,
    authStore,
    network,
    ...first,
    another: (net = network) => make(net),
    async dispose() {
      for (const provider of providers) await provider.close();
      await handle.close();
      await database.drop();
    },
  };
}

async function linked(env: Env): Promise<void> {
  await env.provider.connect();
  await env.log.wait(eventOf('qr'));
  await env.network.scan();
  await env.log.wait(statusOf('connected'));
}

/** The first event passing the test that is emitted from now on (earlier ones do not count). */
function nextEvent<T extends ProviderEvent>(log: EventLog, test: (event: ProviderEvent) => event is T): Promise<T> {
  const mark = log.events.length;
  return log.wait((event): event is T => test(event) && log.events.indexOf(event) >= mark);
}

const statuses = (log: EventLog): { status: string; reason?: string }[] =>
  log.events.filter(eventOf('status')).map(({ status, reason }) => ({ status, ...(reason ? { reason } : {}) }));

describeProviderContract('baileys (fake socket)', async () => {
  const env = await environment();
  return {
    provider: env.provider,
    log: env.log,
    scan: () => env.network.scan(),
    numberWithWhatsApp: WITH_WA,
    numberWithoutWhatsApp: WITHOUT_WA,
    wire: () => Promise.resolve(env.network.wire.map(({ messageId, jid, text }) => ({ messageId, to: `+${jid.split('@')[0]!}`, text }))),
    acknowledge: (messageId, status) => env.network.acknowledge(messageId, status),
    receive: (from, text) => env.network.receive(from, text),
    capNewChats: (cap) => env.network.capNewChats(cap),
    refuseNext: (code, timelockEnds) => {
      env.network.ackErrorNext(code);
      env.network.timelock = { isActive: true, timeEnforcementEnds: timelockEnds };
      return Promise.resolve();
    },
    dispose: () => env.dispose(),
  };
});

describe('baileys provider', () => {
  let env: Env;

  beforeEach(async () => {
    env = await environment();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await env.dispose();
  });

  describe('linking', () => {
    it('shows the first QR of a socket for 60 s and the rotations for 20 s, and says `qr` once per socket', async () => {
      await env.provider.connect();
      await env.log.wait(eventOf('qr'));
      await env.network.current.showQr('2@second');
      expect(env.log.events.filter(eventOf('qr')).map((event) => event.expiresInMs)).toEqual([FIRST_QR_TTL_MS, NEXT_QR_TTL_MS]);
      expect(FIRST_QR_TTL_MS).toBe(60_000);
      expect(NEXT_QR_TTL_MS).toBe(20_000);
      expect(statuses(env.log)).toEqual([{ status: 'connecting' }, { status: 'qr' }]);
    });

    it('links by pairing code: asked for once the socket shows a QR, shown instead of QR codes', async () => {
      await env.provider.connect({ phoneNumber: env.network.account.phone });
      const code = await env.log.wait(eventOf('pairing-code'));
      expect(code).toEqual({ type: 'pairing-code', code: 'ABCD-1234' });
      await env.network.current.showQr('2@rotated');
      expect(env.network.pairingRequests).toEqual(['6281100001111']);
      expect(env.log.events.filter(eventOf('qr'))).toEqual([]);

      await env.network.scan();
      const connected = await env.log.wait(statusOf('connected'));
      expect(connected.me).toEqual({ phone: env.network.account.phone, name: env.network.account.name });
      const stored = await loadDbAuthState(env.authStore, SESSION);
      expect(stored.state.creds.registered).toBe(true);
    });

    it('reports a failed pairing-code request and stops', async () => {
      env.network.pairingFails = true;
      await env.provider.connect({ phoneNumber: env.network.account.phone });
      await env.log.wait(statusOf('failed'));
      expect(statuses(env.log).at(-1)).toEqual({ status: 'failed', reason: 'pairing_code_failed' });
      expect(env.network.current.ended).toBe(true);
    });

    it('a connect overtaken by close (and a new connect) while reading the creds makes no socket of its own', async () => {
      const abandoned = env.provider.connect();
      await env.provider.close();
      await abandoned;
      expect(env.network.sockets).toHaveLength(0);
      const overtaken = env.provider.connect();
      await env.provider.close();
      const latest = env.provider.connect();
      await Promise.all([overtaken, latest]);
      expect(env.network.sockets).toHaveLength(1);
    });

    it('refuses a pairing phone number that is not E.164', async () => {
      await expect(env.provider.connect({ phoneNumber: '0812345' })).rejects.toMatchObject({ kind: 'permanent' });
      expect(env.network.sockets).toHaveLength(0);
    });

    it('a second provider on the same database takes over with no QR: creds and keys survive', async () => {
      await linked(env);
      const firstSocket = env.network.current;
      const keys: { [T in 'lid-mapping' | 'device-list' | 'tctoken' | 'app-state-sync-key']: Record<string, SignalDataTypeMap[T]> } = {
        'lid-mapping': { '6281234567890': '11122233344455', '11122233344455_reverse': '6281234567890' },
        'device-list': { '6281234567890': ['0', '3', '12'] },
        // A live token (a day old): an expired one is pruned when the link opens (item 10).
        tctoken: { '6281234567890@s.whatsapp.net': { token: Buffer.from('c2VjcmV0LXRva2Vu', 'base64'), timestamp: String(Math.floor(Date.now() / 1000) - 86_400) } },
        'app-state-sync-key': { AAAAAQ: { keyData: Buffer.from([1, 2, 3, 4]), timestamp: 1767225600 } },
      };
      await firstSocket.config.auth.keys.set(keys);
      await env.provider.close();

      const network = new FakeWhatsApp();
      const takeover = env.another(network);
      await takeover.provider.connect();
      const connected = await takeover.log.wait(statusOf('connected'));
      expect(connected.me?.phone).toBe(env.network.account.phone);
      expect(takeover.log.events.filter(eventOf('qr'))).toEqual([]);

      const { creds, keys: store } = network.current.config.auth;
      const original = firstSocket.config.auth.creds;
      expect(creds.me).toEqual(original.me);
      expect(Buffer.from(creds.noiseKey.private)).toEqual(Buffer.from(original.noiseKey.private));
      expect(Buffer.from(creds.signedIdentityKey.public)).toEqual(Buffer.from(original.signedIdentityKey.public));
      expect(creds.advSecretKey).toBe(original.advSecretKey);
      expect(await store.get('lid-mapping', ['6281234567890', '11122233344455_reverse', 'missing'])).toEqual({
        '6281234567890': '11122233344455',
        '11122233344455_reverse': '6281234567890',
      });
      expect(await store.get('device-list', ['6281234567890'])).toEqual(keys['device-list']);
      const token = (await store.get('tctoken', ['6281234567890@s.whatsapp.net']))['6281234567890@s.whatsapp.net'];
      expect(Buffer.isBuffer(token?.token)).toBe(true);
      expect(token?.token.toString('base64')).toBe('c2VjcmV0LXRva2Vu');
      const appKey = (await store.get('app-state-sync-key', ['AAAAAQ'])).AAAAAQ;
      expect(appKey).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
      expect(Buffer.from(appKey!.keyData!)).toEqual(Buffer.from([1, 2, 3, 4]));
    });
  });

  describe('disconnects', () => {
    it('restart-required reconnects at once, on a new socket, keeping the creds', async () => {
      await linked(env);
      const sockets = env.network.sockets.length;
      env.network.auto = false;
      await env.network.current.drop(515, 'restart required');
      expect(env.network.sockets).toHaveLength(sockets + 1);
      expect(statuses(env.log).at(-1)).toEqual({ status: 'connecting', reason: 'restart_required' });
      await env.network.current.open();
      expect(statuses(env.log).at(-1)).toMatchObject({ status: 'connected' });
      expect(await env.authStore.readCreds(SESSION)).toBeDefined();
    });

    it('restart-required over and over backs off instead of looping', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      env.network.auto = false;
      await env.provider.connect();
      for (let i = 0; i < 3; i++) await env.network.current.drop(515);
      expect(env.network.sockets).toHaveLength(4);
      await env.network.current.drop(515);
      expect(env.network.sockets).toHaveLength(4);
      expect(statuses(env.log).at(-1)).toEqual({ status: 'disconnected', reason: 'restart_required' });
      await vi.advanceTimersByTimeAsync(500);
      expect(env.network.sockets).toHaveLength(5);
    });

    it('logged out: clears the creds from the database, says so, and never reconnects', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await linked(env);
      await env.network.current.config.auth.keys.set({ session: { '6281234567890.0': Buffer.from([9, 9]) } });
      const sockets = env.network.sockets.length;
      await env.network.current.drop(401, 'Stream Errored (conflict)');
      expect(env.log.events.slice(-2)).toEqual([
        { type: 'restricted', reason: 'logged_out', detail: 'logged_out' },
        { type: 'status', status: 'logged_out', reason: 'logged_out' },
      ]);
      expect(await env.authStore.readCreds(SESSION)).toBeUndefined();
      expect(await env.authStore.readKeys(SESSION, 'session', ['6281234567890.0'])).toEqual(new Map());
      await vi.advanceTimersByTimeAsync(600_000);
      expect(env.network.sockets).toHaveLength(sockets);
      await expect(env.provider.send({ messageId: 'm1', to: WITH_WA, text: 'x' })).rejects.toMatchObject({ kind: 'not_connected' });

      // Linking again starts from fresh creds: a new QR.
      const qr = nextEvent(env.log, eventOf('qr'));
      await env.provider.connect();
      await qr;
      expect(env.network.current.config.auth.creds.me).toBeUndefined();
    });

    it('connection replaced: stops, keeps the creds, and says why', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await linked(env);
      const sockets = env.network.sockets.length;
      await env.network.current.drop(440, 'Stream Errored (conflict)');
      expect(statuses(env.log).at(-1)).toEqual({ status: 'disconnected', reason: 'connection_replaced' });
      await vi.advanceTimersByTimeAsync(600_000);
      expect(env.network.sockets).toHaveLength(sockets);
      expect(await env.authStore.readCreds(SESSION)).toBeDefined();
      expect(env.log.events.filter(eventOf('restricted'))).toEqual([]);
    });

    it('forbidden: treated as banned, stops, keeps the creds', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await linked(env);
      const sockets = env.network.sockets.length;
      await env.network.current.drop(403);
      expect(env.log.events.slice(-2)).toEqual([
        { type: 'restricted', reason: 'banned', detail: 'forbidden' },
        { type: 'status', status: 'failed', reason: 'forbidden' },
      ]);
      await vi.advanceTimersByTimeAsync(600_000);
      expect(env.network.sockets).toHaveLength(sockets);
      expect(await env.authStore.readCreds(SESSION)).toBeDefined();
    });

    it('multidevice mismatch: stops as failed and keeps the creds', async () => {
      await linked(env);
      const sockets = env.network.sockets.length;
      await env.network.current.drop(411);
      expect(env.log.events.at(-1)).toEqual({ type: 'status', status: 'failed', reason: 'multidevice_mismatch' });
      expect(env.log.events.filter(eventOf('restricted'))).toEqual([]);
      expect(await env.authStore.readCreds(SESSION)).toBeDefined();
      expect(env.network.sockets).toHaveLength(sockets);
    });

    it.each([
      [500, 'bad_session'],
      [428, 'connection_closed'],
      [408, 'connection_lost'],
      [503, 'unavailable'],
      [undefined, 'unknown'],
    ])('status %s (%s): backs off, keeps the creds, then reconnects', async (code, reason) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await linked(env);
      const sockets = env.network.sockets.length;
      await env.network.current.drop(code);
      expect(statuses(env.log).at(-1)).toEqual({ status: 'disconnected', reason });
      expect(env.network.sockets).toHaveLength(sockets);
      // random() = 0.5 → half of the first ceiling (1 s).
      await vi.advanceTimersByTimeAsync(499);
      expect(env.network.sockets).toHaveLength(sockets);
      const reconnected = nextEvent(env.log, statusOf('connected'));
      await vi.advanceTimersByTimeAsync(1);
      expect(env.network.sockets).toHaveLength(sockets + 1);
      await reconnected;
      expect(statuses(env.log).slice(-3)).toEqual([{ status: 'disconnected', reason }, { status: 'connecting', reason }, { status: 'connected' }]);
      expect(await env.authStore.readCreds(SESSION)).toBeDefined();
    });
  });

  describe('backoff', () => {
    const reconnectsAfter = async (ms: number): Promise<void> => {
      const before = env.network.sockets.length;
      await vi.advanceTimersByTimeAsync(ms - 1);
      expect(env.network.sockets.length, `no reconnect before ${ms} ms`).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(env.network.sockets.length, `a reconnect at ${ms} ms`).toBe(before + 1);
    };

    it('waits longer after each failure, up to a 5-minute cap, and never gives up; says so after 10 in a row', async () => {
      await env.dispose();
      env = await environment({ random: () => 0.999_999 });
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      env.network.auto = false;
      await env.provider.connect();
      for (const ceiling of [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]) {
        await env.network.current.drop(428);
        await reconnectsAfter(ceiling);
      }
      expect(statuses(env.log).filter((s) => s.status === 'failed')).toEqual([]);
      const disconnects = env.log.events.filter(statusOf('disconnected'));
      expect(disconnects.slice(8, 10).map(({ reason, attempt }) => ({ reason, attempt }))).toEqual([
        { reason: 'connection_closed', attempt: 9 },
        { reason: 'session_reconnecting: connection_closed', attempt: 10 },
      ]);
      expect(env.network.sockets).toHaveLength(13);
    });

    it('the failure count starts over only after a minute of stable connection: a link that opens and drops at once backs off further', async () => {
      await env.dispose();
      env = await environment({ random: () => 0.999_999 });
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      env.network.auto = false;
      await env.provider.connect();
      await env.network.current.drop(428);
      await reconnectsAfter(1_000);
      await env.network.current.open();
      await env.network.current.drop(428);
      await reconnectsAfter(2_000);
      await env.network.current.open();
      await vi.advanceTimersByTimeAsync(60_000);
      await env.network.current.drop(428);
      await reconnectsAfter(1_000);
    });

    it('never waits less than 250 ms, and starts over once a link has been open a minute', async () => {
      await env.dispose();
      env = await environment({ random: () => 0 });
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      env.network.auto = false;
      await env.provider.connect();
      await env.network.current.drop(408);
      await reconnectsAfter(250);
      await env.network.current.drop(408);
      await reconnectsAfter(250);
      await env.network.current.open();
      await vi.advanceTimersByTimeAsync(60_000);
      await env.network.current.drop(408);
      await reconnectsAfter(250);
      expect(statuses(env.log).filter((s) => s.status === 'failed')).toEqual([]);
    });

    it('close() cancels a pending reconnect, and closing a socket is not a disconnect', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await linked(env);
      const mark = env.log.events.length;
      await env.provider.close();
      const closedAt = env.network.sockets.length;
      expect(env.network.current.ended).toBe(true);
      expect(env.log.events.slice(mark)).toEqual([{ type: 'status', status: 'disconnected', reason: 'closed' }]);
      await vi.advanceTimersByTimeAsync(600_000);
      expect(env.network.sockets).toHaveLength(closedAt);

      const reconnected = nextEvent(env.log, statusOf('connected'));
      await env.provider.connect();
      await reconnected;
      await env.network.current.drop(428);
      await env.provider.close();
      await vi.advanceTimersByTimeAsync(600_000);
      expect(env.network.sockets).toHaveLength(closedAt + 1);
      expect(await env.authStore.readCreds(SESSION)).toBeDefined();
    });
  });

  describe('sending', () => {
    beforeEach(async () => {
      await linked(env);
    });

    it('sends text through sendMessage with our message id, to the phone-number jid', async () => {
      await env.provider.send({ messageId: 'b1-r1', to: WITH_WA, text: 'Hi' });
      expect(env.network.wire).toMatchObject([{ via: 'sendMessage', jid: '6281234567890@s.whatsapp.net', messageId: 'b1-r1', text: 'Hi' }]);
      expect(env.network.wire[0]?.content).toEqual({ text: 'Hi', linkPreview: null });
      // baileys asks for the message again when a recipient's phone could not decrypt it: the
      // provider keeps nothing in memory for that; the ledger answers (test/wire/baileys-retry.test.ts).
      const retry = await env.network.current.config.getMessage?.({ id: 'b1-r1', remoteJid: '6281234567890@s.whatsapp.net', fromMe: true });
      expect(retry).toBeUndefined();
    });

    it('uploads media once and relays it to each recipient with their own caption', async () => {
      const media = await env.provider.prepareMedia({ kind: 'document', data: Buffer.from('%PDF-1.4 fake'), mimetype: 'application/pdf', fileName: 'leaflet.pdf' });
      await env.provider.send({ messageId: 'b2-r1', to: WITH_WA, text: 'For Ana', media });
      await env.provider.send({ messageId: 'b2-r2', to: '+6281234567891', text: 'For Budi', media });
      expect(env.network.uploads).toEqual(['document']);
      expect(env.network.wire.map(({ via, messageId, text }) => ({ via, messageId, text }))).toEqual([
        { via: 'relayMessage', messageId: 'b2-r1', text: 'For Ana' },
        { via: 'relayMessage', messageId: 'b2-r2', text: 'For Budi' },
      ]);
      const [first, second] = env.network.wire.map((entry) => entry.message.documentMessage);
      expect(first?.url).toBe('https://mmg.whatsapp.net/fake/1');
      expect(second?.url).toBe(first?.url);
      expect(second?.fileName).toBe('leaflet.pdf');
      expect(Buffer.from(second!.mediaKey!)).toEqual(Buffer.from(first!.mediaKey!));
    });

    it('rate-overlimit: emits restricted and fails with `restricted`', async () => {
      env.network.failNextSend(boom(500, 'rate-overlimit', 429));
      const sending = env.provider.send({ messageId: 'b3-r1', to: WITH_WA, text: 'Promo' });
      await expect(sending).rejects.toBeInstanceOf(ProviderError);
      await expect(sending).rejects.toMatchObject({ kind: 'restricted' });
      const restricted = env.log.events.filter(eventOf('restricted'));
      expect(restricted).toEqual([{ type: 'restricted', reason: 'rate_limited', detail: restricted[0]?.detail }]);
      expect(restricted[0]?.detail).toContain('rate-overlimit');
      expect(env.network.wire).toEqual([]);
    });

    it('a reachout timelock (no messages to new chats) is a restriction until its end; its lifting lifts it', async () => {
      const socket = env.network.current;
      const until = new Date('2026-03-01T10:00:00.000Z');
      // An inactive one before any active one lifts nothing (the answer to a query after a 463 may say so).
      await socket.emit({ 'connection.update': { reachoutTimeLock: { isActive: false } } });
      await socket.emit({ 'connection.update': { reachoutTimeLock: { isActive: true, timeEnforcementEnds: until, enforcementType: ReachoutTimelockEnforcementType.BIZ_QUALITY } } });
      await socket.emit({ 'connection.update': { reachoutTimeLock: { isActive: false } } });
      expect(env.log.events.filter((event) => event.type === 'restricted' || event.type === 'restriction-lifted')).toEqual([
        { type: 'restricted', reason: 'reachout_timelock', detail: 'reachout timelock (BIZ_QUALITY) until 2026-03-01T10:00:00.000Z', until: '2026-03-01T10:00:00.000Z' },
        { type: 'restriction-lifted', reason: 'reachout_timelock', detail: 'reachout timelock (DEFAULT) lifted' },
      ]);
    });

    it('an error ack fails the message with its code; 463 also restricts the account and asks WhatsApp for the time-lock', async () => {
      const socket = env.network.current;
      env.network.timelock = { isActive: true, timeEnforcementEnds: new Date('2026-03-01T11:00:00.000Z') };
      const ids = ['3EB0000000000000000463', '3EB0000000000000000479'];
      // Shaped as Socket/messages-recv.js handleBadAck emits it (~line 1558): the code, and for 463 WhatsApp's text.
      await socket.emit({ 'messages.update': [{ key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: true, id: ids[1] }, update: { status: proto.WebMessageInfo.Status.ERROR, messageStubParameters: ['479'] } }] });
      expect(env.network.timelockQueries).toBe(0);
      await socket.emit({ 'messages.update': [{ key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: true, id: ids[0] }, update: { status: proto.WebMessageInfo.Status.ERROR, messageStubParameters: ['463', 'Your account has been restricted'] } }] });
      await vi.waitFor(() => {
        expect(env.log.events.filter(eventOf('restricted')).some((event) => event.until !== undefined)).toBe(true);
      });
      expect(env.network.timelockQueries).toBe(1);
      expect(env.log.events.filter((event) => event.type === 'message-failed' || event.type === 'restricted')).toEqual([
        { type: 'message-failed', messageId: ids[1], code: '479', detail: 'WhatsApp refused the message (error 479)' },
        { type: 'message-failed', messageId: ids[0], code: '463', detail: 'WhatsApp refused the message (error 463: Your account has been restricted)' },
        { type: 'restricted', reason: 'reachout_timelock', code: '463', detail: 'WhatsApp refused the message (error 463: Your account has been restricted)' },
        { type: 'restricted', reason: 'reachout_timelock', detail: 'reachout timelock (DEFAULT) until 2026-03-01T11:00:00.000Z', until: '2026-03-01T11:00:00.000Z' },
      ]);
    });

    it('an error ack for an id the product did not make (a message typed on the phone) is nobody\'s business', async () => {
      const socket = env.network.current;
      await socket.emit({ 'messages.update': [{ key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: true, id: 'ABCDEF0123' }, update: { status: proto.WebMessageInfo.Status.ERROR, messageStubParameters: ['463'] } }] });
      expect(env.log.events.filter((event) => event.type === 'message-failed' || event.type === 'restricted')).toEqual([]);
      expect(env.network.timelockQueries).toBe(0);
    });

    it('a reachout timelock whose end is not a date (WhatsApp sent no number) is still a restriction, and its batch is still heard', async () => {
      const socket = env.network.current;
      await socket.emit({ 'connection.update': { reachoutTimeLock: { isActive: true, timeEnforcementEnds: new Date(Number.NaN) }, connection: 'close' } });
      expect(env.log.events.filter(eventOf('restricted'))).toEqual([{ type: 'restricted', reason: 'reachout_timelock', detail: 'reachout timelock (DEFAULT)' }]);
      expect(env.log.events.filter(eventOf('status')).at(-1)).toMatchObject({ status: 'disconnected' });
    });

    it.each([
      ['a 429 answer', boom(500, 'Unknown error', 429), 'restricted'],
      ['a timeout', boom(408, 'Timed Out'), 'transient'],
      ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient'],
      ['a server error', boom(500, 'internal-server-error', 500), 'transient'],
      ['a bad request', boom(500, 'bad-request', 400), 'permanent'],
      ['an unknown jid', boom(500, 'item-not-found', 404), 'permanent'],
      ['a closed connection', boom(428, 'Connection Closed'), 'not_connected'],
    ])('maps %s to `%s`', async (_label, error, kind) => {
      env.network.failNextSend(error);
      await expect(env.provider.send({ messageId: 'b4-r1', to: WITH_WA, text: 'x' })).rejects.toMatchObject({ kind, cause: error });
    });

    it('refuses a recipient that is not E.164 as permanent, sending nothing', async () => {
      await expect(env.provider.send({ messageId: 'b5-r1', to: '0812-345', text: 'x' })).rejects.toMatchObject({ kind: 'permanent' });
      expect(env.network.wire).toEqual([]);
    });

    it('checks numbers one usync query at a time, keyed by the numbers asked about (item 7)', async () => {
      const phones = Array.from({ length: 12 }, (_, i) => `+62812000${String(i).padStart(5, '0')}`);
      env.network.onWhatsApp.add(phones[7]!).add(phones[9]!);
      const answer = await env.provider.checkNumbers([...phones, 'not-a-number']);
      // One number per query: baileys' answer does not say which number asked (see checkNumbers).
      expect(env.network.numberChecks).toEqual(phones.map((phone) => [`${phone.slice(1)}@s.whatsapp.net`]));
      expect([...answer].filter(([, check]) => check.onWhatsApp).map(([phone]) => phone)).toEqual([phones[7], phones[9]]);
      expect(answer.size).toBe(13);
      expect(answer.get('not-a-number')).toEqual({ onWhatsApp: false });
    });

    it('answers with the jid WhatsApp normalised a number to, and sends there when told (item 7)', async () => {
      // A Brazilian mobile written without its extra 9: WhatsApp answers with the account's own jid.
      const written = '+551187654321';
      env.network.onWhatsApp.add(written);
      env.network.normalised.set(written, '5511987654321@s.whatsapp.net');
      const answer = await env.provider.checkNumbers([written]);
      expect(answer.get(written)).toEqual({ onWhatsApp: true, address: '5511987654321@s.whatsapp.net' });
      await env.provider.send({ messageId: 'b9-r1', to: written, address: '5511987654321@s.whatsapp.net', text: 'Olá' });
      expect(env.network.wire.map(({ jid, messageId }) => ({ jid, messageId }))).toEqual([{ jid: '5511987654321@s.whatsapp.net', messageId: 'b9-r1' }]);
    });

    it('a rate-overlimit answer to a number check is a restriction, as for a send (item 7)', async () => {
      env.network.failNextCheck(boom(500, 'rate-overlimit', 429));
      await expect(env.provider.checkNumbers([WITH_WA])).rejects.toMatchObject({ kind: 'restricted' });
      expect(env.log.events.filter(eventOf('restricted'))).toEqual([{ type: 'restricted', reason: 'rate_limited', detail: 'number check failed: rate-overlimit' }]);
    });

    it('shows typing as WhatsApp Web does: subscribes to the presence once per recipient, composing, then paused (item 9)', async () => {
      await env.provider.setTyping(WITH_WA, true);
      await env.provider.setTyping(WITH_WA, false);
      await env.provider.setTyping(WITH_WA, true);
      await env.provider.setTyping(WITH_WA, false);
      const jid = '6281234567890@s.whatsapp.net';
      expect(env.network.presence).toEqual([
        { type: 'subscribe', jid },
        { type: 'composing', jid },
        { type: 'paused', jid },
        { type: 'composing', jid },
        { type: 'paused', jid },
      ]);
    });

    it('logout unlinks on WhatsApp, forgets the creds, reports logged_out once and does not reconnect', async () => {
      const socket = env.network.current;
      const sockets = env.network.sockets.length;
      await env.provider.logout();
      expect(socket.loggedOut).toBe(true);
      expect(env.log.events.filter(statusOf('logged_out'))).toEqual([{ type: 'status', status: 'logged_out', reason: 'logged_out' }]);
      expect(env.log.events.filter(eventOf('restricted'))).toEqual([]);
      expect(await env.authStore.readCreds(SESSION)).toBeUndefined();
      expect(env.network.sockets).toHaveLength(sockets);
    });
  });

  describe('LIDs', () => {
    const LID = '11122233344455';

    beforeEach(async () => {
      await linked(env);
    });

    it('counts receipts that come from an unknown LID by our message id alone: nothing is kept per message sent (item 10)', async () => {
      const id = messageIdFor('blast-6', 1);
      await env.provider.send({ messageId: id, to: WITH_WA, text: 'Hi' });
      await env.network.acknowledge(id, 'delivered', { fromJid: `${LID}@lid` });
      await env.network.acknowledge(id, 'read', { fromJid: `${LID}:3@lid` });
      expect(env.log.events.filter(eventOf('receipt')).map(({ messageId, to, status }) => ({ messageId, to, status }))).toEqual([
        { messageId: id, to: undefined, status: 'delivered' },
        { messageId: id, to: undefined, status: 'read' },
      ]);
      expect(env.network.current.lidLookups).toEqual([]);
    });

    it('after a restart, a LID receipt for one of our ids counts by id alone: no lookup, no number needed', async () => {
      await env.network.current.knowLid(WITH_WA, LID);
      await env.provider.close();
      const restarted = env.another();
      await restarted.provider.connect();
      await restarted.log.wait(statusOf('connected'));
      const sentBefore = messageIdFor('blast-9', 1);
      await env.network.current.emit({
        'messages.update': [
          { key: { remoteJid: `${LID}@lid`, id: sentBefore, fromMe: true }, update: { status: proto.WebMessageInfo.Status.READ } },
          { key: { remoteJid: `${LID}@lid`, id: 'typed-on-the-phone', fromMe: true }, update: { status: proto.WebMessageInfo.Status.READ } },
        ],
      });
      expect(restarted.log.events.filter(eventOf('receipt')).map(({ messageId, to, status }) => ({ messageId, to, status }))).toEqual([
        { messageId: sentBefore, to: undefined, status: 'read' },
      ]);
      expect(env.network.current.lidLookups).toEqual([]);
    });

    it('keeps receipts in order; names the number when a mapping is already known, never looks one up', async () => {
      await env.network.current.knowLid(WITH_WA, LID);
      const { DELIVERY_ACK, READ } = proto.WebMessageInfo.Status;
      const socket = env.network.current;
      const earlier = messageIdFor('blast-9', 2);
      const delivered = socket.emit({
        'messages.update': [{ key: { remoteJid: `${LID}@lid`, id: earlier, fromMe: true }, update: { status: DELIVERY_ACK } }],
      });
      const read = socket.emit({
        'lid-mapping.update': { lid: `${LID}@lid`, pn: '6281234567890@s.whatsapp.net' },
        'messages.update': [{ key: { remoteJid: `${LID}@lid`, id: earlier, fromMe: true }, update: { status: READ } }],
      });
      await Promise.all([delivered, read]);
      expect(env.log.events.filter(eventOf('receipt')).map(({ to, status }) => ({ to, status }))).toEqual([
        { to: undefined, status: 'delivered' },
        { to: WITH_WA, status: 'read' },
      ]);
      expect(socket.lidLookups).toEqual([]);
    });

    it('attributes replies from a LID: by remoteJidAlt, by lid-mapping.update, and drops what it cannot resolve', async () => {
      await env.network.receive('+6281299990001', 'With alt', { lid: '50000000000001', withAlt: true });
      await env.network.current.emit({ 'lid-mapping.update': { lid: '50000000000002@lid', pn: '6281299990002@s.whatsapp.net' } });
      await env.network.receive('+6281299990002', 'Learnt', { lid: '50000000000002' });
      await env.network.receive('+6281299990003', 'Unknown', { lid: '50000000000003' });
      expect(env.log.events.filter(eventOf('inbound')).map(({ from, text }) => ({ from, text }))).toEqual([
        { from: '+6281299990001', text: 'With alt' },
        { from: '+6281299990002', text: 'Learnt' },
      ]);
      // What was learnt sticks: a receipt from that LID needs no lookup.
      await env.network.current.emit({
        'messages.update': [{ key: { remoteJid: '50000000000001@lid', id: messageIdFor('blast-9', 3), fromMe: true }, update: { status: proto.WebMessageInfo.Status.DELIVERY_ACK } }],
      });
      expect(env.log.events.filter(eventOf('receipt')).map(({ to }) => to)).toEqual(['+6281299990001']);
      expect(env.network.current.lidLookups).toEqual(['50000000000003@lid']);
    });

    it('ignores our own messages and groups; hears `append` (arrived while offline) as `notify`', async () => {
      const socket = env.network.current;
      await socket.emit({
        'messages.upsert': {
          type: 'notify',
          messages: [
            { key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: true, id: 'own' }, message: { conversation: 'mine' } },
            { key: { remoteJid: '120363000000000000@g.us', participant: '6281234567890@s.whatsapp.net', fromMe: false, id: 'grp' }, message: { conversation: 'group' } },
            { key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: false, id: 'sticker' }, message: { stickerMessage: {} } },
          ],
        },
      });
      await socket.emit({
        'messages.upsert': { type: 'append', messages: [{ key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: false, id: 'old' }, message: { conversation: 'while offline' } }] },
      });
      await socket.emit({
        'messages.upsert': {
          type: 'notify',
          messages: [{ key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: false, id: 'wrapped' }, message: { ephemeralMessage: { message: { extendedTextMessage: { text: 'disappearing' } } } } }],
        },
      });
      expect(env.log.events.filter(eventOf('inbound')).map(({ messageId, kind, text }) => ({ messageId, kind, text }))).toEqual([
        { messageId: 'sticker', kind: 'sticker', text: undefined },
        { messageId: 'old', kind: 'text', text: 'while offline' },
        { messageId: 'wrapped', kind: 'text', text: 'disappearing' },
      ]);
    });

    it('hears media replies with their kind and caption, from a number or a LID; not reactions, edits, revokes, polls votes or status posts', async () => {
      const socket = env.network.current;
      const from = (id: string, message: Record<string, unknown>, jid = '6281234567890@s.whatsapp.net', alt?: string) => ({
        key: { remoteJid: jid, ...(alt ? { remoteJidAlt: alt } : {}), fromMe: false, id },
        message,
        messageTimestamp: 1_772_359_200,
      });
      await socket.emit({
        'messages.upsert': {
          type: 'notify',
          messages: [
            from('img', { imageMessage: { caption: 'my receipt' } }),
            from('vid', { viewOnceMessageV2: { message: { videoMessage: {} } } }),
            from('voice', { audioMessage: { ptt: true } }),
            from('doc', { documentWithCaptionMessage: { message: { documentMessage: { caption: 'the form', fileName: 'form.pdf' } } } }),
            from('where', { locationMessage: { degreesLatitude: -6.2, degreesLongitude: 106.8, name: 'Home' } }),
            from('card', { contactMessage: { displayName: 'Budi' } }),
            from('button', { buttonsResponseMessage: { selectedDisplayText: 'Yes' } }),
            from('poll', { pollCreationMessage: { name: 'When?' } }),
            from('lid-img', { imageMessage: { caption: 'via lid' } }, '50000000000009@lid', '6281299990009@s.whatsapp.net'),
            from('react', { reactionMessage: { text: '👍', key: { id: 'x' } } }),
            from('edit', { editedMessage: { message: { protocolMessage: { type: 14, editedMessage: { conversation: 'fixed' } } } } }),
            from('revoke', { protocolMessage: { type: 0, key: { id: 'x' } } }),
            from('vote', { pollUpdateMessage: { pollCreationMessageKey: { id: 'x' } } }),
            from('keys', { senderKeyDistributionMessage: { groupId: 'x' } }),
            from('status', { conversation: 'my status' }, 'status@broadcast'),
            from('news', { conversation: 'news' }, '120363000000000001@newsletter'),
            { key: { remoteJid: '6281234567890@s.whatsapp.net', fromMe: false, id: 'undecryptable' }, messageStubType: proto.WebMessageInfo.StubType.CIPHERTEXT },
          ],
        },
      });
      const heard = env.log.events.filter(eventOf('inbound')).map(({ messageId, from: phone, kind, text }) => ({ messageId, phone, kind, text }));
      expect(heard).toEqual([
        { messageId: 'img', phone: '+6281234567890', kind: 'image', text: 'my receipt' },
        { messageId: 'vid', phone: '+6281234567890', kind: 'video', text: undefined },
        { messageId: 'voice', phone: '+6281234567890', kind: 'audio', text: undefined },
        { messageId: 'doc', phone: '+6281234567890', kind: 'document', text: 'the form' },
        { messageId: 'where', phone: '+6281234567890', kind: 'location', text: 'Home' },
        { messageId: 'card', phone: '+6281234567890', kind: 'contact', text: 'Budi' },
        { messageId: 'button', phone: '+6281234567890', kind: 'text', text: 'Yes' },
        { messageId: 'poll', phone: '+6281234567890', kind: 'other', text: undefined },
        { messageId: 'lid-img', phone: '+6281299990009', kind: 'image', text: 'via lid' },
      ]);
      expect(env.log.events.filter(eventOf('inbound')).every((event) => event.at === '2026-03-01T10:00:00.000Z')).toBe(true);
    });
  });

  describe('logs', () => {
    it('never contain the creds or key material, even at trace level', async () => {
      await env.dispose();
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      env = await environment({ logger: createLogger('trace', sink) });
      await linked(env);
      env.network.failNextSend(boom(500, 'rate-overlimit', 429));
      await env.provider.send({ messageId: 'm', to: WITH_WA, text: 'x' }).catch(() => undefined);
      await env.network.current.drop(401);
      const { creds } = env.network.current.config.auth;
      const secrets = [creds.advSecretKey, Buffer.from(creds.noiseKey.private).toString('base64'), Buffer.from(creds.signedIdentityKey.private).toString('base64')];
      const written = lines.join('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(written).not.toContain(secret);
    });
  });
});

describe.each(databaseKinds(inject('postgresUrl')))('baileys auth state on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let authStore: AuthStateStore;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, silent);
    authStore = createStore(handle).authState;
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  it.skipIf(skip)('starts from fresh creds, round-trips them and every key type, deletes on null, clears all', async () => {
    const writes: number[] = [];
    const counting: AuthStateStore = {
      ...authStore,
      writeKeys: (sessionId, entries) => {
        writes.push(entries.length);
        return authStore.writeKeys(sessionId, entries);
      },
    };
    const first = await loadDbAuthState(counting, 's1');
    expect(first.state.creds.registered).toBe(false);
    first.state.creds.registered = true;
    first.state.creds.me = { id: '6281100001111:7@s.whatsapp.net', name: 'Ops' };
    await first.saveCreds();
    const values: Partial<{ [T in keyof SignalDataTypeMap]: Record<string, SignalDataTypeMap[T]> }> = {
      'pre-key': { '1': { public: Buffer.from([1]), private: Buffer.from([2]) } },
      session: { '6281234567890.0': Buffer.from([3, 4]) },
      'sender-key': { 'g@g.us::6281234567890::0': Buffer.from([5]) },
      'sender-key-memory': { 'g@g.us': { '6281234567890@s.whatsapp.net': true } },
      'app-state-sync-version': { regular: { version: 3, hash: Buffer.alloc(128, 1), indexValueMap: {} } },
      'lid-mapping': { '6281234567890': '11122233344455' },
      'device-list': { '6281234567890': ['0', '7'] },
      tctoken: { '6281234567890@s.whatsapp.net': { token: Buffer.from([6]), timestamp: '1' } },
      'identity-key': { '6281234567890.0': Buffer.from([7, 8]) },
    };
    await first.state.keys.set(values);
    expect(writes).toEqual([9]);

    const second = await loadDbAuthState(authStore, 's1');
    expect(second.state.creds.registered).toBe(true);
    expect(second.state.creds.me).toEqual({ id: '6281100001111:7@s.whatsapp.net', name: 'Ops' });
    expect(Buffer.from(second.state.creds.noiseKey.public)).toEqual(Buffer.from(first.state.creds.noiseKey.public));
    for (const [type, byId] of Object.entries(values) as [keyof SignalDataTypeMap, Record<string, unknown>][]) {
      expect(await second.state.keys.get(type, Object.keys(byId)), type).toEqual(byId);
    }
    expect(await loadDbAuthState(authStore, 'other').then((other) => other.state.creds.me)).toBeUndefined();

    await second.state.keys.set({ session: { '6281234567890.0': null } });
    const third = await loadDbAuthState(authStore, 's1');
    expect(await third.state.keys.get('session', ['6281234567890.0'])).toEqual({});

    await clearAuthState(authStore, 's1');
    expect(await authStore.readCreds('s1')).toBeUndefined();
    expect(await authStore.readKeys('s1', 'pre-key', ['1'])).toEqual(new Map());
  });
});
