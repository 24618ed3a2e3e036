import { describe, expect, it } from 'vitest';
import { chance, isOnWhatsApp, resolveSandboxSettings } from '../../../src/providers/sandbox/sandbox-settings.js';

describe('sandbox settings', () => {
  it('fills defaults and keeps what was stored', () => {
    const settings = resolveSandboxSettings('demo', { linkMode: 'auto', transientFailureRate: 0.1 });
    expect(settings).toMatchObject({ linkMode: 'auto', transientFailureRate: 0.1, qrRotateMs: 20_000, deliveryDelayMs: 200 });
    expect(settings.phone).toMatch(/^\+1555\d{7}$/);
    expect(resolveSandboxSettings('demo', null).seed).toBe(settings.seed);
    expect(resolveSandboxSettings('other', null).seed).not.toBe(settings.seed);
  });

  it('answers the same random question the same way every time', () => {
    const draws = Array.from({ length: 1_000 }, (_, i) => chance(42, 'fail', `m${i}`, 1));
    expect(Array.from({ length: 1_000 }, (_, i) => chance(42, 'fail', `m${i}`, 1))).toEqual(draws);
    expect(draws.every((draw) => draw >= 0 && draw < 1)).toBe(true);
    const failing = draws.filter((draw) => draw < 0.2).length;
    expect(failing).toBeGreaterThan(150);
    expect(failing).toBeLessThan(250);
  });

  it('knows which numbers are "not on WhatsApp", by ending or by list', () => {
    const settings = resolveSandboxSettings('demo', { notOnWhatsApp: { suffixes: ['0000'], numbers: ['+628111111111'] } });
    expect(isOnWhatsApp(settings, '+6281234560000')).toBe(false);
    expect(isOnWhatsApp(settings, '+628111111111')).toBe(false);
    expect(isOnWhatsApp(settings, '+6281234567890')).toBe(true);
  });
});
