import { describe, expect, it } from 'vitest';
import {
  assessHealth,
  bandOf,
  bandPacing,
  DEFAULT_HEALTH_MODEL,
  emptyCounts,
  enforcementOf,
  newContactBudget,
  overrideHealthModel,
  type HealthCountKind,
  type HealthInputs,
} from '../../../src/core/health.js';
import { SAFE_PACING } from '../../../src/core/pacing.js';

/** A session's window after these events, as the monitor sums them from its hourly counts. */
function after(events: Partial<Record<HealthCountKind, number>>, extra: Partial<HealthInputs> = {}): HealthInputs {
  return { counts: { ...emptyCounts(), ...events }, sentBeforeGrace: 0, capState: null, timelocked: false, ageDays: 30, ...extra };
}

describe('account health: the score of recorded signal sequences', () => {
  it('a session sending well is healthy at 100, with no reasons', () => {
    const healthy = assessHealth(after({ sent: 400, delivered: 380, read: 200, replied: 12 }, { sentBeforeGrace: 300 }));
    expect(healthy).toEqual({ score: 100, band: 'healthy', reasons: [] });
  });

  it('error acks then opt-outs walk a session down watch → at risk → stop at the documented thresholds', () => {
    // The e2e scenario, step by step: 479 acks cost 10 each; opt-outs cost by rate over at least 50 sends.
    const steps: [Partial<Record<HealthCountKind, number>>, number, string][] = [
      [{ sent: 20, ack_error_479: 1 }, 90, 'healthy'],
      [{ sent: 20, ack_error_479: 2 }, 80, 'healthy'],
      [{ sent: 20, ack_error_479: 3 }, 70, 'watch'],
      [{ sent: 20, ack_error_479: 3, opted_out: 1 }, 60, 'watch'], // 2 % opt-outs: 10 points
      [{ sent: 20, ack_error_479: 3, opted_out: 2 }, 40, 'at_risk'], // 4 %: 30
      [{ sent: 20, ack_error_479: 3, opted_out: 3 }, 30, 'stop'], // 6 %: the whole 40
    ];
    for (const [events, score, band] of steps) {
      const assessed = assessHealth(after(events));
      expect({ events, score: assessed.score, band: assessed.band }).toEqual({ events, score, band });
    }
    const worst = assessHealth(after({ sent: 20, ack_error_479: 3, opted_out: 3 }));
    expect(worst.reasons.map((reason) => reason.code)).toEqual(['OPT_OUT_RATE', 'ACK_ERROR_479']);
    expect(worst.reasons[0]).toMatchObject({ points: 40, figure: 0.06 });
  });

  it("weighs WhatsApp's own signals: a 463, a ban, the time-lock and the new-chat cap", () => {
    expect(assessHealth(after({ sent: 10, ack_error_463: 1 }), DEFAULT_HEALTH_MODEL).score).toBe(70);
    expect(assessHealth(after({ banned: 1 })).band).toBe('stop');
    expect(assessHealth(after({}, { timelocked: true })).reasons).toEqual([expect.objectContaining({ code: 'TIMELOCK', points: 25 })]);
    expect(assessHealth(after({}, { capState: 'FIRST_WARNING' })).score).toBe(90);
    expect(assessHealth(after({}, { capState: 'SECOND_WARNING' })).band).toBe('watch');
    expect(assessHealth(after({}, { capState: 'CAPPED' })).band).toBe('watch');
    expect(assessHealth(after({}, { capState: 'CAPPED', timelocked: true })).band).toBe('stop');
    expect(assessHealth(after({}, { capState: 'NONE' })).score).toBe(100);
    // Six reconnects a day are free; each one more costs 2, at most 10.
    expect(assessHealth(after({ reconnect: 6 })).score).toBe(100);
    expect(assessHealth(after({ reconnect: 8 })).score).toBe(96);
    expect(assessHealth(after({ reconnect: 100 })).score).toBe(90);
  });

  it('rates count only past the acceptable share, over at least 50 messages', () => {
    // 2 failures of 100: under 5 %, nothing; 15 of 100: halfway to 25 %, half of 20 points.
    expect(assessHealth(after({ sent: 98, failed: 2 })).score).toBe(100);
    expect(assessHealth(after({ sent: 85, failed: 15 })).reasons).toEqual([expect.objectContaining({ code: 'FAILURE_RATE', points: 10, figure: 0.15 })]);
    // A list full of dead numbers looks like spam: 40 % not on WhatsApp costs the whole 20.
    expect(assessHealth(after({ sent: 60, not_on_whatsapp: 40 })).reasons[0]).toMatchObject({ code: 'NOT_ON_WHATSAPP_RATE', points: 20 });
    // One opt-out of three messages is not 33 %: the rate is taken over 50.
    expect(assessHealth(after({ sent: 3, opted_out: 1 })).reasons[0]).toMatchObject({ code: 'OPT_OUT_RATE', figure: 0.02 });
    // Messages sent long enough ago and never delivered.
    const undelivered = assessHealth(after({ sent: 200, delivered: 40 }, { sentBeforeGrace: 100 }));
    expect(undelivered.reasons[0]).toMatchObject({ code: 'UNDELIVERED_RATE', points: 20, figure: 0.6 });
    // Read receipts count as deliveries (WhatsApp may send "read" without "delivered").
    expect(assessHealth(after({ sent: 200, delivered: 10, read: 90 }, { sentBeforeGrace: 100 })).score).toBe(100);
  });

  it('replies give points back (never above 100), a new number costs a few', () => {
    const withReplies = assessHealth(after({ sent: 100, ack_error_479: 2, replied: 10 }));
    expect(withReplies.score).toBe(90);
    expect(withReplies.reasons.at(-1)).toMatchObject({ code: 'REPLIES', points: -10 });
    expect(assessHealth(after({ sent: 100, replied: 50 })).score).toBe(100);
    expect(assessHealth(after({}, { ageDays: 2 })).reasons).toEqual([expect.objectContaining({ code: 'NEW_NUMBER', points: 5 })]);
  });

  it('never leaves 0–100, whatever piles up', () => {
    const worst = assessHealth(after({ sent: 1, ack_error_463: 50, banned: 3, logged_out: 2, rate_limited: 9, opted_out: 50 }, { timelocked: true, capState: 'CAPPED' }));
    expect(worst.score).toBe(0);
    expect(worst.band).toBe('stop');
  });
});

