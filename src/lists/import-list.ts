import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { ListColumn, ListCounts, NewReject, NewRecipient, RecipientList } from '../core/recipient-list.js';
import type { Clock } from '../infra/clock.js';
import { ensurePrivateDir } from '../infra/private-files.js';
import type { BlobRepository } from '../store/blob.repository.js';
import type { ListRepository } from '../store/list.repository.js';
import type { SuppressionRepository } from '../store/suppression.repository.js';

/** The pieces of the import that live elsewhere (readers in src/import, rules in src/core). */
export interface ImportTools {
  detectFileType(file: string): Promise<'xlsx' | 'csv'>;
  /** The rows a batch at a time, in order; the importer may change the cells arrays it is given. */
  readRows(file: string, type: 'xlsx' | 'csv'): AsyncIterable<{ rowNumber: number; cells: string[] }[]>;
  buildColumns(headers: string[]): ListColumn[];
  findPhoneColumn(headers: string[], requested: string | undefined): { index: number } | { error: string; seen: string[] };
  normalizePhone(raw: string, country: string): { ok: true; e164: string } | { ok: false; reason: 'MISSING_PHONE' | 'INVALID_PHONE' };
  /** Failures that are the file's fault (a code for the user), as opposed to ours. */
  asImportFailure(error: unknown): { code: string; message: string; details?: unknown } | undefined;
}

/** What an import reads and writes: the full Store has it, and so does the lean SQLite store of the import process. */
export interface ImportStore {
  lists: Pick<ListRepository, 'get' | 'resetImport' | 'progress' | 'complete' | 'fail' | 'insertRecipients' | 'insertRejects'>;
  blobs: Pick<BlobRepository, 'read'>;
  suppressions: Pick<SuppressionRepository, 'addFromList'>;
}

/** The one log line an import writes. */
export interface ImportLog {
  info(details: object, message: string): void;
}

/** Told of the list's state while it imports and when it ends. */
export type ImportProgressListener = (list: RecipientList) => Promise<void>;

/** Rows stored per transaction; larger batches stay longer in memory and save little time. */
const BATCH_ROWS = 1_000;
const PROGRESS_EVERY_MS = 500;

/**
 * Reads an uploaded spreadsheet into its list: header, phone column, E.164 numbers, duplicates
 * and rejects with their row numbers, every other column as a variable. Streams end to end and
 * writes in batches; nothing it holds grows with the file (an xlsx's shared strings aside): a
 * number kept by an earlier batch is found by the list's unique (list_id, phone) index as the
 * batch is stored, so duplicates cost the database a lookup each and no memory here, and the
 * `seq` a late duplicate was given is left unused (seq orders a list; it may skip). Safe to run
 * again: it starts over.
 */
export async function importList(
  listId: string,
  deps: { store: ImportStore; tools: ImportTools; clock: Clock; log: ImportLog; tmpDir: string; onProgress?: ImportProgressListener },
): Promise<void> {
  const { store, tools, clock } = deps;
  const list = await store.lists.get(listId);
  // Deleted meanwhile, or imported already (a job repeated after a crash, see import-queue.ts).
  if (list?.status !== 'importing') return;
  const now = (): string => clock.now().toISOString();
  const report = async (): Promise<void> => {
    const current = await store.lists.get(listId);
    if (current && deps.onProgress) await deps.onProgress(current);
  };
  await store.lists.resetImport(listId, now());

  ensurePrivateDir(deps.tmpDir);
  const file = path.join(deps.tmpDir, `import-${listId}-${randomUUID()}`);
  const counts: ListCounts = { rows: 0, valid: 0, duplicates: 0, invalid: 0, blank: 0 };
  try {
    await pipeline(Readable.from(store.blobs.read(list.blobSha256)), fs.createWriteStream(file, { mode: 0o600 }));
    const fileType = await tools.detectFileType(file);

    let header: { columns: ListColumn[]; phoneIndex: number; rowNumber: number; variables: number[]; longest: number[] } | undefined;
    let batch = new Batch();
    let seq = 0;
    let lastProgress = Date.now();

    for await (const rows of tools.readRows(file, fileType)) {
      for (const row of rows) {
        const cells = row.cells;
        let blank = true;
        for (let index = 0; index < cells.length; index += 1) {
          const cell = (cells[index] ?? '').trim();
          cells[index] = cell;
          if (cell !== '') blank = false;
        }
        if (!header) {
          if (blank) continue;
          const found = tools.findPhoneColumn(cells, list.phoneColumn ?? undefined);
          if ('error' in found) {
            await store.lists.fail(listId, phoneColumnError(found, list.phoneColumn), counts, now());
            await report();
            return;
          }
          const columns = tools.buildColumns(cells);
          // The cells that are variables, in the order of the list's columns (variableColumns).
          const variables = columns.flatMap((_, index) => (index === found.index ? [] : [index]));
          header = { columns, phoneIndex: found.index, rowNumber: row.rowNumber, variables, longest: variables.map(() => 0) };
          const phoneColumn = columns[found.index]?.header ?? '';
          await store.lists.progress(listId, { counts, fileType, columns: variableColumns(columns, found.index), headerRow: row.rowNumber, phoneColumn }, now());
          continue;
        }
        counts.rows += 1;
        if (blank) {
          counts.blank += 1;
          continue;
        }
        const raw = cells[header.phoneIndex] ?? '';
        const phone = tools.normalizePhone(raw, list.defaultCountry);
        if (!phone.ok) {
          counts.invalid += 1;
          batch.rejects.push({ rowNumber: row.rowNumber, rawValue: clip(raw), reason: phone.reason, duplicateOfRow: null, values: valuesOf(header.variables, cells) });
        } else {
          // A copy within this batch is caught here; one of a number stored by an earlier batch, by
          // the database's unique index when the batch is stored (flush).
          const earlier = batch.firstRows.get(phone.e164);
          if (earlier === undefined) {
            batch.firstRows.set(phone.e164, row.rowNumber);
            batch.raw.set(row.rowNumber, clip(raw));
            const values = valuesOf(header.variables, cells);
            keepLongest(header.longest, values);
            batch.recipients.push({ seq: ++seq, rowNumber: row.rowNumber, phone: phone.e164, values });
          } else {
            counts.duplicates += 1;
            batch.rejects.push({ rowNumber: row.rowNumber, rawValue: clip(raw), reason: 'DUPLICATE', duplicateOfRow: earlier, values: valuesOf(header.variables, cells) });
          }
        }
      }
      if (batch.size() >= BATCH_ROWS) {
        await flush(listId, batch, counts, store);
        batch = new Batch();
        if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
          await store.lists.progress(listId, { counts }, now());
          await report();
          lastProgress = Date.now();
        }
      }
    }
    await flush(listId, batch, counts, store);
    if (!header) {
      await store.lists.fail(listId, { code: 'EMPTY_FILE', message: 'The file has no rows.' }, counts, now());
      await report();
      return;
    }
    if (list.purpose === 'suppression') await store.suppressions.addFromList(listId, list.businessUnit, now());
    const { longest } = header;
    const columns = variableColumns(header.columns, header.phoneIndex).map((column, index) => ({ ...column, maxLength: longest[index] ?? 0 }));
    await store.lists.complete(listId, { counts, columns }, now());
    await report();
    deps.log.info({ listId, ...counts }, 'list imported');
  } catch (error) {
    const failure = tools.asImportFailure(error);
    if (!failure) throw error;
    await store.lists.fail(listId, failure, counts, now());
    await report();
    deps.log.info({ listId, code: failure.code }, 'list import refused');
  } finally {
    fs.rmSync(file, { force: true });
  }
}

