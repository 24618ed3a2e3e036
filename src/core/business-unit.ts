import { normalizeName } from './display-name.js';

/**
 * A business unit's name as it is stored and shown: normalised like every name (NFC, trimmed),
 * and runs of spaces inside made one, so that "Sales  East" and "Sales East" are one unit.
 */
export function canonicalUnitName(name: string): string {
  return normalizeName(name).replace(/ {2,}/g, ' ');
}

/**
 * What makes two unit names the same unit: the canonical name without regard to case.
 * ("marketing", " Marketing " and "MARKETING" are one unit; "Marketing" is shown.)
 */
export function unitKey(name: string): string {
  return canonicalUnitName(name).toLowerCase();
}

/**
 * The units an install from before 0020 had (the distinct names its data used), grouped by key.
 * Of names that differ only in case or spacing the most used (then the first in code-point order)
 * stays the unit the key means; the others stay units of their own, flagged as its variants:
 * merging them would move one team's sessions, lists and keys into another's sight.
 */
export function planUnitMigration(uses: ReadonlyArray<{ name: string; count: number }>): Array<{ name: string; variantOf: string | null }> {
  const byKey = new Map<string, Array<{ name: string; count: number }>>();
  for (const use of uses) {
    const key = unitKey(use.name);
    byKey.set(key, [...(byKey.get(key) ?? []), use]);
  }
  const plan: Array<{ name: string; variantOf: string | null }> = [];
  for (const group of byKey.values()) {
    const [first, ...rest] = [...group].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (first === undefined) continue;
    plan.push({ name: first.name, variantOf: null });
    for (const other of rest) plan.push({ name: other.name, variantOf: first.name });
  }
  return plan;
}