describe('account health: what a band does', () => {
  it('watch doubles the delays and halves the hourly cap; at risk and stop, four times', () => {
    expect(bandPacing(SAFE_PACING, 'healthy')).toBe(SAFE_PACING);
    expect(bandPacing(SAFE_PACING, 'watch')).toMatchObject({ minDelayMs: 16_000, maxDelayMs: 40_000, hourlyCap: 100, dailyCap: 1_000 });
    expect(bandPacing(SAFE_PACING, 'at_risk')).toMatchObject({ minDelayMs: 32_000, maxDelayMs: 80_000, hourlyCap: 50 });
    expect(bandPacing({ ...SAFE_PACING, hourlyCap: 2 }, 'at_risk').hourlyCap).toBe(1);
  });

  it('stop pauses until an operator acknowledges it; then at-risk pace with half the new chats', () => {
    expect(enforcementOf(null)).toEqual({ pace: 'healthy', newContactShare: 1, pause: false });
    expect(enforcementOf({ band: 'watch', acknowledgedScore: null })).toEqual({ pace: 'watch', newContactShare: 0.5, pause: false });
    expect(enforcementOf({ band: 'at_risk', acknowledgedScore: null })).toEqual({ pace: 'at_risk', newContactShare: 0, pause: false });
    expect(enforcementOf({ band: 'stop', acknowledgedScore: null })).toMatchObject({ pause: true, newContactShare: 0 });
    expect(enforcementOf({ band: 'stop', acknowledgedScore: 30 })).toEqual({ pace: 'at_risk', newContactShare: 0.5, pause: false });
  });

  it('the new-chat budget follows the warm-up curve by healthy days, shared by the band', () => {
    expect(newContactBudget(0, 1)).toBe(20);
    expect(newContactBudget(7, 1)).toBe(50);
    expect(newContactBudget(13, 1)).toBe(50);
    expect(newContactBudget(14, 0.5)).toBe(50);
    expect(newContactBudget(365, 1)).toBe(1_000);
    expect(newContactBudget(365, 0)).toBe(0);
  });

  it('bands follow the thresholds', () => {
    expect([100, 80, 79, 60, 59, 40, 39, 0].map((score) => bandOf(score))).toEqual(['healthy', 'healthy', 'watch', 'watch', 'at_risk', 'at_risk', 'stop', 'stop']);
  });
});

describe('account health: tuning (HEALTH_MODEL)', () => {
  it('lays knobs over the defaults and refuses unknown or out-of-range ones', () => {
    const tuned = overrideHealthModel(DEFAULT_HEALTH_MODEL, { windowHours: 48, ackError479: { points: 20 }, optOutRate: { bad: 0.1 } });
    expect(tuned).toMatchObject({ windowHours: 48, ackError479: { points: 20, max: 40 }, optOutRate: { ok: 0.01, bad: 0.1, max: 40 } });
    expect(overrideHealthModel(DEFAULT_HEALTH_MODEL, { nope: 1 })).toEqual(['nope is not a knob of the model']);
    expect(overrideHealthModel(DEFAULT_HEALTH_MODEL, { optOutRate: { ok: 2 } })).toContain('optOutRate.ok is a rate: from 0 to 1');
    expect(overrideHealthModel(DEFAULT_HEALTH_MODEL, { bands: { healthy: 50, watch: 60 } })).toContain('bands must satisfy 100 >= healthy > watch > atRisk');
    expect(overrideHealthModel(DEFAULT_HEALTH_MODEL, { timelock: 'x' })).toEqual(['timelock must be a number from 0 to 1000000']);
    expect(overrideHealthModel(DEFAULT_HEALTH_MODEL, [1])).toEqual(['HEALTH_MODEL must be an object']);
  });
});
