import { describe, expect, it } from 'vitest';
import { DisconnectReason } from 'baileys';
import {
  DEFAULT_RECONNECT,
  DISCONNECT_CODES,
  FRESH_COUNTERS,
  backoffDelay,
  decideReconnect,
  disconnectReasonName,
  type ReconnectCounters,
  type ReconnectDecision,
} from '../../../src/providers/baileys/reconnect-policy.js';

const half = (): number => 0.5;
const top = (): number => 0.999_999;
const NOW = new Date('2026-03-01T10:00:00.000Z');

describe('reconnect policy', () => {
  it("uses baileys' own DisconnectReason codes where baileys names them", () => {
    expect(DISCONNECT_CODES).toMatchObject({
      restartRequired: DisconnectReason.restartRequired,
      loggedOut: DisconnectReason.loggedOut,
      connectionReplaced: DisconnectReason.connectionReplaced,
      forbidden: DisconnectReason.forbidden,
      badSession: DisconnectReason.badSession,
      multideviceMismatch: DisconnectReason.multideviceMismatch,
      connectionClosed: DisconnectReason.connectionClosed,
      connectionLost: DisconnectReason.connectionLost,
      unavailableService: DisconnectReason.unavailableService,
    });
    expect(DisconnectReason.timedOut).toBe(DISCONNECT_CODES.connectionLost);
  });

  it('names every code, and anything else as unknown', () => {
    expect([515, 401, 402, 403, 405, 406, 411, 440, 500, 428, 408, 503, 999, undefined].map(disconnectReasonName)).toEqual([
      'restart_required',
      'logged_out',
      'temporarily_banned',
      'forbidden',
      'client_outdated',
      'unknown_logout',
      'multidevice_mismatch',
      'connection_replaced',
      'bad_session',
      'connection_closed',
      'connection_lost',
      'unavailable',
      'unknown',
      'unknown',
    ]);
  });

  // The table: which codes end the link, with which status, and whether the creds go.
  it.each<[number, Omit<Extract<ReconnectDecision, { action: 'stop' }>, 'counters' | 'action'>]>([
    [401, { reason: 'logged_out', detail: 'logged_out', status: 'logged_out', clearCredentials: true, restricted: 'logged_out' }],
    [406, { reason: 'unknown_logout', detail: 'unknown_logout', status: 'logged_out', clearCredentials: true, restricted: 'logged_out' }],
    [403, { reason: 'forbidden', detail: 'forbidden', status: 'failed', clearCredentials: false, restricted: 'banned' }],
    [
      405,
      {
        reason: 'client_outdated',
        detail: 'client_outdated: WhatsApp refused this client version: set WA_VERSION to the current WhatsApp Web version, or upgrade',
        status: 'failed',
        clearCredentials: false,
      },
    ],
    [411, { reason: 'multidevice_mismatch', detail: 'multidevice_mismatch', status: 'failed', clearCredentials: false }],
    [440, { reason: 'connection_replaced', detail: 'connection_replaced', status: 'disconnected', clearCredentials: false }],
  ])('stops for %s without reconnecting', (code, expected) => {
    const counters = { failures: 2, restarts: 1 };
    expect(decideReconnect({ statusCode: code }, counters, half)).toEqual({ action: 'stop', ...expected, counters });
  });

  it('a temporary ban (402) waits until WhatsApp says it ends, says so as a restriction, then reconnects', () => {
    expect(decideReconnect({ statusCode: 402, banForMs: 2 * 3_600_000 }, FRESH_COUNTERS, half, DEFAULT_RECONNECT, NOW)).toEqual({
      action: 'reconnect',
      reason: 'temporarily_banned',
      detail: 'temporarily_banned until 2026-03-01T12:00:00.000Z',
      delayMs: 2 * 3_600_000,
      counters: FRESH_COUNTERS,
      restricted: { reason: 'temporarily_banned', until: '2026-03-01T12:00:00.000Z' },
    });
    // No end given: an hour.
    expect(decideReconnect({ statusCode: 402 }, FRESH_COUNTERS, half, DEFAULT_RECONNECT, NOW)).toMatchObject({ delayMs: 3_600_000 });
  });

  it.each([40 * 24 * 3_600_000, 1e20, Infinity])('a temporary ban said to last %s ms is waited out 7 days at most, with a date that can be shown', (banForMs) => {
    expect(decideReconnect({ statusCode: 402, banForMs }, FRESH_COUNTERS, half, DEFAULT_RECONNECT, NOW)).toMatchObject({
      delayMs: 7 * 24 * 3_600_000,
      restricted: { reason: 'temporarily_banned', until: '2026-03-08T10:00:00.000Z' },
    });
  });

  it('restart-required reconnects at once, a bounded number of times in a row', () => {
    let counters: ReconnectCounters = FRESH_COUNTERS;
    for (let i = 1; i <= DEFAULT_RECONNECT.maxImmediateRestarts; i++) {
      const decision = decideReconnect({ statusCode: 515 }, counters, half);
      expect(decision).toEqual({ action: 'reconnect', reason: 'restart_required', detail: 'restart_required', delayMs: 0, counters: { failures: 0, restarts: i } });
      counters = decision.counters;
    }
    expect(decideReconnect({ statusCode: 515 }, counters, half)).toMatchObject({ action: 'reconnect', delayMs: 500, counters: { failures: 1, restarts: 3 } });
  });

  it.each([500, 428, 408, 503, undefined])('status %s backs off with the creds kept', (code) => {
    const decision = decideReconnect(code === undefined ? {} : { statusCode: code }, FRESH_COUNTERS, half);
    const reason = disconnectReasonName(code);
    expect(decision).toEqual({ action: 'reconnect', reason, detail: reason, delayMs: 500, counters: { failures: 1, restarts: 0 } });
  });

  it('an unreachable WhatsApp (DNS, TCP, TLS) says so, with the network error, and backs off', () => {
    const decision = decideReconnect({ statusCode: 408, unreachable: 'getaddrinfo ENOTFOUND web.whatsapp.com' }, FRESH_COUNTERS, half);
    expect(decision).toMatchObject({ action: 'reconnect', reason: 'whatsapp_unreachable', detail: 'whatsapp_unreachable: getaddrinfo ENOTFOUND web.whatsapp.com' });
  });

  it('retries for ever, the ceiling growing to 5 minutes, and raises the alert from the 10th failure in a row', () => {
    const delays: number[] = [];
    const alerts: boolean[] = [];
    let counters: ReconnectCounters = FRESH_COUNTERS;
    for (let i = 0; i < 30; i++) {
      const decision = decideReconnect({ statusCode: 428 }, counters, top);
      if (decision.action !== 'reconnect') throw new Error('gave up');
      delays.push(decision.delayMs);
      alerts.push(decision.alert === true);
      counters = decision.counters;
    }
    expect(delays.slice(0, 10)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]);
    expect(new Set(delays.slice(9))).toEqual(new Set([300_000]));
    expect(alerts.indexOf(true)).toBe(DEFAULT_RECONNECT.alertAfterFailures - 1);
    expect(alerts.slice(9).every(Boolean)).toBe(true);
    expect(counters.failures).toBe(30);
  });

  it('draws uniformly under the ceiling (full jitter), never below the floor', () => {
    expect(backoffDelay(4, () => 0)).toBe(250);
    expect(backoffDelay(4, () => 0.25)).toBe(2_000);
    expect(backoffDelay(4, () => 0.75)).toBe(6_000);
    expect(backoffDelay(30, () => 1)).toBe(300_000);
    expect(backoffDelay(10_000, () => 1)).toBe(300_000);
    expect(backoffDelay(1, () => 7)).toBe(1_000);
    expect(backoffDelay(1, () => -1)).toBe(250);
  });

  it('honours other options', () => {
    const options = { ...DEFAULT_RECONNECT, baseDelayMs: 100, maxDelayMs: 300, minDelayMs: 10, alertAfterFailures: 2, maxImmediateRestarts: 0 };
    expect(decideReconnect({ statusCode: 515 }, FRESH_COUNTERS, top, options)).toMatchObject({ action: 'reconnect', delayMs: 100 });
    expect(decideReconnect({ statusCode: 428 }, { failures: 1, restarts: 0 }, top, options)).toMatchObject({ action: 'reconnect', delayMs: 200, alert: true });
    expect(decideReconnect({ statusCode: 428 }, { failures: 5, restarts: 0 }, top, options)).toMatchObject({ action: 'reconnect', delayMs: 300 });
  });
});
