import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { CreateBaileysSocket } from '../../src/providers/baileys/baileys-socket.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { failure, streamError } from '../support/wa-stanzas.js';
import type { WaWire } from '../support/wa-wire.js';
import { linkedWire } from '../support/wire-setup.js';
import { makeWASocket } from 'baileys';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION = 'wire-dc';

/** What WhatsApp sends, through baileys' own stream-error and login-failure handling (socket.js). */
describe('disconnects over the wire (item 6)', () => {
  const linked = linkedWire(SESSION);
  let authStore: AuthStateStore;
  let wire: WaWire;
  let log: EventLog;
  let provider: MessagingProvider;

  const make = (createSocket: CreateBaileysSocket = wire.createSocket): void => {
    provider = createBaileysProvider({ sessionId: SESSION, authStore, sink: log.sink, logger: silent, createSocket, random: () => 0.5 });
  };
  const connected = async (): Promise<void> => {
    await provider.connect();
    await log.wait(statusOf('connected'));
  };
  const lastStatus = (): { status: string; reason?: string } | undefined => {
    const last = log.events.filter(eventOf('status')).at(-1);
    return last && { status: last.status, ...(last.reason ? { reason: last.reason } : {}) };
  };

  beforeEach(() => {
    ({ wire } = linked());
    authStore = linked().store.authState;
    log = new EventLog();
    make();
  });
  afterEach(async () => {
    await provider.close();
  });

  it('stream:error 515 (restart required) opens a new socket at once, with the creds', async () => {
    await connected();
    const next = wire.nextConnection();
    await wire.current.send(streamError({ code: 515 }));
    await next;
    await log.wait(eventOf('status', (event) => event.status === 'connected' && log.events.filter(statusOf('connected')).length === 2));
    expect(wire.connections).toHaveLength(2);
  });

  it.each([
    ['stream:error code 401 (device removed)', streamError({ code: 401, child: 'conflict', childAttrs: { type: 'device_removed' } }), 'logged_out', 'logged_out'],
    ['login failure 401', failure(401), 'logged_out', 'logged_out'],
    ['login failure 406', failure(406), 'logged_out', 'unknown_logout'],
  ])('%s: ends logged out and purges the creds', async (_label, stanza, status, reason) => {
    if (stanza.tag === 'failure') wire.script = { answer: () => stanza };
    await provider.connect();
    if (stanza.tag !== 'failure') {
      await log.wait(statusOf('connected'));
      await wire.current.send(stanza);
    }
    await log.wait(statusOf('logged_out'));
    expect(lastStatus()).toEqual({ status, reason });
    expect(log.events.filter(eventOf('restricted'))).toEqual([{ type: 'restricted', reason: 'logged_out', detail: reason }]);
    expect(await authStore.readCreds(SESSION)).toBeUndefined();
  });

  it('login failure 403 (banned): ends failed, keeps the creds, says banned', async () => {
    wire.script = { answer: () => failure(403) };
    await provider.connect();
    await log.wait(statusOf('failed'));
    expect(lastStatus()).toEqual({ status: 'failed', reason: 'forbidden' });
    expect(log.events.filter(eventOf('restricted'))).toEqual([{ type: 'restricted', reason: 'banned', detail: 'forbidden' }]);
    expect(await authStore.readCreds(SESSION)).toBeDefined();
    expect(wire.connections).toHaveLength(1);
  });

  it('login failure 405: `client_outdated` with the advice, creds kept, the version it sent on record', async () => {
    wire.script = { answer: () => failure(405) };
    await provider.connect();
    const failed = await log.wait(statusOf('failed'));
    expect(failed.reason).toBe('client_outdated: WhatsApp refused this client version: set WA_VERSION to the current WhatsApp Web version, or upgrade');
    expect(wire.current.appVersion).toMatch(/^2\.3000\.\d+$/);
    expect(await authStore.readCreds(SESSION)).toBeDefined();
  });

  it('login failure 402 (temporary ban, `expire` in seconds): a restriction until then, the creds kept, and a reconnect when it ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldAdvanceTime: true });
    try {
      wire.script = { answer: () => failure(402, { code: '101', expire: '7200' }) };
      await provider.connect();
      const restricted = await log.wait(eventOf('restricted'));
      expect(restricted.reason).toBe('temporarily_banned');
      const until = Date.parse(restricted.until ?? '');
      expect(until - Date.now()).toBeGreaterThan(7_100_000);
      expect(until - Date.now()).toBeLessThanOrEqual(7_200_000);
      expect(lastStatus()?.status).toBe('disconnected');
      expect(await authStore.readCreds(SESSION)).toBeDefined();
      wire.script = {};
      const next = wire.nextConnection();
      await vi.advanceTimersByTimeAsync(7_200_000);
      await next;
      await log.wait(statusOf('connected'));
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['past what a Node timer holds (35 days)', '3000000'],
    ['past what a date holds (1e17 s)', '100000000000000000'],
  ])('login failure 402 with an `expire` %s: waits 7 days at most, says so, then tries again (no reconnect loop, no dead session)', async (_label, expire) => {
    const week = 7 * 24 * 3_600_000;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldAdvanceTime: true });
    try {
      wire.script = { answer: () => failure(402, { code: '101', expire }) };
      await provider.connect();
      const restricted = await log.wait(eventOf('restricted'));
      const until = Date.parse(restricted.until ?? '');
      expect(until - Date.now()).toBeGreaterThan(week - 100_000);
      expect(until - Date.now()).toBeLessThanOrEqual(week);
      expect(lastStatus()?.status).toBe('disconnected');
      await vi.advanceTimersByTimeAsync(week - 100_000);
      expect(wire.connections).toHaveLength(1);
      wire.script = {};
      const next = wire.nextConnection();
      await vi.advanceTimersByTimeAsync(100_000);
      await next;
      await log.wait(statusOf('connected'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('ib downgrade_webclient (baileys: 411, multi-device mismatch): ends failed, keeps the creds', async () => {
    await connected();
    // Socket/socket.js `ws.on('CB:ib,,downgrade_webclient')`.
    await wire.current.send({ tag: 'ib', attrs: {}, content: [{ tag: 'downgrade_webclient', attrs: {} }] });
    await log.wait(statusOf('failed'));
    expect(lastStatus()).toEqual({ status: 'failed', reason: 'multidevice_mismatch' });
    expect(await authStore.readCreds(SESSION)).toBeDefined();
  });

  it('stream:error conflict (replaced: another socket uses our creds): stops, keeps the creds, does not fight back', async () => {
    await connected();
    await wire.current.send(streamError({ child: 'conflict', childAttrs: { type: 'replaced' } }));
    await log.wait(eventOf('status', (event) => event.reason === 'connection_replaced'));
    expect(lastStatus()).toEqual({ status: 'disconnected', reason: 'connection_replaced' });
    expect(await authStore.readCreds(SESSION)).toBeDefined();
    expect(wire.connections).toHaveLength(1);
  });

  it.each([
    ['an unknown stream error (baileys: 500)', streamError({ child: 'xml-not-well-formed' }), 'bad_session'],
    ['stream:error 503', streamError({ code: 503 }), 'unavailable'],
  ])('%s: backs off and reconnects with the creds', async (_label, stanza, reason) => {
    await connected();
    const next = wire.nextConnection();
    await wire.current.send(stanza);
    await log.wait(eventOf('status', (event) => event.status === 'disconnected' && event.reason === reason));
    await next;
    expect(await authStore.readCreds(SESSION)).toBeDefined();
  });

  it('a WhatsApp it cannot reach says so: `whatsapp_unreachable` with the network error, and keeps trying', async () => {
    await provider.close();
    make((config) => makeWASocket({ ...config, waWebSocketUrl: 'wss://web.whatsapp.invalid/ws/chat' }));
    await provider.connect();
    const down = await log.wait(statusOf('disconnected'), 15_000);
    expect(down.reason).toMatch(/^whatsapp_unreachable: getaddrinfo (ENOTFOUND|EAI_AGAIN) web\.whatsapp\.invalid$/);
    expect(down.attempt).toBe(1);
  });
});
