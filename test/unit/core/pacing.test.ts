import { describe, expect, it } from 'vitest';
import { defaultPacing, pacingProblems } from '../../../src/core/pacing.js';

describe('pacing policy', () => {
  it('defaults to slow, capped sending for real accounts and to none for the sandbox', () => {
    const real = defaultPacing('baileys');
    expect(real.minDelayMs).toBeGreaterThanOrEqual(5_000);
    expect(real.maxDelayMs).toBeGreaterThan(real.minDelayMs);
    expect(real.dailyCap).toBeLessThanOrEqual(1_000);
    expect(defaultPacing('sandbox')).toMatchObject({ minDelayMs: 0, maxDelayMs: 0 });
  });

  it('reports inconsistent fields', () => {
    expect(pacingProblems({ ...defaultPacing('baileys'), minDelayMs: 30_000, maxDelayMs: 10_000 })).toEqual([
      'pacing.minDelayMs must not exceed pacing.maxDelayMs',
    ]);
    expect(pacingProblems({ ...defaultPacing('baileys'), hourlyCap: 5_000, dailyCap: 100 })).toEqual([
      'pacing.hourlyCap must not exceed pacing.dailyCap',
    ]);
    expect(
      pacingProblems({ ...defaultPacing('baileys'), window: { startHour: 8, endHour: 20, timezone: 'Mars/Olympus' } }),
    ).toEqual(['pacing.window.timezone "Mars/Olympus" is not a known IANA time zone']);
    expect(
      pacingProblems({ ...defaultPacing('baileys'), window: { startHour: 8, endHour: 20, timezone: 'Asia/Jakarta' } }),
    ).toEqual([]);
  });
});
