// One measured run, in a plain `node` process of its own (the built product, no TypeScript
// loader), so that its peak RSS (VmHWM) is the import's own:
//   node bench/import-run.mjs pipeline <file>   our import: parse + normalise + dedupe + store (SQLite),
//                                               run as the worker runs it, in its import process,
//                                               started ahead as a running worker keeps one
//   node bench/import-run.mjs pipeline-cold <file>   the same, the import process started for it
//                                               (a worker's first import; ~100 ms more)
//   node bench/import-run.mjs sheetjs <file>    SheetJS readFile + sheet_to_json, for comparison
// Prints one JSON line: { rows, ms, peakRssMb, growthMb } (growth: peak RSS minus RSS once loaded).
// For the pipeline, peakRssMb counts every process doing import work: the import process's peak
// plus whatever this process (the worker's stand-in, which only waits) grew by meanwhile; the two
// parts are printed too. Both sides' times start with their code loaded: SheetJS's once its
// module is, ours once the import process is ready (pipeline-cold: when it is asked for).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dist = new URL('../dist/', import.meta.url);
const load = (module) => import(new URL(module, dist).href);

function statusMb(field) {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}
const peakRssMb = () => statusMb('VmHWM');
// RSS once the libraries are loaded, just before the measured part: what the load itself adds
// is the peak minus this.
let baselineMb = 0;
const markBaseline = () => {
  baselineMb = statusMb('VmRSS');
};

async function pipelineRun(file, warm) {
  const [{ ImportProcesses }, { createLogger }, { createDatabase }, { migrateToLatest }, { createStore }] =
    await Promise.all(['lists/import-process.js', 'logging/logger.js', 'store/database.js', 'store/migrate.js', 'store/store.js'].map(load));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-bench-'));
  const database = { kind: 'sqlite', file: path.join(dir, 'bench.sqlite') };
  const handle = createDatabase(database);
  await migrateToLatest(handle, createLogger('silent'));
  const store = createStore(handle);
  const blob = await store.blobs.put(fs.createReadStream(file), { maxBytes: 1024 ** 3, now: new Date().toISOString() });
  const id = randomUUID();
  await store.lists.create({
    id, name: 'bench', purpose: 'recipients', businessUnit: 'Bench', fileName: path.basename(file), fileSize: blob.size,
    blobSha256: blob.sha256, phoneColumn: null, defaultCountry: 'ID', createdAt: new Date().toISOString(),
  });
  const processes = new ImportProcesses(database);
  if (warm) {
    processes.warm();
    await processes.ready();
  }
  markBaseline();
  const before = baselineMb;
  const started = performance.now();
  const child = await processes.run({ listId: id, limits: { maxRows: 2_000_000 }, tmpDir: path.join(dir, 'tmp') }, { log: createLogger('silent') });
  const ms = performance.now() - started;
  const workerGrowthMb = Math.max(0, peakRssMb() - before);
  await processes.close();
  const list = await store.lists.get(id);
  if (list?.status !== 'ready') throw new Error(`import ended ${String(list?.status)}: ${JSON.stringify(list?.error)}`);
  await handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    rows: list.counts.valid,
    ms,
    peakRssMb: child.peakRssMb + workerGrowthMb,
    growthMb: child.peakRssMb - child.loadedRssMb + workerGrowthMb,
    importProcessPeakMb: Math.round(child.peakRssMb),
    workerGrowthMb: Math.round(workerGrowthMb),
  };
}

async function sheetjsRun(file) {
  const XLSX = (await import('xlsx')).default;
  markBaseline();
  const started = performance.now();
  const workbook = XLSX.readFile(file);
  const rows = XLSX.utils.sheet_to_json(workbook.Sheets[workbook.SheetNames[0]]);
  return { rows: rows.length, ms: performance.now() - started };
}

const [mode, file] = process.argv.slice(2);
if (!file || !['pipeline', 'pipeline-cold', 'sheetjs'].includes(mode)) throw new Error('usage: import-run.mjs pipeline|pipeline-cold|sheetjs <file>');
const result = mode === 'sheetjs' ? await sheetjsRun(file) : await pipelineRun(file, mode === 'pipeline');
const peak = result.peakRssMb ?? peakRssMb();
const growth = result.growthMb ?? peakRssMb() - baselineMb;
console.log(JSON.stringify({ ...result, peakRssMb: Math.round(peak), growthMb: Math.round(growth) }));
