import { Forbidden } from '../errors/app-error.js';

/**
 * Who is calling. The admin (the environment's key, or a key with role admin) sees everything
 * and manages keys. An operator key sees everything, or only its business unit when it has one.
 */
export type Principal =
  | { kind: 'admin'; keyId: string | null }
  | { kind: 'operator'; keyId: string; businessUnit: string | null };

export function isAdmin(principal: Principal): boolean {
  return principal.kind === 'admin';
}

/** The unit a principal is confined to, or undefined when it sees every unit. */
export function scopedUnit(principal: Principal): string | undefined {
  return principal.kind === 'operator' ? (principal.businessUnit ?? undefined) : undefined;
}

/** Reading another unit's resource is answered as if it did not exist (404 by the caller). */
export function canSee(principal: Principal, businessUnit: string): boolean {
  const unit = scopedUnit(principal);
  return unit === undefined || unit === businessUnit;
}

/** Creating or moving a resource into another unit is refused outright. */
export function assertCanWriteUnit(principal: Principal, businessUnit: string): void {
  if (!canSee(principal, businessUnit)) {
    throw new Forbidden(
      `This API key is limited to business unit "${String(scopedUnit(principal))}".`,
      'BUSINESS_UNIT_FORBIDDEN',
    );
  }
}

export function assertAdmin(principal: Principal): void {
  if (!isAdmin(principal)) throw new Forbidden('This action needs an admin API key.', 'ADMIN_REQUIRED');
}
