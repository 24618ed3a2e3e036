import { describe, expect, it } from 'vitest';
import { assertAdmin, assertCanWriteUnit, canSee, scopedUnit, type Principal } from '../../../src/auth/principal.js';
import { Forbidden } from '../../../src/errors/app-error.js';

const admin: Principal = { kind: 'admin', keyId: null };
const everyUnit: Principal = { kind: 'operator', keyId: 'k1', businessUnit: null };
const marketing: Principal = { kind: 'operator', keyId: 'k2', businessUnit: 'Marketing' };

describe('principal scoping', () => {
  it('confines a unit key to its unit and lets the others see every unit', () => {
    expect(scopedUnit(admin)).toBeUndefined();
    expect(scopedUnit(everyUnit)).toBeUndefined();
    expect(scopedUnit(marketing)).toBe('Marketing');
    expect(canSee(marketing, 'Marketing')).toBe(true);
    expect(canSee(marketing, 'Finance')).toBe(false);
    expect(canSee(everyUnit, 'Finance')).toBe(true);
  });

  it('refuses to write into another unit with a 403 code', () => {
    expect(() => {
      assertCanWriteUnit(marketing, 'Finance');
    }).toThrow(expect.objectContaining({ status: 403, code: 'BUSINESS_UNIT_FORBIDDEN' }) as Error);
    expect(() => {
      assertCanWriteUnit(marketing, 'Marketing');
    }).not.toThrow();
  });

  it('keeps key management to admins', () => {
    expect(() => {
      assertAdmin(everyUnit);
    }).toThrow(Forbidden);
    expect(() => {
      assertAdmin(admin);
    }).not.toThrow();
  });
});
