/**
 * Runs in a worker thread: reads a spreadsheet and hands its rows to the importing thread in
 * batches, at most a few batches ahead (the importer asks for more), so parsing on one core
 * overlaps with normalising and storing on the other while memory stays bounded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isImportError } from './import-errors.js';
import { readSheet } from './read-sheet.js';
import type { ReadLimits, SheetFileType, SheetRow } from './sheet-reader.js';
import type { ReaderMessage } from './threaded-reader.js';

const BATCH_ROWS = 500;
const AHEAD = 4;

const { file, limits, type } = workerData as { file: string; limits: Partial<ReadLimits>; type: SheetFileType };
const port = parentPort;
let credits = AHEAD;
let wake: (() => void) | undefined;

port?.on('message', (message: unknown) => {
  if (message !== 'more') return;
  credits += 1;
  wake?.();
  wake = undefined;
});

async function send(message: ReaderMessage): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits -= 1;
  port?.postMessage(message);
}

async function run(): Promise<void> {
  let batch: SheetRow[] = [];
  for await (const row of readSheet(file, limits, type)) {
    batch.push(row);
    if (batch.length >= BATCH_ROWS) {
      await send({ rows: batch, done: false });
      batch = [];
    }
  }
  port?.postMessage({ rows: batch, done: true } satisfies ReaderMessage);
}

run().catch((error: unknown) => {
  const failure: ReaderMessage = isImportError(error)
    ? { error: { importError: true, code: error.code, message: error.message, details: error.details } }
    : { error: { importError: false, message: error instanceof Error ? error.message : String(error) } };
  port?.postMessage(failure);
});