class Batch {
  /** Recipients to store, each number once: a later copy in the batch is a reject already. */
  recipients: NewRecipient[] = [];
  rejects: NewReject[] = [];
  /** The row of each number of `recipients`. */
  firstRows = new Map<string, number>();
  /** The cell as written, for a reject found only when the batch meets the database (a number an earlier batch stored). */
  raw = new Map<number, string>();
  size(): number {
    return this.recipients.length + this.rejects.length;
  }
}

async function flush(listId: string, batch: Batch, counts: ListCounts, store: ImportStore): Promise<void> {
  const skipped = await store.lists.insertRecipients(listId, batch.recipients);
  if (skipped.size > 0) {
    /** A row of this batch that turned out to be a copy → the row that was kept. */
    const keptFor = new Map<number, number>();
    for (const recipient of batch.recipients) {
      const kept = skipped.get(recipient.phone);
      if (kept === undefined) continue;
      keptFor.set(recipient.rowNumber, kept);
      batch.rejects.push({
        rowNumber: recipient.rowNumber,
        rawValue: batch.raw.get(recipient.rowNumber) ?? recipient.phone,
        reason: 'DUPLICATE',
        duplicateOfRow: kept,
        values: recipient.values,
      });
    }
    // Later copies in this batch were reported as copies of that row: name the kept one instead.
    for (const reject of batch.rejects) {
      const kept = reject.duplicateOfRow === null ? undefined : keptFor.get(reject.duplicateOfRow);
      if (kept !== undefined) reject.duplicateOfRow = kept;
    }
  }
  counts.valid += batch.recipients.length - skipped.size;
  counts.duplicates += skipped.size;
  await store.lists.insertRejects(listId, batch.rejects);
}

function variableColumns(columns: ListColumn[], phoneIndex: number): ListColumn[] {
  return columns.filter((_, index) => index !== phoneIndex);
}

/**
 * A reject keeps the phone cell as written, to show what was wrong with it; a phone number is a
 * few dozen characters at most, so a longer cell is cut (a rejects page is 1,000 of them).
 */
const RAW_VALUE_CHARS = 100;
function clip(raw: string): string {
  return raw.length <= RAW_VALUE_CHARS ? raw : `${raw.slice(0, RAW_VALUE_CHARS - 1)}…`;
}

/** Each column's longest value so far: the list's longest message is known without reading it again. */
function keepLongest(longest: number[], values: readonly string[]): void {
  for (let k = 0; k < values.length; k += 1) {
    const length = values[k]?.length ?? 0;
    if (length > (longest[k] ?? 0)) longest[k] = length;
  }
}

function valuesOf(variables: readonly number[], cells: string[]): string[] {
  const values = new Array<string>(variables.length);
  for (let k = 0; k < variables.length; k += 1) values[k] = cells[variables[k] ?? -1] ?? '';
  return values;
}

function phoneColumnError(found: { error: string; seen: string[] }, requested: string | null) {
  return {
    code: found.error,
    message:
      requested === null
        ? `No phone column found. Name it e.g. "phone" or "whatsapp", or say which it is with phoneColumn. Headers seen: ${found.seen.join(', ')}.`
        : `The column "${requested}" is not in the file. Headers seen: ${found.seen.join(', ')}.`,
    details: { headersSeen: found.seen },
  };
}
