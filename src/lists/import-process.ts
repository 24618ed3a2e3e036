import { fork } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DatabaseTarget } from '../config/config.js';
import type { RecipientList } from '../core/recipient-list.js';
import type { ReadLimits } from '../import/sheet-reader.js';
import type { ImportLog, ImportProgressListener } from './import-list.js';

/** What the import process is told to do: one list, then it exits. */
export interface ImportJob {
  listId: string;
  database: DatabaseTarget;
  limits: Partial<ReadLimits>;
  tmpDir: string;
}

/** What it says back, in order; `done` or `failed` is its last word. */
export type ImportProcessMessage =
  | { type: 'progress'; list: RecipientList }
  | { type: 'log'; details: object; message: string }
  | { type: 'done'; peakRssMb: number; loadedRssMb: number }
  | { type: 'failed'; message: string; stack?: string };

/** The import process's peak RSS (VmHWM), and its RSS once its modules were loaded and the database open. */
export interface ImportProcessOutcome {
  peakRssMb: number;
  loadedRssMb: number;
}

const ENTRY = new URL('./import-child.js', import.meta.url);

/**
 * How the import process runs, for a small peak (measured on the 100k-row benchmark sheet):
 * - the import's garbage is short-lived cells and rows, so a young generation capped at 4 MB
 *   semi-spaces (V8 had let them grow to 8 MB each) is collected as cheaply and stays ~12 MB
 *   smaller;
 * - no incremental marking: the old generation is collected in one pause when it is due (a few
 *   ms for this small heap, and nothing here waits on the process), where incremental marking,
 *   when the machine was busy, let promoted garbage pile up for the length of the marking: one
 *   run in 15 peaked ~18 MB higher (0 in 90 without);
 * - a single malloc arena (MALLOC_ARENA_MAX=1, unless set) keeps glibc from holding freed memory
 *   in one arena per thread that ever allocated (zlib, SQLite, V8's compiler threads), ~6 MB.
 */
const IMPORT_PROCESS_FLAGS = ['--max-semi-space-size=4', '--no-incremental-marking'];

/** The import process needs its compiled entry (a build); straight from TypeScript sources there is none. */
export function hasImportProcess(): boolean {
  return fs.existsSync(fileURLToPath(ENTRY));
}

/**
 * Runs one import in a process of its own (import-child), which loads only what an import needs:
 * the readers, the phone rules and, on SQLite, better-sqlite3 with a few prepared statements.
 * The worker's process keeps its memory and its event loop (the api's, in the `all` role) whatever
 * the file; the import's peak memory is that small process's, and it is returned to the system
 * when the import ends. Resolves with that peak once the import has ended, failed lists included
 * (those are the file's fault and recorded on the list); rejects for our own failures, the
 * process dying among them, as importList would throw.
 */
export function runImportProcess(job: ImportJob, hooks: { log: ImportLog; onProgress?: ImportProgressListener | undefined }): Promise<ImportProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(ENTRY), [], {
      // Not the worker's execArgv (it may run under a loader or an inspector the import does not need).
      execArgv: IMPORT_PROCESS_FLAGS,
      env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    let relayed: Promise<void> = Promise.resolve();
    let outcome: ImportProcessOutcome | Error | undefined;
    child.on('message', (message: ImportProcessMessage) => {
      switch (message.type) {
        case 'progress':
          // In order, one at a time, as importList would have awaited them.
          relayed = relayed.then(() => hooks.onProgress?.(message.list));
          break;
        case 'log':
          hooks.log.info(message.details, message.message);
          break;
        case 'done':
          outcome = { peakRssMb: message.peakRssMb, loadedRssMb: message.loadedRssMb };
          break;
        case 'failed':
          outcome = Object.assign(new Error(message.message), message.stack === undefined ? {} : { stack: message.stack });
          break;
      }
    });
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    // 'close' comes after the last message has been delivered.
    child.once('close', (code, signal) => {
      const result = outcome ?? spawnError ?? new Error(`The import process stopped (${signal ?? `exit code ${String(code)}`}) before it finished.`);
      relayed.then(
        () => {
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
        reject,
      );
    });
    child.send(job);
  });
}
