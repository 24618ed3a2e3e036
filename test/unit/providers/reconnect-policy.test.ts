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

describe('reconnect policy', () => {
  it("uses baileys' own DisconnectReason codes", () => {
    expect(DISCONNECT_CODES).toEqual({
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
    expect([515, 401, 440, 403, 500, 411, 428, 408, 503, 999, undefined].map(disconnectReasonName)).toEqual([
      'restart_required',
      'logged_out',
      'connection_replaced',
      'forbidden',
      'bad_session',
      'multidevice_mismatch',
      'connection_closed',
      'connection_lost',
      'unavailable',
      'unknown',
      'unknown',
    ]);
  });

  it.each<[number, Omit<Extract<ReconnectDecision, { action: 'stop' }>, 'counters'>]>([
    [401, { action: 'stop', reason: 'logged_out', status: 'logged_out', clearCredentials: true, restricted: 'logged_out' }],
    [411, { action: 'stop', reason: 'multidevice_mismatch', status: 'logged_out', clearCredentials: true }],
    [440, { action: 'stop', reason: 'connection_replaced', status: 'disconnected', clearCredentials: false }],
    [403, { action: 'stop', reason: 'forbidden', status: 'failed', clearCredentials: false, restricted: 'banned' }],
  ])('stops for %s without reconnecting', (code, expected) => {
    const counters = { failures: 2, restarts: 1 };
    expect(decideReconnect(code, counters, half)).toEqual({ ...expected, counters });
  });

  it('restart-required reconnects at once, a bounded number of times in a row', () => {
    let counters: ReconnectCounters = FRESH_COUNTERS;
    for (let i = 1; i <= DEFAULT_RECONNECT.maxImmediateRestarts; i++) {
      const decision = decideReconnect(515, counters, half);
      expect(decision).toEqual({ action: 'reconnect', reason: 'restart_required', delayMs: 0, counters: { failures: 0, restarts: i } });
      counters = decision.counters;
    }
    expect(decideReconnect(515, counters, half)).toEqual({
      action: 'reconnect',
      reason: 'restart_required',
      delayMs: 500,
      counters: { failures: 1, restarts: 3 },
    });
  });

  it.each([500, 428, 408, 503, undefined])('status %s backs off with the creds kept', (code) => {
    const decision = decideReconnect(code, FRESH_COUNTERS, half);
    expect(decision).toEqual({ action: 'reconnect', reason: disconnectReasonName(code), delayMs: 500, counters: { failures: 1, restarts: 0 } });
  });

  it('grows the ceiling exponentially up to the cap, then fails after the bound', () => {
    const delays: number[] = [];
    let counters: ReconnectCounters = FRESH_COUNTERS;
    let decision = decideReconnect(428, counters, top);
    while (decision.action === 'reconnect') {
      delays.push(decision.delayMs);
      counters = decision.counters;
      decision = decideReconnect(428, counters, top);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(decision).toEqual({
      action: 'stop',
      reason: 'connection_closed',
      status: 'failed',
      clearCredentials: false,
      counters: { failures: DEFAULT_RECONNECT.maxConsecutiveFailures, restarts: 0 },
    });
  });

  it('draws uniformly under the ceiling (full jitter), never below the floor', () => {
    expect(backoffDelay(4, () => 0)).toBe(250);
    expect(backoffDelay(4, () => 0.25)).toBe(2_000);
    expect(backoffDelay(4, () => 0.75)).toBe(6_000);
    expect(backoffDelay(30, () => 1)).toBe(60_000);
    expect(backoffDelay(1, () => 7)).toBe(1_000);
    expect(backoffDelay(1, () => -1)).toBe(250);
  });

  it('honours other options', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 300, minDelayMs: 10, maxConsecutiveFailures: 3, maxImmediateRestarts: 0 };
    expect(decideReconnect(515, FRESH_COUNTERS, top, options)).toMatchObject({ action: 'reconnect', delayMs: 100 });
    expect(decideReconnect(428, { failures: 1, restarts: 0 }, top, options)).toMatchObject({ action: 'reconnect', delayMs: 200 });
    expect(decideReconnect(428, { failures: 2, restarts: 0 }, top, options)).toMatchObject({ action: 'stop', status: 'failed' });
  });
});
