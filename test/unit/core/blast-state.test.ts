import { describe, expect, it } from 'vitest';
import { BLAST_STATUSES, isFinal, nextBlastStatus } from '../../../src/core/blast-state.js';

describe('blast state machine', () => {
  it('follows importing → scheduled → running ⇄ paused → completed', () => {
    expect(nextBlastStatus('importing', 'imported')).toBe('scheduled');
    expect(nextBlastStatus('scheduled', 'start')).toBe('running');
    expect(nextBlastStatus('running', 'pause')).toBe('paused');
    expect(nextBlastStatus('paused', 'resume')).toBe('running');
    expect(nextBlastStatus('running', 'finish')).toBe('completed');
  });

  it('can be cancelled until it ends, and nothing moves a finished blast', () => {
    for (const status of BLAST_STATUSES.filter((s) => !isFinal(s))) expect(nextBlastStatus(status, 'cancel')).toBe('cancelled');
    for (const status of BLAST_STATUSES.filter(isFinal)) {
      for (const event of ['start', 'pause', 'resume', 'cancel', 'finish', 'fail'] as const) {
        expect(nextBlastStatus(status, event)).toBeUndefined();
      }
    }
  });

  it('refuses moves that make no sense', () => {
    expect(nextBlastStatus('running', 'resume')).toBeUndefined();
    expect(nextBlastStatus('importing', 'start')).toBeUndefined();
    expect(nextBlastStatus('paused', 'pause')).toBeUndefined();
  });
});
