import { assertCanWriteUnit, canSee, scopedUnit, type Principal } from '../auth/principal.js';
import { NotFound, ValidationFailed } from '../errors/app-error.js';
import type { Clock } from '../infra/clock.js';
import type { Store } from '../store/store.js';

export type NormalizePhone = (
  raw: string,
  country: string,
) => { ok: true; e164: string } | { ok: false; reason: 'MISSING_PHONE' | 'INVALID_PHONE' };

/** Opt-out numbers per business unit, honoured when sending. */
export function createSuppressionService(deps: { store: Store; clock: Clock; normalizePhone: NormalizePhone; defaultCountry: string }) {
  const { store, clock } = deps;

  function unitFor(principal: Principal, requested: string | undefined): string {
    const unit = requested ?? scopedUnit(principal);
    if (unit === undefined) {
      throw new ValidationFailed('businessUnit is required.', [{ field: 'businessUnit', message: 'is required for a key of every unit' }]);
    }
    assertCanWriteUnit(principal, unit);
    return unit;
  }

  return {
    async add(
      principal: Principal,
      input: { phones: string[]; businessUnit?: string | undefined; reason?: string | undefined; defaultCountry?: string | undefined },
    ) {
      const businessUnit = unitFor(principal, input.businessUnit);
      const country = (input.defaultCountry ?? deps.defaultCountry).toUpperCase();
      const createdAt = clock.now().toISOString();
      const invalid: { value: string; reason: string }[] = [];
      const phones = new Set<string>();
      for (const value of input.phones) {
        const phone = deps.normalizePhone(value, country);
        if (phone.ok) phones.add(phone.e164);
        else invalid.push({ value, reason: phone.reason });
      }
      const added = await store.suppressions.add(
        [...phones].map((phone) => ({ businessUnit, phone, reason: input.reason ?? null, source: 'api' as const, createdAt })),
      );
      return { businessUnit, added, alreadySuppressed: phones.size - added, invalid };
    },

    list(principal: Principal, filter: { businessUnit?: string | undefined; phone?: string | undefined; limit: number; offset: number }) {
      const unit = scopedUnit(principal);
      if (unit !== undefined && filter.businessUnit !== undefined && filter.businessUnit !== unit) {
        return Promise.resolve({ items: [], total: 0 });
      }
      return store.suppressions.page({ ...filter, businessUnit: unit ?? filter.businessUnit });
    },

    async remove(principal: Principal, phone: string, businessUnit: string | undefined, defaultCountry?: string) {
      const unit = businessUnit ?? scopedUnit(principal);
      if (unit === undefined) {
        throw new ValidationFailed('businessUnit is required.', [{ field: 'businessUnit', message: 'is required for a key of every unit' }]);
      }
      const normalized = deps.normalizePhone(phone, (defaultCountry ?? deps.defaultCountry).toUpperCase());
      const e164 = normalized.ok ? normalized.e164 : phone;
      if (!canSee(principal, unit) || !(await store.suppressions.remove(unit, e164))) {
        throw new NotFound('SUPPRESSION_NOT_FOUND', `${phone} is not suppressed in ${unit}.`);
      }
    },
  };
}

export type SuppressionService = ReturnType<typeof createSuppressionService>;
