/**
 * bench/import: how fast and how lean the recipient import is, beside a plain SheetJS load.
 *   npm run bench:import            (100k rows; add --full for the 1M-row files and the api latency run)
 * Every run is a fresh process; figures are rows/s and peak RSS (VmHWM). The last line is the
 * comparable figure: the 100k xlsx import's time and memory as fractions of SheetJS's. Both times
 * start with the code loaded (SheetJS's module; our import process, which a running worker keeps
 * started ahead); a worker's first import, which starts its process too, is printed beside it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { largeWorkbook } from '../test/fixtures/spreadsheets.js';
import { measureApiDuringImport } from './import-api-latency.js';

interface Run {
  rows: number;
  ms: number;
  peakRssMb: number;
  /** Peak RSS minus RSS just before the measured part (libraries loaded): what the load itself takes. */
  growthMb: number;
}

const root = path.resolve(import.meta.dirname, '..');
function run(mode: 'pipeline' | 'pipeline-cold' | 'sheetjs', file: string, profile = false): Run {
  const args = [...(profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(root, 'bench', 'profiles')] : []), path.join(root, 'bench', 'import-run.mjs'), mode, file];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Run;
}

/** The same recipients as CSV, the way Excel saves "CSV UTF-8" in an Indonesian locale. */
async function writeCsv(file: string, rows: number): Promise<string> {
  const cities = ['Jakarta', 'Surabaya', 'Bandung', 'Medan', 'Makassar'];
  function* lines(): Iterable<string> {
    yield '\uFEFFphone;name;city;segment\n';
    let chunk = '';
    for (let r = 2; r <= rows; r++) {
      chunk += `0812${String(r).padStart(8, '0')};Customer ${r % 1000};${cities[r % 5] ?? ''};${r % 2 ? 'gold' : 'silver'}\n`;
      if (chunk.length > 65_536) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk;
  }
  await pipeline(Readable.from(lines()), fs.createWriteStream(file));
  return file;
}

const line = (label: string, result: Run): string =>
  `${label.padEnd(28)} ${String(result.rows).padStart(8)} rows ${(result.ms / 1000).toFixed(2).padStart(7)} s ${String(Math.round(result.rows / (result.ms / 1000))).padStart(8)} rows/s  peak RSS ${String(result.peakRssMb).padStart(5)} MB (+${String(result.growthMb)} MB during the load)`;

const full = process.argv.includes('--full');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-bench-import-'));
try {
  const sizes = full ? [100_000, 1_000_000] : [100_000];
  let ratio = '';
  for (const size of sizes) {
    const xlsx = await largeWorkbook(path.join(dir, `${size}.xlsx`), size + 1);
    const csv = await writeCsv(path.join(dir, `${size}.csv`), size + 1);
    const ours = run('pipeline', xlsx);
    console.log(line(`import ${size} xlsx`, ours));
    if (size === 100_000) console.log(line(`  first import of a worker`, run('pipeline-cold', xlsx)));
    console.log(line(`import ${size} csv`, run('pipeline', csv)));
    const sheetjs = run('sheetjs', xlsx);
    console.log(line(`SheetJS readFile ${size} xlsx`, sheetjs));
    const time = ours.ms / sheetjs.ms;
    const memory = ours.peakRssMb / sheetjs.peakRssMb;
    const growth = ours.growthMb / sheetjs.growthMb;
    console.log(
      `  ours / SheetJS: time ${time.toFixed(2)}× (target ≤ 0.5×), peak RSS ${memory.toFixed(2)}× (target ≤ 0.3×), ` +
        `memory taken by the load ${growth.toFixed(2)}×`,
    );
    if (size === 1_000_000) {
      console.log(`  1M-row import peak RSS ${ours.peakRssMb} MB (target < 300 MB)`);
      // The same sheet with a different name on every row: a shared-strings table of 1M entries.
      const unique = await largeWorkbook(path.join(dir, `${size}-unique.xlsx`), size + 1, { uniqueNames: true });
      console.log(line(`import ${size} xlsx, unique names`, run('pipeline', unique)));
    }
    if (size === 100_000) ratio = `import_100k_xlsx time_vs_sheetjs=${time.toFixed(2)} rss_vs_sheetjs=${memory.toFixed(2)} growth_vs_sheetjs=${growth.toFixed(2)}`;
  }
  if (full) {
    const latency = await measureApiDuringImport(path.join(dir, '1000000.xlsx'));
    console.log(`GET /api/lists/:id during the 1M import: ${latency.samples} calls, p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms (target < 50 ms)`);
  }
  console.log(`RESULT ${ratio}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
