/**
 * A blast's life: importing → scheduled → running ⇄ paused → completed | cancelled | failed.
 * Pure: the sending engine asks here whether a move is allowed before it writes one.
 */
export const BLAST_STATUSES = ['importing', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed'] as const;
export type BlastStatus = (typeof BLAST_STATUSES)[number];

export type BlastEvent =
  | 'imported' // the recipients are in (a file was uploaded with the blast)
  | 'start' // the scheduled time came, or there was none
  | 'pause'
  | 'resume'
  | 'cancel'
  | 'finish' // every recipient has a final outcome
  | 'fail'; // the blast cannot go on (e.g. its list failed to import)

const MOVES: Record<BlastStatus, Partial<Record<BlastEvent, BlastStatus>>> = {
  importing: { imported: 'scheduled', cancel: 'cancelled', fail: 'failed' },
  scheduled: { start: 'running', pause: 'paused', cancel: 'cancelled', fail: 'failed' },
  running: { pause: 'paused', cancel: 'cancelled', finish: 'completed', fail: 'failed' },
  paused: { resume: 'running', cancel: 'cancelled', finish: 'completed', fail: 'failed' },
  completed: {},
  cancelled: {},
  failed: {},
};

/** The status after `event`, or undefined when the move is not allowed from `status`. */
export function nextBlastStatus(status: BlastStatus, event: BlastEvent): BlastStatus | undefined {
  return MOVES[status][event];
}

export function isFinal(status: BlastStatus): boolean {
  return status === 'completed' || status === 'cancelled' || status === 'failed';
}
