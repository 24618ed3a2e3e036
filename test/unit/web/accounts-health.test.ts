import { describe, expect, it } from 'vitest';
import {
  bandLabel,
  bandTone,
  enforcementLines,
  healthBadgeText,
  newContactsText,
  reasonLabel,
  reasonPoints,
  thresholdsText,
  worstFirst,
} from '../../../web/src/screens/accounts-health-text.js';

// What the Accounts screen says of an account's health (README "Account health"): the column's
// badge and the detail panel's lines, from the API's figures.
describe('console: an account\'s health in words', () => {
  it('gives each band its own badge colour, "at risk" in words', () => {
    const tones = (['healthy', 'watch', 'at_risk', 'stop'] as const).map(bandTone);
    expect(tones).toEqual(['ok', 'warn', 'risk', 'bad']);
    expect(new Set(tones).size).toBe(4);
    expect(bandLabel('at_risk')).toBe('at risk');
  });

  it('shows score and band once assessed, a dash before', () => {
    expect(healthBadgeText({ score: 70, band: 'watch', bandSince: '2026-01-01T00:00:00.000Z', assessedAt: '2026-01-01T00:00:00.000Z' })).toBe('70 · watch');
    expect(healthBadgeText({ score: 100, band: 'healthy', bandSince: null, assessedAt: null })).toBe('—');
  });

  it('lists reasons worst first, points given back last and marked as such', () => {
    const reasons = [
      { code: 'REPLIES', points: -4, figure: 0.04, detail: '4.0 % of recipients replied' },
      { code: 'NEW_NUMBER', points: 5, figure: 2, detail: 'linked 2 days ago: still warming up' },
      { code: 'NEW_CHAT_CAP_SECOND_WARNING', points: 25, figure: 1, detail: "WhatsApp's new-chat cap says SECOND_WARNING" },
    ];
    expect(worstFirst(reasons).map((reason) => reason.code)).toEqual(['NEW_CHAT_CAP_SECOND_WARNING', 'NEW_NUMBER', 'REPLIES']);
    expect(reasons.map((reason) => reasonPoints(reason.points))).toEqual(['+4 back', '−5', '−25']);
    expect(reasonLabel('NEW_CHAT_CAP_SECOND_WARNING')).toBe('New-chat cap: second warning');
    expect(reasonLabel('SOMETHING_NEW')).toBe('SOMETHING_NEW');
  });

  it('says what the band does: delays in seconds, caps, pause and new chats', () => {
    const lines = Object.fromEntries(
      enforcementLines({ pace: 'at_risk', slowdown: 4, paused: false, existingChatsOnly: true, minDelayMs: 1_600, maxDelayMs: 6_000, hourlyCap: 250, dailyCap: 1_000 }),
    );
    expect(lines).toMatchObject({
      Pace: 'at risk: 4× slower than configured',
      Delays: '1.6 s–6 s apart',
      Caps: `250/h · ${(1_000).toLocaleString()}/day`,
      Blasts: 'sending',
      'New chats': 'none: existing chats only',
    });
    expect(Object.fromEntries(enforcementLines({ pace: 'healthy', slowdown: 1, paused: true, existingChatsOnly: false, minDelayMs: 400, maxDelayMs: 400, hourlyCap: 10, dailyCap: 20 }))).toMatchObject({
      Pace: 'healthy: as configured',
      Delays: '400 ms apart',
      Blasts: 'paused on every blast it serves',
      'New chats': 'allowed',
    });
  });

  it('shows the new-chat budget used and left, or that there is none; and the model\'s thresholds', () => {
    expect(newContactsText({ budget: 20, used: 12, left: 8, healthyDays: 1 })).toBe('12 / 20 used · 8 left (warm-up: 1 healthy day)');
    expect(newContactsText(null)).toMatch(/^No budget/);
    expect(thresholdsText({ windowHours: 24, bands: { healthy: 80, watch: 60, atRisk: 40 } })).toBe('healthy from 80 · watch from 60 · at risk from 40 · stop below 40');
  });
});
