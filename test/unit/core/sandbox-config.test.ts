import { describe, expect, it } from 'vitest';
import { sanitizeSandboxConfig } from '../../../src/core/sandbox-config.js';
import { resolveSandboxSettings } from '../../../src/providers/sandbox/sandbox-settings.js';

describe('sandbox settings read back from storage', () => {
  it('keeps what is within bounds as it is', () => {
    const good = { linkMode: 'auto', autoLinkMs: 20, qrRotateMs: 20_000, deliveryDelayMs: null, readDelayMs: 100, notOnWhatsApp: { suffixes: ['0003'], numbers: ['+628111111111'] }, transientFailureRate: 0.3, restrictAfterSends: 15, seed: 7, phone: '+15550000001' };
    expect(sanitizeSandboxConfig(good)).toEqual({ config: good, ignored: [] });
  });

  it('clamps numbers into their bounds: no QR rotation below 5 s, no send latency over 30 s', () => {
    const { config, ignored } = sanitizeSandboxConfig({ qrRotateMs: 0, sendLatencyMs: 9e15, transientFailureRate: -2, autoLinkMs: 1.6 });
    expect(config).toEqual({ qrRotateMs: 5_000, sendLatencyMs: 30_000, transientFailureRate: 0, autoLinkMs: 2 });
    expect(ignored).toEqual(['qrRotateMs', 'sendLatencyMs', 'transientFailureRate', 'autoLinkMs']);
  });

  it('leaves out values of the wrong type and unknown fields, and cuts lists to what is valid', () => {
    const { config, ignored } = sanitizeSandboxConfig({
      qrRotateMs: '0',
      notOnWhatsApp: { suffixes: ['12', 5, 'x'.repeat(100)], numbers: Array.from({ length: 2_000 }, (_, i) => `+62811${String(100_000 + i)}`) },
      linkMode: 'sometimes',
      __proto__: { admin: true },
      extra: 1,
    });
    expect(config).toEqual({ notOnWhatsApp: { suffixes: ['12'], numbers: expect.any(Array) as unknown } });
    expect(config.notOnWhatsApp?.numbers).toHaveLength(1_000);
    expect(ignored).toEqual(['qrRotateMs', 'notOnWhatsApp.suffixes', 'notOnWhatsApp.numbers', 'linkMode', 'extra']);
    expect(sanitizeSandboxConfig({ notOnWhatsApp: null }).config).toEqual({});
    expect(sanitizeSandboxConfig([1, 2]).config).toEqual({});
  });

  it('gives the provider complete settings whatever was stored: notOnWhatsApp null is no list', () => {
    const settings = resolveSandboxSettings('demo', { notOnWhatsApp: null, qrRotateMs: 0 } as never);
    expect(settings.notOnWhatsApp).toEqual({ suffixes: [], numbers: [] });
    expect(settings.qrRotateMs).toBe(5_000);
  });
});
