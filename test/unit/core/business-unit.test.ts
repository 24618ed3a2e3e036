import { describe, expect, it } from 'vitest';
import { canonicalUnitName, planUnitMigration, unitKey } from '../../../src/core/business-unit.js';

describe('business unit names', () => {
  it('are one unit whatever the case, the blanks around or the runs of spaces inside', () => {
    expect(canonicalUnitName('  Sales    East ')).toBe('Sales East');
    expect(new Set(['Marketing', 'marketing', ' MARKETING ', 'Marke\u0301ting'.normalize('NFD')].map(unitKey)).size).toBe(2);
    expect(unitKey('Cafe\u0301')).toBe(unitKey('CAFÉ'));
    expect(unitKey('Sales East')).not.toBe(unitKey('SalesEast'));
  });

  it('keep the most used spelling of an older install as the unit, the others apart as its variants', () => {
    expect(
      planUnitMigration([
        { name: 'clinic', count: 2 },
        { name: 'Clinic', count: 5 },
        { name: 'CLINIC', count: 2 },
        { name: 'Sales', count: 1 },
      ]),
    ).toEqual([
      { name: 'Clinic', variantOf: null },
      { name: 'CLINIC', variantOf: 'Clinic' },
      { name: 'clinic', variantOf: 'Clinic' },
      { name: 'Sales', variantOf: null },
    ]);
    expect(planUnitMigration([])).toEqual([]);
  });
});
