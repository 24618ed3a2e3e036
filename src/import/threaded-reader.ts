import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ImportError, type ImportErrorCode } from './import-errors.js';
import type { ReadLimits, SheetFileType, SheetRow } from './sheet-reader.js';

export type ReaderMessage =
  | { rows: SheetRow[]; done: boolean }
  | { error: { importError: true; code: ImportErrorCode; message: string; details?: unknown } | { importError: false; message: string } };

const WORKER = new URL('./sheet-reader.worker.js', import.meta.url);

/** Threads need the compiled worker script (a build); straight from TypeScript sources there is none. */
export function canReadInThread(): boolean {
  return fs.existsSync(fileURLToPath(WORKER));
}

/**
 * readSheet, with the parsing in a worker thread: the same rows and the same errors, while the
 * caller's thread is free to normalise and store. The thread ends with the iteration, early or not.
 */
export async function* readSheetInThread(
  file: string,
  limits: Partial<ReadLimits>,
  type: SheetFileType,
): AsyncGenerator<SheetRow, void, undefined> {
  const worker = new Worker(WORKER, { workerData: { file, limits, type } });
  const inbox: ReaderMessage[] = [];
  let waiting: ((message: ReaderMessage) => void) | undefined;
  const deliver = (message: ReaderMessage): void => {
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(message);
    } else inbox.push(message);
  };
  worker.on('message', deliver);
  worker.on('error', (error: Error) => {
    deliver({ error: { importError: false, message: error.message } });
  });
  worker.on('exit', (code) => {
    if (code !== 0) deliver({ error: { importError: false, message: `the reader thread stopped (exit ${code})` } });
  });
  const next = (): Promise<ReaderMessage> => {
    const queued = inbox.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => (waiting = resolve));
  };
  try {
    for (;;) {
      const message = await next();
      if ('error' in message) {
        const { error } = message;
        throw error.importError ? new ImportError(error.code, error.message, error.details) : new Error(error.message);
      }
      yield* message.rows;
      if (message.done) return;
      worker.postMessage('more');
    }
  } finally {
    await worker.terminate();
  }
}
