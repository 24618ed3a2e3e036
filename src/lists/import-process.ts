import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DatabaseTarget } from '../config/config.js';
import type { RecipientList } from '../core/recipient-list.js';
import type { ReadLimits } from '../import/sheet-reader.js';
import type { ImportLog, ImportProgressListener } from './import-list.js';

/** One list to import; the process exits once it is done. */
export interface ImportJob {
  listId: string;
  limits: Partial<ReadLimits>;
  tmpDir: string;
}

/**
 * What the worker tells an import process: where the database is, as soon as the process starts
 * (it opens it while it waits), then the one list to import.
 */
export type ImportProcessCommand = { type: 'open'; database: DatabaseTarget } | { type: 'import'; job: ImportJob };

/** What it says back, in order; `done` or `failed` is its last word. */
export type ImportProcessMessage =
  | { type: 'ready' }
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

/** An import process started ahead of its import: Node and the import's modules loaded, the database open. */
interface Spare {
  child: ChildProcess;
  /** Settles when the process has opened the database, or has exited (as one that cannot open it does). */
  ready: Promise<void>;
}

/**
 * Runs imports each in a process of its own (import-child), which loads only what an import
 * needs: the readers, the phone rules and, on SQLite, better-sqlite3 with a few prepared
 * statements. The worker's process keeps its memory and its event loop (the api's, in the `all`
 * role) whatever the file; the import's peak memory is that small process's, and it is returned
 * to the system when the import ends.
 *
 * One process is kept started ahead (`warm`): starting Node and loading the modules takes
 * ~100 ms, a seventh of a 100k-row import, and the spare does it while the worker is idle. It
 * is started again once an import has ended, not while one runs (it would take CPU from it).
 * An idle spare costs ~13 MB of memory of its own (measured: 57 MB RSS, 44 MB of it Node's code
 * and libraries, shared with the worker's process). `close` stops it.
 */
export class ImportProcesses {
  #spare: Spare | undefined;
  #closed = false;
  /** Imports running, so that close can wait for their processes. */
  readonly #running = new Set<ChildProcess>();

  constructor(
    private readonly database: DatabaseTarget,
    private readonly log?: { debug(details: object, message: string): void; warn(details: object, message: string): void },
  ) {}

  /** Starts the spare process, unless one is there. */
  warm(): void {
    if (this.#closed || this.#spare) return;
    this.#spare = this.#start();
  }

  /** Settles once the spare process has opened the database or exited (no spare: at once). */
  async ready(): Promise<void> {
    await this.#spare?.ready;
  }

  /**
   * Runs one import in the spare process (or a new one), then starts the next spare. Resolves
   * with the process's peak once the import has ended, failed lists included (those are the
   * file's fault and recorded on the list); rejects for our own failures, the process dying
   * among them, as importList would throw.
   */
  async run(job: ImportJob, hooks: { log: ImportLog; onProgress?: ImportProgressListener | undefined }): Promise<ImportProcessOutcome> {
    if (this.#closed) throw new Error('The import processes are closed.');
    // A spare killed from outside while it waited is not used: the import would fail with it.
    const spare = this.#spare && isRunning(this.#spare.child) ? this.#spare : this.#start();
    this.#spare = undefined;
    const { child } = spare;
    this.#running.add(child);
    try {
      return await importIn(child, job, hooks);
    } finally {
      this.#running.delete(child);
      this.warm();
    }
  }

  /** Stops the spare process and waits for it and for any import still running to end. */
  async close(): Promise<void> {
    this.#closed = true;
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare) {
      const exited = exitOf(spare.child);
      spare.child.kill();
      await exited;
    }
    await Promise.all([...this.#running].map(exitOf));
  }

  #start(): Spare {
    const child = fork(fileURLToPath(ENTRY), [], {
      // Not the worker's execArgv (it may run under a loader or an inspector the import does not need).
      execArgv: IMPORT_PROCESS_FLAGS,
      env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const ready = new Promise<void>((resolve) => {
      const settle = (): void => {
        child.off('message', onMessage);
        resolve();
      };
      const onMessage = (message: ImportProcessMessage): void => {
        if (message.type !== 'ready') return;
        this.log?.debug({ pid: child.pid }, 'import process ready');
        settle();
      };
      child.on('message', onMessage);
      child.once('close', settle);
    });
    // A spare that dies while it waits (killed from outside, or its database did not open) is
    // replaced by the next run.
    child.once('close', (code, signal) => {
      if (this.#spare?.child !== child) return;
      this.#spare = undefined;
      this.log?.warn({ pid: child.pid, code, signal }, 'import process stopped while it waited');
    });
    child.once('error', () => undefined);
    child.send({ type: 'open', database: this.database } satisfies ImportProcessCommand, (error: Error | null) => {
      // Gone before it could be told: the import it is given fails as its process dying.
      if (error) child.kill();
    });
    return { child, ready };
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.connected;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => {
      resolve();
    });
  });
}

/** Tells `child` to import `job` and relays what it says until it has ended. */
function importIn(child: ChildProcess, job: ImportJob, hooks: { log: ImportLog; onProgress?: ImportProgressListener | undefined }): Promise<ImportProcessOutcome> {
  return new Promise((resolve, reject) => {
    let relayed: Promise<void> = Promise.resolve();
    let outcome: ImportProcessOutcome | Error | undefined;
    child.on('message', (message: ImportProcessMessage) => {
      switch (message.type) {
        case 'progress':
          // In order, one at a time, as importList would have awaited them.
          relayed = relayed.then(() => hooks.onProgress?.(message.list));
          // Handled when the process closes (the import rejects with it); not an unhandled rejection meanwhile.
          relayed.catch(() => undefined);
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
        case 'ready':
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
    if (!isRunning(child)) {
      reject(new Error('The import process stopped before it was given its import.'));
      return;
    }
    child.send({ type: 'import', job } satisfies ImportProcessCommand, (error: Error | null) => {
      if (error) child.kill();
    });
  });
}
