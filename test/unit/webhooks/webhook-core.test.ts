import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../../src/core/private-address.js';
import { classifyAttempt, DEFAULT_RETRY_SCHEDULE_MS, nextRetryDelayMs, parseRetrySchedule, retryAfterMs } from '../../../src/core/webhook-retry.js';
import { newWebhookSecret, secretKey, signWebhook, verifyWebhook } from '../../../src/core/webhook-signature.js';

describe('Standard Webhooks signature', () => {
  // The specification's published test vector (also used by the Svix and standardwebhooks libraries).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('reproduces the specification’s example signature', () => {
    expect(signWebhook([secret], id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every secret during a rotation, space-separated, and either verifies', () => {
    const fresh = newWebhookSecret();
    const header = signWebhook([fresh, secret], id, timestamp, body);
    expect(header.split(' ')).toHaveLength(2);
    expect(verifyWebhook(fresh, id, timestamp, body, header)).toBe(true);
    expect(verifyWebhook(secret, id, timestamp, body, header)).toBe(true);
    expect(verifyWebhook(newWebhookSecret(), id, timestamp, body, header)).toBe(false);
    expect(verifyWebhook(secret, id, timestamp, `${body} `, header)).toBe(false);
  });

  it('makes secrets of 32 random bytes behind whsec_', () => {
    const made = newWebhookSecret();
    expect(made).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(made)).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(made);
  });
});

describe('private-address rule', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '0:0:0:0:0:ffff:a9fe:a9fe',
    '[::1]',
    '64:ff9b::a00:5',
    '2002:7f00:1::',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('retries', () => {
  it('follows the schedule: about now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', () => {
    const delays = Array.from({ length: 9 }, (_, index) => nextRetryDelayMs(DEFAULT_RETRY_SCHEDULE_MS, index + 1, null, 0));
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, null, null]);
    expect(DEFAULT_RETRY_SCHEDULE_MS[0]).toBe(0);
  });

  it('retries timeouts, connection errors, 5xx, 408, 409, 425 and 429; other 4xx and redirects are final', () => {
    expect(classifyAttempt({ kind: 'timeout' })).toBe('retryable');
    expect(classifyAttempt({ kind: 'network', message: 'ECONNREFUSED' })).toBe('retryable');
    for (const status of [500, 502, 503, 408, 409, 425, 429]) expect(classifyAttempt({ kind: 'response', status, retryAfter: null })).toBe('retryable');
    for (const status of [400, 401, 403, 404, 410, 422, 301, 302]) expect(classifyAttempt({ kind: 'response', status, retryAfter: null })).toBe('final');
    for (const status of [200, 201, 204]) expect(classifyAttempt({ kind: 'response', status, retryAfter: null })).toBe('succeeded');
  });

  it('honours a longer Retry-After, in seconds or as a date', () => {
    expect(nextRetryDelayMs([0, 1_000, 2_000], 1, '60', 0)).toBe(60_000);
    expect(nextRetryDelayMs([0, 1_000, 2_000], 1, '0', 0)).toBe(1_000);
    expect(retryAfterMs(new Date(90_000).toUTCString(), 30_000)).toBe(60_000);
    expect(retryAfterMs('soon', 0)).toBeNull();
  });

  it('reads WEBHOOK_RETRY_SCHEDULE and refuses nonsense', () => {
    expect(parseRetrySchedule('0,5s,5m,30m,2h')).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000]);
    expect(parseRetrySchedule('100ms, 200')).toEqual([100, 200]);
    expect(parseRetrySchedule('5x')).toBeUndefined();
    expect(parseRetrySchedule('25h')).toBeUndefined();
    expect(parseRetrySchedule(Array.from({ length: 21 }, () => '1s').join(','))).toBeUndefined();
  });
});
