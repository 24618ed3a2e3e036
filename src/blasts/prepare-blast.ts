import { assertKnownVariables, compileTemplate, TemplateError } from '../core/template.js';
import type { Clock } from '../infra/clock.js';
import { enqueue, type Queues } from '../queue/queues.js';
import type { Store } from '../store/store.js';
import { startJobId, type BlastControl } from './blast-control.js';
import type { FollowUps } from './follow-ups.js';

/** Variables every recipient has besides the list's columns. */
export const BUILT_IN_VARIABLES = ['phone'];

/**
 * Once a blast's list is ready: checks the message's variables against the list's columns,
 * copies the recipients into the blast's ledger, then starts the blast or schedules its start.
 * A list that failed, or a message that needs columns the list lacks, fails the blast with a
 * code the user can act on, before anything is sent. Safe to run again. A follow-up's list is its
 * parent's: checked the same way, but its ledger is filled at its start (blasts/follow-ups.ts).
 */
export async function prepareBlast(blastId: string, deps: { store: Store; control: BlastControl; followUps: FollowUps; queues: Queues; clock: Clock }): Promise<void> {
  const { store, control, clock } = deps;
  const blast = await store.blasts.get(blastId);
  if (blast?.status !== 'importing') return;
  const list = await store.lists.get(blast.listId);
  if (!list) {
    await control.fail(blastId, { code: 'LIST_NOT_FOUND', message: 'The blast\'s recipient list no longer exists.' });
    return;
  }
  if (list.status === 'importing') return; // the import's end runs this again
  if (list.status === 'failed') {
    const error = list.error ?? { code: 'LIST_IMPORT_FAILED', message: 'The recipient list could not be imported.' };
    await control.fail(blastId, { code: error.code, message: `The recipients file could not be used: ${error.message}`, details: { listId: list.id } });
    return;
  }
  try {
    assertKnownVariables(compileTemplate(blast.message), [...BUILT_IN_VARIABLES, ...list.columns.map((column) => column.key)]);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    await control.fail(blastId, { code: error.code, message: error.message, details: error.details });
    return;
  }
  if (list.counts.valid === 0) {
    await control.fail(blastId, { code: 'LIST_EMPTY', message: 'The recipient list has no valid phone number.', details: { listId: list.id, counts: list.counts } });
    return;
  }
  if (blast.followUp) {
    // Its ledger is its parent's segment, taken at its start: it waits for the parent's end.
    if (await control.imported(blastId)) await deps.followUps.schedule(blastId);
    return;
  }
  await store.blasts.populate(blastId, list.id, clock.now().toISOString());
  if (!(await control.imported(blastId))) return;

  const delayMs = blast.scheduledAt === null ? 0 : Date.parse(blast.scheduledAt) - clock.now().getTime();
  if (delayMs > 0) {
    await enqueue(deps.queues, 'blasts', 'start-blast', { blastId }, { jobId: startJobId(blastId), delay: delayMs, removeOnComplete: 1_000, removeOnFail: 5_000 });
  } else {
    await control.start(blastId);
  }
}
