/**
 * The import process (see import-process.ts): told where the database is, opens it and says it is
 * ready; then receives one ImportJob, runs importList, reports progress and the outcome, and
 * exits. On SQLite it loads neither Kysely nor pg: its store is a handful of prepared statements
 * (sqlite-import-store.ts). On PostgreSQL it uses the regular store.
 */
import process from 'node:process';
import type { DatabaseTarget } from '../config/config.js';
import { systemClock } from '../infra/clock.js';
import { importList, type ImportStore } from './import-list.js';
import type { ImportJob, ImportProcessCommand, ImportProcessMessage } from './import-process.js';
import { createImportTools } from './import-tools.js';

function send(message: ImportProcessMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('the import process has no channel to its worker'));
      return;
    }
    process.send(message, undefined, {}, (error: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

async function openStore(target: DatabaseTarget): Promise<{ store: ImportStore; close(): Promise<void> }> {
  if (target.kind === 'sqlite') {
    const [{ openSqlite }, { createSqliteImportStore }] = await Promise.all([import('../store/sqlite.js'), import('../store/sqlite-import-store.js')]);
    const sqlite = openSqlite(target.file);
    // better-sqlite3 builds SQLite with a 16 MB page cache; an import appends to a few B-tree
    // leaves at a time and never reads back, so 1 MB is as fast (measured) and ~14 MB leaner.
    sqlite.pragma(`cache_size = -${String(IMPORT_PAGE_CACHE_KIB)}`);
    return {
      store: createSqliteImportStore(sqlite),
      close: () => {
        sqlite.close();
        return Promise.resolve();
      },
    };
  }
  const [{ createDatabase }, { createStore }] = await Promise.all([import('../store/database.js'), import('../store/store.js')]);
  const handle = createDatabase(target);
  return { store: createStore(handle), close: () => handle.close() };
}

async function run(opening: ReturnType<typeof openStore> | undefined, job: ImportJob): Promise<number> {
  if (!opening) throw new Error('the import process was given an import before its database');
  const opened = await opening;
  const store = opened.store;
  const loadedRssMb = process.memoryUsage.rss() / MIB;
  try {
    await importList(job.listId, {
      store,
      tools: createImportTools(job.limits),
      clock: systemClock,
      log: {
        info: (details, message) => {
          void send({ type: 'log', details, message }).catch(() => undefined);
        },
      },
      tmpDir: job.tmpDir,
      onProgress: (list) => send({ type: 'progress', list }),
    });
  } finally {
    await opened.close();
  }
  return loadedRssMb;
}

const MIB = 1024 * 1024;
const IMPORT_PAGE_CACHE_KIB = 1024;

let importing = false;
let finished = false;
// The worker is gone (it crashed or was killed): nobody is waiting for this import any more.
process.on('disconnect', () => {
  if (!finished) process.exit(1);
});
let opening: ReturnType<typeof openStore> | undefined;
process.on('message', (command: ImportProcessCommand) => {
  if (command.type === 'open') {
    opening ??= openStore(command.database);
    opening.then(
      () => send({ type: 'ready' }),
      // While it waits, a spare whose database did not open exits (the worker starts another
      // for the next import, which meets the database as it is then); given its import, the
      // import fails with the error.
      () => {
        if (!importing) process.exit(1);
      },
    ).catch(() => undefined);
    return;
  }
  if (importing) return;
  importing = true;
  run(opening, command.job)
    .then(
      (loadedRssMb) => send({ type: 'done', peakRssMb: process.resourceUsage().maxRSS / 1024, loadedRssMb }),
      (error: unknown) =>
        send({
          type: 'failed',
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
        }),
    )
    .finally(() => {
      finished = true;
      process.disconnect();
    })
    .catch(() => process.exit(1));
});
