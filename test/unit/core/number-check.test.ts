import { describe, expect, it } from 'vitest';
import { checkExpiresAt, checksNumbers, checksNumbersByDefault, numberCheckScope } from '../../../src/core/number-check.js';

describe('number checks: who checks, for how long, in whose name (issue 15, item 7)', () => {
  it('is on by default for baileys sessions, off for the sandbox, and a session may say otherwise', () => {
    expect(checksNumbersByDefault({ provider: 'baileys' })).toBe(true);
    expect(checksNumbersByDefault({ provider: 'sandbox' })).toBe(false);
    expect(checksNumbersByDefault({ provider: 'baileys', checkNumbers: false })).toBe(false);
    expect(checksNumbersByDefault({ provider: 'sandbox', checkNumbers: true })).toBe(true);
  });

  it('a blast checks when it says so, unless its session turned checks off', () => {
    expect(checksNumbers({ checkNumbers: true }, {})).toBe(true);
    expect(checksNumbers({ checkNumbers: true }, { checkNumbers: true })).toBe(true);
    expect(checksNumbers({ checkNumbers: true }, { checkNumbers: false })).toBe(false);
    expect(checksNumbers({ checkNumbers: false }, { checkNumbers: true })).toBe(false);
  });

  it('believes "not on WhatsApp" for less time than "on WhatsApp"', () => {
    const now = new Date('2026-03-01T10:00:00.000Z');
    const ttl = { foundMs: 7 * 86_400_000, notFoundMs: 86_400_000 };
    expect(checkExpiresAt({ onWhatsApp: true, address: 'x@s.whatsapp.net' }, now, ttl).toISOString()).toBe('2026-03-08T10:00:00.000Z');
    expect(checkExpiresAt({ onWhatsApp: false }, now, ttl).toISOString()).toBe('2026-03-02T10:00:00.000Z');
  });

  it("keeps answers per business unit; a sandbox session's for itself alone", () => {
    expect(numberCheckScope({ businessUnit: 'Clinic', provider: 'baileys', uid: 'u1' })).toBe('Clinic');
    expect(numberCheckScope({ businessUnit: 'Clinic', provider: 'baileys', uid: 'u2' })).toBe('Clinic');
    expect(numberCheckScope({ businessUnit: 'Sales', provider: 'baileys', uid: 'u1' })).toBe('Sales');
    expect(numberCheckScope({ businessUnit: 'Clinic', provider: 'sandbox', uid: 'u1' })).not.toBe(numberCheckScope({ businessUnit: 'Clinic', provider: 'sandbox', uid: 'u2' }));
  });
});
